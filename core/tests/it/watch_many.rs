//! Several mailboxes watched at once, on the real Dovecot: changes reported as sync found
//! them, under the connection cap, and caught up after the server drops the connections.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use mailwire::imap::{Flag, MultiWatcher, SyncResult, WatchEvent, WatchOptions};
use mailwire::ErrorKind;

/// Collects reports until `done` says the collection is complete (30 s at most).
async fn collect(w: &MultiWatcher, done: impl Fn(&[WatchEvent]) -> bool) -> Vec<WatchEvent> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut all = Vec::new();
    while !done(&all) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "incomplete: {all:?}");
        match tokio::time::timeout(left, w.next()).await {
            Ok(batch) => all.extend(batch.unwrap()),
            Err(_) => panic!("incomplete: {all:?}"),
        }
    }
    all
}

/// The changes of `mailbox` among `events`, merged.
fn changes_of<'a>(events: &'a [WatchEvent], mailbox: &str) -> Vec<&'a SyncResult> {
    events
        .iter()
        .filter_map(|e| match e {
            WatchEvent::Changed {
                mailbox: m,
                changes,
            } if m == mailbox => Some(changes),
            _ => None,
        })
        .collect()
}

fn new_uids(events: &[WatchEvent], mailbox: &str) -> Vec<u32> {
    changes_of(events, mailbox)
        .iter()
        .flat_map(|c| c.new.clone())
        .collect()
}

/// Three mailboxes watched; another client adds to each and flags one: every change is
/// reported once, on `expected` connections.
async fn three_mailboxes(user: &str, options: WatchOptions, expected: usize) {
    let c = imap(user).await;
    let boxes: Vec<String> = (0..3).map(|i| unique(&format!("Many{i}"))).collect();
    for b in &boxes {
        c.create_mailbox(b).await.unwrap();
    }
    let u0 = c
        .append(
            &boxes[0],
            &simple_message("a@x", "b@y", "old", "x"),
            &[],
            None,
        )
        .await
        .unwrap()
        .unwrap();
    let w = c.watch_many(&boxes, options).unwrap();
    // The watch starts from the content it finds: wait until both connections stand there.
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.connections() < expected {
        assert!(Instant::now() < deadline, "{} connections", w.connections());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut uids = Vec::new();
    for b in &boxes {
        uids.push(
            c.append(b, &simple_message("a@x", "b@y", "new", "x"), &[], None)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    c.add_flags(&boxes[0], u0, &[Flag::Flagged]).await.unwrap();
    let events = collect(&w, |ev| {
        boxes
            .iter()
            .zip(&uids)
            .all(|(b, u)| new_uids(ev, b).contains(u))
            && changes_of(ev, &boxes[0])
                .iter()
                .any(|c| c.changed.iter().any(|f| f.uid == u0))
    })
    .await;
    // Nothing reported twice or for the starting content.
    for (b, u) in boxes.iter().zip(&uids) {
        assert_eq!(new_uids(&events, b), [*u], "{events:?}");
    }
    assert_eq!(w.connections(), expected);
    w.cancel();
    assert_eq!(w.next().await.unwrap_err().kind(), ErrorKind::Closed);
    for b in &boxes {
        c.delete_mailbox(b).await.unwrap();
    }
}

// conformance: imap.watch.many
#[tokio::test]
async fn with_notify_one_connection_reports_changes_in_three_mailboxes() {
    // Dovecot offers NOTIFY (RFC 5465): one connection for all three.
    three_mailboxes("t53", WatchOptions::default(), 1).await;
}

// conformance: imap.watch.many
#[tokio::test]
async fn without_notify_three_mailboxes_are_watched_under_a_cap_of_two_connections() {
    let mut options = WatchOptions::default();
    (options.max_connections, options.poll_interval) = (2, Duration::from_millis(300));
    options.use_notify = false;
    // One IDLE connection for the first mailbox, one polling the other two.
    three_mailboxes("t56", options, 2).await;
}

// conformance: imap.watch.many
#[tokio::test]
async fn after_the_server_drops_the_connection_the_watch_reconnects_and_catches_up() {
    // One mailbox: its own IDLE connection.
    reconnects_and_catches_up("t54", 1).await;
}

// conformance: imap.watch.many
#[tokio::test]
async fn after_the_server_drops_the_notify_connection_the_watch_reconnects_and_catches_up() {
    // Two mailboxes: one NOTIFY connection for both.
    reconnects_and_catches_up("t57", 2).await;
}

/// Watches `count` mailboxes of `user`, has the server drop every session of `user`, and
/// appends meanwhile to the first: a `Reconnected` report and the new message follow.
async fn reconnects_and_catches_up(user: &str, count: usize) {
    let c = imap(user).await;
    let boxes: Vec<String> = (0..count)
        .map(|i| unique(&format!("ManyReconnect{i}")))
        .collect();
    for b in &boxes {
        c.create_mailbox(b).await.unwrap();
    }
    let mb = boxes[0].clone();
    let mut options = WatchOptions::default();
    (options.backoff_min, options.backoff_max) =
        (Duration::from_millis(100), Duration::from_millis(400));
    let w = c.watch_many(&boxes, options).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.connections() < 1 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = c
        .append(&mb, &simple_message("a@x", "b@y", "1", "x"), &[], None)
        .await
        .unwrap()
        .unwrap();
    collect(&w, |ev| new_uids(ev, &mb).contains(&first)).await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../devserver/devserver");
    let st = Command::new(script)
        .args(["kill-sessions", user, "TERM"])
        .status()
        .unwrap();
    assert!(st.success());
    // Appended while the watch is down or coming back: either way it is reported. (`c`
    // lost its connection too: its next call would fail once, so a new client appends.)
    let c = imap(user).await;
    let second = c
        .append(&mb, &simple_message("a@x", "b@y", "2", "x"), &[], None)
        .await
        .unwrap()
        .unwrap();
    let events = collect(&w, |ev| {
        new_uids(ev, &mb).contains(&second)
            && ev
                .iter()
                .any(|e| matches!(e, WatchEvent::Reconnected { mailbox, .. } if *mailbox == mb))
    })
    .await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WatchEvent::Reconnected { attempts, .. } if *attempts >= 1)),
        "{events:?}"
    );
    w.cancel();
    for b in &boxes {
        c.delete_mailbox(b).await.unwrap();
    }
}
