//! Connection settings shared by IMAP and SMTP: server, security, credentials, TLS trust and
//! deadlines.

use std::fmt;
use std::time::Duration;

use crate::token::{TokenProvider, TokenSource};

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Security {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    #[default]
    Tls,
    /// Plain connection upgraded with STARTTLS (IMAP 143, SMTP 587). If the server does not
    /// offer STARTTLS the connection fails with [`ErrorKind::Tls`](crate::ErrorKind::Tls); it
    /// never falls back to plaintext.
    StartTls,
    /// No encryption at all. Only for loopback test servers; must be chosen explicitly.
    Plain,
}

impl Security {
    /// Parses exactly `"tls"`, `"starttls"` or `"plain"`, the spelling every binding uses
    /// (DESIGN §2). Aliases (`"ssl"`, `"none"`, `"TLS"`) are refused: one spelling in every
    /// language, and no guessing whether `"ssl"` meant implicit TLS or STARTTLS.
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s {
            "tls" => Ok(Security::Tls),
            "starttls" => Ok(Security::StartTls),
            "plain" => Ok(Security::Plain),
            other => Err(crate::Error::invalid_input(format!(
                "security must be \"tls\" | \"starttls\" | \"plain\", not {other:?}"
            ))),
        }
    }

    /// The spelling every binding uses: `"tls"`, `"starttls"` or `"plain"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::Plain => "plain",
        }
    }
}

/// Credentials. `Debug` never prints the password or token.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// IMAP LOGIN / SMTP AUTH PLAIN (or LOGIN when PLAIN is not offered).
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// SASL XOAUTH2 with an OAuth 2.0 access token.
    OAuth2 {
        /// The user name (usually the email address).
        username: String,
        /// The bearer token.
        access_token: String,
    },
    /// SASL OAUTHBEARER or XOAUTH2 with access tokens asked of `provider` at each login,
    /// refreshed once when the server refuses one (see [`TokenProvider`](crate::TokenProvider)).
    OAuth2Provider {
        /// The user name (usually the email address).
        username: String,
        /// Where tokens come from.
        provider: TokenSource,
    },
    /// No authentication (SMTP relays that accept anonymous submission).
    None,
}

impl Auth {
    /// Password credentials.
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Auth::Password {
            username: username.into(),
            password: password.into(),
        }
    }

    /// XOAUTH2 credentials.
    pub fn oauth2(username: impl Into<String>, access_token: impl Into<String>) -> Self {
        Auth::OAuth2 {
            username: username.into(),
            access_token: access_token.into(),
        }
    }

    /// OAuth 2.0 credentials with tokens from `provider`, asked at every login.
    pub fn oauth2_provider(username: impl Into<String>, provider: impl TokenProvider) -> Self {
        Auth::OAuth2Provider {
            username: username.into(),
            provider: TokenSource::new(provider),
        }
    }

    /// The user name, if any.
    pub fn username(&self) -> Option<&str> {
        match self {
            Auth::Password { username, .. }
            | Auth::OAuth2 { username, .. }
            | Auth::OAuth2Provider { username, .. } => Some(username),
            Auth::None => None,
        }
    }

    /// The secret (password or token), used to scrub anything that might echo it; a
    /// provider's tokens are known only once asked for ([`Auth::for_login`]).
    pub(crate) fn secret(&self) -> Option<&str> {
        match self {
            Auth::Password { password, .. } => Some(password),
            Auth::OAuth2 { access_token, .. } => Some(access_token),
            Auth::OAuth2Provider { .. } | Auth::None => None,
        }
    }

    /// Whether a refused login may be retried with a refreshed token.
    pub(crate) fn refreshable(&self) -> bool {
        matches!(self, Auth::OAuth2Provider { .. })
    }

    /// The credentials to log in with now: a provider is asked for a token (a fresh one
    /// with `force_refresh`); other credentials are returned as they are.
    pub(crate) async fn for_login(&self, force_refresh: bool) -> crate::Result<Auth> {
        match self {
            Auth::OAuth2Provider { username, provider } => Ok(Auth::OAuth2 {
                username: username.clone(),
                access_token: provider.token(force_refresh).await?,
            }),
            other => Ok(other.clone()),
        }
    }

    /// Refuses, before anything is sent, credentials that no protocol can carry: CR, LF or
    /// NUL in a user name or password (a line break read from a file along with the password
    /// is the usual cause), a control character or white space in an access token. The
    /// error never contains the credentials.
    pub(crate) fn check_sendable(&self) -> crate::Result<()> {
        let line_break = |s: &str| s.contains(['\r', '\n', '\0']);
        let refuse = |what: &str, chars: &str| {
            Err(crate::Error::invalid_input(format!(
                "the {what} contains {chars}, which cannot be sent (a line break read from a \
                 file along with it is the usual cause)"
            )))
        };
        match self {
            Auth::Password { username, password } => {
                if line_break(username) {
                    return refuse("user name", "CR, LF or NUL");
                }
                if line_break(password) {
                    return refuse("password", "CR, LF or NUL");
                }
            }
            Auth::OAuth2Provider { username, .. } => {
                if username.contains(|c: char| c.is_control()) {
                    return refuse("user name", "a control character");
                }
            }
            Auth::OAuth2 {
                username,
                access_token,
            } => {
                if username.contains(|c: char| c.is_control()) {
                    return refuse("user name", "a control character");
                }
                if access_token.contains(|c: char| c.is_control() || c.is_whitespace()) {
                    return refuse("access token", "a control character or white space");
                }
            }
            Auth::None => {}
        }
        Ok(())
    }

    /// Refuses credentials over a [`Security::Plain`] connection unless `allowed`
    /// (`allow_plaintext_auth`): checked before connecting.
    pub(crate) fn check_plaintext(&self, security: Security, allowed: bool) -> crate::Result<()> {
        if security == Security::Plain && !matches!(self, Auth::None) && !allowed {
            return Err(crate::Error::invalid_input(
                "refusing to send credentials over an unencrypted connection (security \"plain\"): \
                 use \"tls\" or \"starttls\", or set allow_plaintext_auth for a test server you \
                 trust (dangerous: anyone on the network path can read the password)",
            ));
        }
        Ok(())
    }

    /// The SASL XOAUTH2 initial response (not base64-encoded).
    pub(crate) fn xoauth2_payload(username: &str, token: &str) -> String {
        format!("user={username}\x01auth=Bearer {token}\x01\x01")
    }

    /// The SASL OAUTHBEARER initial response (RFC 7628, not base64-encoded): the user as
    /// authorization identity (`,` and `=` escaped), then host, port and the bearer token.
    pub(crate) fn oauthbearer_payload(
        username: &str,
        host: &str,
        port: u16,
        token: &str,
    ) -> String {
        let user = username.replace('=', "=3D").replace(',', "=2C");
        format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01")
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Auth::OAuth2 { username, .. } => f
                .debug_struct("OAuth2")
                .field("username", username)
                .field("access_token", &"<redacted>")
                .finish(),
            Auth::OAuth2Provider { username, .. } => f
                .debug_struct("OAuth2Provider")
                .field("username", username)
                .finish_non_exhaustive(),
            Auth::None => f.write_str("None"),
        }
    }
}

/// Which certificates are trusted.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Extra CA certificates (PEM, one or more) trusted in addition to the public web roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate and host name. Dangerous: only for tests against servers whose
    /// certificate you cannot obtain.
    pub accept_invalid_certs: bool,
    /// The name checked against the certificate; defaults to the host.
    pub server_name: Option<String>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("<{} bytes>", p.len())),
            )
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("server_name", &self.server_name)
            .finish()
    }
}

/// Deadlines for every network wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Timeouts {
    /// TCP connect plus TLS handshake. Default 15 s.
    pub connect: Duration,
    /// Waiting for the server greeting. Default 15 s.
    pub greeting: Duration,
    /// Each command, and each read while a response streams in. Default 60 s.
    pub command: Duration,
    /// How long one IDLE command runs before it is re-issued (servers drop IDLE after 30
    /// minutes). Default 25 minutes.
    pub idle_reissue: Duration,
    /// How long an IMAP command may go without receiving any of the data it asked for
    /// before it fails with `Timeout`, however much unsolicited chatter the server sends
    /// meanwhile (`command` alone restarts with every line). `None` (the default) means
    /// 4 × `command`. Streaming fetches count each message received as progress.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub no_progress: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(15),
            greeting: Duration::from_secs(15),
            command: Duration::from_secs(60),
            idle_reissue: Duration::from_secs(25 * 60),
            no_progress: None,
        }
    }
}

/// Where and how to connect to an IMAP server.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// Host name or IP address.
    pub host: String,
    /// Port; 993 for [`Security::Tls`], 143 otherwise, when built with [`ImapConfig::new`].
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// Credentials.
    pub auth: Auth,
    /// Certificate trust.
    pub tls: TlsOptions,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// The largest single response accepted from the server, in bytes (a whole message
    /// fetched with `fetch_raw` is one response), and the most a non-streaming command may
    /// receive in all. Memory grows only with bytes that arrive, never with sizes the
    /// server announces. Default 256 MiB.
    pub max_response_size: usize,
    /// Allows sending the password or token over a [`Security::Plain`] connection, where
    /// anyone on the network path can read it. **Dangerous**: only for a test server on
    /// loopback or a network you fully trust. Default `false`: with `Plain` security and
    /// credentials, connecting fails with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent.
    pub allow_plaintext_auth: bool,
    /// What the client tells a server that offers ID (RFC 2971), right after login: field
    /// and value pairs, by default `name` = `mailwire` and `version` = this crate's version.
    /// Empty: ID is not sent. Some servers (NetEase 163/126) refuse SELECT without it.
    pub client_id: Vec<(String, String)>,
}

/// The [`ImapConfig::client_id`] sent unless the caller sets another.
pub fn default_client_id() -> Vec<(String, String)> {
    vec![
        ("name".to_string(), "mailwire".to_string()),
        ("version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
    ]
}

/// The default [`ImapConfig::max_response_size`]: 256 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 256 * 1024 * 1024;

/// How many message summaries a binding hands over per crossing of the language boundary
/// when the caller does not say (Python `batch_size`, Node `batchSize`, Swift/Kotlin
/// `next(max)`): large enough that the crossing costs nothing next to the network, small
/// enough that the first items arrive at once.
pub const DEFAULT_FETCH_BATCH: usize = 500;

/// The same for whole raw messages (`fetch_raw_many`), which may be megabytes each.
pub const DEFAULT_RAW_FETCH_BATCH: usize = 64;

/// How long one `idle()` call waits for changes when the caller gives no timeout, and how
/// long each round of a `watch` lasts: 29 minutes, the longest RFC 2177 lets an IDLE
/// command stand. The core re-issues IDLE within a call as [`Timeouts::idle_reissue`] says.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(29 * 60);

impl ImapConfig {
    /// Settings for implicit TLS on port 993 with `auth`.
    pub fn new(host: impl Into<String>, auth: Auth) -> Self {
        ImapConfig {
            host: host.into(),
            port: 993,
            security: Security::Tls,
            auth,
            tls: TlsOptions::default(),
            timeouts: Timeouts::default(),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            allow_plaintext_auth: false,
            client_id: default_client_id(),
        }
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the security; also switches the port to 143 when it was the TLS default 993.
    pub fn security(mut self, security: Security) -> Self {
        if security != Security::Tls && self.port == 993 {
            self.port = 143;
        }
        self.security = security;
        self
    }

    /// Trusts the CA certificate(s) in `pem` in addition to the public roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.ca_pem = Some(pem.into());
        self
    }

    /// Sets all deadlines.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the `allow_plaintext_auth` field. **Dangerous**: with
    /// `true` and [`Security::Plain`], the credentials cross the network unencrypted.
    pub fn allow_plaintext_auth(mut self, allow: bool) -> Self {
        self.allow_plaintext_auth = allow;
        self
    }
}

/// Where and how to connect to an SMTP submission server.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Host name or IP address.
    pub host: String,
    /// Port; 465 for [`Security::Tls`], 587 otherwise, when built with [`SmtpConfig::new`].
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// Credentials.
    pub auth: Auth,
    /// Certificate trust.
    pub tls: TlsOptions,
    /// Deadlines (`idle_reissue` is unused).
    pub timeouts: Timeouts,
    /// Name sent in EHLO; defaults to `localhost`.
    pub hello_name: Option<String>,
    /// Most connections the pool opens at once. Default 4.
    pub pool_size: usize,
    /// An idle pooled connection older than this is closed instead of reused. Default 60 s.
    pub pool_idle_timeout: Duration,
    /// Allows sending the password or token over a [`Security::Plain`] connection, where
    /// anyone on the network path can read it. **Dangerous**: only for a test server on
    /// loopback or a network you fully trust. Default `false`: with `Plain` security and
    /// credentials, connecting fails with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent.
    pub allow_plaintext_auth: bool,
}

impl SmtpConfig {
    /// Settings for implicit TLS on port 465 with `auth`.
    pub fn new(host: impl Into<String>, auth: Auth) -> Self {
        SmtpConfig {
            host: host.into(),
            port: 465,
            security: Security::Tls,
            auth,
            tls: TlsOptions::default(),
            timeouts: Timeouts::default(),
            hello_name: None,
            pool_size: 4,
            pool_idle_timeout: Duration::from_secs(60),
            allow_plaintext_auth: false,
        }
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the security; also switches the port to 587 when it was the TLS default 465.
    pub fn security(mut self, security: Security) -> Self {
        if security != Security::Tls && self.port == 465 {
            self.port = 587;
        }
        self.security = security;
        self
    }

    /// Trusts the CA certificate(s) in `pem` in addition to the public roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.ca_pem = Some(pem.into());
        self
    }

    /// Sets all deadlines.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the `allow_plaintext_auth` field. **Dangerous**: with
    /// `true` and [`Security::Plain`], the credentials cross the network unencrypted.
    pub fn allow_plaintext_auth(mut self, allow: bool) -> Self {
        self.allow_plaintext_auth = allow;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // conformance: connect.security
    #[test]
    fn security_has_one_spelling() {
        for (text, security) in [
            ("tls", Security::Tls),
            ("starttls", Security::StartTls),
            ("plain", Security::Plain),
        ] {
            assert_eq!(Security::parse(text).unwrap(), security);
            assert_eq!(security.as_str(), text);
        }
        for alias in ["ssl", "implicit", "none", "TLS", "start_tls", ""] {
            let e = Security::parse(alias).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            assert!(
                e.to_string().contains("\"tls\" | \"starttls\" | \"plain\""),
                "{e}"
            );
        }
    }

    // conformance: errors.no-secrets
    #[test]
    fn unsendable_credentials_are_refused_without_echo() {
        for auth in [
            Auth::password("u", "Secret-Pw-5521\n"),
            Auth::password("u", "Secret-Pw-5521\r\n"),
            Auth::password("u", "Secret\0Pw-5521"),
            Auth::oauth2("u", "Secret-Tok-5521\n"),
            Auth::oauth2("u", "Secret-Tok\x015521"),
            Auth::oauth2("u", "Secret-Tok 5521"),
        ] {
            let err = auth.check_sendable().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains("Secret") && !shown.contains("5521"),
                "{shown}"
            );
            assert!(shown.contains("cannot be sent"), "{shown}");
        }
        assert!(Auth::password("u\n", "pw").check_sendable().is_err());
        assert!(Auth::oauth2("u\x01", "tok").check_sendable().is_err());
        assert!(Auth::password("u", "pässwörd with spaces")
            .check_sendable()
            .is_ok());
        assert!(Auth::oauth2("u@x.org", "ya29.a0-_~+/=")
            .check_sendable()
            .is_ok());
        assert!(Auth::None.check_sendable().is_ok());
    }

    // conformance: auth.plaintext-opt-in
    #[test]
    fn plaintext_auth_needs_its_own_opt_in() {
        let cfg = SmtpConfig::new("h", Auth::password("u", "pw")).security(Security::Plain);
        assert!(!cfg.allow_plaintext_auth);
        let err = cfg
            .auth
            .check_plaintext(cfg.security, cfg.allow_plaintext_auth)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("allow_plaintext_auth"), "{err}");
        let cfg = cfg.allow_plaintext_auth(true);
        assert!(cfg
            .auth
            .check_plaintext(cfg.security, cfg.allow_plaintext_auth)
            .is_ok());
        let imap = ImapConfig::new("h", Auth::oauth2("u", "t")).security(Security::Plain);
        assert!(!imap.allow_plaintext_auth);
        assert!(imap.auth.check_plaintext(imap.security, false).is_err());
        assert!(imap.clone().allow_plaintext_auth(true).allow_plaintext_auth);
        // Without credentials, or with TLS, nothing to refuse.
        assert!(Auth::None.check_plaintext(Security::Plain, false).is_ok());
        assert!(imap.auth.check_plaintext(Security::StartTls, false).is_ok());
        assert!(imap.auth.check_plaintext(Security::Tls, false).is_ok());
    }

    // conformance: errors.no-secrets
    #[test]
    fn debug_never_shows_secrets() {
        let cfg = ImapConfig::new("h", Auth::password("u", "hunter2-secret"));
        assert!(!format!("{cfg:?}").contains("hunter2-secret"));
        let cfg = SmtpConfig::new("h", Auth::oauth2("u", "tok-secret-123"));
        assert!(!format!("{cfg:?}").contains("tok-secret-123"));
    }
}
