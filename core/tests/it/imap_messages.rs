//! Searching, summaries, downloads, flags, copy/move/delete and append against the real
//! Dovecot. Server state is checked with a second, independent connection.

use crate::common::*;
use chrono::NaiveDate;
use mailwire::imap::{FetchOptions, Flag, SearchQuery, UidSet};
use mailwire::{ErrorKind, ImapClient};

/// A fresh mailbox for one test, with its own client.
async fn fresh(user: &str) -> (ImapClient, String) {
    let c = imap(user).await;
    let name = unique("Msgs");
    c.create_mailbox(&name).await.unwrap();
    (c, name)
}

// conformance: imap.search.fields, imap.search.or-not
#[tokio::test]
async fn search_with_typed_queries_returns_ascending_uids() {
    let (c, mb) = fresh("t07").await;
    let a = c
        .append(
            &mb,
            &simple_message(
                "alice@x.org",
                "bob@y.org",
                "Quarterly report",
                "numbers inside",
            ),
            &[Flag::Seen],
            None,
        )
        .await
        .unwrap()
        .unwrap();
    let b = c
        .append(
            &mb,
            &simple_message("carol@x.org", "dave@y.org", "Grüße aus Köln", "hello"),
            &[Flag::Flagged],
            None,
        )
        .await
        .unwrap()
        .unwrap();
    let big = format!("{}\r\n", "x".repeat(20_000));
    let d = c
        .append(
            &mb,
            &simple_message("alice@x.org", "erin@y.org", "Big one", &big),
            &[Flag::Keyword("$Work".into())],
            None,
        )
        .await
        .unwrap()
        .unwrap();

    let q = |q: SearchQuery| {
        let c = c.clone();
        let mb = mb.clone();
        async move { c.search(&mb, &q).await.unwrap() }
    };
    assert_eq!(q(SearchQuery::All).await, vec![a, b, d]);
    assert_eq!(q(SearchQuery::Seen).await, vec![a]);
    assert_eq!(q(SearchQuery::Unseen).await, vec![b, d]);
    assert_eq!(q(SearchQuery::Flagged).await, vec![b]);
    assert_eq!(q(SearchQuery::from("alice")).await, vec![a, d]);
    assert_eq!(q(SearchQuery::to("dave")).await, vec![b]);
    assert_eq!(q(SearchQuery::subject("report")).await, vec![a]);
    assert_eq!(
        q(SearchQuery::subject("Köln")).await,
        vec![b],
        "UTF-8 search"
    );
    assert_eq!(q(SearchQuery::Body("numbers".into())).await, vec![a]);
    assert_eq!(q(SearchQuery::Text("hello".into())).await, vec![b]);
    assert_eq!(q(SearchQuery::Larger(10_000)).await, vec![d]);
    assert_eq!(q(SearchQuery::Smaller(10_000)).await, vec![a, b]);
    assert_eq!(q(SearchQuery::Keyword("$Work".into())).await, vec![d]);
    assert_eq!(q(SearchQuery::Uid(UidSet::from([a, d]))).await, vec![a, d]);
    assert_eq!(
        q(SearchQuery::Header("Subject".into(), "Big".into())).await,
        vec![d]
    );
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        q(SearchQuery::Since(today - chrono::Days::new(1))).await,
        vec![a, b, d]
    );
    assert_eq!(
        q(SearchQuery::Before(
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
        ))
        .await,
        Vec::<u32>::new()
    );
    assert_eq!(
        q(SearchQuery::from("alice").and(SearchQuery::Unseen)).await,
        vec![d]
    );
    assert_eq!(
        q(SearchQuery::Seen.or(SearchQuery::Flagged)).await,
        vec![a, b]
    );
    assert_eq!(q(SearchQuery::from("alice").not()).await, vec![b]);
    assert_eq!(
        q(SearchQuery::Raw("OR SEEN FLAGGED".into())).await,
        vec![a, b]
    );
    let err = c
        .search(&mb, &SearchQuery::Raw("ALL\r\nA1 LOGOUT".into()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = c
        .search(&mb, &SearchQuery::Raw("NOSUCHKEY 1".into()))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Rejected,
        "a BAD from the server is an error, not an empty result"
    );
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.fetch.summaries
#[tokio::test]
async fn summaries_show_envelope_and_attachments_without_downloading_or_marking_seen() {
    let (c, mb) = fresh("t08").await;
    let blob = random_bytes(50_000, 1);
    let raw = rich_message(
        "=?utf-8?b?8J+TjiBSZXBvcnQg?= =?utf-8?q?f=C3=BCr_Q3?=",
        &blob,
    );
    let uid = c.append(&mb, &raw, &[], None).await.unwrap().unwrap();
    let list = c
        .fetch_all(&mb, UidSet::all(), FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(s.uid, uid);
    assert_eq!(s.size as usize, raw.len());
    assert!(s.internal_date.is_some() && s.modseq.is_some());
    let e = &s.envelope;
    assert_eq!(e.subject.as_deref(), Some("📎 Report für Q3"));
    assert_eq!(e.from[0].name.as_deref(), Some("Jürgen"));
    assert_eq!(e.from[0].address, "juergen@example.org");
    assert_eq!(e.to.len(), 2);
    assert_eq!(e.to[0].name.as_deref(), Some("Alice"));
    assert_eq!(e.cc[0].address, "carol@localhost");
    assert!(e.message_id.as_deref().unwrap().ends_with("@example.org"));
    assert_eq!(e.date.unwrap().to_rfc3339(), "2026-11-28T10:00:00+01:00");

    let names: Vec<_> = s
        .attachments
        .iter()
        .map(|a| {
            (
                a.part.as_str(),
                a.filename.as_deref(),
                a.content_type.as_str(),
                a.inline,
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("2", Some("Résumé €.pdf"), "application/pdf", false),
            ("3", None, "image/png", true),
            ("4", Some("blob.bin"), "application/octet-stream", false),
        ]
    );
    assert_eq!(s.attachments[1].content_id.as_deref(), Some("logo@x"));
    assert_eq!(s.attachments[2].encoding, "base64");

    // Nothing above set \Seen, checked by another connection.
    let other = imap("t08").await;
    assert_eq!(
        other.search(&mb, &SearchQuery::Seen).await.unwrap(),
        Vec::<u32>::new()
    );
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.fetch.raw, imap.fetch.range, imap.download.part, imap.save-attachment
#[tokio::test]
async fn fetch_raw_download_and_save_attachment_return_the_exact_bytes() {
    let (c, mb) = fresh("t09").await;
    let blob = random_bytes(3 * 1024 * 1024 + 17, 2);
    let raw = rich_message("Files", &blob);
    let uid = c.append(&mb, &raw, &[], None).await.unwrap().unwrap();

    assert_eq!(c.fetch_raw(&mb, uid).await.unwrap(), raw);
    assert_eq!(
        c.fetch_range(&mb, uid, None, 10, 100).await.unwrap(),
        raw[10..110]
    );
    let tail = c
        .fetch_range(&mb, uid, None, raw.len() as u32 - 5, 100)
        .await
        .unwrap();
    assert_eq!(tail, raw[raw.len() - 5..]);
    assert_eq!(c.download(&mb, uid, "4").await.unwrap(), blob);
    // The CRLF before a boundary belongs to the boundary (RFC 2046), not to the part.
    assert_eq!(
        c.download(&mb, uid, "1.1").await.unwrap(),
        "Grüße aus München".as_bytes()
    );
    assert!(c
        .download(&mb, uid, "2")
        .await
        .unwrap()
        .starts_with(b"%PDF-1.4"));

    let dir = std::env::temp_dir().join(unique("save"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("blob.bin");
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = calls.clone();
    let progress: mailwire::imap::Progress = std::sync::Arc::new(move |done, total| {
        assert!(total.is_some() && done <= total.unwrap());
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let n = c
        .save_attachment(&mb, uid, "4", &path, Some(progress))
        .await
        .unwrap();
    assert_eq!(n as usize, blob.len());
    assert_eq!(std::fs::read(&path).unwrap(), blob);
    let calls = calls.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        (2..10).contains(&calls),
        "progress called {calls} times for ~4 MB"
    );

    let err = c.download(&mb, uid, "9").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = c.fetch_raw(&mb, uid + 100).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = c.download(&mb, uid, "1;DROP").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // None of it marked the message seen.
    assert_eq!(
        c.search(&mb, &SearchQuery::Seen).await.unwrap(),
        Vec::<u32>::new()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.flags
#[tokio::test]
async fn flags_and_keywords_are_added_removed_and_set() {
    let (c, mb) = fresh("t10").await;
    let mut uids = Vec::new();
    for i in 0..3 {
        uids.push(
            c.append(
                &mb,
                &simple_message("a@x", "b@y", &format!("m{i}"), "x"),
                &[],
                None,
            )
            .await
            .unwrap()
            .unwrap(),
        );
    }
    c.add_flags(
        &mb,
        uids.clone(),
        &[Flag::Seen, Flag::Keyword("$Important".into())],
    )
    .await
    .unwrap();
    c.remove_flags(&mb, uids[1], &[Flag::Seen]).await.unwrap();
    c.set_flags(&mb, [uids[2]], &[Flag::Flagged, Flag::Answered])
        .await
        .unwrap();

    let other = imap("t10").await;
    let got = other
        .fetch_all(
            &mb,
            UidSet::all(),
            FetchOptions {
                envelope: false,
                attachments: false,
                changed_since: None,
            },
        )
        .await
        .unwrap();
    let flags = |i: usize| {
        let mut f: Vec<String> = got[i]
            .flags
            .iter()
            .filter(|f| **f != Flag::Recent)
            .map(|f| f.to_string())
            .collect();
        f.sort();
        f
    };
    assert_eq!(flags(0), vec!["$Important", "\\Seen"]);
    assert_eq!(flags(1), vec!["$Important"]);
    assert_eq!(flags(2), vec!["\\Answered", "\\Flagged"]);
    let err = c
        .add_flags(&mb, uids[0], &[Flag::Keyword("bad keyword".into())])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = c
        .add_flags(&mb, uids[0], &[Flag::Recent])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.copy-move
#[tokio::test]
async fn copy_and_move_report_the_new_uids() {
    let (c, src) = fresh("t11").await;
    let dst = unique("Dest");
    c.create_mailbox(&dst).await.unwrap();
    let mut uids = Vec::new();
    for i in 0..4 {
        uids.push(
            c.append(
                &src,
                &simple_message("a@x", "b@y", &format!("move {i}"), "x"),
                &[],
                None,
            )
            .await
            .unwrap()
            .unwrap(),
        );
    }
    let copied = c.copy_messages(&src, uids[0], &dst).await.unwrap();
    assert_eq!(copied.pairs.len(), 1);
    let moved = c
        .move_messages(&src, uids[1..].to_vec(), &dst)
        .await
        .unwrap();
    assert_eq!(
        moved.pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
        uids[1..].to_vec()
    );
    assert!(moved.uid_validity.is_some());

    let other = imap("t11").await;
    assert_eq!(
        other.search(&src, &SearchQuery::All).await.unwrap(),
        vec![uids[0]]
    );
    let in_dst = other.search(&dst, &SearchQuery::All).await.unwrap();
    assert_eq!(in_dst.len(), 4);
    for (s, d) in &moved.pairs {
        assert!(in_dst.contains(d));
        let subj = other
            .fetch_all(&dst, *d, FetchOptions::default())
            .await
            .unwrap()[0]
            .envelope
            .subject
            .clone()
            .unwrap();
        let i = uids.iter().position(|u| u == s).unwrap();
        assert_eq!(subj, format!("move {i}"));
    }
    let err = c
        .move_messages(&src, uids[0], &unique("NoSuchBox"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    c.delete_mailbox(&src).await.unwrap();
    c.delete_mailbox(&dst).await.unwrap();
}

// conformance: imap.copy-move
#[tokio::test]
async fn move_without_the_move_extension_falls_back_to_copy_and_expunge() {
    let c = ImapClient::connect(imap_legacy_config("t25"))
        .await
        .unwrap();
    assert!(!c.has_capability("MOVE").await.unwrap());
    let src = unique("NoMoveSrc");
    let dst = unique("NoMoveDst");
    c.create_mailbox(&src).await.unwrap();
    c.create_mailbox(&dst).await.unwrap();
    let keep = c
        .append(
            &src,
            &simple_message("a@x", "b@y", "stays", "x"),
            &[Flag::Deleted],
            None,
        )
        .await
        .unwrap()
        .unwrap();
    let go = c
        .append(&src, &simple_message("a@x", "b@y", "goes", "x"), &[], None)
        .await
        .unwrap()
        .unwrap();
    let map = c.move_messages(&src, go, &dst).await.unwrap();
    let new_uid = map.get(go).expect("COPYUID reported");
    let other = imap("t25").await;
    // Only the moved message left the source: another \Deleted one was not expunged.
    assert_eq!(
        other.search(&src, &SearchQuery::All).await.unwrap(),
        vec![keep]
    );
    let moved = other
        .fetch_all(&dst, new_uid, FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(moved[0].envelope.subject.as_deref(), Some("goes"));
    c.delete_mailbox(&src).await.unwrap();
    c.delete_mailbox(&dst).await.unwrap();
}

// conformance: imap.delete-expunge
#[tokio::test]
async fn delete_expunges_exactly_the_given_uids() {
    let (c, mb) = fresh("t12").await;
    let mut uids = Vec::new();
    for i in 0..4 {
        uids.push(
            c.append(
                &mb,
                &simple_message("a@x", "b@y", &format!("d{i}"), "x"),
                &[],
                None,
            )
            .await
            .unwrap()
            .unwrap(),
        );
    }
    // Another message is \Deleted but not part of the call: it must survive.
    c.add_flags(&mb, uids[3], &[Flag::Deleted]).await.unwrap();
    c.delete_messages(&mb, vec![uids[0], uids[1]])
        .await
        .unwrap();
    let other = imap("t12").await;
    assert_eq!(
        other.search(&mb, &SearchQuery::All).await.unwrap(),
        vec![uids[2], uids[3]]
    );
    c.expunge(&mb).await.unwrap();
    other.noop().await.unwrap(); // let the other session see the expunge
    assert_eq!(
        other.search(&mb, &SearchQuery::All).await.unwrap(),
        vec![uids[2]]
    );
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.append
#[tokio::test]
async fn append_returns_uid_keeps_flags_and_date() {
    let (c, mb) = fresh("t13").await;
    let date = chrono::DateTime::parse_from_rfc3339("2024-02-29T12:34:56+02:00").unwrap();
    let raw = simple_message("a@x", "b@y", "appended", "body");
    let uid = c
        .append(&mb, &raw, &[Flag::Seen, Flag::Draft], Some(date))
        .await
        .unwrap()
        .unwrap();
    let s = &c
        .fetch_all(&mb, uid, FetchOptions::default())
        .await
        .unwrap()[0];
    assert_eq!(s.internal_date.unwrap(), date);
    assert!(s.has_flag(&Flag::Seen) && s.has_flag(&Flag::Draft));
    assert_eq!(c.fetch_raw(&mb, uid).await.unwrap(), raw);
    assert_eq!(
        c.fetch_range(&mb, uid, None, 10, 100).await.unwrap(),
        raw[10..110]
    );
    let tail = c
        .fetch_range(&mb, uid, None, raw.len() as u32 - 5, 100)
        .await
        .unwrap();
    assert_eq!(tail, raw[raw.len() - 5..]);
    let err = c
        .append(&unique("Missing"), &raw, &[], None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.fetch.summaries
#[tokio::test]
async fn fetch_streams_many_messages_in_order() {
    let (c, mb) = fresh("t14").await;
    for i in 0..300 {
        c.append(
            &mb,
            &simple_message("a@x", "b@y", &format!("n{i}"), "x"),
            &[],
            None,
        )
        .await
        .unwrap();
    }
    let mut stream = c
        .fetch(&mb, UidSet::all(), FetchOptions::default())
        .await
        .unwrap();
    let mut n = 0;
    let mut last = 0;
    loop {
        let batch = stream.next_batch(64).await.unwrap();
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 64);
        for s in batch {
            assert!(s.uid > last);
            last = s.uid;
            assert_eq!(
                s.envelope.subject.as_deref(),
                Some(format!("n{n}").as_str())
            );
            n += 1;
        }
    }
    assert_eq!(n, 300);
    drop(stream);
    use futures_util::TryStreamExt;
    let all: Vec<_> = c
        .fetch(&mb, UidSet::range(1, 10), FetchOptions::default())
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 10);
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: imap.fetch.raw-many
#[tokio::test]
async fn fetch_raw_many_streams_whole_messages_exactly() {
    let (c, mb) = fresh("t14").await;
    let mut sent = Vec::new();
    for i in 0..40u32 {
        let body = format!("{}\r\n", "line of text ".repeat((i as usize) * 50 + 1));
        let m = simple_message("a@x", "b@y", &format!("raw{i}"), &body);
        let uid = c.append(&mb, &m, &[], None).await.unwrap().unwrap();
        sent.push((uid, m));
    }
    // Ask for two missing UIDs too: they are skipped.
    let mut uids: Vec<u32> = sent.iter().map(|(u, _)| *u).collect();
    uids.push(900_000);
    uids.push(900_001);
    let mut stream = c.fetch_raw_many(&mb, uids).await.unwrap();
    let mut got = Vec::new();
    loop {
        let batch = stream.next_batch(16).await.unwrap();
        if batch.is_empty() {
            break;
        }
        got.extend(batch);
    }
    drop(stream);
    assert_eq!(got.len(), sent.len());
    for (g, (uid, m)) in got.iter().zip(&sent) {
        assert_eq!(g.uid, *uid);
        assert_eq!(&g.data, m, "UID {uid}");
    }
    // Never marks them seen.
    assert!(c.search(&mb, &SearchQuery::Seen).await.unwrap().is_empty());
    c.delete_mailbox(&mb).await.unwrap();
}
