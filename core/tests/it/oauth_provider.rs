//! OAuth 2.0 tokens from a provider, against the real Dovecot (oauth2 passdb with the
//! devserver's introspection endpoint: `token-<user>` is valid, `expired-<user>` is not) and
//! Postfix (SASL through that Dovecot).

use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::common::*;
use mailwire::{Auth, Error, ErrorKind, ImapClient, ImapConfig, Security, SmtpClient};

/// A provider that answers `expired-<user>` until asked to refresh (or always, with
/// `always_expired`), recording each `force_refresh` it was called with.
fn provider(user: &str, always_expired: bool) -> (Auth, Arc<Mutex<Vec<bool>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (seen, name) = (calls.clone(), user.to_string());
    let auth = Auth::oauth2_provider(crate::common::user(user).address, move |force: bool| {
        seen.lock().unwrap().push(force);
        let token = if force && !always_expired {
            format!("token-{name}")
        } else {
            format!("expired-{name}")
        };
        async move { Ok::<_, Error>(token) }
    });
    (auth, calls)
}

fn imap_with(auth: Auth) -> ImapConfig {
    ImapConfig::new(host(), auth)
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem())
}

// conformance: auth.token-provider
#[tokio::test]
async fn imap_asks_the_provider_at_each_login_and_refreshes_a_refused_token_once() {
    let (auth, calls) = provider("t55", false);
    let c = ImapClient::connect(imap_with(auth)).await.unwrap();
    assert_eq!(*calls.lock().unwrap(), [false, true]);
    c.mailbox_status("INBOX").await.unwrap();

    // The server drops the session: the transparent reconnect asks the provider again.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../devserver/devserver");
    let st = Command::new(script)
        .args(["kill-sessions", "t55", "TERM"])
        .status()
        .unwrap();
    assert!(st.success());
    let mut reconnected = false;
    for _ in 0..3 {
        if c.mailbox_status("INBOX").await.is_ok() {
            reconnected = calls.lock().unwrap().len() > 2;
            if reconnected {
                break;
            }
        }
    }
    assert!(reconnected, "{:?}", calls.lock().unwrap());
    assert_eq!(calls.lock().unwrap()[2..], [false, true]);
    c.logout().await.unwrap();
}

// conformance: auth.token-provider
#[tokio::test]
async fn a_token_refused_twice_is_an_auth_error_with_the_servers_decoded_reason() {
    let (auth, calls) = provider("t50", true);
    let err = ImapClient::connect(imap_with(auth)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert_eq!(
        *calls.lock().unwrap(),
        [false, true],
        "asked twice, then given up"
    );
    // The SASL failure JSON, decoded from base64 (RFC 7628 §3.2.2).
    let text = err.server_text().unwrap_or_default();
    assert!(text.contains("\"status\""), "{text:?}");
    assert!(!format!("{err} {err:?}").contains("expired-t50"), "{err:?}");

    // A provider that fails is an Auth error too, after one call.
    let failing = Auth::oauth2_provider(user("t50").address, |_force: bool| async {
        Err::<String, _>(Error::new(
            ErrorKind::Connect,
            "the identity provider is down",
        ))
    });
    let err = ImapClient::connect(imap_with(failing)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
}

// conformance: auth.token-provider
#[tokio::test]
async fn smtp_asks_the_provider_for_each_new_connection_and_refreshes_once() {
    let (auth, calls) = provider("t51", false);
    let from = user("t51");
    let mut cfg = smtp_config(&from, Security::StartTls);
    cfg.auth = auth;
    let client = SmtpClient::connect(cfg).await.unwrap();
    assert_eq!(*calls.lock().unwrap(), [false, true]);
    // Offered with XOAUTH2 on this port, so OAUTHBEARER (RFC 7628) was the one used.
    assert!(client.auth_mechanisms().iter().any(|m| m == "OAUTHBEARER"));
    let subject = unique("provider");
    let raw = simple_message(&from.address, &from.address, &subject, "tokens\r\n");
    client
        .send_raw(&from.address, [&from.address], &raw)
        .await
        .unwrap();
    wait_for_message(&from, &subject).await;

    let (auth, calls) = provider("t51", true);
    let mut cfg = smtp_config(&from, Security::StartTls);
    cfg.auth = auth;
    let err = SmtpClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert_eq!(*calls.lock().unwrap(), [false, true]);
    assert!(!format!("{err} {err:?}").contains("expired-t51"), "{err:?}");
}
