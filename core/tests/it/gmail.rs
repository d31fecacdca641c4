//! Gmail's IMAP extensions (X-GM-EXT-1) against tests/gmail/peer.py, which replays the
//! replies of Google's published documentation (there is no Gmail here, and Dovecot has no
//! X-GM-EXT-1); OAuth against it too, with the documented XOAUTH2 error challenge.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::common::*;
use mailwire::imap::{SearchCriteria, SearchQuery, UidSet};
use mailwire::{Auth, Error, ErrorKind, ImapClient, ImapConfig};

/// The running peer; it exits when its stdin closes (when this is dropped).
struct Peer {
    child: Child,
    port: u16,
}

impl Peer {
    fn start(mechanisms: &str) -> Peer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/gmail/peer.py");
        let mut child = Command::new("python3")
            .args([script, "--mechanisms", mechanisms])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 tests/gmail/peer.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
        Peer { child, port }
    }

    fn config(&self, auth: Auth) -> ImapConfig {
        ImapConfig::new(host(), auth)
            .port(self.port)
            .ca_pem(ca_pem())
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A provider giving an expired token first, `ya29.good` when asked to refresh.
fn provider() -> (Auth, Arc<Mutex<Vec<bool>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let auth = Auth::oauth2_provider("user@gmail.test", move |force: bool| {
        seen.lock().unwrap().push(force);
        let token = if force { "ya29.good" } else { "ya29.expired" };
        async move { Ok::<_, Error>(token.to_string()) }
    });
    (auth, calls)
}

// conformance: imap.gmail
#[tokio::test]
async fn gmail_ids_and_labels_come_with_summaries_and_labels_can_change() {
    let peer = Peer::start("XOAUTH2,OAUTHBEARER");
    let c = ImapClient::connect(peer.config(Auth::oauth2("user@gmail.test", "ya29.good")))
        .await
        .unwrap();
    let all = c
        .fetch_all("INBOX", 1..=4, Default::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let first = &all[0];
    assert_eq!(first.gmail_message_id, Some(1278455344230334865));
    assert_eq!(first.gmail_thread_id, Some(1266894439832287888));
    assert_eq!(
        first.gmail_labels,
        ["\\Inbox", "\\Sent", "Important", "Muy Importante"]
    );
    // The reply is in the same thread; the third message has no labels.
    assert_eq!(all[1].gmail_thread_id, first.gmail_thread_id);
    assert!(all[2].gmail_labels.is_empty());

    c.add_labels("INBOX", 3, &["\\Important".into(), "Work/2026".into()])
        .await
        .unwrap();
    c.remove_labels("INBOX", 1, &["Muy Importante".into()])
        .await
        .unwrap();
    let after = c
        .fetch_all("INBOX", 1..=3, Default::default())
        .await
        .unwrap();
    assert_eq!(after[2].gmail_labels, ["\\Important", "Work/2026"]);
    assert_eq!(after[0].gmail_labels, ["\\Inbox", "\\Sent", "Important"]);

    // X-GM-RAW: Gmail's own search syntax, as the documentation's example.
    let mut criteria = SearchCriteria::default();
    criteria.gmail_raw = Some("has:attachment in:unread".into());
    let q = SearchQuery::try_from(criteria).unwrap();
    assert_eq!(c.search("INBOX", &q).await.unwrap(), [2]);
    c.logout().await.unwrap();
}

// conformance: imap.gmail
#[tokio::test]
async fn labels_on_a_server_without_x_gm_ext_1_are_invalid_input() {
    let c = imap("t52").await;
    let err = c
        .add_labels("INBOX", 1, &["Work".into()])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let mb = unique("NoGmail");
    c.create_mailbox(&mb).await.unwrap();
    c.append(&mb, &simple_message("a@x", "b@y", "1", "x"), &[], None)
        .await
        .unwrap();
    let s = c
        .fetch_all(&mb, UidSet::all(), Default::default())
        .await
        .unwrap();
    assert_eq!((s[0].gmail_message_id, s[0].gmail_labels.len()), (None, 0));
    c.delete_mailbox(&mb).await.unwrap();
}

// conformance: auth.token-provider
#[tokio::test]
async fn an_expired_token_gets_gmails_error_json_then_one_refresh_logs_in() {
    // XOAUTH2 only (as Outlook offers it), then both (as Gmail does: OAUTHBEARER is chosen).
    for mechanisms in ["XOAUTH2", "XOAUTH2,OAUTHBEARER"] {
        let peer = Peer::start(mechanisms);
        let (auth, calls) = provider();
        let c = ImapClient::connect(peer.config(auth)).await.unwrap();
        assert_eq!(*calls.lock().unwrap(), [false, true], "{mechanisms}");
        assert_eq!(
            c.server_id()
                .await
                .unwrap()
                .unwrap()
                .get("name")
                .map(String::as_str),
            Some("GImap")
        );
        c.logout().await.unwrap();

        let err = ImapClient::connect(peer.config(Auth::oauth2("user@gmail.test", "ya29.old")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
        let text = err.server_text().unwrap_or_default();
        assert!(
            text.contains("Invalid credentials") && text.contains(r#""status": "401""#),
            "{mechanisms}: {text:?}"
        );
        assert!(!format!("{err:?}").contains("ya29.old"));
    }
}
