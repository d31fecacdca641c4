//! Incremental sync with CONDSTORE/QRESYNC: what changed since a saved [`SyncState`].

use imap_proto::{MailboxDatum, Response};

use super::client::ImapClient;
use super::command::{Command, UidSet};
use super::mailboxes::not_found_as;
use super::types::{FlagChange, SyncResult, SyncState};
use crate::error::Result;

impl ImapClient {
    /// Returns what changed in `mailbox` since `state`: new UIDs, flag changes and vanished
    /// UIDs, plus the state to store for next time. With no state, or when the mailbox's
    /// UIDVALIDITY changed, the answer is a full resync (`full_resync`, every UID in `new`).
    ///
    /// Uses QRESYNC when the server has it; otherwise every sync is a full resync.
    pub async fn sync(&self, mailbox: &str, state: Option<SyncState>) -> Result<SyncResult> {
        let mut s = self.session().await?;
        let c = s.conn()?;
        let qresync = c.has_cap("QRESYNC");
        let usable = state.filter(|st| qresync && st.highest_modseq > 0);
        let info = c
            .select_with(
                mailbox,
                usable.map(|st| (st.uid_validity, st.highest_modseq)),
            )
            .await
            .map_err(|e| not_found_as(e, mailbox))?;
        let sel = c.selected.clone().unwrap_or_default();
        let new_state = SyncState {
            uid_validity: sel.uid_validity,
            highest_modseq: sel.highest_modseq.unwrap_or(0),
            uid_next: sel.uid_next,
        };
        match usable {
            Some(old) if old.uid_validity == sel.uid_validity => {
                let mut new = Vec::new();
                let mut changed = Vec::new();
                for (uid, flags, modseq) in info.changed {
                    if uid >= old.uid_next {
                        new.push(uid);
                    } else {
                        changed.push(FlagChange { uid, flags, modseq });
                    }
                }
                // UIDs from UIDNEXT on were never seen by this client, unless reported
                // new in this very answer.
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
                changed.sort_by_key(|f| f.uid);
                Ok(SyncResult {
                    state: new_state,
                    new,
                    changed,
                    vanished,
                    full_resync: false,
                })
            }
            _ => {
                let mut all = Vec::new();
                c.run(Command::new("UID SEARCH ALL"), |r| {
                    if let Response::MailboxData(MailboxDatum::Search(list)) = r {
                        all.extend_from_slice(list);
                        return Ok(true);
                    }
                    Ok(false)
                })
                .await?;
                all.sort_unstable();
                Ok(SyncResult {
                    state: new_state,
                    new: all,
                    changed: Vec::new(),
                    vanished: UidSet::default(),
                    full_resync: true,
                })
            }
        }
    }
}
