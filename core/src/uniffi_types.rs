//! The `uniffi` feature: the core's boundary types are the Swift and Kotlin types.
//!
//! Records and enums derive `uniffi::Record` / `uniffi::Enum` where they are defined, and
//! the crate root sets up the component, `mailwire_core` (bindings/ffi exports it beside its
//! own, `mailwire`). This module says how the few field types uniffi does not carry by itself
//! cross the boundary.
//!
//! | Rust field type | Swift / Kotlin | name in the bindings |
//! |---|---|---|
//! | `chrono::DateTime<FixedOffset>` | `Date` / `java.time.Instant` (the offset is not kept) | `DateTime` |
//! | [`UidSet`] (server-reported ranges) | `[UidRange]` / `List<UidRange>`, never expanded | `UidRanges` |
//! | [`SyncState`] | its string form (`v1:…`) | `SyncState` |
//! | `(String, String)` header | [`Header`] | `HeaderField` |
//! | `(u32, u32)` source and destination UID | [`UidPair`] | `UidPairTuple` |

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{FixedOffset, TimeZone, Utc};

use crate::imap::{SyncState, UidSet};

type DateTime = chrono::DateTime<FixedOffset>;

uniffi::custom_type!(DateTime, SystemTime, {
    remote,
    lower: |d| SystemTime::from(d),
    try_lift: |t| time_from(t),
});

/// `t` in UTC; an error (not chrono's panic) for a time beyond chrono's range (±262,000
/// years).
fn time_from(t: SystemTime) -> uniffi::Result<DateTime> {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs())?, d.subsec_nanos()),
        Err(e) => {
            let (secs, nanos) = (
                i64::try_from(e.duration().as_secs())?,
                e.duration().subsec_nanos(),
            );
            if nanos == 0 {
                (-secs, 0)
            } else {
                (-secs - 1, 1_000_000_000 - nanos)
            }
        }
    };
    let utc = Utc.timestamp_opt(secs, nanos).single();
    utc.map(|t| t.fixed_offset())
        .ok_or_else(|| uniffi::deps::anyhow::anyhow!("the time {t:?} is out of range"))
}

/// A run of consecutive UIDs, `first` to `last` inclusive (`first <= last`). The server
/// reports removed UIDs as ranges and they stay ranges: a `last` of 4294967295 means `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct UidRange {
    /// The first UID of the range.
    pub first: u32,
    /// The last UID of the range (inclusive).
    pub last: u32,
}

/// The ranges of a [`UidSet`], ascending and disjoint, as they are (never expanded).
type UidRanges = UidSet;

uniffi::custom_type!(UidRanges, Vec<UidRange>, {
    lower: |s| s.ranges().iter().map(|&(first, last)| UidRange { first, last }).collect(),
    try_lift: |v| Ok(UidSet::from_ranges(v.into_iter().map(|r| (r.first, r.last)))),
});

uniffi::custom_type!(SyncState, String, {
    lower: |s| s.to_string(),
    try_lift: |s| Ok(s.parse()?),
});

/// A header as (name, value).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    /// The header name (`X-Mailer`).
    pub name: String,
    /// The value, decoded and unfolded.
    pub value: String,
}

type HeaderField = (String, String);

uniffi::custom_type!(HeaderField, Header, {
    remote,
    lower: |h| Header { name: h.0, value: h.1 },
    try_lift: |h| Ok((h.name, h.value)),
});

/// Source UID → destination UID of a copied or moved message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct UidPair {
    /// The UID in the source mailbox.
    pub source: u32,
    /// The UID in the destination mailbox.
    pub destination: u32,
}

type UidPairTuple = (u32, u32);

uniffi::custom_type!(UidPairTuple, UidPair, {
    remote,
    lower: |p| UidPair { source: p.0, destination: p.1 },
    try_lift: |p| Ok((p.source, p.destination)),
});
