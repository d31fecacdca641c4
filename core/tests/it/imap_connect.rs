//! Connecting and authenticating to the real Dovecot: TLS, STARTTLS, plain, XOAUTH2, trust,
//! deadlines and credentials that never leak.

use std::time::{Duration, Instant};

use crate::common::*;
use mailwire::{Auth, ErrorKind, ImapClient, ImapConfig, Security, Timeouts};

// conformance: imap.connect.tls
#[tokio::test]
async fn implicit_tls_with_the_test_ca_logs_in() {
    let c = ImapClient::connect(imap_config("t01")).await.unwrap();
    assert!(c.has_capability("IDLE").await.unwrap());
    let boxes = c.list_mailboxes().await.unwrap();
    assert!(boxes.iter().any(|m| m.name == "INBOX"));
    c.logout().await.unwrap();
    let err = c.list_mailboxes().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
}

// conformance: imap.connect.starttls, auth.plaintext-opt-in
#[tokio::test]
async fn starttls_upgrades_and_plain_works_when_chosen() {
    // Credentials over plaintext need their own opt-in, refused before anything is sent.
    let refused = imap_config_on_plain_port("t01", Security::Plain).allow_plaintext_auth(false);
    let err = ImapClient::connect(refused).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("allow_plaintext_auth"), "{err}");
    for sec in [Security::StartTls, Security::Plain] {
        let cfg =
            imap_config_on_plain_port("t01", sec).allow_plaintext_auth(sec == Security::Plain);
        let c = ImapClient::connect(cfg).await.unwrap();
        let st = c.mailbox_status("INBOX").await.unwrap();
        assert!(st.uid_validity > 0, "{sec:?}");
        c.logout().await.unwrap();
    }
}

// conformance: tls.verify
#[tokio::test]
async fn untrusted_certificate_fails_with_tls_error() {
    let mut cfg = imap_config("t01");
    cfg.tls.ca_pem = None;
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    // Trusting nothing extra but opting out of verification explicitly works.
    let mut cfg = imap_config("t01");
    cfg.tls.ca_pem = None;
    cfg.tls.accept_invalid_certs = true;
    ImapClient::connect(cfg)
        .await
        .unwrap()
        .logout()
        .await
        .unwrap();
}

// conformance: tls.verify
#[tokio::test]
async fn wrong_host_name_fails_certificate_check() {
    let mut cfg = imap_config("t01");
    cfg.tls.server_name = Some("mail.example.com".into());
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
}

// conformance: tls.starttls-required
#[tokio::test]
async fn starttls_not_offered_is_an_error_never_plaintext() {
    // The devserver's legacy address runs Dovecot with ssl=no, so it offers no STARTTLS.
    let mut cfg = imap_legacy_config("t01");
    cfg.security = Security::StartTls;
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.to_string().contains("STARTTLS"), "{err}");
}

// conformance: auth.refused, errors.no-secrets
#[tokio::test]
async fn wrong_password_is_auth_error_without_the_password() {
    let secret = "Wr0ng-Secret-Pa55";
    let cfg = ImapConfig::new(host(), Auth::password("t02", secret))
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem());
    assert!(!format!("{cfg:?}").contains(secret));
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert_eq!(err.response_code(), Some("AUTHENTICATIONFAILED"));
    assert!(!err.to_string().contains(secret));
    assert!(!format!("{err:?}").contains(secret));
}

// conformance: errors.no-secrets
#[tokio::test]
async fn password_with_a_line_break_is_invalid_input_and_never_shown() {
    for secret in ["Secret-Pw-5522\n", "Secret\r\nPw-5522", "Secret\0Pw-5522"] {
        let cfg = ImapConfig::new(host(), Auth::password("t02", secret))
            .port(port("MAILWIRE_IMAPS_PORT"))
            .ca_pem(ca_pem());
        let err = ImapClient::connect(cfg).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
        let shown = format!("{err} {err:?} {err:#?} {:?}", err.server_text());
        assert!(
            !shown.contains("Secret") && !shown.contains("5522"),
            "{shown}"
        );
        assert!(shown.contains("CR, LF or NUL"), "{shown}");
    }
}

// conformance: imap.auth.xoauth2
#[tokio::test]
async fn xoauth2_token_logs_in_and_bad_token_is_auth_error() {
    let cfg = ImapConfig::new(host(), Auth::oauth2(user("t03").address, user("t03").token))
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem());
    let c = ImapClient::connect(cfg).await.unwrap();
    c.mailbox_status("INBOX").await.unwrap();
    c.logout().await.unwrap();

    let bad = "token-not-valid-1234567890";
    let cfg = ImapConfig::new(host(), Auth::oauth2(user("t03").address, bad))
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem());
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(!format!("{err} {err:?}").contains(bad));
}

#[tokio::test]
async fn a_silent_server_hits_the_greeting_deadline() {
    // A TCP peer that accepts and never speaks: the greeting deadline must fire.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(sock);
    });
    let cfg = ImapConfig::new("127.0.0.1", Auth::password("x", "y"))
        .port(port)
        .security(Security::Plain)
        .allow_plaintext_auth(true)
        .timeouts(Timeouts {
            greeting: Duration::from_millis(500),
            ..Timeouts::default()
        });
    let start = Instant::now();
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(start.elapsed() < Duration::from_secs(3));
    hold.abort();
}

#[tokio::test]
async fn connection_refused_is_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let cfg = ImapConfig::new("127.0.0.1", Auth::password("x", "y")).port(port);
    let err = ImapClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
}
