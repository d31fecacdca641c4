//! The native layer of the `mailwire` npm package: napi-rs glue over the `mailwire` core.
//! It converts types and errors and nothing else; the TypeScript facade in `lib/` gives it
//! the imapflow / nodemailer shape users know.
#![deny(missing_docs)]
// napi-rs registers exports only outside `cfg(test)`; clippy --all-targets builds the test
// configuration too, where they look unused.
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod bytes;
mod config;
mod error;
mod imap;
mod json;
mod message;
mod progress;
mod smtp;
mod text;
mod trace;

pub use config::{AuthOptions, ConnectOptions, TlsSettings};
pub use imap::{IdleWatcher, NativeImapClient, RawStream, SummaryStream};
pub use message::{build_message, forward_to, parse_message, reply_to};
pub use smtp::NativeSmtpClient;
