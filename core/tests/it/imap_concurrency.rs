//! One client shared by many tasks; cancelled calls leave it usable.

use std::time::Duration;

use crate::common::*;
use mailwire::imap::{FetchOptions, SearchQuery, UidSet};

// conformance: imap.concurrency
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_calls_across_five_mailboxes_get_their_own_answers() {
    let c = imap("t21").await;
    let mut boxes = Vec::new();
    for i in 0..5 {
        let name = unique(&format!("Conc{i}"));
        c.create_mailbox(&name).await.unwrap();
        // Mailbox i holds i+1 messages whose subjects name the mailbox.
        for _ in 0..=i {
            c.append(
                &name,
                &simple_message("a@x", "b@y", &format!("box {name}"), "x"),
                &[],
                None,
            )
            .await
            .unwrap();
        }
        boxes.push(name);
    }
    let mut tasks = Vec::new();
    for k in 0..50 {
        let c = c.clone();
        let (i, name) = (k % 5, boxes[k % 5].clone());
        tasks.push(tokio::spawn(async move {
            match k % 3 {
                0 => {
                    let uids = c.search(&name, &SearchQuery::All).await.unwrap();
                    assert_eq!(uids.len(), i + 1, "search in {name}");
                }
                1 => {
                    let all = c
                        .fetch_all(&name, UidSet::all(), FetchOptions::default())
                        .await
                        .unwrap();
                    assert_eq!(all.len(), i + 1);
                    for s in all {
                        assert_eq!(s.envelope.subject.unwrap(), format!("box {name}"));
                    }
                }
                _ => {
                    let st = c.mailbox_status(&name).await.unwrap();
                    assert_eq!(st.messages as usize, i + 1);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for b in &boxes {
        c.delete_mailbox(b).await.unwrap();
    }
}

// conformance: imap.cancel
#[tokio::test]
async fn a_dropped_fetch_leaves_the_client_usable() {
    let c = imap("t22").await;
    let mb = unique("Cancel");
    c.create_mailbox(&mb).await.unwrap();
    let blob = random_bytes(200_000, 3);
    for _ in 0..40 {
        c.append(&mb, &rich_message("cancel me", &blob), &[], None)
            .await
            .unwrap();
    }
    // Read a few summaries, then drop the stream mid-response.
    let mut stream = c
        .fetch(&mb, UidSet::all(), FetchOptions::default())
        .await
        .unwrap();
    assert!(stream.next().await.unwrap().is_some());
    drop(stream);
    assert_eq!(c.search(&mb, &SearchQuery::All).await.unwrap().len(), 40);

    // Cancel a whole-message download part-way through (a future dropped by a timeout).
    let uids = c.search(&mb, &SearchQuery::All).await.unwrap();
    let r = tokio::time::timeout(Duration::from_micros(300), c.fetch_raw(&mb, uids[5])).await;
    assert!(r.is_err() || r.unwrap().is_ok());
    let raw = c.fetch_raw(&mb, uids[6]).await.unwrap();
    assert!(raw.len() > 250_000);
    let status = c.mailbox_status(&mb).await.unwrap();
    assert_eq!(status.messages, 40);
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.close
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_inside_a_fetch_loop_ends_the_loop_with_closed_at_once() {
    let c = imap("t22").await;
    let name = unique("CloseLoop");
    c.create_mailbox(&name).await.unwrap();
    for i in 0..30 {
        let m = simple_message("a@x", "b@y", &format!("close {i}"), &"x".repeat(50_000));
        c.append(&name, &m, &[], None).await.unwrap();
    }
    // Inside the loop: the stream holds the connection, and logout must not wait for it.
    let mut stream = c.fetch_raw_many(&name, UidSet::all()).await.unwrap();
    let first = stream.next().await.unwrap();
    assert!(first.is_some());
    let start = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), c.logout())
        .await
        .expect("logout waited behind the fetch")
        .unwrap();
    let err = stream.next().await.unwrap_err();
    assert_eq!(err.kind(), mailwire::ErrorKind::Closed, "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    drop(stream);
    assert_eq!(
        c.list_mailboxes().await.unwrap_err().kind(),
        mailwire::ErrorKind::Closed
    );

    // From another task while IDLE waits: the IDLE call ends with Closed promptly.
    let c = imap("t22").await;
    let idler = c.clone();
    let idle = tokio::spawn(async move { idler.idle("INBOX", Duration::from_secs(60)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = std::time::Instant::now();
    c.logout().await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), idle)
        .await
        .expect("IDLE outlived logout")
        .unwrap();
    assert_eq!(r.unwrap_err().kind(), mailwire::ErrorKind::Closed);
    assert!(start.elapsed() < Duration::from_secs(2));
    let c = imap("t22").await;
    c.delete_mailbox(&name).await.unwrap();
    c.logout().await.unwrap();
}

#[tokio::test]
async fn a_fetch_stream_outlives_the_client_it_came_from() {
    let c = imap("t22").await;
    let name = unique("Outlive");
    c.create_mailbox(&name).await.unwrap();
    for i in 0..3 {
        let m = simple_message("a@x", "b@y", &format!("outlive {i}"), "x");
        c.append(&name, &m, &[], None).await.unwrap();
    }
    let mut stream = c.fetch_raw_many(&name, UidSet::all()).await.unwrap();
    drop(c);
    let mut n = 0;
    while let Some(m) = stream.next().await.unwrap() {
        assert!(!m.data.is_empty());
        n += 1;
    }
    assert_eq!(n, 3);
    drop(stream);
    let c = imap("t22").await;
    c.delete_mailbox(&name).await.unwrap();
}
