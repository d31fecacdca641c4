//! The values IMAP calls return: mailboxes, status, flags, summaries, events.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};

use super::command::UidSet;
pub use super::sync_state::SyncState;
use crate::error::{Error, Result};
use crate::message::Address;

/// The role of a special-use mailbox (RFC 6154), or the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MailboxRole {
    /// The inbox.
    Inbox,
    /// Sent messages (`\Sent`).
    Sent,
    /// Drafts (`\Drafts`).
    Drafts,
    /// Deleted messages (`\Trash`).
    Trash,
    /// Spam (`\Junk`).
    Junk,
    /// Archived messages (`\Archive`).
    Archive,
    /// A virtual mailbox with every message (`\All`).
    All,
    /// A virtual mailbox with flagged messages (`\Flagged`).
    Flagged,
}

impl MailboxRole {
    /// The lower-case name every binding uses (`"inbox"`, `"sent"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MailboxRole::Inbox => "inbox",
            MailboxRole::Sent => "sent",
            MailboxRole::Drafts => "drafts",
            MailboxRole::Trash => "trash",
            MailboxRole::Junk => "junk",
            MailboxRole::Archive => "archive",
            MailboxRole::All => "all",
            MailboxRole::Flagged => "flagged",
        }
    }
}

/// A mailbox as listed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Mailbox {
    /// The full name in UTF-8 (decoded from modified UTF-7), hierarchy levels joined by
    /// `delimiter`.
    pub name: String,
    /// The hierarchy delimiter (usually `/` or `.`), if the server has one.
    pub delimiter: Option<String>,
    /// The raw name attributes (`\HasNoChildren`, `\Sent`, `\Noselect`, …).
    pub attributes: Vec<String>,
    /// The special-use role, if any.
    pub role: Option<MailboxRole>,
    /// Whether the user is subscribed to it.
    pub subscribed: bool,
}

impl Mailbox {
    /// Whether messages can be stored in it (no `\Noselect` / `\NonExistent`).
    pub fn selectable(&self) -> bool {
        !self.attributes.iter().any(|a| {
            a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent")
        })
    }
}

/// Counters of a mailbox, from STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MailboxStatus {
    /// Number of messages.
    pub messages: u32,
    /// Number of messages without `\Seen`.
    pub unseen: u32,
    /// Number of messages with `\Recent`.
    pub recent: u32,
    /// The UID the next message will get.
    pub uid_next: u32,
    /// The UID validity; when it changes, cached UIDs are void.
    pub uid_validity: u32,
    /// The highest modification sequence (CONDSTORE), when the server has one.
    pub highest_modseq: Option<u64>,
}

/// A message flag: a system flag or a custom keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Flag {
    /// `\Seen`: the message was read.
    Seen,
    /// `\Answered`.
    Answered,
    /// `\Flagged`: starred / important.
    Flagged,
    /// `\Deleted`: marked for expunge.
    Deleted,
    /// `\Draft`.
    Draft,
    /// `\Recent` (read-only, set by the server).
    Recent,
    /// A custom keyword such as `$Forwarded` or `Work`.
    Keyword(String),
}

impl Flag {
    /// The flag as IMAP writes it (`\Seen`, `$Label`).
    pub fn as_imap(&self) -> &str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Recent => "\\Recent",
            Flag::Keyword(k) => k,
        }
    }

    /// Reads a flag as the server or a user writes it; system flags are case-insensitive.
    pub fn parse(s: &str) -> Flag {
        match s.to_ascii_lowercase().as_str() {
            "\\seen" => Flag::Seen,
            "\\answered" => Flag::Answered,
            "\\flagged" => Flag::Flagged,
            "\\deleted" => Flag::Deleted,
            "\\draft" => Flag::Draft,
            "\\recent" => Flag::Recent,
            _ => Flag::Keyword(s.to_string()),
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_imap())
    }
}

impl FromStr for Flag {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let flag = Flag::parse(s);
        match &flag {
            Flag::Keyword(k) if k.starts_with('\\') => Err(Error::invalid_input(format!(
                "{k:?} is not a known system flag"
            ))),
            Flag::Keyword(k) => crate::imap::command::check_keyword(k).map(|_| flag),
            _ => Ok(flag),
        }
    }
}

impl From<&str> for Flag {
    /// Same as [`Flag::parse`]; invalid keywords are refused later, before sending.
    fn from(s: &str) -> Self {
        Flag::parse(s)
    }
}

/// The envelope of a message as the server parsed it (headers decoded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Envelope {
    /// The Date header.
    pub date: Option<DateTime<FixedOffset>>,
    /// The subject, RFC 2047 decoded.
    pub subject: Option<String>,
    /// From.
    pub from: Vec<Address>,
    /// Sender.
    pub sender: Vec<Address>,
    /// Reply-To.
    pub reply_to: Vec<Address>,
    /// To.
    pub to: Vec<Address>,
    /// Cc.
    pub cc: Vec<Address>,
    /// Bcc (only present on the sender's copy).
    pub bcc: Vec<Address>,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To without angle brackets.
    pub in_reply_to: Option<String>,
}

/// An attachment known from BODYSTRUCTURE, before anything is downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttachmentInfo {
    /// The IMAP part number (`"2"`, `"1.3"`), for [`download`](crate::ImapClient::download).
    pub part: String,
    /// The file name, RFC 2231/2047 decoded.
    pub filename: Option<String>,
    /// The MIME type in lower case (`image/png`).
    pub content_type: String,
    /// The size on the wire (transfer-encoded; base64 is about 4/3 of the file).
    pub size: u32,
    /// The Content-ID without angle brackets (inline images).
    pub content_id: Option<String>,
    /// Whether it is shown inline rather than as a separate attachment.
    pub inline: bool,
    /// The Content-Transfer-Encoding in lower case (`base64`, `7bit`, …).
    pub encoding: String,
}

/// What the server knows about a message, fetched without downloading it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MessageSummary {
    /// The UID.
    pub uid: u32,
    /// Flags and keywords.
    pub flags: Vec<Flag>,
    /// Size of the whole message in bytes.
    pub size: u32,
    /// When the server received it.
    pub internal_date: Option<DateTime<FixedOffset>>,
    /// Modification sequence (CONDSTORE), when the server has one.
    pub modseq: Option<u64>,
    /// The envelope.
    pub envelope: Envelope,
    /// The attachments, from BODYSTRUCTURE.
    pub attachments: Vec<AttachmentInfo>,
    /// Gmail's message id (X-GM-MSGID), on servers with `X-GM-EXT-1`.
    pub gmail_message_id: Option<u64>,
    /// Gmail's thread id (X-GM-THRID), on servers with `X-GM-EXT-1`.
    pub gmail_thread_id: Option<u64>,
    /// Gmail's labels (X-GM-LABELS: `\Inbox`, `\Important`, user labels), on servers with
    /// `X-GM-EXT-1`; empty elsewhere.
    pub gmail_labels: Vec<String>,
}

impl MessageSummary {
    /// Whether the message carries `flag`.
    pub fn has_flag(&self, flag: &Flag) -> bool {
        self.flags.contains(flag)
    }
}

/// What to fetch besides UID, flags, size, internal date and modseq.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FetchOptions {
    /// Fetch the ENVELOPE. Default true.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub envelope: bool,
    /// Fetch BODYSTRUCTURE for the attachment list. Default true.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub attachments: bool,
    /// Only messages whose modseq is higher (CONDSTORE `CHANGEDSINCE`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub changed_since: Option<u64>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            envelope: true,
            attachments: true,
            changed_since: None,
        }
    }
}

/// The whole source of one message, from [`ImapClient::fetch_raw_many`](crate::ImapClient::fetch_raw_many).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RawMessage {
    /// The message's UID.
    pub uid: u32,
    /// The message as stored on the server (RFC 5322 bytes).
    pub data: Vec<u8>,
}

/// Source UID → destination UID, from COPYUID (UIDPLUS).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UidMap {
    /// The destination mailbox's UID validity, when the server reported it.
    pub uid_validity: Option<u32>,
    /// `(source, destination)` pairs in source order.
    pub pairs: Vec<(u32, u32)>,
}

impl UidMap {
    /// The destination UID of `source`.
    pub fn get(&self, source: u32) -> Option<u32> {
        self.pairs
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, d)| *d)
    }
}

/// Something that changed in the selected mailbox, pushed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MailboxEvent {
    /// The mailbox now holds `count` messages (new mail arrived when it grew).
    Exists {
        /// The new message count.
        count: u32,
        /// The count the client knew just before (imapflow's `prevCount`): when it grew,
        /// the messages with sequence numbers `prev_count + 1 ..= count` are new.
        prev_count: u32,
    },
    /// Messages were removed.
    Expunge {
        /// Their UIDs, when the server told them (QRESYNC); empty otherwise. Kept as
        /// ranges, as the server sent them.
        uids: UidSet,
        /// The sequence number, when the server sent a classic EXPUNGE.
        seq: Option<u32>,
    },
    /// The flags of a message changed.
    Flags {
        /// Its UID, when the server sent it.
        uid: Option<u32>,
        /// Its sequence number.
        seq: u32,
        /// The flags now.
        flags: Vec<Flag>,
        /// The new modseq (CONDSTORE).
        modseq: Option<u64>,
    },
    /// More events arrived than the client keeps between two calls
    /// (10,000): the oldest `dropped` were discarded. Resynchronise the mailbox (e.g. with
    /// [`sync`](crate::ImapClient::sync)) instead of trusting the events alone.
    Overflow {
        /// How many events were discarded.
        dropped: u64,
    },
}

/// A changed message found by [`sync`](crate::ImapClient::sync).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FlagChange {
    /// The UID.
    pub uid: u32,
    /// Its flags now.
    pub flags: Vec<Flag>,
    /// Its modseq.
    pub modseq: Option<u64>,
}

/// What changed in a mailbox since a [`SyncState`]: the same shape whether the server has
/// QRESYNC, CONDSTORE alone or neither (see [`ImapClient::sync`](crate::ImapClient::sync)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncResult {
    /// Store this for the next sync.
    pub state: SyncState,
    /// UIDs of messages that arrived (all messages on a full resync), ascending.
    pub new: Vec<u32>,
    /// Messages whose flags changed, ascending by UID.
    pub changed: Vec<FlagChange>,
    /// UIDs of messages that are gone, as ranges (a QRESYNC server reports ranges, and a
    /// state without known UIDs compares ranges: they may include UIDs this client never
    /// saw).
    pub vanished: UidSet,
    /// True only when the saved state was void (first sync, or UIDVALIDITY changed),
    /// whatever the server offers: drop every cached message of this mailbox and take `new`
    /// as the whole content.
    pub full_resync: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        assert_eq!(Flag::parse("\\SEEN"), Flag::Seen);
        assert_eq!(Flag::parse("$Work"), Flag::Keyword("$Work".into()));
        assert!("\\Bogus".parse::<Flag>().is_err());
        assert!("two words".parse::<Flag>().is_err());
    }
}
