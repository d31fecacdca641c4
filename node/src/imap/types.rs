//! What the IMAP methods share: UIDs in and out (ranges kept as ranges), flags, modseqs,
//! and the canceller behind `cancel()` / `close()` of watchers and streams.

use std::sync::Arc;

use mailwire::imap as core;
use mailwire::imap::UidSet;
use napi::bindgen_prelude::Either;
use napi_derive::napi;
use tokio::sync::watch;

use crate::error::{invalid, Result};

/// UIDs: an array of numbers, or a string such as `"1:*"`, `"*"`, `"100:*"` or `"1:5,7"`.
#[napi]
pub type Uids = Either<String, Vec<i64>>;

/// The core's UID set for `uids`.
pub(crate) fn uid_set(uids: Uids) -> Result<UidSet> {
    match uids {
        Either::B(list) => {
            let mut out = Vec::with_capacity(list.len());
            for n in list {
                let uid = u32::try_from(n)
                    .map_err(|_| invalid(format!("{n} is not a UID (1 .. 2**32-1)")))?;
                if uid > 0 {
                    out.push(uid);
                }
            }
            Ok(UidSet::from(out))
        }
        Either::A(s) => parse_uid_string(&s),
    }
}

/// Parses IMAP set syntax (`5`, `1:5,7`, `10:*`, `*`) into ranges; nothing is expanded, so
/// `"1:4294967295"` is one range.
fn parse_uid_string(s: &str) -> Result<UidSet> {
    let s = s.trim();
    let bad = || {
        invalid(format!(
            "{s:?} is not a UID set: use numbers, \"1:*\", \"N:*\" or \"1:5,7\""
        ))
    };
    if s == "*" || s.eq_ignore_ascii_case("all") {
        return Ok(UidSet::all());
    }
    let uid = |t: &str| -> Result<u32> {
        match t.trim() {
            "*" => Ok(u32::MAX),
            t => t.parse::<u32>().map_err(|_| bad()),
        }
    };
    let mut ranges = Vec::new();
    for item in s.split(',') {
        let (a, b) = match item.split_once(':') {
            Some((a, b)) => (uid(a)?, uid(b)?),
            None => (uid(item)?, uid(item)?),
        };
        ranges.push((a, b));
    }
    Ok(UidSet::from_ranges(ranges))
}

/// A UID set as `[first, last]` pairs (inclusive, ascending; a `last` of 4294967295 means
/// `*`): the ranges cross as they are, never expanded.
pub(crate) fn ranges_out(set: &UidSet) -> Vec<Vec<u32>> {
    set.ranges().iter().map(|&(a, b)| vec![a, b]).collect()
}

pub(crate) fn flags_in(flags: Vec<String>) -> Vec<core::Flag> {
    flags.iter().map(|f| core::Flag::parse(f)).collect()
}

pub(crate) fn flags_out(flags: Vec<core::Flag>) -> Vec<String> {
    flags.iter().map(|f| f.as_imap().to_string()).collect()
}

pub(crate) fn modseq(m: u64) -> i64 {
    i64::try_from(m).unwrap_or(i64::MAX)
}

/// Cancels a pending call from another call (`cancel()` on a watcher or stream).
#[derive(Clone)]
pub(crate) struct Canceller(pub(crate) Arc<watch::Sender<bool>>);

impl Canceller {
    pub(crate) fn new() -> Self {
        Canceller(Arc::new(watch::channel(false).0))
    }

    pub(crate) fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Runs `fut` unless cancelled first; a cancelled call fails with `Closed`.
    pub(crate) async fn run<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let mut rx = self.0.subscribe();
        tokio::select! {
            r = fut => r,
            _ = rx.wait_for(|c| *c) => Err(crate::error::to_napi(mailwire::Error::new(
                mailwire::ErrorKind::Closed,
                "cancelled",
            ))),
        }
    }
}
