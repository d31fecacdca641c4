//! What the server says of itself (capabilities, ID) and the raw-command escape hatch, on
//! the real Dovecot.

use crate::common::*;
use mailwire::imap::{Flag, SearchQuery};
use mailwire::{ErrorKind, ImapClient};

// conformance: imap.capabilities
#[tokio::test]
async fn capabilities_are_listed_sorted_and_upper_case() {
    let c = imap("t19").await;
    let caps = c.capabilities().await.unwrap();
    for cap in ["IMAP4REV1", "IDLE", "ID", "UIDPLUS"] {
        assert!(caps.iter().any(|c| c == cap), "{cap} missing from {caps:?}");
    }
    let mut sorted = caps.clone();
    sorted.sort();
    assert_eq!(caps, sorted);
    assert!(
        caps.iter().all(|c| *c == c.to_ascii_uppercase()),
        "{caps:?}"
    );
    assert!(c.has_capability("idle").await.unwrap());
}

// conformance: imap.id
#[tokio::test]
async fn the_client_sends_its_id_and_reads_the_servers() {
    let c = imap("t19").await;
    let id = c.server_id().await.unwrap().expect("Dovecot answers ID");
    assert_eq!(
        id.get("name").map(String::as_str),
        Some("Dovecot"),
        "{id:?}"
    );

    // With no client ID, nothing is sent and nothing is known.
    let mut cfg = imap_config("t19");
    cfg.client_id.clear();
    let quiet = ImapClient::connect(cfg).await.unwrap();
    assert_eq!(quiet.server_id().await.unwrap(), None);

    // RFC 2971's limits are checked before anything is sent.
    let mut cfg = imap_config("t19");
    cfg.client_id = vec![("x".repeat(31), "1".into())];
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

// conformance: imap.raw-command
#[tokio::test]
async fn a_raw_command_returns_its_untagged_lines_and_status() {
    let c = imap("t19").await;
    let mb = unique("Raw");
    c.create_mailbox(&mb).await.unwrap();
    let uid = c
        .append(
            &mb,
            &simple_message("a@x", "b@y", "raw", "x"),
            &[Flag::Flagged],
            None,
        )
        .await
        .unwrap()
        .unwrap();

    let ns = c.raw_command(None, "NAMESPACE").await.unwrap();
    assert!(ns.is_ok(), "{ns:?}");
    assert_eq!(ns.status, "OK");
    assert_eq!(ns.untagged.len(), 1, "{ns:?}");
    assert!(ns.untagged[0].starts_with("* NAMESPACE (("), "{ns:?}");

    // With a mailbox, it is selected first; the answers are returned, not taken as events.
    let fetched = c
        .raw_command(Some(&mb), &format!("UID FETCH {uid} (FLAGS)"))
        .await
        .unwrap();
    assert!(fetched.is_ok(), "{fetched:?}");
    assert!(
        fetched
            .untagged
            .iter()
            .any(|l| l.contains(&format!("UID {uid}")) && l.contains("\\Flagged")),
        "{fetched:?}"
    );
    assert_eq!(c.pending_events(&mb).await.unwrap(), vec![]);

    // A command the server refuses is a status, not an error.
    let bad = c.raw_command(None, "XNOSUCHCOMMAND").await.unwrap();
    assert_eq!(bad.status, "BAD", "{bad:?}");
    assert!(!bad.is_ok());

    // A raw SELECT of another mailbox: the client selects its own again.
    let sel = c.raw_command(None, "SELECT INBOX").await.unwrap();
    assert!(
        sel.untagged.iter().any(|l| l.ends_with(" EXISTS")),
        "{sel:?}"
    );
    assert_eq!(c.search(&mb, &SearchQuery::All).await.unwrap(), vec![uid]);

    // Line breaks are refused before anything is sent; the client goes on.
    for bad in ["NOOP\r\nA9 LOGOUT", "IDLE", "SEARCH TEXT {3}"] {
        let err = c.raw_command(None, bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
    }
    c.noop().await.unwrap();
    c.delete_mailbox(&mb).await.unwrap();
}
