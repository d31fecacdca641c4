//! IMAP IDLE: wait for the server to push changes of a mailbox.

use std::time::Duration;

use imap_proto::Response;
use tokio::time::Instant;

use super::client::ImapClient;
use super::command::Command;
// `later` saturates at about 30 years instead of panicking on an overflowing `Instant`
// (a caller may pass a huge timeout to mean "forever").
use super::connection::{later, Connection, IdleStage, Step};
use super::types::MailboxEvent;
use crate::error::{ErrorKind, Result};

/// How long to keep collecting after the first event, so a burst arrives as one batch.
const GRACE: Duration = Duration::from_millis(100);

impl ImapClient {
    /// Waits up to `timeout` for changes in `mailbox` (new messages, expunges, flag changes)
    /// and returns them; empty when nothing happened. Changes of `mailbox` that arrived
    /// earlier, during other calls, and were not taken by
    /// [`pending_events`](Self::pending_events) are returned at once, without IDLE.
    /// IDLE is re-issued before the server's limit ([`Timeouts::idle_reissue`](crate::Timeouts));
    /// servers without IDLE are polled with NOOP every few seconds.
    ///
    /// The client's connection is busy meanwhile; other calls wait.
    ///
    /// # Cancel safety
    ///
    /// Cancelling ends IDLE (DONE is sent before the next call runs).
    pub async fn idle(&self, mailbox: &str, timeout: Duration) -> Result<Vec<MailboxEvent>> {
        let reissue = self.idle_reissue();
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        c.idle_until(later(timeout), reissue, |c| c.events.has(mailbox))
            .await?;
        Ok(c.events.take(mailbox))
    }

    /// How often IDLE is renewed (at least every second).
    pub(crate) fn idle_reissue(&self) -> Duration {
        self.shared
            .config
            .timeouts
            .idle_reissue
            .max(Duration::from_secs(1))
    }
}

impl Connection {
    /// Waits in IDLE (renewed every `reissue`; NOOP polling without IDLE) until `ready`
    /// holds after what the server sent (and a short grace for the rest of a burst), or
    /// `deadline` passes. Returns at once when `ready` already holds.
    pub(crate) async fn idle_until(
        &mut self,
        deadline: Instant,
        reissue: Duration,
        ready: impl Fn(&Connection) -> bool,
    ) -> Result<()> {
        if ready(self) {
            return Ok(());
        }
        let c = self;
        if !c.has_cap("IDLE") {
            loop {
                c.run(Command::new("NOOP"), |_| Ok(false)).await?;
                let now = Instant::now();
                if ready(c) || now >= deadline {
                    return Ok(());
                }
                tokio::time::sleep((deadline - now).min(Duration::from_secs(5))).await;
            }
        }
        loop {
            let cmd = Command::new("IDLE");
            let tag = c.send(&cmd).await?;
            c.mark_idle(&tag, IdleStage::Requested);
            c.wait_continuation(&tag, "IDLE").await?;
            c.mark_idle(&tag, IdleStage::Idling);
            let round_end = deadline.min(later(reissue));
            let mut first_event: Option<Instant> = None;
            let mut server_ended = false;
            loop {
                let now = Instant::now();
                let mut until = round_end;
                if let Some(t) = first_event {
                    until = until.min(t + GRACE);
                }
                if now >= until {
                    break;
                }
                let read = c
                    .read_within(until - now, |c, r| {
                        if let Response::Done { tag: t, .. } = r {
                            if t.0 == tag {
                                return true;
                            }
                        }
                        c.absorb(r);
                        false
                    })
                    .await;
                match read {
                    Ok(true) => {
                        // The server ended IDLE on its own.
                        server_ended = true;
                        break;
                    }
                    Ok(false) => {
                        if first_event.is_none() && ready(c) {
                            first_event = Some(Instant::now());
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::Timeout => break,
                    Err(e) => {
                        c.mark_broken();
                        return Err(e);
                    }
                }
            }
            if !server_ended {
                c.send_done(&tag).await?;
                while let Step::Data(()) = c.read_for(&tag, "IDLE", |c, r| c.absorb(r)).await? {}
            } else {
                // Its completion was read above; the command is over.
                c.clear_pending();
            }
            if ready(c) || Instant::now() >= deadline {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_timeouts_saturate_instead_of_panicking() {
        let far = later(Duration::MAX);
        assert!(far > Instant::now() + Duration::from_secs(86_400 * 365));
        assert!(later(Duration::from_secs(1)) <= Instant::now() + Duration::from_secs(2));
    }
}
