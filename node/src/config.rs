//! Connection options as JavaScript objects (`{host, port, security, auth, ca, …}`) and their
//! conversion to the core's `ImapConfig` / `SmtpConfig`.

use std::time::Duration;

use mailwire::{Auth, ImapConfig, Security, SmtpConfig, Timeouts, TlsOptions};
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use crate::error::{invalid, IntoNapi, Result};

/// Credentials: a password (`{user, pass}`) or an OAuth 2.0 token (`{user, accessToken}`).
#[napi(object)]
pub struct AuthOptions {
    /// The user name.
    pub user: String,
    /// The password (IMAP LOGIN, SMTP AUTH PLAIN/LOGIN).
    pub pass: Option<String>,
    /// An OAuth 2.0 access token (SASL XOAUTH2).
    pub access_token: Option<String>,
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
#[napi(object)]
pub struct ConnectOptions {
    /// Host name or IP address.
    pub host: String,
    /// Port; defaults to 993/143 (IMAP) or 465/587 (SMTP) after `security`.
    pub port: Option<u32>,
    /// Transport security; default `'tls'`.
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
    /// IMAP: allows sending the password or token over an unencrypted (`'plain'`)
    /// connection. Dangerous: anyone on the path can read it. Default `false`.
    pub allow_plaintext_auth: Option<bool>,
    /// SMTP: most connections the pool opens at once. Default 4.
    pub max_connections: Option<u32>,
    /// SMTP: the name sent in EHLO. Default `localhost`.
    pub name: Option<String>,
    /// SMTP: an idle pooled connection older than this (milliseconds) is closed. Default 60000.
    pub pool_idle_timeout: Option<f64>,
}

/// Milliseconds from JavaScript as a duration; `what` names the option in the error.
pub(crate) fn millis(what: &str, ms: f64) -> Result<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid(format!(
            "{what} must be a finite number of milliseconds >= 0, not {ms}"
        )));
    }
    Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| invalid(format!("{what} is too large")))
}

struct Parts {
    security: Security,
    auth: Auth,
    tls: TlsOptions,
    timeouts: Timeouts,
}

fn parts(o: &ConnectOptions) -> Result<Parts> {
    let security = match &o.security {
        Some(s) => Security::parse(s).napi()?,
        None => Security::Tls,
    };
    let auth = match &o.auth {
        None => Auth::None,
        Some(a) => match (&a.pass, &a.access_token) {
            (Some(p), None) => Auth::password(&a.user, p),
            (None, Some(t)) => Auth::oauth2(&a.user, t),
            (Some(_), Some(_)) => {
                return Err(invalid("auth takes `pass` or `accessToken`, not both"))
            }
            (None, None) => return Err(invalid("auth needs `pass` or `accessToken`")),
        },
    };
    let mut tls = TlsOptions::default();
    if let Some(ca) = &o.ca {
        tls.ca_pem = Some(match ca {
            Either::A(b) => b.to_vec(),
            Either::B(s) => s.as_bytes().to_vec(),
        });
    }
    if let Some(t) = &o.tls {
        tls.accept_invalid_certs = t.reject_unauthorized == Some(false);
        tls.server_name = t.servername.clone();
    }
    let mut timeouts = Timeouts::default();
    if let Some(t) = o.timeout {
        timeouts.command = millis("timeout", t)?;
        timeouts.connect = timeouts.command;
        timeouts.greeting = timeouts.command;
    }
    if let Some(t) = o.connect_timeout {
        timeouts.connect = millis("connectTimeout", t)?;
        timeouts.greeting = timeouts.connect;
    }
    Ok(Parts {
        security,
        auth,
        tls,
        timeouts,
    })
}

fn port(o: &ConnectOptions) -> Result<Option<u16>> {
    o.port
        .map(|p| u16::try_from(p).map_err(|_| invalid(format!("port {p} is out of range"))))
        .transpose()
}

/// The core's IMAP settings for `o`.
pub(crate) fn imap_config(o: &ConnectOptions) -> Result<ImapConfig> {
    let p = parts(o)?;
    let mut timeouts = p.timeouts;
    if let Some(t) = o.idle_reissue {
        timeouts.idle_reissue = millis("idleReissue", t)?;
    }
    if let Some(t) = o.no_progress_timeout {
        timeouts.no_progress = Some(millis("noProgressTimeout", t)?);
    }
    let mut c = ImapConfig::new(&o.host, p.auth)
        .security(p.security)
        .timeouts(timeouts)
        .allow_plaintext_auth(o.allow_plaintext_auth == Some(true));
    c.tls = p.tls;
    if let Some(n) = o.max_response_size {
        if !(n.fract() == 0.0 && n >= 1.0 && n <= usize::MAX as f64) {
            return Err(invalid(format!(
                "maxResponseSize must be a whole number of bytes >= 1, not {n}"
            )));
        }
        c.max_response_size = n as usize;
    }
    if let Some(port) = port(o)? {
        c = c.port(port);
    }
    Ok(c)
}

/// The core's SMTP settings for `o`.
pub(crate) fn smtp_config(o: &ConnectOptions) -> Result<SmtpConfig> {
    let p = parts(o)?;
    let mut c = SmtpConfig::new(&o.host, p.auth)
        .security(p.security)
        .timeouts(p.timeouts);
    c.tls = p.tls;
    if let Some(port) = port(o)? {
        c = c.port(port);
    }
    if let Some(n) = o.max_connections {
        c.pool_size = n as usize;
    }
    c.hello_name = o.name.clone();
    if let Some(t) = o.pool_idle_timeout {
        c.pool_idle_timeout = millis("poolIdleTimeout", t)?;
    }
    Ok(c)
}
