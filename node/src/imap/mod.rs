//! The IMAP client, split by concept as the core is: the client and its connection
//! (`client`), mailboxes, search, messages (fetching summaries and sources, parts and
//! ranges, flags and moves, Gmail labels), IDLE and sync, several mailboxes watched at once
//! (`watch_many`), raw commands. Every method converts its arguments, awaits the core on
//! napi's tokio runtime, and converts the result; batches of summaries cross the boundary
//! at once. `types` holds the conversions they share (UIDs, flags, cancellation).

mod client;
mod idle;
mod mailboxes;
mod messages;
mod raw;
mod search;
mod sync;
mod types;
mod watch_many;

pub use client::NativeImapClient;
pub use idle::IdleWatcher;
pub use messages::fetch::{RawStream, SummaryStream};
pub use watch_many::MultiWatcher;
