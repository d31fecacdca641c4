//! OAuth 2.0 access tokens asked for at each login, so that a client that lives for weeks
//! logs in again after its token expired (an access token lasts about an hour).
//!
//! The contract, the same in every face: the provider is called at every login — the first,
//! each transparent IMAP reconnect and each new pooled SMTP connection — with
//! `force_refresh = false`. When the server refuses the token, it is called once more with
//! `force_refresh = true` and the login retried on the same connection; only a second refusal
//! is [`ErrorKind::Auth`]. A provider that fails is `Auth` too, with its error as the source.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine;

use crate::error::{Error, ErrorKind, Result};

/// What [`TokenProvider::token`] returns: a future of the access token.
pub type TokenFuture = Pin<Box<dyn Future<Output = Result<String>> + Send>>;

/// Supplies OAuth 2.0 access tokens on demand (see the [module docs](self) for when).
///
/// Any `Fn(bool) -> impl Future<Output = Result<String>>` closure is one:
///
/// ```
/// use mailwire::{Auth, Error};
/// let auth = Auth::oauth2_provider("me@example.com", |force_refresh: bool| async move {
///     // Ask the identity provider; refresh when `force_refresh` says the last one failed.
///     Ok::<_, Error>(if force_refresh { "new-token".to_string() } else { "cached".to_string() })
/// });
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// A current access token; `force_refresh` is true when the server just refused the
    /// previous one (do not answer from a cache then).
    fn token(&self, force_refresh: bool) -> TokenFuture;
}

impl<F, Fut> TokenProvider for F
where
    F: Fn(bool) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String>> + Send + 'static,
{
    fn token(&self, force_refresh: bool) -> TokenFuture {
        Box::pin(self(force_refresh))
    }
}

/// A shared [`TokenProvider`]. Two are equal when they are the same provider.
#[derive(Clone)]
pub struct TokenSource(Arc<dyn TokenProvider>);

impl TokenSource {
    /// Wraps `provider`.
    pub fn new(provider: impl TokenProvider) -> Self {
        TokenSource(Arc::new(provider))
    }

    /// Asks for a token; a failure of the provider, or a token no protocol can carry, is
    /// an `Auth` error (the token never appears in it).
    pub(crate) async fn token(&self, force_refresh: bool) -> Result<String> {
        let token = self.0.token(force_refresh).await.map_err(|e| {
            Error::new(ErrorKind::Auth, "the access token provider failed").with_source(e)
        })?;
        if token.is_empty() || token.contains(|c: char| c.is_control() || c.is_whitespace()) {
            return Err(Error::new(
                ErrorKind::Auth,
                "the access token provider returned an empty token or one with a control \
                 character or white space",
            ));
        }
        Ok(token)
    }
}

impl<P: TokenProvider> From<Arc<P>> for TokenSource {
    fn from(p: Arc<P>) -> Self {
        TokenSource(p)
    }
}

impl PartialEq for TokenSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for TokenSource {}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSource(<provider>)")
    }
}

/// A SASL error challenge as text: its base64 decoded when it is valid UTF-8 (the JSON of
/// OAUTHBEARER and XOAUTH2), else as sent; at most 1,000 characters.
pub(crate) fn sasl_error_text(challenge: &str) -> String {
    let text = base64::engine::general_purpose::STANDARD
        .decode(challenge.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| challenge.to_string());
    text.chars().take(1000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closure_is_a_provider_and_bad_tokens_or_failures_are_auth_errors() {
        let good = TokenSource::new(|force: bool| async move {
            Ok::<_, Error>(if force { "fresh".into() } else { "old".into() })
        });
        assert_eq!(good.token(false).await.unwrap(), "old");
        assert_eq!(good.token(true).await.unwrap(), "fresh");
        assert_eq!(good, good.clone());

        let spaced = TokenSource::new(|_| async { Ok::<_, Error>("a b".to_string()) });
        let e = spaced.token(false).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(!e.to_string().contains("a b"), "{e}");
        assert_ne!(good, spaced);

        let failing =
            TokenSource::new(|_| async { Err::<String, _>(Error::invalid_input("idp down")) });
        let e = failing.token(false).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(std::error::Error::source(&e).is_some());
    }
}
