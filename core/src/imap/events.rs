//! Mailbox events that arrive outside IDLE (during a fetch, a search, a NOOP), kept per
//! mailbox until an [`idle`](super::ImapClient::idle) or watch round, or
//! [`pending_events`](super::ImapClient::pending_events), takes them. Nothing is discarded
//! silently: past [`MAX_EVENTS`] the oldest event goes and its mailbox's next batch starts
//! with a counted [`MailboxEvent::Overflow`].

use std::collections::VecDeque;

use super::types::MailboxEvent;

/// Events kept at most, over every mailbox; past this the oldest are dropped and counted.
pub(crate) const MAX_EVENTS: usize = 10_000;

/// The waiting events of one client, oldest first, each with its mailbox.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    queue: VecDeque<(String, MailboxEvent)>,
    /// Events dropped per mailbox since its last batch was taken.
    dropped: Vec<(String, u64)>,
}

impl EventQueue {
    /// Queues `event` of `mailbox`. A new message count right after another one of the same
    /// mailbox replaces it (keeping the earlier one's `prev_count`).
    pub(crate) fn push(&mut self, mailbox: &str, event: MailboxEvent) {
        if let (
            MailboxEvent::Exists { count, .. },
            Some((last_box, MailboxEvent::Exists { count: last, .. })),
        ) = (&event, self.queue.back_mut())
        {
            if last_box == mailbox {
                *last = *count;
                return;
            }
        }
        if self.queue.len() >= MAX_EVENTS {
            if let Some((lost, _)) = self.queue.pop_front() {
                match self.dropped.iter_mut().find(|(m, _)| *m == lost) {
                    Some((_, n)) => *n += 1,
                    None => self.dropped.push((lost, 1)),
                }
            }
        }
        self.queue.push_back((mailbox.to_string(), event));
    }

    /// Whether events of `mailbox` are waiting.
    pub(crate) fn has(&self, mailbox: &str) -> bool {
        self.dropped.iter().any(|(m, _)| m == mailbox)
            || self.queue.iter().any(|(m, _)| m == mailbox)
    }

    /// Takes the waiting events of `mailbox`, oldest first, led by an
    /// [`MailboxEvent::Overflow`] when some of them had to be dropped. Other mailboxes'
    /// events stay.
    pub(crate) fn take(&mut self, mailbox: &str) -> Vec<MailboxEvent> {
        let mut out = Vec::new();
        if let Some(i) = self.dropped.iter().position(|(m, _)| m == mailbox) {
            let (_, dropped) = self.dropped.swap_remove(i);
            out.push(MailboxEvent::Overflow { dropped });
        }
        if self.queue.iter().all(|(m, _)| m == mailbox) {
            out.extend(self.queue.drain(..).map(|(_, e)| e));
            return out;
        }
        let mut rest = VecDeque::with_capacity(self.queue.len());
        for (m, e) in self.queue.drain(..) {
            if m == mailbox {
                out.push(e);
            } else {
                rest.push_back((m, e));
            }
        }
        self.queue = rest;
        out
    }

    /// The mailboxes with waiting events (or dropped ones).
    pub(crate) fn mailboxes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.dropped.iter().map(|(m, _)| m.clone()).collect();
        for (m, _) in &self.queue {
            if !out.contains(m) {
                out.push(m.clone());
            }
        }
        out
    }

    /// Moves `other`'s events (from a connection that is being replaced) in front of these.
    pub(crate) fn prepend(&mut self, mut other: EventQueue) {
        for (m, e) in std::mem::take(&mut self.queue) {
            other.push(&m, e);
        }
        for (m, n) in std::mem::take(&mut self.dropped) {
            match other.dropped.iter_mut().find(|(o, _)| *o == m) {
                Some((_, k)) => *k += n,
                None => other.dropped.push((m, n)),
            }
        }
        *self = other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(count: u32) -> MailboxEvent {
        MailboxEvent::Exists {
            count,
            prev_count: count - 1,
        }
    }

    #[test]
    fn each_mailbox_gets_its_own_events_and_the_others_stay() {
        let mut q = EventQueue::default();
        q.push("INBOX", exists(5));
        q.push("Sent", exists(2));
        q.push(
            "INBOX",
            MailboxEvent::Expunge {
                uids: Default::default(),
                seq: Some(1),
            },
        );
        assert!(q.has("Sent"));
        let inbox = q.take("INBOX");
        assert_eq!(inbox.len(), 2);
        assert!(matches!(inbox[0], MailboxEvent::Exists { count: 5, .. }));
        assert!(!q.has("INBOX"));
        assert_eq!(q.take("Sent").len(), 1);
        assert!(q.take("Sent").is_empty());
    }

    #[test]
    fn consecutive_counts_of_one_mailbox_merge_keeping_the_first_prev_count() {
        let mut q = EventQueue::default();
        q.push("INBOX", exists(5));
        q.push("INBOX", exists(6));
        q.push("Sent", exists(9));
        q.push("INBOX", exists(7));
        let inbox = q.take("INBOX");
        assert_eq!(
            inbox,
            vec![
                MailboxEvent::Exists {
                    count: 6,
                    prev_count: 4
                },
                MailboxEvent::Exists {
                    count: 7,
                    prev_count: 6
                },
            ]
        );
    }

    #[test]
    fn past_the_bound_the_oldest_go_and_their_mailbox_is_told_how_many() {
        let mut q = EventQueue::default();
        q.push(
            "Sent",
            MailboxEvent::Expunge {
                uids: Default::default(),
                seq: Some(1),
            },
        );
        for seq in 1..=MAX_EVENTS as u32 {
            q.push(
                "INBOX",
                MailboxEvent::Expunge {
                    uids: Default::default(),
                    seq: Some(seq),
                },
            );
        }
        // The Sent event was the oldest: it went first.
        assert_eq!(q.take("Sent"), vec![MailboxEvent::Overflow { dropped: 1 }]);
        q.push(
            "INBOX",
            MailboxEvent::Expunge {
                uids: Default::default(),
                seq: Some(0),
            },
        );
        let inbox = q.take("INBOX");
        assert_eq!(inbox[0], MailboxEvent::Overflow { dropped: 1 });
        assert_eq!(inbox.len(), MAX_EVENTS + 1);
        assert!(!q.has("INBOX"));
    }

    #[test]
    fn events_of_a_replaced_connection_come_first() {
        let mut old = EventQueue::default();
        old.push("INBOX", exists(3));
        let mut new = EventQueue::default();
        new.push(
            "INBOX",
            MailboxEvent::Expunge {
                uids: Default::default(),
                seq: Some(2),
            },
        );
        new.prepend(old);
        let inbox = new.take("INBOX");
        assert!(matches!(inbox[0], MailboxEvent::Exists { count: 3, .. }));
        assert_eq!(inbox.len(), 2);
    }
}
