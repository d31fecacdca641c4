//! Incremental sync on any server: what changed since a saved [`SyncState`], with QRESYNC,
//! with CONDSTORE alone, or with neither (docs/SYNC.md compares the three).

use imap_proto::{MailboxDatum, Response};

use super::client::ImapClient;
use super::command::{Command, UidSet};
use super::connection::{Connection, Selected};
use super::mailboxes::not_found_as;
use super::sync_state::{flag_key, flags_of_key, FlagDigest, FlagDigestBuilder, SyncMode};
use super::types::{FlagChange, SyncResult, SyncState};
use crate::error::{Error, Result};

impl ImapClient {
    /// Returns what changed in `mailbox` since `state`: new UIDs, flag changes and vanished
    /// UIDs, plus the state to store for next time. The answer has the same shape on every
    /// server; how it is learnt depends on what the server advertises, and the new state
    /// records it ([`SyncState::mode`]):
    ///
    /// - **QRESYNC**: one SELECT with the saved modseq; the server lists vanished UIDs and
    ///   changed flags.
    /// - **CONDSTORE only** (Gmail): SELECT, `UID SEARCH ALL` (ranges with ESEARCH) and
    ///   `UID FETCH 1:<old UIDNEXT - 1> (FLAGS) (CHANGEDSINCE <modseq>)`. New UIDs are those
    ///   from the old UIDNEXT on; vanished UIDs are the known UIDs (kept in the state as
    ///   ranges) that the search no longer returns, computed on ranges.
    /// - **Neither**: SELECT and `UID FETCH 1:* (FLAGS)`, compared with the known UIDs and a
    ///   compact record of their flags kept in the state: `changed` lists exactly the
    ///   messages whose flags differ (without modseqs, a flag changed and changed back in
    ///   between is not seen; `\Recent` is ignored). `modseq` is `None` there.
    ///
    /// `full_resync` is true only when there is nothing to compare with: no state, or the
    /// mailbox's UIDVALIDITY changed. Then every UID is in `new`, and `changed` and
    /// `vanished` are empty.
    ///
    /// A state made under another mode (the server's capabilities changed, or a `v1` state
    /// from an older mailwire) still works: a state without known UIDs reports as vanished
    /// every UID below its UIDNEXT that is not there now (ranges, which may hold UIDs this
    /// client never saw — as QRESYNC servers may too); one without a flag record on a server
    /// without CONDSTORE reports the flags of every message it knew as changed.
    ///
    /// Memory: UIDs from the server stay ranges until they are listed in `new`, which never
    /// holds more UIDs than the mailbox has messages (a server claiming more is a
    /// [`Protocol`](crate::ErrorKind::Protocol) error).
    ///
    /// # Cancel safety
    ///
    /// Cancelling leaves the client usable; nothing is stored, so the same `state` can be
    /// used again.
    pub async fn sync(&self, mailbox: &str, state: Option<SyncState>) -> Result<SyncResult> {
        let mut s = self.session().await?;
        let c = s.conn()?;
        let qresync = c.has_cap("QRESYNC");
        let condstore = qresync || c.has_cap("CONDSTORE");
        let qresync_params = state
            .as_ref()
            .filter(|st| qresync && st.highest_modseq > 0)
            .map(|st| (st.uid_validity, st.highest_modseq));
        let info = c
            .select_with(mailbox, qresync_params)
            .await
            .map_err(|e| not_found_as(e, mailbox))?;
        let sel = c.selected.clone().unwrap_or_default();
        // A mailbox without modseqs (`[NOMODSEQ]`) is synced as on a server without them.
        let modseq = sel.highest_modseq.filter(|&m| condstore && m > 0);
        let mode = match modseq {
            Some(_) if qresync => SyncMode::Qresync,
            Some(_) => SyncMode::Condstore,
            None => SyncMode::Basic,
        };
        let Some(old) = state.filter(|st| st.uid_validity == sel.uid_validity) else {
            return full_resync(c, &sel, mode).await;
        };
        if qresync_params.is_some() && mode == SyncMode::Qresync {
            return Ok(from_qresync(&old, &sel, info));
        }
        if modseq.is_some() && old.highest_modseq > 0 {
            return by_condstore(c, &sel, mode, &old).await;
        }
        by_flags(c, &sel, mode, &old).await
    }
}

/// The state to store after a sync in `mode`; `present` and `flags` are kept when the mode
/// needs them.
fn state_after(
    sel: &Selected,
    mode: SyncMode,
    present: Option<UidSet>,
    flags: Option<FlagDigest>,
) -> SyncState {
    // A message that arrived between SELECT and the search was reported already.
    let seen_next = present
        .as_ref()
        .and_then(|p| p.ranges().last())
        .map_or(0, |&(_, b)| b.saturating_add(1));
    let mut st = SyncState::new(
        sel.uid_validity,
        if mode == SyncMode::Basic {
            0
        } else {
            sel.highest_modseq.unwrap_or(0)
        },
        sel.uid_next.max(seen_next),
    );
    st.mode = mode;
    if mode != SyncMode::Qresync {
        st.known = present;
    }
    if mode == SyncMode::Basic {
        st.flags = flags;
    }
    st
}

/// No usable state: every UID is new.
async fn full_resync(c: &mut Connection, sel: &Selected, mode: SyncMode) -> Result<SyncResult> {
    let (present, flags) = if mode == SyncMode::Basic {
        let all = fetch_all_flags(c, sel).await?;
        (all.present, Some(all.digest))
    } else {
        (present_uids(c, sel).await?, None)
    };
    let new = present.iter().collect();
    Ok(SyncResult {
        state: state_after(sel, mode, Some(present), flags),
        new,
        changed: Vec::new(),
        vanished: UidSet::default(),
        full_resync: true,
    })
}

/// QRESYNC: the SELECT said it all.
fn from_qresync(old: &SyncState, sel: &Selected, info: super::client::SelectInfo) -> SyncResult {
    let mut new = Vec::new();
    let mut changed = Vec::new();
    for (uid, flags, modseq) in info.changed {
        if uid >= old.uid_next {
            new.push(uid);
        } else {
            changed.push(FlagChange { uid, flags, modseq });
        }
    }
    // UIDs from UIDNEXT on were never seen by this client, unless reported new in this
    // very answer.
    let new_gone: Vec<u32> = new
        .iter()
        .copied()
        .filter(|u| info.vanished.contains(*u))
        .collect();
    let vanished = UidSet::from_server_ranges(
        info.vanished
            .below(old.uid_next)
            .ranges()
            .iter()
            .copied()
            .chain(new_gone.iter().map(|&u| (u, u))),
    );
    new.retain(|u| !vanished.contains(*u));
    new.sort_unstable();
    new.dedup();
    changed.sort_by_key(|f| f.uid);
    SyncResult {
        state: state_after(sel, SyncMode::Qresync, None, None),
        new,
        changed,
        vanished,
        full_resync: false,
    }
}

/// CONDSTORE without QRESYNC: flags by CHANGEDSINCE, new and vanished by comparing the
/// UIDs present with those known.
async fn by_condstore(
    c: &mut Connection,
    sel: &Selected,
    mode: SyncMode,
    old: &SyncState,
) -> Result<SyncResult> {
    let present = present_uids(c, sel).await?;
    let (new, vanished) = compare(old, &present);
    let mut changed = Vec::new();
    if old.uid_next > 1 {
        let cmd = Command::new("UID FETCH").raw(&format!(
            "1:{} (FLAGS) (CHANGEDSINCE {})",
            old.uid_next - 1,
            old.highest_modseq
        ));
        c.run(cmd, |r| {
            let Response::Fetch(_, attrs) = r else {
                return Ok(false);
            };
            // A FETCH without UID or FLAGS is not an answer to this command: it stays an
            // event of the mailbox.
            let Some(super::types::MailboxEvent::Flags {
                uid: Some(uid),
                flags,
                modseq,
                ..
            }) = super::parse::flag_change(0, attrs)
            else {
                return Ok(false);
            };
            if uid < old.uid_next && holds(&present, uid) {
                changed.push(FlagChange { uid, flags, modseq });
            }
            Ok(true)
        })
        .await?;
    }
    changed.sort_by_key(|f| f.uid);
    changed.dedup_by_key(|f| f.uid);
    changed.retain(|f| new.binary_search(&f.uid).is_err());
    Ok(SyncResult {
        state: state_after(sel, mode, Some(present), None),
        new,
        changed,
        vanished,
        full_resync: false,
    })
}

/// Neither QRESYNC nor CONDSTORE (or no modseq to start from): every message's flags,
/// compared with the record in the state.
async fn by_flags(
    c: &mut Connection,
    sel: &Selected,
    mode: SyncMode,
    old: &SyncState,
) -> Result<SyncResult> {
    let all = fetch_all_flags(c, sel).await?;
    let (new, vanished) = compare(old, &all.present);
    let mut changed = Vec::new();
    let mut rank = old.known.as_ref().map(Rank::new);
    let mut before = old.flags.as_ref().map(FlagDigest::cursor);
    for &(uid, set) in &all.rows {
        if uid >= old.uid_next {
            continue;
        }
        let r = match &mut rank {
            Some(rank) => match rank.of(uid) {
                Some(r) => Some(r),
                // Not known: reported in `new`.
                None => continue,
            },
            None => None,
        };
        let now = all.digest.set(set);
        // Without a record of the flags, every known message is reported.
        let was = match (r, &mut before) {
            (Some(r), Some(before)) => before.at(r),
            _ => None,
        };
        if was != Some(now) {
            changed.push(FlagChange {
                uid,
                flags: flags_of_key(now),
                modseq: None,
            });
        }
    }
    Ok(SyncResult {
        state: state_after(sel, mode, Some(all.present), Some(all.digest)),
        new,
        changed,
        vanished,
        full_resync: false,
    })
}

/// New and vanished UIDs: `present` against what `old` knew. Without known UIDs, every
/// UID below the old UIDNEXT that is not present counts as vanished.
fn compare(old: &SyncState, present: &UidSet) -> (Vec<u32>, UidSet) {
    let below = old.uid_next;
    let before = present.below(below);
    let (vanished, unknown) = match &old.known {
        Some(known) => {
            let known = known.below(below);
            (minus(&known, &before), minus(&before, &known))
        }
        None if below > 1 => (
            minus(&UidSet::range(1, below - 1), &before),
            UidSet::default(),
        ),
        None => (UidSet::default(), UidSet::default()),
    };
    let mut new: Vec<u32> = unknown.iter().collect();
    new.extend(
        present
            .ranges()
            .iter()
            .filter(|&&(_, b)| b >= below)
            .flat_map(|&(a, b)| a.max(below)..=b),
    );
    (new, vanished)
}

/// `a` without the UIDs of `b`, on ranges (nothing is expanded).
fn minus(a: &UidSet, b: &UidSet) -> UidSet {
    let mut out = Vec::new();
    let bs = b.ranges();
    let mut j = 0;
    for &(mut x, y) in a.ranges() {
        while j < bs.len() && bs[j].1 < x {
            j += 1;
        }
        let mut k = j;
        loop {
            match bs.get(k) {
                Some(&(p, q)) if p <= y => {
                    if p > x {
                        out.push((x, p - 1));
                    }
                    if q >= y {
                        x = 0;
                        break;
                    }
                    x = q + 1;
                    k += 1;
                }
                _ => break,
            }
        }
        if x != 0 {
            out.push((x, y));
        }
    }
    UidSet::from_ranges(out)
}

/// Whether `uid` is in `set`, by binary search over its ranges.
fn holds(set: &UidSet, uid: u32) -> bool {
    let r = set.ranges();
    let i = r.partition_point(|&(_, b)| b < uid);
    r.get(i).is_some_and(|&(a, _)| a <= uid)
}

/// The rank of UIDs (their index among the known UIDs, ascending), for ascending UIDs.
struct Rank<'a> {
    ranges: &'a [(u32, u32)],
    i: usize,
    /// The rank of the first UID of `ranges[i]`.
    start: u64,
}

impl<'a> Rank<'a> {
    fn new(set: &'a UidSet) -> Self {
        Rank {
            ranges: set.ranges(),
            i: 0,
            start: 0,
        }
    }

    /// `None` when `uid` is not in the set. UIDs must not go down from call to call.
    fn of(&mut self, uid: u32) -> Option<u64> {
        while let Some(&(a, b)) = self.ranges.get(self.i) {
            if uid <= b {
                return (uid >= a).then(|| self.start + u64::from(uid - a));
            }
            self.start += u64::from(b - a) + 1;
            self.i += 1;
        }
        None
    }
}

/// The UIDs in the mailbox: `UID SEARCH RETURN (ALL) ALL` with ESEARCH (ranges), else
/// `UID SEARCH ALL` (a list, bounded by the response size limit).
async fn present_uids(c: &mut Connection, sel: &Selected) -> Result<UidSet> {
    let esearch = c.has_cap("ESEARCH");
    let cmd = if esearch {
        Command::new("UID SEARCH").raw("RETURN (ALL) ALL")
    } else {
        Command::new("UID SEARCH").raw("ALL")
    };
    c.take_esearch();
    let mut list: Vec<u32> = Vec::new();
    c.run(cmd, |r| {
        if let Response::MailboxData(MailboxDatum::Search(l)) = r {
            list.extend_from_slice(l);
            return Ok(true);
        }
        Ok(false)
    })
    .await?;
    let present = match c.take_esearch() {
        Some(found) => found.all,
        None => UidSet::from_server_ranges(list.into_iter().map(|u| (u, u))),
    };
    // The mailbox never holds more messages than it announced (EXISTS), at SELECT or since;
    // and ranges are listed in `new` only as far as the same UIDs sent one by one would
    // have fitted in the response size limit.
    let exists = sel.exists.max(c.selected.as_ref().map_or(0, |s| s.exists));
    let limit = u64::from(exists).min(c.max_uid_pairs() as u64 * 2);
    if present.count() > limit {
        return Err(Error::protocol(format!(
            "the IMAP server listed {} UIDs in a mailbox of {exists} messages",
            present.count()
        )));
    }
    Ok(present)
}

/// Every message's UID and flags, from `UID FETCH 1:* (FLAGS)`.
struct AllFlags {
    /// `(uid, index of its flag set in digest)`, ascending by UID.
    rows: Vec<(u32, u32)>,
    present: UidSet,
    digest: FlagDigest,
}

async fn fetch_all_flags(c: &mut Connection, sel: &Selected) -> Result<AllFlags> {
    let mut builder = FlagDigestBuilder::default();
    let mut rows: Vec<(u32, u32)> = Vec::new();
    if sel.exists > 0 {
        c.run(Command::new("UID FETCH").raw("1:* (FLAGS)"), |r| {
            let Response::Fetch(_, attrs) = r else {
                return Ok(false);
            };
            // A FETCH without UID or FLAGS is not an answer to this command: it stays an
            // event of the mailbox.
            let Some(super::types::MailboxEvent::Flags {
                uid: Some(uid),
                flags,
                ..
            }) = super::parse::flag_change(0, attrs)
            else {
                return Ok(false);
            };
            if uid > 0 {
                rows.push((uid, builder.intern(flag_key(&flags))));
            }
            Ok(true)
        })
        .await?;
    }
    // Servers answer in UID order; sort in case one does not, keeping the last answer.
    if !rows.windows(2).all(|w| w[0].0 < w[1].0) {
        rows.reverse();
        rows.sort_by_key(|&(uid, _)| uid);
        rows.dedup_by_key(|&mut (uid, _)| uid);
    }
    for &(_, set) in &rows {
        builder.push(set);
    }
    Ok(AllFlags {
        present: UidSet::from_ranges(ranges_of(rows.iter().map(|&(u, _)| u))),
        rows,
        digest: builder.finish(),
    })
}

/// Ranges of ascending UIDs.
fn ranges_of(uids: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for u in uids {
        match out.last_mut() {
            Some((_, b)) if b.checked_add(1) == Some(u) => *b = u,
            _ => out.push((u, u)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> UidSet {
        s.parse().unwrap()
    }

    #[test]
    fn minus_works_on_ranges() {
        assert_eq!(minus(&set("1:10"), &set("3:4,6,9:20")), set("1:2,5,7:8"));
        assert_eq!(minus(&set("1:10,20:30"), &set("5:25")), set("1:4,26:30"));
        assert_eq!(
            minus(&set("1:4294967294"), &set("2:4294967293")),
            set("1,4294967294")
        );
        assert!(minus(&set("3:4"), &set("1:10")).is_empty());
        assert_eq!(minus(&set("3:4"), &UidSet::default()), set("3:4"));
    }

    #[test]
    fn compare_finds_new_vanished_and_unknown() {
        let mut old = SyncState::new(1, 5, 11);
        old.known = Some(set("1:4,6:10"));
        let (new, vanished) = compare(&old, &set("1:3,6:10,12,14"));
        assert_eq!(new, vec![12, 14]);
        assert_eq!(vanished, set("4"));
        // Without known UIDs: whatever is missing below UIDNEXT.
        old.known = None;
        let (new, vanished) = compare(&old, &set("1:3,6:10,12"));
        assert_eq!(new, vec![12]);
        assert_eq!(vanished, set("4:5"));
        // A UID below UIDNEXT the state did not know is new.
        old.known = Some(set("1:4"));
        let (new, _) = compare(&old, &set("1:4,7"));
        assert_eq!(new, vec![7]);
        // An empty mailbox state.
        let old = SyncState::new(1, 5, 1);
        let (new, vanished) = compare(&old, &set("1:2"));
        assert_eq!((new, vanished), (vec![1, 2], UidSet::default()));
    }

    #[test]
    fn rank_counts_across_ranges() {
        let s = set("2:4,10,20:21");
        let mut r = Rank::new(&s);
        assert_eq!(r.of(1), None);
        assert_eq!(r.of(3), Some(1));
        assert_eq!(r.of(10), Some(3));
        assert_eq!(r.of(15), None);
        assert_eq!(r.of(21), Some(5));
        assert_eq!(r.of(22), None);
    }

    #[test]
    fn holds_searches_the_ranges() {
        let s = set("2:4,10,20:21");
        for (uid, want) in [
            (1, false),
            (2, true),
            (4, true),
            (5, false),
            (10, true),
            (21, true),
            (22, false),
        ] {
            assert_eq!(holds(&s, uid), want, "{uid}");
        }
        assert!(!holds(&UidSet::default(), 1));
    }
}
