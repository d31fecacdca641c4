//! # mailwire
//!
//! Async email for Rust, and the one core behind mailwire's Python, Node.js, Swift and Kotlin
//! packages:
//!
//! - **IMAP** ([`ImapClient`]): implicit TLS or STARTTLS, password or XOAUTH2; list, create,
//!   rename, delete and subscribe mailboxes; status with unread counts; typed search;
//!   summaries (envelope, flags, size, attachment list) streamed before any download; whole
//!   messages, single parts, attachments saved straight to disk; flags and keywords; copy,
//!   move, delete, append; IDLE push; CONDSTORE/QRESYNC incremental sync.
//! - **SMTP** ([`SmtpClient`]): pooled submission over TLS or STARTTLS with AUTH
//!   PLAIN/LOGIN/XOAUTH2, a per-recipient result, and typed reply codes.
//! - **Messages** ([`Message`], [`OutgoingMessage`]): parse received mail, build new mail with
//!   alternatives, attachments and inline images, reply and forward.
//!
//! Every network wait has a deadline ([`Timeouts`]); certificates are verified unless you
//! trust a CA or opt out ([`TlsOptions`]); passwords never appear in errors, `Debug` output or
//! traces (emitted with `tracing` at `debug`/`trace` level, target `mailwire`; each IMAP line
//! carries a `conn` field numbering its connection).
//!
//! # Features
//!
//! - `uniffi` (off by default): derives uniffi's traits on the boundary types (records such
//!   as [`Message`] and [`imap::MessageSummary`], enums such as [`imap::Flag`]) and adds the
//!   `uniffi_types` module, so that the Swift and Kotlin crate (`bindings/ffi`) exports the
//!   core's own types. Only that crate turns it on; uniffi's generated code needs `unsafe`,
//!   so the core forbids `unsafe` only without this feature.
#![deny(missing_docs)]
#![cfg_attr(not(feature = "uniffi"), forbid(unsafe_code))]

#[doc(hidden)]
#[path = "fuzz_api.rs"]
pub mod __fuzz;
mod config;
pub mod discover;
mod error;
pub mod imap;
pub mod message;
mod net;
mod options;
#[doc(hidden)]
pub mod panic;

mod progress;
pub mod smtp;
pub mod token;
pub mod trace;
#[cfg(feature = "uniffi")]
pub mod uniffi_types;

// The core's uniffi component, beside bindings/ffi's `mailwire` in the same library (the
// same name twice would define its symbols twice).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("mailwire_core");

/// Fuzz entry points for the IMAP decoders and search serialisation (used by `fuzz/` and the
/// regression tests); not part of the API.
#[doc(hidden)]
#[path = "fuzz_imap.rs"]
pub mod __fuzz_imap;

pub use config::{
    default_client_id, Auth, ImapConfig, Security, SmtpConfig, Timeouts, TlsOptions,
    DEFAULT_FETCH_BATCH, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_RAW_FETCH_BATCH,
};
pub use discover::discover;
pub use error::{Error, ErrorFields, ErrorKind, Result};
pub use imap::ImapClient;
pub use message::{Address, Attachment, Message, OutgoingMessage};
pub use options::{duration_from, ConnectOptions};
pub use progress::Progress;
pub use smtp::SmtpClient;
pub use token::{TokenFuture, TokenProvider, TokenSource};

/// The README's examples, compiled as doctests so they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
