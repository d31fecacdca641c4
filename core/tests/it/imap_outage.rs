//! The server process dies or hangs in the middle of a session: the call fails in time with
//! a connection or timeout error, nothing hangs, and the next call reconnects. The devserver
//! signals only the IMAP processes of this test's user, so other suites are not disturbed.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use mailwire::imap::{FetchOptions, SearchQuery, UidSet};
use mailwire::{ErrorKind, Timeouts};

/// Sends `signal` to the IMAP server processes serving `user`.
fn signal_sessions(user: &str, signal: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../devserver/devserver");
    let st = Command::new(script)
        .args(["kill-sessions", user, signal])
        .status()
        .expect("run devserver");
    assert!(st.success(), "devserver kill-sessions {user} {signal}");
}

// conformance: imap.outage
#[tokio::test]
async fn server_killed_mid_fetch_fails_fast_and_the_next_call_reconnects() {
    let mut cfg = imap_config("t23");
    cfg.timeouts = Timeouts {
        command: Duration::from_secs(5),
        ..Timeouts::default()
    };
    let c = mailwire::ImapClient::connect(cfg).await.unwrap();
    let mb = unique("Outage");
    c.create_mailbox(&mb).await.unwrap();
    let blob = random_bytes(100_000, 4);
    for _ in 0..150 {
        c.append(&mb, &rich_message("big", &blob), &[], None)
            .await
            .unwrap();
    }
    let uids = c.search(&mb, &SearchQuery::All).await.unwrap();
    // Fetch whole bodies one after another; the server process dies after the first.
    assert!(c.fetch_raw(&mb, uids[0]).await.unwrap().len() > 100_000);
    let mut stream = c
        .fetch(&mb, UidSet::all(), FetchOptions::default())
        .await
        .unwrap();
    assert!(stream.next().await.unwrap().is_some());
    let start = Instant::now();
    signal_sessions("t23", "KILL");
    let mut err = None;
    loop {
        match stream.next().await {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    drop(stream);
    // The kill may land after the server sent everything; then the next call sees it.
    let e = match err {
        Some(e) => e,
        None => c.fetch_raw(&mb, uids[1]).await.unwrap_err(),
    };
    assert!(
        matches!(e.kind(), ErrorKind::Connect | ErrorKind::Timeout),
        "{e:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "took {:?}",
        start.elapsed()
    );

    // The next call reconnects, and nothing was lost.
    let st = c.mailbox_status(&mb).await.unwrap();
    assert_eq!(st.messages as usize, uids.len());
    assert!(c.fetch_raw(&mb, uids[0]).await.unwrap().len() > 100_000);
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.outage
#[tokio::test]
async fn a_hung_server_hits_the_command_deadline_and_the_next_call_reconnects() {
    let mut cfg = imap_config("t26");
    cfg.timeouts = Timeouts {
        command: Duration::from_millis(800),
        ..Timeouts::default()
    };
    let c = mailwire::ImapClient::connect(cfg).await.unwrap();
    c.mailbox_status("INBOX").await.unwrap();
    signal_sessions("t26", "STOP"); // the server process hangs: it neither answers nor closes
    let start = Instant::now();
    let err = c.mailbox_status("INBOX").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    signal_sessions("t26", "KILL");
    // The timed-out connection was dropped; this call opens a new one.
    assert!(c.mailbox_status("INBOX").await.unwrap().uid_validity > 0);
}
