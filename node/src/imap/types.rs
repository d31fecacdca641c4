//! What the IMAP methods share: UIDs in and out (ranges kept as ranges), flags, modseqs,
//! and the canceller behind `cancel()` / `close()` of watchers and streams.

use mailwire::imap as core;
use mailwire::imap::UidSet;
use napi::bindgen_prelude::Either;
use napi_derive::napi;

use crate::error::{invalid, IntoNapi, Result};

/// UIDs: an array of numbers, or a string such as `"1:*"`, `"*"`, `"100:*"` or `"1:5,7"`.
#[napi]
pub type Uids = Either<String, Vec<i64>>;

/// The core's UID set for `uids`.
pub(crate) fn uid_set(uids: Uids) -> Result<UidSet> {
    match uids {
        Either::B(list) => {
            let mut out = Vec::with_capacity(list.len());
            for n in list {
                // 0 is kept: the core refuses it, as in every face.
                let uid = u32::try_from(n)
                    .map_err(|_| invalid(format!("{n} is not a UID (1 .. 2**32-1)")))?;
                out.push(uid);
            }
            Ok(UidSet::from(out))
        }
        // The core's one UID grammar (`5`, `1:5,7`, `10:*`, `*`); ranges stay ranges.
        Either::A(s) => s.parse().napi(),
    }
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

/// Cancels a pending call from another call (`cancel()` on a watcher or stream): the
/// core's [`CancelHandle`](core::CancelHandle), whose contract every face shares.
#[derive(Clone, Default)]
pub(crate) struct Canceller(pub(crate) core::CancelHandle);

impl Canceller {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn cancel(&self) {
        self.0.cancel();
    }

    /// Runs `fut` unless cancelled first; a cancelled call fails with `ECLOSED`.
    pub(crate) async fn run<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        self.0
            .until_cancelled(fut)
            .await
            .map_err(crate::error::to_napi)?
    }
}
