//! IDLE push and CONDSTORE/QRESYNC sync, as two devices on the real Dovecot.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use mailwire::imap::{Flag, MailboxEvent, SearchQuery, SyncState, UidSet};

// conformance: imap.idle
#[tokio::test]
async fn idle_returns_empty_on_timeout() {
    let c = imap("t15").await;
    let start = Instant::now();
    let events = c.idle("INBOX", Duration::from_millis(700)).await.unwrap();
    assert!(events.is_empty(), "{events:?}");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(650) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // The client is usable right after.
    c.mailbox_status("INBOX").await.unwrap();
}

// conformance: imap.idle
#[tokio::test]
async fn idle_wakes_on_a_message_appended_by_another_device() {
    let c = imap("t16").await;
    let mb = unique("Idle");
    c.create_mailbox(&mb).await.unwrap();
    // Selected (empty) first: the append is reported however late `idle` starts.
    assert!(c.search(&mb, &SearchQuery::All).await.unwrap().is_empty());
    let writer = imap("t16").await;
    let mb2 = mb.clone();
    let append_at = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = Instant::now();
        writer
            .append(&mb2, &simple_message("a@x", "b@y", "push", "x"), &[], None)
            .await
            .unwrap();
        t
    });
    let events = c.idle(&mb, Duration::from_secs(10)).await.unwrap();
    let woke = Instant::now();
    let appended = append_at.await.unwrap();
    assert!(
        events.contains(&MailboxEvent::Exists {
            count: 1,
            prev_count: 0
        }),
        "{events:?}"
    );
    assert!(
        woke - appended < Duration::from_secs(1),
        "woke {:?} after the append",
        woke - appended
    );
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.events.flags-expunge
#[tokio::test]
async fn idle_reports_flag_changes_and_expunges_with_uids() {
    let c = imap("t17").await;
    let mb = unique("IdleFlags");
    c.create_mailbox(&mb).await.unwrap();
    let other = imap("t17").await;
    let u1 = other
        .append(&mb, &simple_message("a@x", "b@y", "1", "x"), &[], None)
        .await
        .unwrap()
        .unwrap();
    let u2 = other
        .append(&mb, &simple_message("a@x", "b@y", "2", "x"), &[], None)
        .await
        .unwrap()
        .unwrap();
    // Selected first, so `c` knows both messages: a change made before `idle` starts is
    // reported when it starts, one made later while it waits.
    c.search(&mb, &SearchQuery::All).await.unwrap();
    other.add_flags(&mb, u1, &[Flag::Flagged]).await.unwrap();
    let events = c.idle(&mb, Duration::from_secs(10)).await.unwrap();
    assert!(
        events.iter().any(|e| matches!(e, MailboxEvent::Flags { uid: Some(u), flags, .. } if *u == u1 && flags.contains(&Flag::Flagged))),
        "{events:?}"
    );
    let (o, mb2) = (other.clone(), mb.clone());
    let deleting = tokio::spawn(async move { o.delete_messages(&mb2, u2).await });
    // Deleting sets \Deleted, then expunges: the server may report the flag in one round
    // and the expunge in the next.
    let expunged = |e: &MailboxEvent| matches!(e, MailboxEvent::Expunge { uids, .. } if *uids == UidSet::from(u2));
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !events.iter().any(expunged) {
        assert!(Instant::now() < deadline, "no expunge: {events:?}");
        events.extend(c.idle(&mb, Duration::from_secs(10)).await.unwrap());
    }
    deleting.await.unwrap().unwrap();
    assert!(
        events.iter().all(|e| expunged(e)
            || matches!(e, MailboxEvent::Flags { uid: Some(u), flags, .. } if *u == u2 && flags.contains(&Flag::Deleted))),
        "only the expunge and the \\Deleted flag of {u2}: {events:?}"
    );
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.idle
#[tokio::test]
async fn idle_is_reissued_before_the_server_limit() {
    let mut cfg = imap_config("t18");
    cfg.timeouts.idle_reissue = Duration::from_millis(400);
    let c = mailwire::ImapClient::connect(cfg).await.unwrap();
    let mb = unique("Reissue");
    c.create_mailbox(&mb).await.unwrap();
    assert!(c.search(&mb, &SearchQuery::All).await.unwrap().is_empty());
    let writer = imap("t18").await;
    let mb2 = mb.clone();
    tokio::spawn(async move {
        // Arrives after two re-issues.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        writer
            .append(&mb2, &simple_message("a@x", "b@y", "late", "x"), &[], None)
            .await
            .unwrap();
    });
    let events = c.idle(&mb, Duration::from_secs(10)).await.unwrap();
    assert!(
        events.contains(&MailboxEvent::Exists {
            count: 1,
            prev_count: 0
        }),
        "{events:?}"
    );
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.cancel
#[tokio::test]
async fn a_cancelled_idle_leaves_the_client_usable() {
    let c = imap("t19").await;
    let r = tokio::time::timeout(
        Duration::from_millis(300),
        c.idle("INBOX", Duration::from_secs(60)),
    )
    .await;
    assert!(r.is_err(), "idle should still be running");
    // DONE is sent and the IDLE completion read before this runs.
    let st = c.mailbox_status("INBOX").await.unwrap();
    assert!(st.uid_validity > 0);
    assert!(c
        .search("INBOX", &mailwire::imap::SearchQuery::All)
        .await
        .is_ok());
}

/// An IDLE dropped after it was sent but before the server's `+` arrived: the client waits
/// for the `+`, sends DONE and reads the completion, instead of waiting for a completion the
/// server will only send after DONE.
// conformance: imap.cancel
#[tokio::test]
async fn an_idle_cancelled_before_its_continuation_leaves_the_client_usable() {
    use futures_util::FutureExt;
    let mut config = imap_config("t63");
    // Short enough that a client waiting for a completion that never comes fails the test
    // quickly, long enough for a loaded machine.
    config.timeouts.command = Duration::from_secs(8);
    let c = mailwire::ImapClient::connect(config).await.unwrap();
    let (cap, _guard) = Capture::start();
    for round in 0..5 {
        // INBOX is selected now, so the first poll of idle() writes IDLE and then waits.
        c.search("INBOX", &mailwire::imap::SearchQuery::All)
            .await
            .unwrap();
        let first_poll = c.idle("INBOX", Duration::from_secs(60)).now_or_never();
        assert!(
            first_poll.is_none(),
            "idle returned at once in round {round}"
        );
        let st = c.mailbox_status("INBOX").await;
        assert!(st.is_ok(), "round {round}: {st:?}");
    }
    c.noop().await.unwrap();
    let trace = cap.text();
    // Each IDLE was ended with DONE on the same connection: no stall, no reconnect.
    assert_eq!(trace.matches("C: DONE").count(), 5, "{trace}");
    assert!(!trace.contains("reconnecting"), "{trace}");
}

// conformance: imap.sync
#[tokio::test]
async fn sync_as_two_devices_sees_exactly_the_changes() {
    let phone = imap("t20").await;
    let laptop = imap("t20").await;
    let mb = unique("Sync");
    laptop.create_mailbox(&mb).await.unwrap();
    let mut uids = Vec::new();
    for i in 0..5 {
        uids.push(
            laptop
                .append(
                    &mb,
                    &simple_message("a@x", "b@y", &format!("s{i}"), "x"),
                    &[],
                    None,
                )
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // First sync: everything is new.
    let first = phone.sync(&mb, None).await.unwrap();
    assert!(first.full_resync);
    assert_eq!(first.new, uids);
    // The state survives a round trip through a string (as an app would store it).
    let stored = first.state.to_string();
    let state: SyncState = stored.parse().unwrap();

    // The laptop changes things.
    laptop.add_flags(&mb, uids[1], &[Flag::Seen]).await.unwrap();
    laptop
        .add_flags(&mb, uids[2], &[Flag::Keyword("$Later".into())])
        .await
        .unwrap();
    laptop
        .delete_messages(&mb, vec![uids[3], uids[4]])
        .await
        .unwrap();
    let added = laptop
        .append(&mb, &simple_message("a@x", "b@y", "new", "x"), &[], None)
        .await
        .unwrap()
        .unwrap();

    let second = phone.sync(&mb, Some(state)).await.unwrap();
    assert!(!second.full_resync);
    assert_eq!(second.new, vec![added]);
    assert_eq!(second.vanished, UidSet::from(vec![uids[3], uids[4]]));
    let changed: Vec<u32> = second.changed.iter().map(|c| c.uid).collect();
    assert_eq!(changed, vec![uids[1], uids[2]]);
    assert!(second.changed[0].flags.contains(&Flag::Seen));
    assert!(second.changed[1]
        .flags
        .contains(&Flag::Keyword("$Later".into())));

    // Nothing changed since: an empty answer.
    let third = phone.sync(&mb, Some(second.state)).await.unwrap();
    assert!(
        third.new.is_empty() && third.changed.is_empty() && third.vanished.is_empty(),
        "{third:?}"
    );

    // A state from another UIDVALIDITY (the mailbox was recreated) means a full resync.
    let mut stale = third.state;
    stale.uid_validity = stale.uid_validity.wrapping_sub(1);
    let fourth = phone.sync(&mb, Some(stale)).await.unwrap();
    assert!(fourth.full_resync);
    assert_eq!(fourth.new, vec![uids[0], uids[1], uids[2], added]);
    laptop.delete_mailbox(&mb).await.unwrap();
    assert!("garbage".parse::<SyncState>().is_err());
}

/// The watch contract every face hands on: changes come as they happen, a cancel ends the
/// `next` in flight with Closed and leaves the client usable.
// conformance: imap.watch
#[tokio::test]
async fn a_watcher_reports_changes_and_a_cancel_ends_it() {
    let c = imap("t19").await;
    let mb = unique("Watch");
    c.create_mailbox(&mb).await.unwrap();
    let w = std::sync::Arc::new(c.watcher(mb.as_str()));
    assert_eq!(w.mailbox(), mb);

    // A change by another device arrives through `next`. The other device appends until
    // the watch has seen one, so no guess about when IDLE began is needed.
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let seen = seen.clone();
        let mb = mb.clone();
        tokio::spawn(async move {
            let other = imap("t19").await;
            let mut appended = 0;
            while !seen.load(std::sync::atomic::Ordering::SeqCst) {
                other
                    .append(&mb, b"Subject: w\r\n\r\nx\r\n", &[], None)
                    .await
                    .unwrap();
                appended += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            appended
        })
    };
    let events = w.next(Some(Duration::from_secs(30))).await.unwrap();
    seen.store(true, std::sync::atomic::Ordering::SeqCst);
    let appended = writer.await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, MailboxEvent::Exists { count, .. } if *count >= 1)),
        "{events:?}"
    );

    // A cancel ends the next in flight with Closed, and every later one.
    let pending = {
        let w = w.clone();
        tokio::spawn(async move { w.next(None).await })
    };
    let handle = w.cancel_handle();
    handle.cancel();
    let e = pending.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), mailwire::ErrorKind::Closed, "{e}");
    assert!(w.is_cancelled());
    assert_eq!(
        w.next(None).await.unwrap_err().kind(),
        mailwire::ErrorKind::Closed
    );
    // The client is usable right after.
    let all = c
        .search(&mb, &mailwire::imap::SearchQuery::All)
        .await
        .unwrap();
    let fresh = imap("t19")
        .await
        .search(&mb, &mailwire::imap::SearchQuery::All)
        .await
        .unwrap();
    // The watching session may learn of the last append only after its SEARCH (IMAP lets
    // the server announce it then); another session sees them all.
    assert!(all.iter().all(|u| fresh.contains(u)), "{all:?} {fresh:?}");
    assert_eq!(fresh.len(), appended, "{fresh:?}");
    c.delete_mailbox(&mb).await.unwrap();
}

/// A watch ends at its first error: the error once, then Closed naming it; nothing retries.
// conformance: imap.watch
#[tokio::test]
async fn a_watch_ends_at_its_first_error() {
    let c = imap("t19").await;
    let w = c.watcher(unique("NoSuchMailbox"));
    let e = w.next(Some(Duration::from_secs(5))).await.unwrap_err();
    assert_eq!(e.kind(), mailwire::ErrorKind::NotFound, "{e}");
    let later = w.next(Some(Duration::from_secs(5))).await.unwrap_err();
    assert_eq!(later.kind(), mailwire::ErrorKind::Closed, "{later}");
    assert!(
        later.to_string().contains("ended after an error"),
        "{later}"
    );
    assert!(!w.is_cancelled());
    // The client itself is fine.
    c.mailbox_status("INBOX").await.unwrap();
}

// conformance: imap.events.flags-expunge
#[tokio::test]
async fn a_watch_reports_a_flag_change_then_an_expunge_made_elsewhere() {
    let c = imap("t17").await;
    let mb = unique("WatchEvents");
    c.create_mailbox(&mb).await.unwrap();
    let other = imap("t17").await;
    let mut uids = Vec::new();
    for subject in ["kept", "doomed"] {
        let m = simple_message("a@x", "b@y", subject, "x");
        uids.push(other.append(&mb, &m, &[], None).await.unwrap().unwrap());
    }
    let (u1, u2) = (uids[0], uids[1]);
    // The watching client selects the mailbox first, so it knows both messages: the server
    // reports changes to them whenever they happen, during a round of IDLE or at the next.
    // (A message added and removed between two rounds is never reported: the client never
    // knew it.)
    assert_eq!(
        c.search(&mb, &SearchQuery::All).await.unwrap(),
        vec![u1, u2]
    );
    let watcher = Arc::new(c.watcher(mb.clone()));
    let seen = Arc::new(Mutex::new(Vec::<MailboxEvent>::new()));
    let (w, s) = (watcher.clone(), seen.clone());
    let watching = tokio::spawn(async move {
        loop {
            match w.next(None).await {
                Ok(events) => s.lock().unwrap().extend(events),
                Err(e) => return e,
            }
        }
    });
    other.add_flags(&mb, u1, &[Flag::Flagged]).await.unwrap();
    wait_for(&seen, "flags event", |e| {
        matches!(e, MailboxEvent::Flags { uid: Some(u), flags, .. } if *u == u1 && flags.contains(&Flag::Flagged))
    })
    .await;
    other.delete_messages(&mb, u2).await.unwrap();
    wait_for(
        &seen,
        "expunge event",
        |e| matches!(e, MailboxEvent::Expunge { uids, .. } if *uids == UidSet::from(u2)),
    )
    .await;
    // Nothing ended the watch on the way; cancelling ends it with Closed.
    assert!(!watching.is_finished());
    watcher.cancel();
    let end = watching.await.unwrap();
    assert_eq!(end.kind(), mailwire::ErrorKind::Closed, "{end}");
    c.delete_mailbox(&mb).await.unwrap();
}

/// Waits (up to 20 s) until `seen` holds an event that is `found`.
async fn wait_for(
    seen: &Mutex<Vec<MailboxEvent>>,
    what: &str,
    found: impl Fn(&MailboxEvent) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.lock().unwrap().iter().any(&found) {
        assert!(
            Instant::now() < deadline,
            "no {what}: {:?}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// conformance: imap.events.pending
#[tokio::test]
async fn events_seen_during_other_calls_wait_under_their_mailbox_until_taken() {
    let c = imap("t17").await;
    let (mb, elsewhere) = (unique("Pending"), unique("PendingElsewhere"));
    c.create_mailbox(&mb).await.unwrap();
    c.create_mailbox(&elsewhere).await.unwrap();
    let other = imap("t17").await;
    let msg = |n: &str| simple_message("a@x", "b@y", n, "x");
    let u1 = other
        .append(&mb, &msg("1"), &[], None)
        .await
        .unwrap()
        .unwrap();
    c.search(&mb, &SearchQuery::All).await.unwrap();
    other
        .append(&mb, &msg("2"), &[], None)
        .await
        .unwrap()
        .unwrap();
    other.add_flags(&mb, u1, &[Flag::Flagged]).await.unwrap();
    // The NOOP brings both changes; then the client works in another mailbox.
    c.noop().await.unwrap();
    c.search(&elsewhere, &SearchQuery::All).await.unwrap();
    assert_eq!(c.pending_events(&elsewhere).await.unwrap(), vec![]);
    // Both changes, in the order the server sent them.
    let events = c.pending_events(&mb).await.unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.contains(&MailboxEvent::Exists {
        count: 2,
        prev_count: 1
    }));
    assert!(
        events.iter().any(|e| matches!(e, MailboxEvent::Flags { uid: Some(u), flags, .. } if *u == u1 && flags.contains(&Flag::Flagged))),
        "{events:?}"
    );
    assert_eq!(c.pending_events(&mb).await.unwrap(), vec![], "taken once");

    // What arrives during another call is the next `idle`'s first answer, not lost when
    // IDLE starts.
    c.search(&mb, &SearchQuery::All).await.unwrap();
    other.add_flags(&mb, u1, &[Flag::Seen]).await.unwrap();
    c.noop().await.unwrap();
    let events = c.idle(&mb, Duration::from_secs(20)).await.unwrap();
    assert!(
        matches!(&events[..], [MailboxEvent::Flags { uid: Some(u), flags, .. }] if *u == u1 && flags.contains(&Flag::Seen)),
        "{events:?}"
    );
    c.delete_mailbox(&mb).await.unwrap();
    c.delete_mailbox(&elsewhere).await.unwrap();
}
