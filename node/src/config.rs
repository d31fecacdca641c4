//! Connection options as JavaScript objects (`{host, port, security, auth, ca, …}`) and their
//! conversion to the core's `ImapConfig` / `SmtpConfig`.

use std::collections::BTreeMap;
use std::time::Duration;

use mailwire::{ImapConfig, Security, SmtpConfig};
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use crate::error::{invalid, IntoNapi, Result};
use crate::token::TokenFn;

/// Credentials: a password (`{user, pass}`) or an OAuth 2.0 token (`{user, accessToken}`).
#[napi(object, object_to_js = false)]
pub struct AuthOptions {
    /// The user name.
    pub user: String,
    /// The password (IMAP LOGIN, SMTP AUTH PLAIN/LOGIN).
    pub pass: Option<String>,
    /// An OAuth 2.0 access token (SASL OAUTHBEARER or XOAUTH2), or a function that gives
    /// one: called at every login (IMAP reconnects and new pooled SMTP connections too) with
    /// `forceRefresh` false, and once more with `true` when the server refuses the token.
    /// It may return a promise; one that throws or rejects fails the login with `EAUTH`.
    #[napi(ts_type = "string | ((forceRefresh: boolean) => string | Promise<string>)")]
    pub access_token: Option<Either<String, TokenFn>>,
}

/// Certificate trust beyond `ca`.
#[napi(object)]
pub struct TlsSettings {
    /// `false` accepts any certificate and host name (dangerous: tests only). Default `true`.
    pub reject_unauthorized: Option<bool>,
    /// The name checked against the certificate; defaults to the host.
    pub servername: Option<String>,
}

/// Where and how to connect (IMAP or SMTP).
#[napi(object, object_to_js = false)]
pub struct ConnectOptions {
    /// Host name or IP address.
    pub host: String,
    /// Port; when absent 993 (IMAP) or 465 (SMTP) for `'tls'`, 143 or 587 otherwise.
    pub port: Option<u32>,
    /// Transport security; when absent the port decides, as in imapflow and nodemailer:
    /// `'starttls'` on 143, 587 and 25, `'tls'` on any other port (and without a port).
    #[napi(ts_type = "'tls' | 'starttls' | 'plain'")]
    pub security: Option<String>,
    /// Credentials; none for anonymous SMTP relays.
    pub auth: Option<AuthOptions>,
    /// Extra trusted CA certificate(s), PEM.
    pub ca: Option<Either<Buffer, String>>,
    /// Certificate checks.
    pub tls: Option<TlsSettings>,
    /// Deadline in milliseconds for each command and each read while a response streams in
    /// (also the connect and greeting deadline unless `connectTimeout` is given). Default
    /// 60000.
    pub timeout: Option<f64>,
    /// Deadline in milliseconds for TCP connect + TLS handshake and the greeting. Default 15000.
    pub connect_timeout: Option<f64>,
    /// IMAP: how long one IDLE runs before it is re-issued, in milliseconds. Default 25 min.
    pub idle_reissue: Option<f64>,
    /// IMAP: how long a command may receive none of the data it asked for, in milliseconds,
    /// however much unrelated chatter the server sends meanwhile. Default 4 × `timeout`.
    pub no_progress_timeout: Option<f64>,
    /// IMAP: the largest single response accepted from the server, in bytes (a whole
    /// message from `fetchRaw` is one response). Default 256 MiB.
    pub max_response_size: Option<f64>,
    /// IMAP: what the client tells a server that offers ID (RFC 2971) after login, e.g.
    /// `{name: 'myapp', version: '1.0'}` (sent sorted by name). Default `name`
    /// mailwire and its version; `{}` sends no ID.
    pub client_id: Option<BTreeMap<String, String>>,
    /// SMTP: most connections the pool opens at once. Default 4.
    pub max_connections: Option<u32>,
    /// SMTP: the name sent in EHLO. Default `localhost`.
    pub name: Option<String>,
    /// SMTP: an idle pooled connection older than this (milliseconds) is closed. Default 60000.
    pub pool_idle_timeout: Option<f64>,
    /// Allow sending the password or token over `security: 'plain'`, unencrypted. Dangerous:
    /// anyone on the network path can read it; only for a test server you trust. Default
    /// `false`.
    pub allow_plaintext_auth: Option<bool>,
}

/// Milliseconds from JavaScript as a duration; `what` names the option in the error.
pub(crate) fn millis(what: &str, ms: f64) -> Result<Duration> {
    mailwire::duration_from(what, ms, 1000.0, "milliseconds").napi()
}

fn optional_millis(what: &str, ms: Option<f64>) -> Result<Option<Duration>> {
    ms.map(|ms| millis(what, ms)).transpose()
}

/// The core's options for `o` (the core applies every default and check).
fn options(o: &mut ConnectOptions) -> Result<mailwire::ConnectOptions> {
    let mut c = mailwire::ConnectOptions::new(&o.host);
    c.port = o
        .port
        .map(|p| u16::try_from(p).map_err(|_| invalid(format!("port {p} is out of range"))))
        .transpose()?;
    c.security = o
        .security
        .as_deref()
        .map(Security::parse)
        .transpose()
        .napi()?;
    if let Some(a) = &mut o.auth {
        (c.username, c.password) = (Some(a.user.clone()), a.pass.clone());
        match a.access_token.take() {
            Some(Either::A(token)) => c.access_token = Some(token),
            Some(Either::B(f)) => c.token_provider = Some(crate::token::provider(f)),
            None => {}
        }
    }
    c.ca_pem = o.ca.as_ref().map(|ca| match ca {
        Either::A(b) => b.to_vec(),
        Either::B(s) => s.as_bytes().to_vec(),
    });
    if let Some(t) = &o.tls {
        c.accept_invalid_certs = t.reject_unauthorized == Some(false);
        c.server_name = t.servername.clone();
    }
    c.timeout = optional_millis("timeout", o.timeout)?;
    c.connect_timeout = optional_millis("connectTimeout", o.connect_timeout)?;
    c.allow_plaintext_auth = o.allow_plaintext_auth == Some(true);
    Ok(c)
}

/// The core's IMAP settings for `o`.
pub(crate) fn imap_config(mut o: ConnectOptions) -> Result<ImapConfig> {
    let mut c = options(&mut o)?;
    c.idle_reissue = optional_millis("idleReissue", o.idle_reissue)?;
    c.no_progress_timeout = optional_millis("noProgressTimeout", o.no_progress_timeout)?;
    if let Some(n) = o.max_response_size {
        if !(n.fract() == 0.0 && n >= 1.0 && n <= u64::MAX as f64) {
            return Err(invalid(format!(
                "maxResponseSize must be a whole number of bytes >= 1, not {n}"
            )));
        }
        c.max_response_size = Some(n as u64);
    }
    c.client_id = o.client_id.take().map(|id| id.into_iter().collect());
    c.imap().napi()
}

/// The core's SMTP settings for `o`.
pub(crate) fn smtp_config(mut o: ConnectOptions) -> Result<SmtpConfig> {
    let mut c = options(&mut o)?;
    c.pool_size = o.max_connections;
    c.hello_name = o.name.clone();
    c.pool_idle_timeout = optional_millis("poolIdleTimeout", o.pool_idle_timeout)?;
    c.smtp().napi()
}
