//! Swift and Kotlin bindings of [mailwire](mailwire) through uniffi.
//!
//! This crate only converts: objects for clients and streams, the connection records, the
//! search query, one error enum. Every behaviour lives in the `mailwire` core, and so do the
//! records and enums of results and messages (`MessageSummary`, `Flag`, `Message`, …): the
//! core derives them with its `uniffi` feature, as a second component (`mailwire_core`) of
//! this same library. Each async export runs on the tokio runtime (`async_runtime =
//! "tokio"`). Panics never cross the boundary: every export that can fail catches them and
//! fails with `MailError.Protocol` carrying the panic's text (see `error::guard`); uniffi
//! itself catches any other.
//!
//! The glue files mirror the core's modules: `config` (connection settings), `error`,
//! `imap` (client, fetch streams, IDLE watcher), `watch_many` (several mailboxes), `smtp`,
//! `message` (parse and compose), `token` (OAuth token providers), `discover` (settings
//! from an address), `trace` (protocol traces).

// Every export returns `Result<_, MailError>`: uniffi passes the error enum by value, and
// it carries the core's error fields in every case, so it is larger than clippy likes.
#![allow(clippy::result_large_err)]

mod config;
mod discover;
mod error;
mod imap;
mod message;
mod progress;
mod smtp;
mod token;
mod trace;
mod watch_many;

pub use config::{Auth, ImapConfig, SmtpConfig};
pub use discover::{discover, DiscoverOptions};
pub use error::{debug_panic, debug_panic_async, MailError};
pub use imap::{FetchStream, IdleWatcher, ImapClient, RawFetchStream, UidSet};
pub use progress::ProgressListener;
pub use smtp::SmtpClient;
pub use token::TokenProvider;
pub use trace::{set_trace_listener, TraceListener};
pub use watch_many::{MultiWatcher, WatchOptions};

uniffi::setup_scaffolding!("mailwire");

/// How many summaries the `Flow` / `AsyncThrowingStream` adapters pull per batch when the
/// caller gives no batch size: the core's `DEFAULT_FETCH_BATCH`, the same in every face.
#[uniffi::export]
pub fn default_fetch_batch() -> u32 {
    mailwire::DEFAULT_FETCH_BATCH as u32
}

/// The same for whole raw messages (`fetchRawMany`): the core's `DEFAULT_RAW_FETCH_BATCH`.
#[uniffi::export]
pub fn default_raw_fetch_batch() -> u32 {
    mailwire::DEFAULT_RAW_FETCH_BATCH as u32
}
