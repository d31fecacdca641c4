//! Glue for `mailwire::token`: `auth.accessToken` as a string or as a JavaScript function
//! `(forceRefresh) => string | Promise<string>` that becomes the core's `TokenProvider`
//! (when it is called, and what a refusal does, is the core's contract). The function runs
//! on the JavaScript thread, called through a thread-safe function that does not keep the
//! process alive; a promise is awaited without blocking anything. A function that throws,
//! rejects or gives something other than a string fails the login with `EAUTH`.

use std::sync::Arc;

use mailwire::{Error, ErrorKind, TokenFuture, TokenProvider, TokenSource};
use napi::bindgen_prelude::{Either, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;

/// `(forceRefresh: boolean) => string | Promise<string>`.
pub type TokenFn =
    ThreadsafeFunction<bool, Either<String, Promise<String>>, bool, Status, false, true>;

/// The core's token source for `f`.
pub(crate) fn provider(f: TokenFn) -> TokenSource {
    TokenSource::new(JsTokenProvider(Arc::new(f)))
}

struct JsTokenProvider(Arc<TokenFn>);

impl TokenProvider for JsTokenProvider {
    fn token(&self, force_refresh: bool) -> TokenFuture {
        let f = self.0.clone();
        Box::pin(async move {
            match f.call_async_catch(force_refresh).await.map_err(failed)? {
                Either::A(token) => Ok(token),
                Either::B(promise) => promise.await.map_err(failed),
            }
        })
    }
}

/// What the function threw or rejected with (or why its value is no string), as the cause
/// of the core's `Auth` error.
fn failed(e: napi::Error) -> Error {
    let reason = if e.reason.is_empty() {
        e.status.to_string()
    } else {
        e.reason.clone()
    };
    Error::new(ErrorKind::Auth, reason)
}
