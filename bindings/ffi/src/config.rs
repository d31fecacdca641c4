//! Connection settings: records with defaults, and credentials as an object so that no
//! generated `toString()` / `description` can print a password. `Security` and `Timeouts`
//! are the core's own.

use std::sync::Arc;
use std::time::Duration;

use std::collections::HashMap;

use mailwire::{Security, Timeouts};

use crate::token::TokenProvider;

/// Credentials. Printing one shows the user name only, never the password or token.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct Auth(pub(crate) mailwire::Auth);

#[uniffi::export]
impl Auth {
    /// IMAP LOGIN / SMTP AUTH PLAIN (or LOGIN) with a password.
    #[uniffi::constructor]
    pub fn password(username: String, password: String) -> Arc<Self> {
        Arc::new(Auth(mailwire::Auth::password(username, password)))
    }

    /// SASL XOAUTH2 with an OAuth 2.0 access token.
    #[uniffi::constructor]
    pub fn oauth2(username: String, access_token: String) -> Arc<Self> {
        Arc::new(Auth(mailwire::Auth::oauth2(username, access_token)))
    }

    /// SASL OAUTHBEARER (when offered) or XOAUTH2 with access tokens asked of `provider` at
    /// every login, and once more with `forceRefresh` when the server refuses one (see
    /// `TokenProvider`).
    #[uniffi::constructor]
    pub fn oauth2_provider(username: String, provider: Arc<dyn TokenProvider>) -> Arc<Self> {
        Arc::new(Auth(crate::token::auth(username, provider)))
    }

    /// No authentication (SMTP relays that accept anonymous submission).
    #[uniffi::constructor]
    pub fn none() -> Arc<Self> {
        Arc::new(Auth(mailwire::Auth::None))
    }

    /// The user name, if any.
    pub fn username(&self) -> Option<String> {
        self.0.username().map(str::to_owned)
    }
}

impl std::fmt::Display for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// The core's default deadlines, to adjust one of them.
#[uniffi::export]
pub fn default_timeouts() -> Timeouts {
    Timeouts::default()
}

/// Where and how to connect to an IMAP server.
#[derive(uniffi::Record)]
pub struct ImapConfig {
    /// Host name or IP address.
    pub host: String,
    /// Credentials.
    pub auth: Arc<Auth>,
    /// Port; when absent 993 for `Tls`, 143 otherwise.
    #[uniffi(default = None)]
    pub port: Option<u16>,
    /// Transport security; when absent the port decides (`StartTls` on 143, `Tls` on any
    /// other port and without one).
    #[uniffi(default = None)]
    pub security: Option<Security>,
    /// Extra CA certificate(s), PEM, trusted besides the public roots.
    #[uniffi(default = None)]
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate and host name (dangerous; tests only).
    #[uniffi(default = false)]
    pub accept_invalid_certs: bool,
    /// The name checked against the certificate; defaults to `host`.
    #[uniffi(default = None)]
    pub server_name: Option<String>,
    /// Deadlines; the core's defaults when absent.
    #[uniffi(default = None)]
    pub timeouts: Option<Timeouts>,
    /// The largest single response accepted from the server, in bytes (a whole message from
    /// `fetchRaw` is one response); absent: 256 MiB.
    #[uniffi(default = None)]
    pub max_response_size: Option<u64>,
    /// Allows sending the password or token over `Plain` security. Dangerous: anyone on the
    /// path can read it. Default false: such a login is refused before anything is sent.
    #[uniffi(default = false)]
    pub allow_plaintext_auth: bool,
    /// What the client tells a server that offers ID (RFC 2971) right after login, field to
    /// value; absent: `name` = `mailwire` and its `version`; empty: ID is not sent (and
    /// `serverId()` is null). `InvalidInput` beyond RFC 2971's limits.
    #[uniffi(default = None)]
    pub client_id: Option<HashMap<String, String>>,
}

impl TryFrom<ImapConfig> for mailwire::ImapConfig {
    type Error = mailwire::Error;

    /// The core applies the defaults and checks ([`mailwire::ConnectOptions`]).
    fn try_from(c: ImapConfig) -> mailwire::Result<Self> {
        let mut o = options(c.host, c.port, c.security, c.ca_pem, c.accept_invalid_certs);
        (o.server_name, o.allow_plaintext_auth) = (c.server_name, c.allow_plaintext_auth);
        o.max_response_size = c.max_response_size;
        // Sorted by field name: the order the ID command sends them in is then fixed.
        o.client_id = c.client_id.map(|id| {
            let mut id: Vec<_> = id.into_iter().collect();
            id.sort();
            id
        });
        let mut cfg = o.imap()?;
        cfg.auth = c.auth.0.clone();
        if let Some(t) = c.timeouts {
            cfg.timeouts = t;
        }
        Ok(cfg)
    }
}

/// Where and how to connect to an SMTP submission server.
#[derive(uniffi::Record)]
pub struct SmtpConfig {
    /// Host name or IP address.
    pub host: String,
    /// Credentials.
    pub auth: Arc<Auth>,
    /// Port; when absent 465 for `Tls`, 587 otherwise.
    #[uniffi(default = None)]
    pub port: Option<u16>,
    /// Transport security; when absent the port decides (`StartTls` on 587 and 25, `Tls` on
    /// any other port and without one).
    #[uniffi(default = None)]
    pub security: Option<Security>,
    /// Extra CA certificate(s), PEM, trusted besides the public roots.
    #[uniffi(default = None)]
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate and host name (dangerous; tests only).
    #[uniffi(default = false)]
    pub accept_invalid_certs: bool,
    /// The name checked against the certificate; defaults to `host`.
    #[uniffi(default = None)]
    pub server_name: Option<String>,
    /// Deadlines; the core's defaults when absent.
    #[uniffi(default = None)]
    pub timeouts: Option<Timeouts>,
    /// Name sent in EHLO (default `localhost`).
    #[uniffi(default = None)]
    pub hello_name: Option<String>,
    /// Most connections the pool opens at once.
    #[uniffi(default = 4)]
    pub pool_size: u32,
    /// An idle pooled connection older than this is closed instead of reused (default 60 s).
    #[uniffi(default = None)]
    pub pool_idle_timeout: Option<Duration>,
    /// Allow sending the password or token over `Plain` security, unencrypted. Dangerous:
    /// anyone on the network path can read it; only for a test server you trust.
    #[uniffi(default = false)]
    pub allow_plaintext_auth: bool,
}

impl TryFrom<SmtpConfig> for mailwire::SmtpConfig {
    type Error = mailwire::Error;

    /// The core applies the defaults and checks ([`mailwire::ConnectOptions`]).
    fn try_from(c: SmtpConfig) -> mailwire::Result<Self> {
        let mut o = options(c.host, c.port, c.security, c.ca_pem, c.accept_invalid_certs);
        (o.server_name, o.allow_plaintext_auth) = (c.server_name, c.allow_plaintext_auth);
        (o.hello_name, o.pool_size, o.pool_idle_timeout) =
            (c.hello_name, Some(c.pool_size), c.pool_idle_timeout);
        let mut cfg = o.smtp()?;
        cfg.auth = c.auth.0.clone();
        if let Some(t) = c.timeouts {
            cfg.timeouts = t;
        }
        Ok(cfg)
    }
}

/// The core's options for what both records share (credentials are set on the result: the
/// record holds them as an `Auth` already).
fn options(
    host: String,
    port: Option<u16>,
    security: Option<Security>,
    ca_pem: Option<Vec<u8>>,
    accept_invalid_certs: bool,
) -> mailwire::ConnectOptions {
    let mut o = mailwire::ConnectOptions::new(host);
    (o.port, o.security) = (port, security);
    (o.ca_pem, o.accept_invalid_certs) = (ca_pem, accept_invalid_certs);
    o
}
