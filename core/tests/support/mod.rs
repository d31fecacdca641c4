//! Shared by the integration tests: the devserver's address, users and CA.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

use mailwire::{Auth, ImapClient, ImapConfig, Security, SmtpConfig};

/// The devserver's settings, read from `MAILWIRE_*` variables or from `devserver env`.
pub struct Env {
    vars: std::collections::HashMap<String, String>,
}

pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut vars: std::collections::HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("MAILWIRE_"))
            .collect();
        if !vars.contains_key("MAILWIRE_HOST") {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../devserver/devserver");
            let out = Command::new(script)
                .arg("env")
                .output()
                .expect("run devserver env");
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Some(rest) = line.strip_prefix("export ") {
                    if let Some((k, v)) = rest.split_once('=') {
                        vars.insert(k.to_string(), v.trim_matches('\'').to_string());
                    }
                }
            }
        }
        assert!(
            vars.contains_key("MAILWIRE_HOST"),
            "devserver not configured: run devserver/devserver start"
        );
        Env { vars }
    })
}

impl Env {
    pub fn get(&self, k: &str) -> String {
        self.vars
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k} not set"))
    }
    pub fn host(&self) -> String {
        self.get("MAILWIRE_HOST")
    }
    pub fn port(&self, k: &str) -> u16 {
        self.get(k).parse().expect("port")
    }
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.get("MAILWIRE_CA")).expect("read CA")
    }
    pub fn password(&self, user: &str) -> String {
        self.get("MAILWIRE_PASSWORD_PATTERN")
            .replace("{user}", user)
    }
    pub fn token(&self, user: &str) -> String {
        self.get("MAILWIRE_OAUTH_TOKEN_PATTERN")
            .replace("{user}", user)
    }
    pub fn address(&self, user: &str) -> String {
        format!("{user}@{}", self.get("MAILWIRE_DOMAIN"))
    }
}

/// IMAP over implicit TLS, trusting the devserver CA, as `user`.
pub fn imap_config(user: &str) -> ImapConfig {
    let e = env();
    ImapConfig::new(e.host(), Auth::password(user, e.password(user)))
        .port(e.port("MAILWIRE_IMAPS_PORT"))
        .ca_pem(e.ca_pem())
}

/// IMAP over STARTTLS or plain on the plain port.
pub fn imap_config_on_plain_port(user: &str, security: Security) -> ImapConfig {
    let e = env();
    let mut c = imap_config(user).port(e.port("MAILWIRE_IMAP_PORT"));
    c.security = security;
    c
}

/// The devserver's legacy address: plain IMAP without STARTTLS and without MOVE.
pub fn imap_legacy_config(user: &str) -> ImapConfig {
    let e = env();
    let mut c = imap_config_on_plain_port(user, Security::Plain);
    c.host = e.get("MAILWIRE_LEGACY_HOST");
    c
}

pub async fn imap(user: &str) -> ImapClient {
    ImapClient::connect(imap_config(user))
        .await
        .expect("IMAP connect")
}

/// SMTP submission as `user` (STARTTLS port unless `security` is Tls).
pub fn smtp_config(user: &str, security: Security) -> SmtpConfig {
    let e = env();
    let port = match security {
        Security::Tls => e.port("MAILWIRE_SMTPS_PORT"),
        Security::StartTls => e.port("MAILWIRE_SMTP_PORT"),
        Security::Plain => e.port("MAILWIRE_SMTP_PLAIN_PORT"),
    };
    let mut c = SmtpConfig::new(e.host(), Auth::password(user, e.password(user)))
        .port(port)
        .ca_pem(e.ca_pem());
    c.security = security;
    c
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A small RFC 5322 message.
pub fn simple_message(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        unique("m")
    )
    .into_bytes()
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
