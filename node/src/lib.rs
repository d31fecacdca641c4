//! The native layer of the `mailwire` npm package: napi-rs glue over the `mailwire` core.
//! It converts types and errors and nothing else; the TypeScript facade in `lib/` gives it
//! the imapflow / nodemailer shape users know.
#![deny(missing_docs)]
// napi-rs registers exports only outside `cfg(test)`; clippy --all-targets builds the test
// configuration too, where they look unused.
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod bytes;
mod config;
mod discover;
mod error;
mod imap;
mod json;
mod message;
mod progress;
mod smtp;
mod text;
mod token;
mod trace;

pub use config::{AuthOptions, ConnectOptions, TlsSettings};
pub use discover::discover;
pub use imap::{IdleWatcher, MultiWatcher, NativeImapClient, RawStream, SummaryStream};
pub use message::{build_message, forward_to, parse_message, reply_to};
pub use smtp::NativeSmtpClient;

use napi_derive::napi;

/// The version of this native library: the workspace version in Cargo.toml, the one source
/// of every package's version (`require('mailwire').version`).
#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Summaries handed over per batch when `batchSize` is not given (the core's default).
#[napi]
pub const DEFAULT_FETCH_BATCH: u32 = mailwire::DEFAULT_FETCH_BATCH as u32;

/// Whole messages handed over per batch of `fetchRawMany` by default (the core's default).
#[napi]
pub const DEFAULT_RAW_FETCH_BATCH: u32 = mailwire::DEFAULT_RAW_FETCH_BATCH as u32;

/// Milliseconds one `idle()` (and one round of `watch`) waits by default: the core's 29
/// minutes.
#[napi]
pub const DEFAULT_IDLE_TIMEOUT: u32 = mailwire::DEFAULT_IDLE_TIMEOUT.as_millis() as u32;

/// Panics inside Rust with `msg`. Test-only: proves that a panic in a sync export becomes a
/// `MailError` with code `EPROTOCOL` carrying its text, and that the process lives on.
#[napi(js_name = "_debugPanic", catch_unwind)]
pub fn debug_panic(msg: String) -> error::Result<()> {
    error::guard(|| mailwire::panic::__debug_panic(&msg))
}

/// Rejects after a panic inside the Rust future. Test-only: proves that a panic in an async
/// export rejects with a `MailError` with code `EPROTOCOL` carrying its text.
#[napi(js_name = "_debugPanicAsync")]
pub async fn debug_panic_async(msg: String) -> error::Result<()> {
    error::guard_async(async {
        mailwire::panic::__debug_panic_async(msg).await;
        Ok(())
    })
    .await
}
