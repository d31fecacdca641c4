//! [`ConnectOptions`]: every connection option as the language bindings collect them (each
//! one optional), with the defaults and checks applied here, once, so that every face
//! connects the same way from the same options.

use std::time::Duration;

use crate::config::{Auth, ImapConfig, Security, SmtpConfig, Timeouts, TlsOptions};
use crate::error::{Error, Result};
use crate::token::TokenSource;

/// Connection options for IMAP or SMTP, every one optional but the host.
/// [`imap`](Self::imap) and [`smtp`](Self::smtp) turn them into a config:
///
/// - **Port and security** follow each other, as nodemailer and imapflow do: neither given
///   is implicit TLS on 993 (IMAP) or 465 (SMTP); a port alone picks STARTTLS on 143, 587
///   and 25 and implicit TLS on any other; a security alone picks its standard port.
///   `Plain` is never chosen for you.
/// - **Credentials**: a username with a password (LOGIN / AUTH PLAIN) or with an access token
///   (XOAUTH2); neither is anonymous (SMTP relays). See [`Auth::from_parts`].
/// - **Deadlines**: `timeout` is the command deadline and, unless `connect_timeout` is given,
///   the connect and greeting deadline too. Unset ones keep [`Timeouts::default`].
///
/// The record is `#[non_exhaustive]`: start from `ConnectOptions::new(host)` and set fields.
///
/// ```
/// use mailwire::{ConnectOptions, Security};
/// let mut o = ConnectOptions::new("mail.example.com");
/// o.port = Some(587);
/// o.username = Some("me".into());
/// o.password = Some("secret".into());
/// let smtp = o.smtp().unwrap();
/// assert_eq!((smtp.port, smtp.security), (587, Security::StartTls));
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// Host name or IP address.
    pub host: String,
    /// Port; from `security` when absent (see above).
    pub port: Option<u16>,
    /// Transport security; from `port` when absent (see above).
    pub security: Option<Security>,
    /// The user name, with `password` or `access_token`.
    pub username: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// An OAuth 2.0 access token (SASL XOAUTH2).
    pub access_token: Option<String>,
    /// Extra CA certificate(s), PEM, trusted besides the public roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate and host name. Dangerous: tests only.
    pub accept_invalid_certs: bool,
    /// The name checked against the certificate; the host when absent.
    pub server_name: Option<String>,
    /// Each command's deadline, and the connect and greeting deadline unless
    /// `connect_timeout` is given.
    pub timeout: Option<Duration>,
    /// TCP connect + TLS handshake, and the greeting.
    pub connect_timeout: Option<Duration>,
    /// IMAP: how long one IDLE runs before it is re-issued.
    pub idle_reissue: Option<Duration>,
    /// IMAP: how long a command may receive none of the data it asked for
    /// ([`Timeouts::no_progress`]).
    pub no_progress_timeout: Option<Duration>,
    /// IMAP: the largest single response accepted, in bytes (at least 1).
    pub max_response_size: Option<u64>,
    /// OAuth 2.0 tokens asked for at each login instead of a fixed `access_token` (with
    /// `username`; not with `password` or `access_token`).
    pub token_provider: Option<TokenSource>,
    /// IMAP: the ID fields sent after login ([`ImapConfig::client_id`]); `None` keeps the
    /// default, an empty list sends no ID.
    pub client_id: Option<Vec<(String, String)>>,
    /// SMTP: the name sent in EHLO.
    pub hello_name: Option<String>,
    /// SMTP: most connections the pool opens at once (at least 1).
    pub pool_size: Option<u32>,
    /// SMTP: an idle pooled connection older than this is closed instead of reused.
    pub pool_idle_timeout: Option<Duration>,
    /// Allow sending credentials over [`Security::Plain`]. Dangerous.
    pub allow_plaintext_auth: bool,
}

/// Never shows the password or the token (only whether one is set), nor the CA bytes.
impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: bool| if v { "<set>" } else { "<none>" };
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &set(self.password.is_some()))
            .field("access_token", &set(self.access_token.is_some()))
            .field("token_provider", &set(self.token_provider.is_some()))
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("<{} bytes>", p.len())),
            )
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("server_name", &self.server_name)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_reissue", &self.idle_reissue)
            .field("no_progress_timeout", &self.no_progress_timeout)
            .field("max_response_size", &self.max_response_size)
            .field("client_id", &self.client_id)
            .field("hello_name", &self.hello_name)
            .field("pool_size", &self.pool_size)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("allow_plaintext_auth", &self.allow_plaintext_auth)
            .finish()
    }
}

impl Security {
    /// The security a port implies when none is given: STARTTLS on 143 (IMAP), 587
    /// (submission) and 25 (SMTP), implicit TLS on every other port. Never `Plain`.
    pub fn for_port(port: u16) -> Security {
        match port {
            143 | 587 | 25 => Security::StartTls,
            _ => Security::Tls,
        }
    }
}

impl Auth {
    /// Credentials from the parts a binding collects: a username with a password or with
    /// an access token; none of the three is [`Auth::None`].
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for both a password and a token, or
    /// for either without a username.
    pub fn from_parts(
        username: Option<String>,
        password: Option<String>,
        access_token: Option<String>,
    ) -> Result<Auth> {
        match (username, password, access_token) {
            (_, Some(_), Some(_)) => Err(Error::invalid_input(
                "give a password or an access token, not both",
            )),
            (Some(u), Some(p), None) => Ok(Auth::password(u, p)),
            (Some(u), None, Some(t)) => Ok(Auth::oauth2(u, t)),
            (None, Some(_), None) | (None, None, Some(_)) => Err(Error::invalid_input(
                "a username is required with a password or an access token",
            )),
            (Some(_), None, None) => Err(Error::invalid_input(
                "a username needs a password or an access token",
            )),
            (None, None, None) => Ok(Auth::None),
        }
    }
}

impl ConnectOptions {
    /// Options for `host`, everything else unset.
    pub fn new(host: impl Into<String>) -> Self {
        ConnectOptions {
            host: host.into(),
            ..ConnectOptions::default()
        }
    }

    /// The IMAP settings (993 / 143 by default; see the type's documentation).
    pub fn imap(self) -> Result<ImapConfig> {
        let (security, port) = self.endpoint(993, 143);
        let mut timeouts = self.timeouts();
        if let Some(t) = self.idle_reissue {
            timeouts.idle_reissue = t;
        }
        timeouts.no_progress = self.no_progress_timeout;
        let mut cfg = ImapConfig::new(self.host.clone(), self.auth()?)
            .security(security)
            .port(port)
            .timeouts(timeouts)
            .allow_plaintext_auth(self.allow_plaintext_auth);
        cfg.tls = self.tls();
        if let Some(id) = self.client_id.clone() {
            cfg.client_id = id;
        }
        if let Some(n) = self.max_response_size {
            cfg.max_response_size = usize::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| Error::invalid_input("max_response_size must be at least 1 byte"))?;
        }
        Ok(cfg)
    }

    /// The SMTP settings (465 / 587 by default; see the type's documentation).
    pub fn smtp(self) -> Result<SmtpConfig> {
        let (security, port) = self.endpoint(465, 587);
        let mut cfg = SmtpConfig::new(self.host.clone(), self.auth()?)
            .security(security)
            .port(port)
            .timeouts(self.timeouts())
            .allow_plaintext_auth(self.allow_plaintext_auth);
        cfg.tls = self.tls();
        cfg.hello_name = self.hello_name;
        if let Some(n) = self.pool_size {
            if n == 0 {
                return Err(Error::invalid_input("pool_size must be at least 1"));
            }
            cfg.pool_size = n as usize;
        }
        if let Some(t) = self.pool_idle_timeout {
            cfg.pool_idle_timeout = t;
        }
        Ok(cfg)
    }

    /// Security and port, each from the other when absent.
    fn endpoint(&self, tls_port: u16, starttls_port: u16) -> (Security, u16) {
        match (self.security, self.port) {
            (Some(s), Some(p)) => (s, p),
            (Some(Security::Tls), None) => (Security::Tls, tls_port),
            (Some(s), None) => (s, starttls_port),
            (None, Some(p)) => (Security::for_port(p), p),
            (None, None) => (Security::Tls, tls_port),
        }
    }

    fn auth(&self) -> Result<Auth> {
        if let Some(provider) = &self.token_provider {
            return match (&self.username, &self.password, &self.access_token) {
                (Some(u), None, None) => Ok(Auth::OAuth2Provider {
                    username: u.clone(),
                    provider: provider.clone(),
                }),
                (None, _, _) => Err(Error::invalid_input(
                    "a username is required with a token provider",
                )),
                _ => Err(Error::invalid_input(
                    "give a token provider, a password or an access token: only one",
                )),
            };
        }
        Auth::from_parts(
            self.username.clone(),
            self.password.clone(),
            self.access_token.clone(),
        )
    }

    fn tls(&self) -> TlsOptions {
        TlsOptions {
            ca_pem: self.ca_pem.clone(),
            accept_invalid_certs: self.accept_invalid_certs,
            server_name: self.server_name.clone(),
        }
    }

    fn timeouts(&self) -> Timeouts {
        let mut t = Timeouts::default();
        if let Some(d) = self.timeout {
            (t.command, t.connect, t.greeting) = (d, d, d);
        }
        if let Some(d) = self.connect_timeout {
            (t.connect, t.greeting) = (d, d);
        }
        t
    }
}

/// A non-negative, finite number of `unit`s (`per_second` of them make a second) as a
/// `Duration`, for bindings whose languages pass time as numbers; `what` names the option
/// in the [`InvalidInput`](crate::ErrorKind::InvalidInput) error.
pub fn duration_from(what: &str, value: f64, per_second: f64, unit: &str) -> Result<Duration> {
    if !value.is_finite() || value < 0.0 {
        return Err(Error::invalid_input(format!(
            "{what} must be a finite number of {unit} >= 0, not {value}"
        )));
    }
    Duration::try_from_secs_f64(value / per_second)
        .map_err(|_| Error::invalid_input(format!("{what} is too large")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(port: Option<u16>, security: Option<Security>) -> ConnectOptions {
        let mut o = ConnectOptions::new("h");
        (o.port, o.security) = (port, security);
        o
    }

    #[test]
    fn port_and_security_follow_each_other() {
        use Security::*;
        let imap = |p, s| {
            let c = with(p, s).imap().unwrap();
            (c.port, c.security)
        };
        let smtp = |p, s| {
            let c = with(p, s).smtp().unwrap();
            (c.port, c.security)
        };
        assert_eq!(imap(None, None), (993, Tls));
        assert_eq!(imap(Some(143), None), (143, StartTls));
        assert_eq!(imap(Some(993), None), (993, Tls));
        assert_eq!(imap(None, Some(StartTls)), (143, StartTls));
        assert_eq!(imap(None, Some(Plain)), (143, Plain));
        assert_eq!(imap(Some(10993), None), (10993, Tls));
        assert_eq!(imap(Some(143), Some(Tls)), (143, Tls));
        assert_eq!(smtp(None, None), (465, Tls));
        assert_eq!(smtp(Some(587), None), (587, StartTls));
        assert_eq!(smtp(Some(25), None), (25, StartTls));
        assert_eq!(smtp(Some(465), None), (465, Tls));
        assert_eq!(smtp(None, Some(StartTls)), (587, StartTls));
        assert_eq!(smtp(Some(2525), Some(Plain)), (2525, Plain));
    }

    #[test]
    fn credentials_and_checks() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(Auth::from_parts(None, None, None).unwrap(), Auth::None);
        assert_eq!(
            Auth::from_parts(s("u"), s("p"), None).unwrap(),
            Auth::password("u", "p")
        );
        assert_eq!(
            Auth::from_parts(s("u"), None, s("t")).unwrap(),
            Auth::oauth2("u", "t")
        );
        for (u, p, t) in [
            (s("u"), s("p"), s("t")),
            (None, s("p"), None),
            (None, None, s("t")),
            (s("u"), None, None),
        ] {
            let e = Auth::from_parts(u, p, t).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            assert!(!e.to_string().contains("\"p\""), "{e}");
        }
        let mut o = ConnectOptions::new("h");
        (o.username, o.password) = (s("u"), s("pw-Secret-42"));
        o.access_token = s("tok-Secret-43");
        let shown = format!("{o:?}");
        assert!(!shown.contains("Secret"), "{shown}");
        assert!(shown.contains("password: \"<set>\""), "{shown}");
        let mut o = ConnectOptions::new("h");
        o.max_response_size = Some(0);
        assert!(o.imap().is_err());
        let mut o = ConnectOptions::new("h");
        o.pool_size = Some(0);
        assert!(o.smtp().is_err());
    }

    #[test]
    fn timeout_sets_every_deadline_unless_connect_timeout_is_given() {
        let mut o = ConnectOptions::new("h");
        o.timeout = Some(Duration::from_secs(5));
        let t = o.clone().imap().unwrap().timeouts;
        assert_eq!(
            (t.command, t.connect, t.greeting),
            (
                Duration::from_secs(5),
                Duration::from_secs(5),
                Duration::from_secs(5)
            )
        );
        o.connect_timeout = Some(Duration::from_secs(2));
        o.no_progress_timeout = Some(Duration::from_secs(9));
        let t = o.imap().unwrap().timeouts;
        assert_eq!(
            (t.command, t.connect, t.greeting),
            (
                Duration::from_secs(5),
                Duration::from_secs(2),
                Duration::from_secs(2)
            )
        );
        assert_eq!(t.no_progress, Some(Duration::from_secs(9)));
    }

    #[test]
    fn durations_from_numbers() {
        assert_eq!(
            duration_from("t", 1500.0, 1000.0, "ms").unwrap(),
            Duration::from_millis(1500)
        );
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let e = duration_from("timeout", bad, 1.0, "seconds").unwrap_err();
            assert!(e.to_string().contains("timeout"), "{e}");
        }
    }
}
