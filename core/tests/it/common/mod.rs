//! Shared helpers for the integration tests against the devserver (devserver/README.md).
//!
//! Settings come from the `MAILWIRE_*` environment variables that
//! `eval "$(devserver/devserver env)"` exports; when `MAILWIRE_HOST` is unset, the helpers run
//! `devserver env` themselves (the server must already be started).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;
use mailwire::{Auth, ImapClient, ImapConfig, Security, SmtpConfig};

fn settings() -> &'static HashMap<String, String> {
    static SETTINGS: OnceLock<HashMap<String, String>> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let mut map: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("MAILWIRE_"))
            .collect();
        if !map.contains_key("MAILWIRE_HOST") {
            let script = std::env::var("MAILWIRE_DEVSERVER").unwrap_or_else(|_| {
                format!("{}/../devserver/devserver", env!("CARGO_MANIFEST_DIR"))
            });
            let out = std::process::Command::new(&script)
                .arg("env")
                .output()
                .unwrap_or_else(|e| panic!("MAILWIRE_HOST unset and `{script} env` failed: {e}"));
            assert!(
                out.status.success(),
                "`{script} env` failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let Some(rest) = line.strip_prefix("export ") else {
                    continue;
                };
                let Some((k, v)) = rest.split_once('=') else {
                    continue;
                };
                map.insert(
                    k.to_string(),
                    v.trim_matches('\'').trim_matches('"').to_string(),
                );
            }
        }
        map
    })
}

/// A `MAILWIRE_*` setting; panics with a hint when missing.
pub fn var(name: &str) -> String {
    settings().get(name).cloned().unwrap_or_else(|| {
        panic!("{name} is not set: start the devserver and eval \"$(devserver env)\"")
    })
}

/// The devserver host (an IP address on loopback).
pub fn host() -> String {
    var("MAILWIRE_HOST")
}

/// A port setting, e.g. `port("MAILWIRE_SMTPS_PORT")`.
pub fn port(name: &str) -> u16 {
    var(name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a port"))
}

/// The devserver's CA certificate (PEM).
pub fn ca_pem() -> Vec<u8> {
    let path = var("MAILWIRE_CA");
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read MAILWIRE_CA {path}: {e}"))
}

/// A devserver user with its address and credentials.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub address: String,
    pub password: String,
    pub token: String,
}

impl User {
    pub fn password_auth(&self) -> Auth {
        Auth::password(&self.name, &self.password)
    }

    pub fn oauth2_auth(&self) -> Auth {
        Auth::oauth2(&self.name, &self.token)
    }
}

/// The devserver user `name` (`alice`, `bob`, `t01`…`t99`, `user1`…`user20`).
pub fn user(name: &str) -> User {
    let domain = settings()
        .get("MAILWIRE_DOMAIN")
        .cloned()
        .unwrap_or_else(|| "localhost".into());
    let pw = settings()
        .get("MAILWIRE_PASSWORD_PATTERN")
        .cloned()
        .unwrap_or_else(|| "pw-{user}".into());
    let tok = settings()
        .get("MAILWIRE_OAUTH_TOKEN_PATTERN")
        .cloned()
        .unwrap_or_else(|| "token-{user}".into());
    User {
        name: name.to_string(),
        address: format!("{name}@{domain}"),
        password: pw.replace("{user}", name),
        token: tok.replace("{user}", name),
    }
}

/// SMTP settings for `user` with password auth and the devserver CA: `Tls` uses the implicit
/// TLS port, `StartTls` the submission port, `Plain` the plain port.
pub fn smtp_config(user: &User, security: Security) -> SmtpConfig {
    let port = match security {
        Security::Tls => port("MAILWIRE_SMTPS_PORT"),
        Security::StartTls => port("MAILWIRE_SMTP_PORT"),
        Security::Plain => port("MAILWIRE_SMTP_PLAIN_PORT"),
    };
    let mut cfg = SmtpConfig::new(host(), user.password_auth())
        .port(port)
        .ca_pem(ca_pem());
    cfg.security = security;
    cfg
}

/// A string no other test run uses: for subjects and Message-IDs.
pub fn unique(tag: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{tag}-{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A small RFC 5322 message with `subject` (CRLF line ends).
pub fn simple_message(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@mailwire.test>\r\n\
         Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

type ImapSession = async_imap::Session<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// Logs `user` in over implicit-TLS IMAP (independent of mailwire's own IMAP code).
pub async fn imap_login(user: &User) -> ImapSession {
    use rustls_pki_types::{pem::PemObject, CertificateDer, ServerName};
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&ca_pem()) {
        roots.add(cert.expect("CA PEM")).expect("CA cert");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect((host(), port("MAILWIRE_IMAPS_PORT")))
        .await
        .expect("IMAP connect");
    let name = ServerName::try_from(host()).expect("server name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("IMAP TLS");
    let mut client = async_imap::Client::new(tls);
    client
        .read_response()
        .await
        .expect("IMAP greeting")
        .expect("IMAP greeting");
    client
        .login(&user.name, &user.password)
        .await
        .map_err(|(e, _)| e)
        .expect("IMAP login")
}

/// Waits (up to 15 s) until a message whose Subject contains `subject` is in `user`'s INBOX
/// and returns it whole. Panics on timeout.
pub async fn wait_for_message(user: &User, subject: &str) -> Vec<u8> {
    let mut found = wait_for_messages(user, subject, 1).await;
    found.swap_remove(0)
}

/// Waits (up to 15 s) until `count` messages whose Subject contains `subject` are in
/// `user`'s INBOX and returns them (in UID order).
pub async fn wait_for_messages(user: &User, subject: &str, count: usize) -> Vec<Vec<u8>> {
    let mut session = imap_login(user).await;
    let start = Instant::now();
    loop {
        session.select("INBOX").await.expect("SELECT INBOX");
        let mut uids: Vec<u32> = session
            .uid_search(format!("SUBJECT \"{subject}\""))
            .await
            .expect("UID SEARCH")
            .into_iter()
            .collect();
        uids.sort_unstable();
        if uids.len() >= count {
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetches: Vec<_> = session
                .uid_fetch(set, "BODY.PEEK[]")
                .await
                .expect("UID FETCH")
                .try_collect()
                .await
                .expect("UID FETCH stream");
            let mut out: Vec<(u32, Vec<u8>)> = fetches
                .iter()
                .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
                .collect();
            out.sort_by_key(|(uid, _)| *uid);
            let _ = session.logout().await;
            return out.into_iter().map(|(_, b)| b).collect();
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{} of {count} messages with subject {subject:?} arrived for {} within 15 s",
            uids.len(),
            user.name
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// True when no message whose Subject contains `subject` is in `user`'s INBOX after `wait`.
pub async fn absent_after(user: &User, subject: &str, wait: Duration) -> bool {
    tokio::time::sleep(wait).await;
    let mut session = imap_login(user).await;
    session.select("INBOX").await.expect("SELECT INBOX");
    let uids = session
        .uid_search(format!("SUBJECT \"{subject}\""))
        .await
        .expect("UID SEARCH");
    let _ = session.logout().await;
    uids.is_empty()
}

/// IMAP over implicit TLS, trusting the devserver CA, as `user`.
pub fn imap_config(user: &str) -> ImapConfig {
    ImapConfig::new(host(), self::user(user).password_auth())
        .port(port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(ca_pem())
}

/// IMAP over STARTTLS or plain on the plain port.
pub fn imap_config_on_plain_port(user: &str, security: Security) -> ImapConfig {
    let mut c = imap_config(user).port(port("MAILWIRE_IMAP_PORT"));
    c.security = security;
    c
}

/// The devserver's legacy address: plain IMAP without STARTTLS and without MOVE.
pub fn imap_legacy_config(user: &str) -> ImapConfig {
    let mut c = imap_config_on_plain_port(user, Security::Plain).allow_plaintext_auth(true);
    c.host = var("MAILWIRE_LEGACY_HOST");
    c
}

pub async fn imap(user: &str) -> ImapClient {
    ImapClient::connect(imap_config(user))
        .await
        .expect("IMAP connect")
}

/// Base64 with 76-character lines, as mail carries it.
pub fn base64_lines(data: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(b.len() + b.len() / 38);
    for chunk in b.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

/// Deterministic pseudo-random bytes.
pub fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A multipart/mixed message with a text/html alternative, a PDF attachment with an
/// RFC 2231 UTF-8 file name, an inline PNG referenced by content-id, and `blob` as an
/// application/octet-stream attachment. Parts: 1 = alternative (1.1 text, 1.2 html),
/// 2 = report.pdf, 3 = logo.png (inline), 4 = blob.bin.
pub fn rich_message(subject_encoded: &str, blob: &[u8]) -> Vec<u8> {
    let pdf = b"%PDF-1.4 fake pdf bytes \x00\x01\x02\xff".to_vec();
    let png = random_bytes(3000, 7);
    format!(
        "From: =?utf-8?q?J=C3=BCrgen?= <juergen@example.org>\r\n\
To: Alice <alice@localhost>, bob@localhost\r\n\
Cc: carol@localhost\r\n\
Subject: {subject_encoded}\r\n\
Date: Sat, 28 Nov 2026 10:00:00 +0100\r\n\
Message-ID: <{id}@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\
\r\n\
--OUTER\r\n\
Content-Type: multipart/alternative; boundary=\"ALT\"\r\n\
\r\n\
--ALT\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Gr=C3=BC=C3=9Fe aus M=C3=BCnchen\r\n\
--ALT\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Gr\u{fc}\u{df}e <img src=\"cid:logo@x\"></p>\r\n\
--ALT--\r\n\
--OUTER\r\n\
Content-Type: application/pdf\r\n\
Content-Disposition: attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%82%AC.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{pdf}\
--OUTER\r\n\
Content-Type: image/png\r\n\
Content-ID: <logo@x>\r\n\
Content-Disposition: inline\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{png}\
--OUTER\r\n\
Content-Type: application/octet-stream; name=\"blob.bin\"\r\n\
Content-Disposition: attachment; filename=\"blob.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{blob}\
--OUTER--\r\n",
        id = unique("rich"),
        pdf = base64_lines(&pdf),
        png = base64_lines(&png),
        blob = base64_lines(blob),
    )
    .into_bytes()
}

/// Collects `tracing` output of the current thread while the guard lives.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Starts capturing every event at TRACE level on this thread.
    pub fn start() -> (Capture, tracing::subscriber::DefaultGuard) {
        let cap = Capture::default();
        let writer = cap.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (cap, tracing::subscriber::set_default(subscriber))
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
