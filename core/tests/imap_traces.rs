//! Protocol traces are available through `tracing`, with credentials redacted.
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use mailwire::{Auth, ImapClient, ImapConfig};
use support::*;

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

    let e = env();
    let c = ImapClient::connect(imap_config("t24")).await.unwrap();
    c.mailbox_status("INBOX").await.unwrap();
    let token = e.token("t24");
    let cfg = ImapConfig::new(e.host(), Auth::oauth2(e.address("t24"), token.clone()))
        .port(e.port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(e.ca_pem());
    ImapClient::connect(cfg)
        .await
        .unwrap()
        .logout()
        .await
        .unwrap();
    let bad = "Trace-Wrong-Pass-987";
    let cfg = ImapConfig::new(e.host(), Auth::password("t24", bad))
        .port(e.port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(e.ca_pem());
    assert!(ImapClient::connect(cfg).await.is_err());

    let text = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("STATUS \"INBOX\""),
        "commands are traced:\n{text}"
    );
    assert!(text.contains("LOGIN \"t24\" \"<redacted>\""), "{text}");
    for secret in [e.password("t24"), token, bad.to_string()] {
        assert!(!text.contains(&secret), "{secret} leaked into traces");
    }
}
