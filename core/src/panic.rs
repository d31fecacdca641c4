//! Panics turned into errors: the last line of defence at every binding boundary.
//!
//! mailwire never panics on purpose, whatever a server sends; a panic is a bug. The Python,
//! Node.js and Swift/Kotlin bindings still run every entry point through [`catch`] or
//! [`catch_future`], so that such a bug surfaces as an [`ErrorKind::Protocol`] error carrying
//! the panic's text, and the host process (an interpreter, an app) never dies of it. Rust
//! callers can do the same around their own calls.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use crate::error::{Error, ErrorKind, Result};

/// The text a panic was raised with (`panic!("…")`), or a placeholder when its payload is
/// not text.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic whose payload is not text".to_string()
    }
}

/// The [`ErrorKind::Protocol`] error that reports a caught panic; its message contains the
/// panic's text.
pub fn panic_error(payload: &(dyn Any + Send)) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!(
            "internal error (a bug in mailwire; please report it): {}",
            panic_message(payload)
        ),
    )
}

/// Runs `f`; a panic inside it becomes a [`panic_error`].
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_error(&*payload))
}

/// Runs `fut`; a panic in any of its polls becomes a [`panic_error`] and the future is
/// dropped.
///
/// # Cancel safety
///
/// Cancelling it cancels `fut`.
pub async fn catch_future<F: Future>(fut: F) -> Result<F::Output> {
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .map_err(|payload| panic_error(&*payload))
}

/// Panics with `msg`. Test-only: the bindings' tests call it through their hidden debug
/// entry points to prove that a panic becomes a `Protocol` error and the process lives.
#[doc(hidden)]
pub fn __debug_panic(msg: &str) -> ! {
    panic!("{msg}")
}

/// Panics with `msg` on the second poll, inside the async runtime. Test-only, like
/// [`__debug_panic`].
#[doc(hidden)]
pub async fn __debug_panic_async(msg: String) {
    tokio::task::yield_now().await;
    panic!("{msg}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // conformance: errors.no-panic
    #[test]
    fn a_panic_becomes_a_protocol_error_with_its_text() {
        let e = catch(|| __debug_panic("boom 42")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.to_string().contains("boom 42"), "{e}");
        let e = catch(|| panic!("formatted {}", 7)).unwrap_err();
        assert!(e.to_string().contains("formatted 7"), "{e}");
        let e = catch(|| std::panic::panic_any(17_u8)).unwrap_err();
        assert!(e.to_string().contains("not text"), "{e}");
        assert_eq!(catch(|| 5).unwrap(), 5);
    }

    // conformance: errors.no-panic
    #[tokio::test]
    async fn a_panicking_future_becomes_a_protocol_error() {
        let e = catch_future(__debug_panic_async("async boom".into()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.to_string().contains("async boom"), "{e}");
        assert_eq!(catch_future(async { 3 }).await.unwrap(), 3);
    }
}
