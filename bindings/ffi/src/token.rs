//! OAuth 2.0 tokens from the app: a `TokenProvider` implemented in Kotlin or Swift, wrapped
//! as the core's provider (`mailwire::TokenSource`), whose contract is every face's: asked
//! at every login (the first, each reconnect, each new pooled SMTP connection), once more
//! with `forceRefresh` after a refusal; a provider that throws fails the login with `Auth`.

use std::sync::Arc;

use mailwire::{Error, ErrorKind, TokenFuture};

use crate::error::MailError;

/// Supplies OAuth 2.0 access tokens on demand (`Auth.oauth2Provider`). `token` is a Kotlin
/// `suspend fun` / a Swift `async` method, so it may ask an identity provider over the
/// network; it runs on the language's own executor (Kotlin: a coroutine; Swift: a Task) and
/// is cancelled when the login that asked for it is.
///
/// Called with `forceRefresh = false` at every login: the first, each transparent IMAP
/// reconnect and each new pooled SMTP connection. When the server refuses the token it is
/// called once more with `forceRefresh = true` (do not answer from a cache then) and the
/// login retried; a second refusal is `MailError.Auth`. Anything it throws fails the login
/// with `MailError.Auth`, the thrown error's text in `cause`.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync {
    /// A current access token; `forceRefresh` is true when the server just refused the
    /// previous one.
    async fn token(&self, force_refresh: bool) -> Result<String, MailError>;
}

/// The app's provider as the core's.
struct Bridge(Arc<dyn TokenProvider>);

impl mailwire::TokenProvider for Bridge {
    fn token(&self, force_refresh: bool) -> TokenFuture {
        let provider = self.0.clone();
        Box::pin(async move {
            provider
                .token(force_refresh)
                .await
                .map_err(|e| Error::new(ErrorKind::Auth, e.to_string()))
        })
    }
}

/// The core's credentials with tokens from `provider`.
pub(crate) fn auth(username: String, provider: Arc<dyn TokenProvider>) -> mailwire::Auth {
    mailwire::Auth::oauth2_provider(username, Bridge(provider))
}
