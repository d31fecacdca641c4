//! The server goes away in the middle of a large fetch: the call fails in time with a
//! connection error, and the client reconnects on the next call once the server is back.
//! Its own test binary, because it stops the shared devserver (cargo runs test binaries
//! one after another).
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use mailwire::imap::{FetchOptions, UidSet};
use mailwire::{ErrorKind, Timeouts};

/// The tests here disturb the server: they run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn devserver(cmd: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../devserver/devserver");
    let st = Command::new(script)
        .arg(cmd)
        .status()
        .expect("run devserver");
    assert!(st.success(), "devserver {cmd}");
}

#[tokio::test]
async fn server_stopped_mid_fetch_fails_fast_and_client_recovers() {
    let _serial = SERIAL.lock().await;
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
    let uids = c
        .search(&mb, &mailwire::imap::SearchQuery::All)
        .await
        .unwrap();
    let mut stream = c
        .fetch(&mb, UidSet::all(), FetchOptions::default())
        .await
        .unwrap();
    assert!(stream.next().await.unwrap().is_some());

    let start = Instant::now();
    devserver("stop");
    let mut err = None;
    for _ in 0..uids.len() {
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
    // Fetch whole bodies while the server is down: the connection is gone.
    let e = match err {
        Some(e) => e,
        None => c.fetch_raw(&mb, uids[1]).await.unwrap_err(),
    };
    assert!(
        matches!(e.kind(), ErrorKind::Connect | ErrorKind::Timeout),
        "{e:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
    let e = c.mailbox_status(&mb).await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Connect | ErrorKind::Timeout),
        "{e:?}"
    );

    devserver("start");
    // The next call reconnects, and nothing was lost.
    let st = c.mailbox_status(&mb).await.unwrap();
    assert_eq!(st.messages as usize, uids.len());
    assert!(c.fetch_raw(&mb, uids[0]).await.unwrap().len() > 100_000);
    c.delete_mailbox(&mb).await.unwrap();
}

#[tokio::test]
async fn a_hung_server_hits_the_command_deadline_and_the_next_call_reconnects() {
    let _serial = SERIAL.lock().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../devserver/devserver");
    let signal = |sig: &str| {
        let st = Command::new(script)
            .args(["kill-sessions", "t26", sig])
            .status()
            .unwrap();
        assert!(st.success());
    };
    let mut cfg = imap_config("t26");
    cfg.timeouts = Timeouts {
        command: Duration::from_millis(800),
        ..Timeouts::default()
    };
    let c = mailwire::ImapClient::connect(cfg).await.unwrap();
    c.mailbox_status("INBOX").await.unwrap();
    signal("STOP"); // the server process hangs: it neither answers nor closes
    let start = Instant::now();
    let err = c.mailbox_status("INBOX").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    signal("KILL");
    // The timed-out connection was dropped; this call opens a new one.
    assert!(c.mailbox_status("INBOX").await.unwrap().uid_validity > 0);
}
