//! Protocol traces are available through `tracing`, with credentials redacted.
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use mailwire::{Auth, ImapClient, ImapConfig};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn traces_show_commands_but_never_credentials() {
    let cap = Capture::default();
    let writer = cap.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
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

    let text = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("STATUS \"INBOX\""),
        "commands are traced:\n{text}"
    );
    assert!(text.contains("LOGIN \"t24\" \"<redacted>\""), "{text}");
    for secret in [user("t24").password, token, bad.to_string()] {
        assert!(!text.contains(&secret), "{secret} leaked into traces");
    }
}
