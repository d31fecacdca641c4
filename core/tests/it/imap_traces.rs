//! Protocol traces are available through `tracing`, with credentials redacted.

use crate::common::*;
use mailwire::{Auth, ImapClient, ImapConfig};

// conformance: trace.redacted
#[tokio::test]
async fn traces_show_commands_but_never_credentials() {
    let (cap, _guard) = Capture::start();
    let c = ImapClient::connect(imap_config("t24")).await.unwrap();
    c.mailbox_status("INBOX").await.unwrap();
    let token = user("t24").token;
    let cfg = ImapConfig::new(host(), Auth::oauth2(user("t24").address, token.clone()))
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem());
    ImapClient::connect(cfg)
        .await
        .unwrap()
        .logout()
        .await
        .unwrap();
    let bad = "Trace-Wrong-Pass-987";
    let cfg = ImapConfig::new(host(), Auth::password("t24", bad))
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem());
    assert!(ImapClient::connect(cfg).await.is_err());

    let text = cap.text();
    assert!(
        text.contains("STATUS \"INBOX\""),
        "commands are traced:\n{text}"
    );
    assert!(text.contains("LOGIN \"t24\" \"<redacted>\""), "{text}");
    // Each connection's lines carry its own `conn` number.
    let conns: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.contains("C: A1 LOGIN"))
        .map(|l| l.rsplit_once("conn=").expect("a conn field").1.trim())
        .collect();
    assert_eq!(conns.len(), 2, "{text}");
    for secret in [user("t24").password, token, bad.to_string()] {
        assert!(!text.contains(&secret), "{secret} leaked into traces");
    }
}
