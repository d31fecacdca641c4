//! IMAP: [`ImapClient`] and the values it returns.

mod client;
pub(crate) mod command;
mod connection;
mod criteria;
mod esearch;
mod events;
mod fetch;
mod gmail;
mod handle;
mod idle;
mod mailboxes;
mod messages;
mod notify;
mod parse;
mod raw;
mod search;
mod sync;
mod sync_state;
mod types;
mod watch;
pub mod watch_many;
pub(crate) mod wire;

pub use client::ImapClient;
pub use command::UidSet;
pub use criteria::SearchCriteria;
pub use fetch::FetchStream;
pub use handle::FetchHandle;
pub use messages::Progress;
pub use raw::RawResponse;
pub use search::SearchQuery;
pub use sync_state::SyncMode;
pub use types::{
    AttachmentInfo, Envelope, FetchOptions, Flag, FlagChange, Mailbox, MailboxEvent, MailboxRole,
    MailboxStatus, MessageSummary, RawMessage, SyncResult, SyncState, UidMap,
};
pub use watch::{CancelHandle, Watcher};
pub use watch_many::{MultiWatcher, WatchEvent, WatchOptions};
