//! Mailbox management against the real Dovecot.

use crate::common::*;
use mailwire::imap::MailboxRole;
use mailwire::ErrorKind;

// conformance: imap.mailboxes.list
#[tokio::test]
async fn list_shows_special_use_roles_and_subscriptions() {
    let c = imap("t04").await;
    let boxes = c.list_mailboxes().await.unwrap();
    let role = |r| {
        boxes
            .iter()
            .find(|m| m.role == Some(r))
            .map(|m| m.name.clone())
    };
    assert_eq!(role(MailboxRole::Inbox).as_deref(), Some("INBOX"));
    for r in [
        MailboxRole::Sent,
        MailboxRole::Drafts,
        MailboxRole::Trash,
        MailboxRole::Junk,
    ] {
        let name = role(r).unwrap_or_else(|| panic!("no {r:?} in {boxes:?}"));
        assert!(
            boxes.iter().find(|m| m.name == name).unwrap().subscribed,
            "{name} subscribed"
        );
    }
}

// conformance: imap.mailboxes.manage
#[tokio::test]
async fn create_rename_subscribe_delete_round_trip() {
    let c = imap("t04").await;
    let name = unique("Projects");
    c.create_mailbox(&name).await.unwrap();
    let err = c.create_mailbox(&name).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");

    c.subscribe(&name).await.unwrap();
    let m = c
        .list_mailboxes()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap();
    assert!(m.subscribed);
    c.unsubscribe(&name).await.unwrap();
    let m = c
        .list_mailboxes()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap();
    assert!(!m.subscribed);

    let renamed = format!("{name}-renamed");
    c.rename_mailbox(&name, &renamed).await.unwrap();
    let names: Vec<String> = c
        .list_mailboxes()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert!(names.contains(&renamed) && !names.contains(&name));
    c.delete_mailbox(&renamed).await.unwrap();
    let err = c.delete_mailbox(&renamed).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

// conformance: imap.mailboxes.utf8
#[tokio::test]
async fn unusual_names_round_trip() {
    let c = imap("t05").await;
    let names = [
        format!("Entwürfe {}", unique("u")),
        format!("日本語 & émoji 📬 {}", unique("u")),
        format!("with \"quotes\" and \\backslash {}", unique("u")),
        format!("Parent/Child {}", unique("u")),
    ];
    for n in &names {
        c.create_mailbox(n)
            .await
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        let uid = c
            .append(
                n,
                &simple_message("a@x", "b@y", "in odd box", "x"),
                &[],
                None,
            )
            .await
            .unwrap();
        assert!(uid.is_some());
        assert_eq!(c.mailbox_status(n).await.unwrap().messages, 1, "{n}");
    }
    let listed: Vec<String> = c
        .list_mailboxes()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    for n in &names {
        assert!(listed.contains(n), "{n} not in {listed:?}");
        c.delete_mailbox(n).await.unwrap();
    }
}

// conformance: input.line-breaks
#[tokio::test]
async fn crlf_or_nul_in_a_name_is_refused_before_sending() {
    let c = imap("t05").await;
    for bad in ["evil\r\nA1 DELETE INBOX", "new\nline", "nul\0byte", ""] {
        let err = c.create_mailbox(bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    // The connection is untouched and INBOX still there.
    assert!(c.mailbox_status("INBOX").await.is_ok());
}

// conformance: imap.mailboxes.status
#[tokio::test]
async fn status_counts_messages_and_unseen() {
    let c = imap("t06").await;
    let name = unique("Status");
    c.create_mailbox(&name).await.unwrap();
    for i in 0..3 {
        let flags = if i == 0 {
            vec![mailwire::imap::Flag::Seen]
        } else {
            vec![]
        };
        c.append(&name, &simple_message("a@x", "b@y", "s", "x"), &flags, None)
            .await
            .unwrap();
    }
    let st = c.mailbox_status(&name).await.unwrap();
    assert_eq!((st.messages, st.unseen), (3, 2));
    assert!(st.uid_next >= 4 && st.uid_validity > 0);
    assert!(st.highest_modseq.unwrap_or(0) > 0);
    let err = c.mailbox_status(&unique("Missing")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    c.delete_mailbox(&name).await.unwrap();
}
