//! The sync state string: where a mailbox stood at the last [`sync`](crate::ImapClient::sync)
//! and which of the three ways that sync was made ([`SyncMode`]).
//!
//! # Format
//!
//! `v2:<mode>:<uidvalidity>:<highestmodseq>:<uidnext>[:<payload>]`, with `<mode>` one of
//! `qresync`, `condstore`, `basic`. The payload (URL-safe base64 without padding) is there
//! for `condstore` and `basic`: the UIDs the client knows, as ranges, and for `basic` the
//! flags of each of them (below). `v1:<uidvalidity>:<highestmodseq>:<uidnext>`, written by
//! mailwire before 2026-12, is still read: as `qresync` when its modseq is above 0, else as
//! `basic`, in both cases without known UIDs (see [`ImapClient::sync`](crate::ImapClient::sync)
//! for what a state without them gives).
//!
//! Payload bytes, every number an unsigned LEB128 varint:
//! - the known UIDs: the number of ranges, then per ascending range `first - previous last`
//!   (the previous last is 0 before the first range) and `last - first`;
//! - `basic` only, the flags: the number of distinct flag sets, each as its length and its
//!   UTF-8 text (the flags sorted and joined by spaces, `\Recent` left out), then runs over
//!   the known UIDs in ascending order: the number of runs, then per run how many UIDs in a
//!   row have the same set and that set's index. The runs cover every known UID.
//!
//! A mailbox of 10,000 messages with a few gaps and mostly read mail takes some tens of
//! bytes; the worst case (every other UID expunged, flags alternating) about 4 bytes per
//! message.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use base64::Engine;

use super::command::UidSet;
use super::types::Flag;
use crate::error::{Error, Result};

/// How a [`sync`](crate::ImapClient::sync) learnt what changed; recorded in the
/// [`SyncState`] string, chosen from what the server advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncMode {
    /// QRESYNC (RFC 7162): SELECT with the saved modseq; the server lists the vanished UIDs
    /// and the changed flags.
    Qresync,
    /// CONDSTORE without QRESYNC (Gmail): flags through `CHANGEDSINCE`, new and vanished UIDs
    /// by comparing `UID SEARCH ALL` (ranges with ESEARCH) with the known UIDs in the state.
    Condstore,
    /// Neither (a bare IMAP4rev1 server): `UID FETCH 1:* (FLAGS)` compared with the known
    /// UIDs and the flags kept in the state.
    Basic,
}

impl SyncMode {
    /// The name in the state string: `"qresync"`, `"condstore"` or `"basic"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Qresync => "qresync",
            SyncMode::Condstore => "condstore",
            SyncMode::Basic => "basic",
        }
    }

    fn parse(s: &str) -> Option<SyncMode> {
        Some(match s {
            "qresync" => SyncMode::Qresync,
            "condstore" => SyncMode::Condstore,
            "basic" => SyncMode::Basic,
            _ => return None,
        })
    }
}

impl fmt::Display for SyncMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a mailbox stood at the last [`sync`](crate::ImapClient::sync); store it as a string
/// (`to_string()`, read back with `parse()`; the format is in the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyncState {
    /// UID validity at that time.
    pub uid_validity: u32,
    /// Highest modseq at that time (0 without CONDSTORE).
    pub highest_modseq: u64,
    /// UIDNEXT at that time: UIDs from here on are new.
    pub uid_next: u32,
    pub(crate) mode: SyncMode,
    /// The UIDs the client knows (every message at that time): `condstore` and `basic`.
    pub(crate) known: Option<UidSet>,
    /// The flags of each known UID: `basic`.
    pub(crate) flags: Option<FlagDigest>,
}

impl SyncState {
    /// A state from the three numbers alone (as a `v1` string held them): QRESYNC when
    /// `highest_modseq` is above 0, else basic, with no known UIDs.
    pub fn new(uid_validity: u32, highest_modseq: u64, uid_next: u32) -> Self {
        SyncState {
            uid_validity,
            highest_modseq,
            uid_next,
            mode: if highest_modseq > 0 {
                SyncMode::Qresync
            } else {
                SyncMode::Basic
            },
            known: None,
            flags: None,
        }
    }

    /// How the sync that made this state worked.
    pub fn mode(&self) -> SyncMode {
        self.mode
    }

    /// The UIDs the client knew at that time, as ranges (CONDSTORE and basic modes; `None`
    /// for QRESYNC, where the server keeps track).
    pub fn known_uids(&self) -> Option<&UidSet> {
        self.known.as_ref()
    }
}

impl fmt::Display for SyncState {
    /// `v2:<mode>:<uidvalidity>:<highestmodseq>:<uidnext>[:<payload>]` (module docs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v2:{}:{}:{}:{}",
            self.mode, self.uid_validity, self.highest_modseq, self.uid_next
        )?;
        if let Some(known) = &self.known {
            let mut out = Vec::new();
            put_ranges(&mut out, known);
            if self.mode == SyncMode::Basic {
                let empty = FlagDigest::default();
                self.flags.as_ref().unwrap_or(&empty).put(&mut out);
            }
            write!(
                f,
                ":{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
            )?;
        }
        Ok(())
    }
}

impl FromStr for SyncState {
    type Err = Error;

    /// Reads a `v2` or `v1` state; anything else is
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput).
    fn from_str(s: &str) -> Result<Self> {
        let shown: String = s.chars().take(60).collect();
        let more = if s.chars().nth(60).is_some() {
            "…"
        } else {
            ""
        };
        let bad = |why: &str| {
            Error::invalid_input(format!(
                "{shown:?}{more} is not a mailwire sync state ({why})"
            ))
        };
        let mut it = s.trim().split(':');
        let version = it.next().unwrap_or_default();
        let mode = match version {
            "v1" => None,
            "v2" => Some(
                it.next()
                    .and_then(SyncMode::parse)
                    .ok_or_else(|| bad("unknown mode"))?,
            ),
            _ => return Err(bad("unknown version")),
        };
        let mut num = || {
            it.next()
                .and_then(|x| x.parse::<u64>().ok())
                .ok_or_else(|| bad("a number is missing or malformed"))
        };
        let uid_validity = u32::try_from(num()?).map_err(|_| bad("UIDVALIDITY too large"))?;
        let highest_modseq = num()?;
        let uid_next = u32::try_from(num()?).map_err(|_| bad("UIDNEXT too large"))?;
        let mut state = SyncState::new(uid_validity, highest_modseq, uid_next);
        let payload = it.next();
        if it.next().is_some() {
            return Err(bad("too many fields"));
        }
        let Some(mode) = mode else {
            return match payload {
                None => Ok(state),
                Some(_) => Err(bad("too many fields")),
            };
        };
        state.mode = mode;
        if let Some(p) = payload {
            if mode == SyncMode::Qresync {
                return Err(bad("a qresync state has no payload"));
            }
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .map_err(|_| bad("the payload is not base64"))?;
            let mut r = Reader {
                b: &bytes,
                bad: &bad,
            };
            let known = r.ranges()?;
            if mode == SyncMode::Basic {
                let flags = FlagDigest::read(&mut r)?;
                if flags.total() != known.count() {
                    return Err(bad("the flags do not cover the known UIDs"));
                }
                state.flags = Some(flags);
            }
            if !r.b.is_empty() {
                return Err(bad("bytes after the payload"));
            }
            state.known = Some(known);
        }
        Ok(state)
    }
}

/// The flags of a run of known UIDs, compactly: distinct flag sets and runs of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct FlagDigest {
    /// Distinct flag sets, each canonical (see [`flag_key`]).
    sets: Vec<String>,
    /// `(how many UIDs in a row, index into sets)`, in ascending UID order.
    runs: Vec<(u32, u32)>,
}

/// Builds a [`FlagDigest`] from flag sets given in ascending UID order.
#[derive(Debug, Default)]
pub(crate) struct FlagDigestBuilder {
    digest: FlagDigest,
    index: HashMap<String, u32>,
}

impl FlagDigestBuilder {
    /// The index of `key` (from [`flag_key`]), added when new. Interning does not append.
    pub(crate) fn intern(&mut self, key: String) -> u32 {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = u32::try_from(self.digest.sets.len()).unwrap_or(u32::MAX);
        self.digest.sets.push(key.clone());
        self.index.insert(key, i);
        i
    }

    /// Appends the next UID's set.
    pub(crate) fn push(&mut self, i: u32) {
        match self.digest.runs.last_mut() {
            Some((n, last)) if *last == i && *n < u32::MAX => *n += 1,
            _ => self.digest.runs.push((1, i)),
        }
    }

    pub(crate) fn finish(self) -> FlagDigest {
        self.digest
    }
}

/// The canonical text of a flag set for a digest: sorted, without duplicates and without
/// `\Recent` (which a server clears between sessions, not a change anyone made).
pub(crate) fn flag_key(flags: &[Flag]) -> String {
    let mut v: Vec<&str> = flags
        .iter()
        .filter(|f| **f != Flag::Recent)
        .map(Flag::as_imap)
        .collect();
    v.sort_unstable();
    v.dedup();
    v.join(" ")
}

/// The flags of a canonical set's text.
pub(crate) fn flags_of_key(key: &str) -> Vec<Flag> {
    key.split(' ')
        .filter(|s| !s.is_empty())
        .map(Flag::parse)
        .collect()
}

impl FlagDigest {
    /// The flag set of index `i` (from [`FlagDigestBuilder::intern`]).
    pub(crate) fn set(&self, i: u32) -> &str {
        self.sets.get(i as usize).map_or("", String::as_str)
    }

    fn total(&self) -> u64 {
        self.runs.iter().map(|&(n, _)| u64::from(n)).sum()
    }

    /// A reader of the sets in UID order: `at(rank)` for ascending ranks.
    pub(crate) fn cursor(&self) -> DigestCursor<'_> {
        DigestCursor {
            d: self,
            run: 0,
            run_start: 0,
        }
    }

    fn put(&self, out: &mut Vec<u8>) {
        put_varint(out, self.sets.len() as u64);
        for s in &self.sets {
            put_varint(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        put_varint(out, self.runs.len() as u64);
        for &(n, i) in &self.runs {
            put_varint(out, u64::from(n));
            put_varint(out, u64::from(i));
        }
    }

    fn read(r: &mut Reader<'_, '_>) -> Result<FlagDigest> {
        let mut d = FlagDigest::default();
        let n_sets = r.varint()?;
        for _ in 0..n_sets {
            let len = usize::try_from(r.varint()?).map_err(|_| r.bad("flag set too long"))?;
            if len > r.b.len() {
                return Err(r.bad("flag set too long"));
            }
            let (text, rest) = r.b.split_at(len);
            r.b = rest;
            let text = std::str::from_utf8(text).map_err(|_| r.bad("flags not UTF-8"))?;
            d.sets.push(text.to_string());
        }
        let n_runs = r.varint()?;
        for _ in 0..n_runs {
            let n = r.u32()?;
            let i = r.u32()?;
            if n == 0 || i as usize >= d.sets.len() {
                return Err(r.bad("a malformed flag run"));
            }
            d.runs.push((n, i));
        }
        Ok(d)
    }
}

/// See [`FlagDigest::cursor`].
pub(crate) struct DigestCursor<'a> {
    d: &'a FlagDigest,
    run: usize,
    /// The rank of the first UID of `run`.
    run_start: u64,
}

impl DigestCursor<'_> {
    /// The set of the known UID of rank `rank` (0 = the lowest); ranks must not go down.
    pub(crate) fn at(&mut self, rank: u64) -> Option<&str> {
        while let Some(&(n, _)) = self.d.runs.get(self.run) {
            if rank < self.run_start + u64::from(n) {
                break;
            }
            self.run_start += u64::from(n);
            self.run += 1;
        }
        let &(_, i) = self.d.runs.get(self.run)?;
        self.d.sets.get(i as usize).map(String::as_str)
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_ranges(out: &mut Vec<u8>, set: &UidSet) {
    put_varint(out, set.ranges().len() as u64);
    let mut prev = 0u32;
    for &(a, b) in set.ranges() {
        put_varint(out, u64::from(a - prev));
        put_varint(out, u64::from(b - a));
        prev = b;
    }
}

struct Reader<'a, 'f> {
    b: &'a [u8],
    bad: &'f dyn Fn(&str) -> Error,
}

impl Reader<'_, '_> {
    fn bad(&self, why: &str) -> Error {
        (self.bad)(why)
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some((&byte, rest)) = self.b.split_first() else {
                return Err(self.bad("the payload ends too early"));
            };
            self.b = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.bad("a number is too long"))
    }

    fn u32(&mut self) -> Result<u32> {
        let v = self.varint()?;
        u32::try_from(v).map_err(|_| self.bad("a number is too large"))
    }

    /// Ranges as [`put_ranges`] writes them: ascending, disjoint, not adjacent, no UID 0.
    fn ranges(&mut self) -> Result<UidSet> {
        let n = self.varint()?;
        let mut ranges = Vec::new();
        let mut prev = 0u32;
        for k in 0..n {
            let gap = self.u32()?;
            let len = self.u32()?;
            if gap == 0 || (k > 0 && gap < 2) {
                return Err(self.bad("UID ranges out of order"));
            }
            let a = prev
                .checked_add(gap)
                .ok_or_else(|| self.bad("a UID above 4294967295"))?;
            let b = a
                .checked_add(len)
                .ok_or_else(|| self.bad("a UID above 4294967295"))?;
            ranges.push((a, b));
            prev = b;
        }
        Ok(UidSet::from_ranges(ranges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(sets: &[&[Flag]]) -> FlagDigest {
        let mut b = FlagDigestBuilder::default();
        for s in sets {
            let i = b.intern(flag_key(s));
            b.push(i);
        }
        b.finish()
    }

    // conformance: imap.sync
    #[test]
    fn sync_state_round_trips() {
        let s = SyncState::new(17, 1234567890123, 42);
        let text = s.to_string();
        assert_eq!(text, "v2:qresync:17:1234567890123:42");
        assert_eq!(text.parse::<SyncState>().unwrap(), s);

        let mut c = SyncState::new(17, 99, 5000);
        c.mode = SyncMode::Condstore;
        c.known = Some(UidSet::from_ranges([(1, 4000), (4002, 4999)]));
        let text = c.to_string();
        assert!(text.starts_with("v2:condstore:17:99:5000:"), "{text}");
        assert!(text.len() < 40, "{text}");
        assert_eq!(text.parse::<SyncState>().unwrap(), c);

        let mut b = SyncState::new(3, 0, 8);
        b.mode = SyncMode::Basic;
        b.known = Some(UidSet::from(vec![1, 2, 3, 5, 7]));
        b.flags = Some(digest(&[
            &[Flag::Seen],
            &[Flag::Recent, Flag::Seen],
            &[],
            &[Flag::Keyword("$Later".into()), Flag::Flagged],
            &[],
        ]));
        let text = b.to_string();
        assert!(text.starts_with("v2:basic:3:0:8:"), "{text}");
        let back: SyncState = text.parse().unwrap();
        assert_eq!(back, b);
        assert_eq!(back.mode(), SyncMode::Basic);
        let d = back.flags.as_ref().unwrap();
        let mut cur = d.cursor();
        assert_eq!(cur.at(0), Some("\\Seen"));
        assert_eq!(
            cur.at(1),
            Some("\\Seen"),
            "\\Recent is not part of a digest"
        );
        assert_eq!(cur.at(2), Some(""));
        assert_eq!(cur.at(3), Some("$Later \\Flagged"));
        assert_eq!(cur.at(5), None);

        // An empty mailbox still has a (known, empty) payload.
        let mut e = SyncState::new(3, 0, 1);
        e.mode = SyncMode::Basic;
        e.known = Some(UidSet::default());
        e.flags = Some(FlagDigest::default());
        assert_eq!(e.to_string().parse::<SyncState>().unwrap(), e);
    }

    #[test]
    fn v1_states_are_still_read() {
        let s: SyncState = "v1:17:1234:42".parse().unwrap();
        assert_eq!(
            (s.uid_validity, s.highest_modseq, s.uid_next, s.mode()),
            (17, 1234, 42, SyncMode::Qresync)
        );
        assert!(s.known_uids().is_none());
        let s: SyncState = "v1:17:0:42".parse().unwrap();
        assert_eq!(s.mode(), SyncMode::Basic);
        assert!(s.known_uids().is_none() && s.flags.is_none());
    }

    #[test]
    fn bad_states_are_invalid_input() {
        for bad in [
            "",
            "v3:qresync:1:2:3",
            "v1:1:2",
            "v1:1:x:3",
            "v1:1:2:3:AAA",
            "v2:fast:1:2:3",
            "v2:qresync:1:2:3:AAA",
            "v2:condstore:1:2:3:!!",
            "v2:condstore:1:2:3:AQ",         // one range, then nothing
            "v2:condstore:1:2:3:AAA",        // bytes after the payload
            "v2:condstore:1:2:3:AgEAAQA",    // second range adjacent to the first
            "v2:condstore:1:2:3:AQH_____Dw", // a UID above 2^32 - 1
            "v2:basic:1:0:3:AQEAAAA",        // one known UID, no flag run
            "v2:condstore:1:2:3:4:5",
        ] {
            let e = bad.parse::<SyncState>().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn a_large_mailbox_state_stays_small() {
        // 100,000 messages, a few expunged, mostly read: some tens of bytes.
        let mut known: Vec<u32> = (1..=100_000).collect();
        known.retain(|u| u % 9_999 != 0);
        let mut b = FlagDigestBuilder::default();
        for u in &known {
            let i = b.intern(flag_key(if *u > 99_990 { &[] } else { &[Flag::Seen] }));
            b.push(i);
        }
        let mut s = SyncState::new(1, 0, 100_001);
        s.mode = SyncMode::Basic;
        s.known = Some(UidSet::from(known));
        s.flags = Some(b.finish());
        let text = s.to_string();
        assert!(text.len() < 120, "{} bytes: {text}", text.len());
        assert_eq!(text.parse::<SyncState>().unwrap(), s);
    }
}
