//! NOTIFY (RFC 5465) for [`watch_many`](super::ImapClient::watch_many): one connection
//! hears about changes in many mailboxes, as STATUS responses while it idles with none
//! selected.

use std::time::Duration;

use super::client::ImapClient;
use super::command::Command;
use super::connection::{later, Connection};
use super::events::EventQueue;
use crate::error::Result;

/// The events NOTIFY reports, for the selected mailbox and the others.
const EVENTS: &str = "(MessageNew MessageExpunge FlagChange)";

impl Connection {
    /// Leaves the selected mailbox, if any (UNSELECT).
    async fn unselect_any(&mut self) -> Result<()> {
        if let Some(name) = self.selected.as_ref().map(|s| s.name.clone()) {
            self.unselect_if(&name).await?;
        }
        Ok(())
    }
}

impl ImapClient {
    /// Asks for notifications of `mailboxes` (and of the selected one while a sync runs),
    /// with a STATUS of each at once so that nothing between the last sync and now is
    /// missed.
    pub(crate) async fn notify_set(&self, mailboxes: &[String]) -> Result<()> {
        let mut s = self.session().await?;
        let c = s.conn()?;
        c.unselect_any().await?;
        let mut cmd = Command::new("NOTIFY SET STATUS")
            .raw(&format!("(selected {EVENTS})"))
            .raw("(mailboxes")
            .raw("(");
        for m in mailboxes {
            cmd = cmd.mailbox(m)?;
        }
        cmd = cmd.raw(")").raw(&format!("{EVENTS})"));
        c.run(cmd, |_| Ok(false)).await?;
        Ok(())
    }

    /// Waits up to `timeout`, idling with no mailbox selected, until NOTIFY names changed
    /// mailboxes; returns them, and whether there were too many to keep (then every
    /// watched mailbox may have changed). Empty on timeout.
    pub(crate) async fn wait_notified(&self, timeout: Duration) -> Result<(Vec<String>, bool)> {
        let reissue = self.idle_reissue();
        let mut s = self.session().await?;
        let c = s.conn()?;
        // Changes of the mailbox a sync had selected came as events: that mailbox changed.
        let mut changed = std::mem::take(&mut c.events).mailboxes();
        c.unselect_any().await?;
        changed.extend(std::mem::take(&mut c.events).mailboxes());
        if changed.is_empty() {
            c.idle_until(later(timeout), reissue, |c| {
                !c.notified.is_empty() || c.notify_overflow
            })
            .await?;
        }
        c.events = EventQueue::default();
        for m in std::mem::take(&mut c.notified) {
            if !changed.contains(&m) {
                changed.push(m);
            }
        }
        Ok((changed, std::mem::take(&mut c.notify_overflow)))
    }
}
