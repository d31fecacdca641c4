//! The IMAP client, its fetch streams and its IDLE watcher, and the records they return.
//! Every method converts its arguments, awaits the core on napi's tokio runtime, and
//! converts the result; batches of summaries cross the boundary at once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use mailwire::imap as core;
use mailwire::imap::{SearchQuery as Query, UidSet};
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;
use tokio::sync::{watch, Mutex};

use crate::config::{imap_config, millis, ConnectOptions};
use crate::error::{invalid, IntoNapi, Result};
use crate::message::{Address, Message};
use crate::progress::{progress, ProgressFn};

/// UIDs: an array of numbers, or a string such as `"1:*"`, `"*"`, `"100:*"` or `"1:5,7"`.
#[napi]
pub type Uids = Either<String, Vec<i64>>;

/// The core's UID set for `uids`.
fn uid_set(uids: Uids) -> Result<UidSet> {
    match uids {
        Either::B(list) => {
            let mut out = Vec::with_capacity(list.len());
            for n in list {
                let uid = u32::try_from(n)
                    .map_err(|_| invalid(format!("{n} is not a UID (1 .. 2**32-1)")))?;
                if uid > 0 {
                    out.push(uid);
                }
            }
            Ok(UidSet::from(out))
        }
        Either::A(s) => parse_uid_string(&s),
    }
}

/// Parses IMAP set syntax (`5`, `1:5,7`, `10:*`, `*`) into ranges; nothing is expanded, so
/// `"1:4294967295"` is one range.
fn parse_uid_string(s: &str) -> Result<UidSet> {
    let s = s.trim();
    let bad = || {
        invalid(format!(
            "{s:?} is not a UID set: use numbers, \"1:*\", \"N:*\" or \"1:5,7\""
        ))
    };
    if s == "*" || s.eq_ignore_ascii_case("all") {
        return Ok(UidSet::all());
    }
    let uid = |t: &str| -> Result<u32> {
        match t.trim() {
            "*" => Ok(u32::MAX),
            t => t.parse::<u32>().map_err(|_| bad()),
        }
    };
    let mut ranges = Vec::new();
    for item in s.split(',') {
        let (a, b) = match item.split_once(':') {
            Some((a, b)) => (uid(a)?, uid(b)?),
            None => (uid(item)?, uid(item)?),
        };
        ranges.push((a, b));
    }
    Ok(UidSet::from_ranges(ranges))
}

/// A UID set as `[first, last]` pairs (inclusive, ascending; a `last` of 4294967295 means
/// `*`): the ranges cross as they are, never expanded.
fn ranges_out(set: &UidSet) -> Vec<Vec<u32>> {
    set.ranges().iter().map(|&(a, b)| vec![a, b]).collect()
}

fn flags_in(flags: Vec<String>) -> Vec<core::Flag> {
    flags.iter().map(|f| core::Flag::parse(f)).collect()
}

fn flags_out(flags: Vec<core::Flag>) -> Vec<String> {
    flags.iter().map(|f| f.as_imap().to_string()).collect()
}

fn modseq(m: u64) -> i64 {
    i64::try_from(m).unwrap_or(i64::MAX)
}

/// A mailbox as listed by the server.
#[napi(object)]
pub struct Mailbox {
    /// The full name in UTF-8, levels joined by `delimiter`.
    pub name: String,
    /// The hierarchy delimiter, if the server has one.
    pub delimiter: Option<String>,
    /// The raw name attributes (`\HasNoChildren`, `\Sent`, …).
    pub attributes: Vec<String>,
    /// The special-use role, if any.
    #[napi(
        ts_type = "'inbox' | 'sent' | 'drafts' | 'trash' | 'junk' | 'archive' | 'all' | 'flagged'"
    )]
    pub role: Option<String>,
    /// Whether the user is subscribed to it.
    pub subscribed: bool,
}

/// Counters of a mailbox, from STATUS.
#[napi(object)]
pub struct MailboxStatus {
    /// Number of messages.
    pub messages: u32,
    /// Number of messages without `\Seen`.
    pub unseen: u32,
    /// Number of messages with `\Recent`.
    pub recent: u32,
    /// The UID the next message will get.
    pub uid_next: u32,
    /// The UID validity.
    pub uid_validity: u32,
    /// The highest modification sequence (CONDSTORE).
    pub highest_modseq: Option<i64>,
}

/// The envelope of a message as the server parsed it.
#[napi(object)]
#[allow(dead_code)] // typings only: summaries cross as JSON
pub struct Envelope {
    /// The Date header.
    pub date: Option<DateTime<FixedOffset>>,
    /// The subject, decoded.
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
    /// Bcc.
    pub bcc: Vec<Address>,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To without angle brackets.
    pub in_reply_to: Option<String>,
}

/// An attachment known from BODYSTRUCTURE, before anything is downloaded.
#[napi(object)]
#[allow(dead_code)] // typings only: summaries cross as JSON
pub struct AttachmentInfo {
    /// The IMAP part number (`"2"`, `"1.3"`) for `download` / `saveAttachment`.
    pub part: String,
    /// The file name, decoded.
    pub filename: Option<String>,
    /// The MIME type in lower case.
    pub content_type: String,
    /// The size on the wire (transfer-encoded).
    pub size: u32,
    /// The Content-ID without angle brackets.
    pub content_id: Option<String>,
    /// Shown inline rather than as a separate attachment.
    pub inline: bool,
    /// The Content-Transfer-Encoding in lower case.
    pub encoding: String,
}

/// What the server knows about a message, fetched without downloading it (the typings;
/// `fetch` hands batches over as JSON, see `summaries_json`).
#[napi(object)]
#[allow(dead_code)] // typings only: summaries cross as JSON
pub struct MessageSummary {
    /// The UID.
    pub uid: u32,
    /// Flags and keywords (`\Seen`, `$Forwarded`).
    pub flags: Vec<String>,
    /// Size of the whole message in bytes.
    pub size: u32,
    /// When the server received it.
    pub internal_date: Option<DateTime<FixedOffset>>,
    /// Modification sequence (CONDSTORE).
    pub modseq: Option<i64>,
    /// The envelope.
    pub envelope: Envelope,
    /// The attachments, from BODYSTRUCTURE.
    pub attachments: Vec<AttachmentInfo>,
}

/// The whole source of one message.
#[napi(object)]
pub struct RawMessage {
    /// The UID.
    pub uid: u32,
    /// The message bytes.
    pub data: Buffer,
}

/// What to fetch besides UID, flags, size, internal date and modseq.
#[napi(object)]
pub struct FetchOptions {
    /// Fetch the envelope. Default true.
    pub envelope: Option<bool>,
    /// Fetch BODYSTRUCTURE for the attachment list. Default true.
    pub attachments: Option<bool>,
    /// Only messages whose modseq is higher (CONDSTORE `CHANGEDSINCE`).
    pub changed_since: Option<i64>,
}

/// Where copied or moved messages landed.
#[napi(object)]
pub struct UidMap {
    /// The destination's UID validity, when the server reported it.
    pub uid_validity: Option<u32>,
    /// `[sourceUid, destinationUid]` pairs.
    pub pairs: Vec<Vec<u32>>,
}

impl From<core::UidMap> for UidMap {
    fn from(m: core::UidMap) -> Self {
        UidMap {
            uid_validity: m.uid_validity,
            pairs: m.pairs.into_iter().map(|(a, b)| vec![a, b]).collect(),
        }
    }
}

/// Something that changed in the selected mailbox, pushed by the server.
#[napi(object)]
pub struct MailboxEvent {
    /// `exists`: the mailbox now holds `count` messages; `expunge`: messages were removed
    /// (`uids` with QRESYNC, else `seq`); `flags`: the flags of a message changed;
    /// `overflow`: more events arrived than the client keeps between two calls (10,000),
    /// the oldest `dropped` were discarded (resynchronise with `sync`).
    #[napi(ts_type = "'exists' | 'expunge' | 'flags' | 'overflow'")]
    pub r#type: String,
    /// The new message count (`exists`).
    pub count: Option<u32>,
    /// The removed UIDs as inclusive `[first, last]` ranges, ascending (`expunge`, when the
    /// server told them).
    #[napi(ts_type = "Array<[number, number]>")]
    pub uids: Option<Vec<Vec<u32>>>,
    /// The sequence number (`expunge` without QRESYNC, `flags`).
    pub seq: Option<u32>,
    /// The UID (`flags`, when the server sent it).
    pub uid: Option<u32>,
    /// The flags now (`flags`).
    pub flags: Option<Vec<String>>,
    /// The new modseq (`flags`, CONDSTORE).
    pub modseq: Option<i64>,
    /// How many events were discarded (`overflow`).
    pub dropped: Option<i64>,
}

fn event(e: core::MailboxEvent) -> MailboxEvent {
    let mut out = MailboxEvent {
        r#type: String::new(),
        count: None,
        uids: None,
        seq: None,
        uid: None,
        flags: None,
        modseq: None,
        dropped: None,
    };
    match e {
        core::MailboxEvent::Exists { count } => {
            out.r#type = "exists".into();
            out.count = Some(count);
        }
        core::MailboxEvent::Expunge { uids, seq } => {
            out.r#type = "expunge".into();
            out.uids = Some(ranges_out(&uids));
            out.seq = seq;
        }
        core::MailboxEvent::Flags {
            uid,
            seq,
            flags,
            modseq: m,
        } => {
            out.r#type = "flags".into();
            out.uid = uid;
            out.seq = Some(seq);
            out.flags = Some(flags_out(flags));
            out.modseq = m.map(modseq);
        }
        core::MailboxEvent::Overflow { dropped } => {
            out.r#type = "overflow".into();
            out.dropped = Some(i64::try_from(dropped).unwrap_or(i64::MAX));
        }
    }
    out
}

/// A message whose flags changed, found by `sync`.
#[napi(object)]
pub struct FlagChange {
    /// The UID.
    pub uid: u32,
    /// Its flags now.
    pub flags: Vec<String>,
    /// Its modseq.
    pub modseq: Option<i64>,
}

/// What changed in a mailbox since a saved state.
#[napi(object)]
pub struct SyncResult {
    /// Store this string for the next `sync`.
    pub state: String,
    /// UIDs that arrived (every UID on a full resync), ascending.
    pub new: Vec<u32>,
    /// Messages whose flags changed.
    pub changed: Vec<FlagChange>,
    /// UIDs that are gone, as inclusive `[first, last]` ranges, ascending (the server
    /// reports ranges, which may include UIDs this client never saw).
    #[napi(ts_type = "Array<[number, number]>")]
    pub vanished: Vec<Vec<u32>>,
    /// True when the saved state was void: drop the cache and take `new` as everything.
    pub full_resync: bool,
}

/// A search key tree as the facade builds it from an imapflow-like query object; every
/// given key must match.
#[napi(object)]
pub struct SearchQuery {
    /// Every message.
    pub all: Option<bool>,
    /// `\Seen` (true) or not (false).
    pub seen: Option<bool>,
    /// `\Flagged` or not.
    pub flagged: Option<bool>,
    /// `\Answered` or not.
    pub answered: Option<bool>,
    /// `\Deleted` or not.
    pub deleted: Option<bool>,
    /// `\Draft` or not.
    pub draft: Option<bool>,
    /// From contains.
    pub from: Option<String>,
    /// To contains.
    pub to: Option<String>,
    /// Cc contains.
    pub cc: Option<String>,
    /// Bcc contains.
    pub bcc: Option<String>,
    /// Subject contains.
    pub subject: Option<String>,
    /// Body contains.
    pub body: Option<String>,
    /// Headers or body contain.
    pub text: Option<String>,
    /// Received on or after (date part, UTC).
    pub since: Option<DateTime<Utc>>,
    /// Received before.
    pub before: Option<DateTime<Utc>>,
    /// Received on.
    pub on: Option<DateTime<Utc>>,
    /// Date header on or after.
    pub sent_since: Option<DateTime<Utc>>,
    /// Date header before.
    pub sent_before: Option<DateTime<Utc>>,
    /// Larger than this many bytes.
    pub larger: Option<u32>,
    /// Smaller than this many bytes.
    pub smaller: Option<u32>,
    /// UIDs in the set.
    pub uid: Option<Uids>,
    /// With the keyword.
    pub keyword: Option<String>,
    /// Without the keyword.
    pub unkeyword: Option<String>,
    /// Headers (name, substring of the value) that must match.
    pub header: Option<Vec<crate::message::Header>>,
    /// Changed after this modseq.
    pub modseq: Option<i64>,
    /// Either of these (two or more).
    pub or: Option<Vec<SearchQuery>>,
    /// None of these.
    pub not: Option<Vec<SearchQuery>>,
    /// Raw IMAP search keys (`"OR SEEN FLAGGED"`); CR/LF refused.
    pub raw: Option<String>,
}

fn day(d: DateTime<Utc>) -> NaiveDate {
    d.date_naive()
}

/// The core's query for `q`.
fn query(q: SearchQuery) -> Result<Query> {
    let mut keys = Vec::new();
    let flag = |v: Option<bool>, yes: Query, no: Query, keys: &mut Vec<Query>| match v {
        Some(true) => keys.push(yes),
        Some(false) => keys.push(no),
        None => {}
    };
    if q.all == Some(true) {
        keys.push(Query::All);
    }
    flag(q.seen, Query::Seen, Query::Unseen, &mut keys);
    flag(q.flagged, Query::Flagged, Query::Unflagged, &mut keys);
    flag(q.answered, Query::Answered, Query::Unanswered, &mut keys);
    flag(q.deleted, Query::Deleted, Query::Undeleted, &mut keys);
    flag(q.draft, Query::Draft, Query::Draft.not(), &mut keys);
    let strings = [
        (q.from, Query::From as fn(String) -> Query),
        (q.to, Query::To),
        (q.cc, Query::Cc),
        (q.bcc, Query::Bcc),
        (q.subject, Query::Subject),
        (q.body, Query::Body),
        (q.text, Query::Text),
        (q.keyword, Query::Keyword),
        (q.unkeyword, Query::Unkeyword),
    ];
    for (v, make) in strings {
        if let Some(v) = v {
            keys.push(make(v));
        }
    }
    let dates = [
        (q.since, Query::Since as fn(NaiveDate) -> Query),
        (q.before, Query::Before),
        (q.on, Query::On),
        (q.sent_since, Query::SentSince),
        (q.sent_before, Query::SentBefore),
    ];
    for (v, make) in dates {
        if let Some(v) = v {
            keys.push(make(day(v)));
        }
    }
    if let Some(n) = q.larger {
        keys.push(Query::Larger(n));
    }
    if let Some(n) = q.smaller {
        keys.push(Query::Smaller(n));
    }
    if let Some(u) = q.uid {
        keys.push(Query::Uid(uid_set(u)?));
    }
    for h in q.header.unwrap_or_default() {
        keys.push(Query::Header(h.name, h.value));
    }
    if let Some(m) = q.modseq {
        let m = u64::try_from(m).map_err(|_| invalid("modseq must be >= 0"))?;
        keys.push(Query::ModSeq(m));
    }
    if let Some(list) = q.or {
        let mut it = list.into_iter().map(query);
        let first = it
            .next()
            .ok_or_else(|| invalid("`or` needs at least two queries"))??;
        let mut acc = first;
        let mut n = 1;
        for next in it {
            acc = acc.or(next?);
            n += 1;
        }
        if n < 2 {
            return Err(invalid("`or` needs at least two queries"));
        }
        keys.push(acc);
    }
    for n in q.not.unwrap_or_default() {
        keys.push(query(n)?.not());
    }
    if let Some(r) = q.raw {
        keys.push(Query::Raw(r));
    }
    Ok(match keys.len() {
        0 => Query::All,
        1 => keys.remove(0),
        _ => Query::And(keys),
    })
}

/// Cancels a pending call from another call (`cancel()` on a watcher or stream).
#[derive(Clone)]
struct Canceller(Arc<watch::Sender<bool>>);

impl Canceller {
    fn new() -> Self {
        Canceller(Arc::new(watch::channel(false).0))
    }

    fn cancel(&self) {
        self.0.send_replace(true);
    }

    fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Runs `fut` unless cancelled first; a cancelled call fails with `Closed`.
    async fn run<T>(&self, fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let mut rx = self.0.subscribe();
        tokio::select! {
            r = fut => r,
            _ = rx.wait_for(|c| *c) => Err(crate::error::to_napi(mailwire::Error::new(
                mailwire::ErrorKind::Closed,
                "cancelled",
            ))),
        }
    }
}

/// The native IMAP client (wrapped by the facade's `ImapClient`): one connection; calls
/// are queued, never interleaved.
#[napi]
pub struct NativeImapClient {
    inner: mailwire::ImapClient,
}

#[napi]
impl NativeImapClient {
    /// Connects and logs in. Rejects with `ECONNECTION`, `ETLS`, `EAUTH` or `ETIMEDOUT`.
    #[napi(factory)]
    pub async fn connect(options: ConnectOptions) -> Result<NativeImapClient> {
        crate::error::guard_async(async {
            let config = imap_config(&options)?;
            let inner = mailwire::ImapClient::connect(config).await.napi()?;
            Ok(NativeImapClient { inner })
        })
        .await
    }

    /// Whether the server announced `capability` (`"IDLE"`, `"MOVE"`), case-insensitive.
    #[napi]
    pub async fn has_capability(&self, capability: String) -> Result<bool> {
        crate::error::guard_async(async { self.inner.has_capability(&capability).await.napi() })
            .await
    }

    /// Sends NOOP: keeps the connection alive and collects pending events.
    #[napi]
    pub async fn noop(&self) -> Result<()> {
        crate::error::guard_async(async { self.inner.noop().await.napi() }).await
    }

    /// Every mailbox, with special-use roles and subscription.
    #[napi]
    pub async fn list_mailboxes(&self) -> Result<Vec<Mailbox>> {
        crate::error::guard_async(async {
            let list = self.inner.list_mailboxes().await.napi()?;
            Ok(list
                .into_iter()
                .map(|m| Mailbox {
                    name: m.name,
                    delimiter: m.delimiter,
                    attributes: m.attributes,
                    role: m.role.map(|r| r.as_str().to_string()),
                    subscribed: m.subscribed,
                })
                .collect())
        })
        .await
    }

    /// Counters of a mailbox without selecting it.
    #[napi]
    pub async fn mailbox_status(&self, name: String) -> Result<MailboxStatus> {
        crate::error::guard_async(async {
            let s = self.inner.mailbox_status(&name).await.napi()?;
            Ok(MailboxStatus {
                messages: s.messages,
                unseen: s.unseen,
                recent: s.recent,
                uid_next: s.uid_next,
                uid_validity: s.uid_validity,
                highest_modseq: s.highest_modseq.map(modseq),
            })
        })
        .await
    }

    /// Creates a mailbox (`EEXISTS` when it exists).
    #[napi]
    pub async fn create_mailbox(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.create_mailbox(&name).await.napi() }).await
    }

    /// Renames a mailbox and its children.
    #[napi]
    pub async fn rename_mailbox(&self, from: String, to: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.rename_mailbox(&from, &to).await.napi() })
            .await
    }

    /// Deletes a mailbox (`ENONEXISTENT` when it does not exist).
    #[napi]
    pub async fn delete_mailbox(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.delete_mailbox(&name).await.napi() }).await
    }

    /// Subscribes to a mailbox.
    #[napi]
    pub async fn subscribe(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.subscribe(&name).await.napi() }).await
    }

    /// Unsubscribes from a mailbox.
    #[napi]
    pub async fn unsubscribe(&self, name: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.unsubscribe(&name).await.napi() }).await
    }

    /// UIDs of the messages of `mailbox` matching `query`, ascending.
    #[napi]
    pub async fn search(&self, mailbox: String, query: SearchQuery) -> Result<Vec<u32>> {
        crate::error::guard_async(async {
            let q = self::query(query)?;
            self.inner.search(&mailbox, &q).await.napi()
        })
        .await
    }

    /// Starts streaming summaries of `uids`, `batchSize` per batch; pull them with
    /// `nextJson`.
    #[napi]
    pub async fn fetch(
        &self,
        mailbox: String,
        uids: Uids,
        options: Option<FetchOptions>,
        batch_size: u32,
    ) -> Result<SummaryStream> {
        crate::error::guard_async(async {
            let mut opts = core::FetchOptions::default();
            if let Some(o) = options {
                opts.envelope = o.envelope.unwrap_or(true);
                opts.attachments = o.attachments.unwrap_or(true);
                opts.changed_since = o
                    .changed_since
                    .map(|m| u64::try_from(m).map_err(|_| invalid("changedSince must be >= 0")))
                    .transpose()?;
            }
            let set = uid_set(uids)?;
            let stream = self.inner.fetch(&mailbox, set, opts).await.napi()?;
            Ok(SummaryStream::spawn(stream, batch_size.max(1) as usize))
        })
        .await
    }

    /// Starts streaming the whole source of `uids`, many messages per command.
    #[napi]
    pub async fn fetch_raw_many(&self, mailbox: String, uids: Uids) -> Result<RawStream> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            let stream = self.inner.fetch_raw_many(&mailbox, set).await.napi()?;
            Ok(RawStream {
                inner: Arc::new(Mutex::new(Some(stream))),
                cancel: Canceller::new(),
            })
        })
        .await
    }

    /// The whole message source, without setting `\Seen`.
    #[napi]
    pub async fn fetch_raw(&self, mailbox: String, uid: u32) -> Result<Buffer> {
        crate::error::guard_async(async {
            Ok(self.inner.fetch_raw(&mailbox, uid).await.napi()?.into())
        })
        .await
    }

    /// The message, downloaded and parsed.
    #[napi]
    pub async fn fetch_message(&self, mailbox: String, uid: u32) -> Result<Message> {
        crate::error::guard_async(async {
            Ok(self.inner.fetch_message(&mailbox, uid).await.napi()?.into())
        })
        .await
    }

    /// One MIME part (`"2"`, `"1.3"`), transfer-decoded.
    #[napi]
    pub async fn download(&self, mailbox: String, uid: u32, part: String) -> Result<Buffer> {
        crate::error::guard_async(async {
            Ok(self
                .inner
                .download(&mailbox, uid, &part)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Streams one part to `path`, transfer-decoded; returns the bytes written. `progress`
    /// gets the encoded bytes fetched and the part's encoded size.
    #[napi(
        ts_args_type = "mailbox: string, uid: number, part: string, path: string, progress?: (done: number, total: number | null) => void"
    )]
    pub async fn save_attachment(
        &self,
        mailbox: String,
        uid: u32,
        part: String,
        path: String,
        progress: Option<ProgressFn>,
    ) -> Result<f64> {
        crate::error::guard_async(async {
            let n = self
                .inner
                .save_attachment(&mailbox, uid, &part, &path, progress.map(self::progress))
                .await
                .napi()?;
            Ok(n as f64)
        })
        .await
    }

    /// Adds flags or keywords.
    #[napi]
    pub async fn add_flags(&self, mailbox: String, uids: Uids, flags: Vec<String>) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .add_flags(&mailbox, set, &flags_in(flags))
                .await
                .napi()
        })
        .await
    }

    /// Removes flags or keywords.
    #[napi]
    pub async fn remove_flags(
        &self,
        mailbox: String,
        uids: Uids,
        flags: Vec<String>,
    ) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .remove_flags(&mailbox, set, &flags_in(flags))
                .await
                .napi()
        })
        .await
    }

    /// Replaces the flags and keywords.
    #[napi]
    pub async fn set_flags(&self, mailbox: String, uids: Uids, flags: Vec<String>) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner
                .set_flags(&mailbox, set, &flags_in(flags))
                .await
                .napi()
        })
        .await
    }

    /// Copies messages to `dest`; returns where they landed (UIDPLUS).
    #[napi]
    pub async fn copy_messages(&self, mailbox: String, uids: Uids, dest: String) -> Result<UidMap> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            Ok(self
                .inner
                .copy_messages(&mailbox, set, &dest)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Moves messages to `dest` (MOVE, or copy + delete without it).
    #[napi]
    pub async fn move_messages(&self, mailbox: String, uids: Uids, dest: String) -> Result<UidMap> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            Ok(self
                .inner
                .move_messages(&mailbox, set, &dest)
                .await
                .napi()?
                .into())
        })
        .await
    }

    /// Flags the messages `\Deleted` and expunges exactly them.
    #[napi]
    pub async fn delete_messages(&self, mailbox: String, uids: Uids) -> Result<()> {
        crate::error::guard_async(async {
            let set = uid_set(uids)?;
            self.inner.delete_messages(&mailbox, set).await.napi()
        })
        .await
    }

    /// Removes every message flagged `\Deleted`.
    #[napi]
    pub async fn expunge(&self, mailbox: String) -> Result<()> {
        crate::error::guard_async(async { self.inner.expunge(&mailbox).await.napi() }).await
    }

    /// Uploads a message; returns its UID when the server reports it.
    #[napi]
    pub async fn append(
        &self,
        mailbox: String,
        raw: Buffer,
        flags: Option<Vec<String>>,
        date: Option<DateTime<FixedOffset>>,
    ) -> Result<Option<u32>> {
        crate::error::guard_async(async {
            let flags = flags_in(flags.unwrap_or_default());
            self.inner.append(&mailbox, &raw, &flags, date).await.napi()
        })
        .await
    }

    /// An IDLE watcher on `mailbox`: `next(timeout)` waits for changes, `cancel()` ends it.
    #[napi(catch_unwind)]
    pub fn watch(&self, mailbox: String) -> Result<IdleWatcher> {
        crate::error::guard(|| {
            Ok(IdleWatcher {
                client: self.inner.clone(),
                mailbox,
                cancel: Canceller::new(),
            })
        })
    }

    /// What changed in `mailbox` since `state` (a string from an earlier result).
    #[napi]
    pub async fn sync(&self, mailbox: String, state: Option<String>) -> Result<SyncResult> {
        crate::error::guard_async(async {
            let state = state.map(|s| s.parse()).transpose().napi()?;
            let r = self.inner.sync(&mailbox, state).await.napi()?;
            Ok(SyncResult {
                state: r.state.to_string(),
                new: r.new,
                changed: r
                    .changed
                    .into_iter()
                    .map(|c| FlagChange {
                        uid: c.uid,
                        flags: flags_out(c.flags),
                        modseq: c.modseq.map(modseq),
                    })
                    .collect(),
                vanished: ranges_out(&r.vanished),
                full_resync: r.full_resync,
            })
        })
        .await
    }

    /// Logs out; later calls reject with `ECLOSED`.
    #[napi]
    pub async fn logout(&self) -> Result<()> {
        crate::error::guard_async(async { self.inner.logout().await.napi() }).await
    }
}

/// What the prefetching task hands to `SummaryStream::next_json`.
enum Prefetched {
    /// One batch.
    Batch(Vec<core::MessageSummary>),
    /// The stream ended normally.
    End,
    /// The stream failed (and ended).
    Failed(mailwire::Error),
}

/// A batch of summaries as a JSON array in the shape of [`MessageSummary`] (dates as epoch
/// milliseconds).
fn summaries_json(batch: &[core::MessageSummary]) -> String {
    let mut j = crate::json::Json::with_capacity(batch.len() * 640);
    j.begin_array();
    for s in batch {
        j.begin_object();
        j.num("uid", s.uid);
        j.begin_array_at("flags");
        for f in &s.flags {
            j.item_str(f.as_imap());
        }
        j.end_array();
        j.num("size", s.size);
        j.opt_date("internalDate", s.internal_date.as_ref());
        if let Some(m) = s.modseq {
            j.num("modseq", modseq(m));
        }
        let e = &s.envelope;
        j.begin_object_at("envelope");
        j.opt_date("date", e.date.as_ref());
        j.opt_str("subject", e.subject.as_deref());
        j.addrs("from", &e.from);
        j.addrs("sender", &e.sender);
        j.addrs("replyTo", &e.reply_to);
        j.addrs("to", &e.to);
        j.addrs("cc", &e.cc);
        j.addrs("bcc", &e.bcc);
        j.opt_str("messageId", e.message_id.as_deref());
        j.opt_str("inReplyTo", e.in_reply_to.as_deref());
        j.end_object();
        j.begin_array_at("attachments");
        for a in &s.attachments {
            j.begin_object();
            j.str("part", &a.part);
            j.opt_str("filename", a.filename.as_deref());
            j.str("contentType", &a.content_type);
            j.num("size", a.size);
            j.opt_str("contentId", a.content_id.as_deref());
            j.bool("inline", a.inline);
            j.str("encoding", &a.encoding);
            j.end_object();
        }
        j.end_array();
        j.end_object();
    }
    j.end_array();
    j.out
}

/// Summaries arriving from a `fetch`. A task reads ahead (up to two batches) while
/// JavaScript consumes the current one; each batch crosses as one JSON string, built off
/// the JavaScript thread.
#[napi]
pub struct SummaryStream {
    rx: Arc<Mutex<Option<tokio::sync::mpsc::Receiver<Prefetched>>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    cancel: Canceller,
}

impl SummaryStream {
    /// Starts the read-ahead task over `stream`, `max` summaries per batch.
    fn spawn(mut stream: core::FetchStream, max: usize) -> Self {
        let cancel = Canceller::new();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let mut cancelled = cancel.0.subscribe();
        let task = tokio::spawn(async move {
            loop {
                let batch = tokio::select! {
                    // A panic reading ahead fails the stream instead of ending the task.
                    b = mailwire::panic::catch_future(stream.next_batch(max)) => b.and_then(|r| r),
                    _ = cancelled.wait_for(|c| *c) => return,
                };
                let msg = match batch {
                    Ok(b) if b.is_empty() => Prefetched::End,
                    Ok(b) => Prefetched::Batch(b),
                    Err(e) => Prefetched::Failed(e),
                };
                let last = !matches!(msg, Prefetched::Batch(_));
                tokio::select! {
                    r = tx.send(msg) => if r.is_err() { return },
                    _ = cancelled.wait_for(|c| *c) => return,
                }
                if last {
                    return;
                }
            }
        });
        SummaryStream {
            rx: Arc::new(Mutex::new(Some(rx))),
            task: Mutex::new(Some(task)),
            cancel,
        }
    }
}

#[napi]
impl SummaryStream {
    /// The next batch as a JSON array of `MessageSummary` (dates as epoch milliseconds;
    /// whatever has arrived, waiting only when nothing has); `""` at the end.
    #[napi]
    pub async fn next_json(&self) -> Result<String> {
        crate::error::guard_async(async {
            let rx = self.rx.clone();
            self.cancel
                .run(async move {
                    let mut guard = rx.lock().await;
                    let Some(r) = guard.as_mut() else {
                        return Ok(String::new());
                    };
                    let msg = r.recv().await;
                    if !matches!(msg, Some(Prefetched::Batch(_))) {
                        *guard = None;
                    }
                    drop(guard);
                    match msg {
                        // Serialized here, off the reading task: it goes on reading meanwhile.
                        Some(Prefetched::Batch(batch)) => Ok(summaries_json(&batch)),
                        Some(Prefetched::End) => Ok(String::new()),
                        Some(Prefetched::Failed(e)) => Err(crate::error::to_napi(e)),
                        None => Err(crate::error::to_napi(mailwire::Error::new(
                            mailwire::ErrorKind::Closed,
                            "the fetch ended unexpectedly",
                        ))),
                    }
                })
                .await
        })
        .await
    }

    /// Stops the stream and frees the connection (the rest of the response is discarded).
    #[napi]
    pub async fn close(&self) -> Result<()> {
        crate::error::guard_async(async {
            self.cancel.cancel();
            self.rx.lock().await.take();
            let task = self.task.lock().await.take();
            if let Some(t) = task {
                let _ = t.await;
            }
            Ok(())
        })
        .await
    }
}

/// Whole messages arriving from a `fetchRawMany`, pulled in batches.
#[napi]
pub struct RawStream {
    inner: Arc<Mutex<Option<core::FetchStream<core::RawMessage>>>>,
    cancel: Canceller,
}

#[napi]
impl RawStream {
    /// Up to `max` messages; empty at the end.
    #[napi]
    pub async fn next_batch(&self, max: u32) -> Result<Vec<RawMessage>> {
        crate::error::guard_async(async {
            let inner = self.inner.clone();
            self.cancel
                .run(async move {
                    let mut guard = inner.lock().await;
                    let Some(stream) = guard.as_mut() else {
                        return Ok(Vec::new());
                    };
                    let batch = stream.next_batch(max as usize).await;
                    if !matches!(&batch, Ok(b) if !b.is_empty()) {
                        *guard = None;
                    }
                    Ok(batch
                        .napi()?
                        .into_iter()
                        .map(|m| RawMessage {
                            uid: m.uid,
                            data: m.data.into(),
                        })
                        .collect())
                })
                .await
        })
        .await
    }

    /// Stops the stream and frees the connection.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        crate::error::guard_async(async {
            self.cancel.cancel();
            self.inner.lock().await.take();
            Ok(())
        })
        .await
    }
}

/// Waits for pushed changes of one mailbox (IDLE); `cancel()` ends a pending `next`.
#[napi]
pub struct IdleWatcher {
    client: mailwire::ImapClient,
    mailbox: String,
    cancel: Canceller,
}

#[napi]
impl IdleWatcher {
    /// Waits up to `timeout` milliseconds (default: a day) for changes; empty on timeout.
    /// Rejects with `ECLOSED` when cancelled.
    #[napi]
    pub async fn next(&self, timeout: Option<f64>) -> Result<Vec<MailboxEvent>> {
        crate::error::guard_async(async {
            let timeout = match timeout {
                Some(t) => millis("timeout", t)?,
                None => Duration::from_secs(24 * 3600),
            };
            let client = self.client.clone();
            let mailbox = self.mailbox.clone();
            self.cancel
                .run(async move {
                    let events = client.idle(&mailbox, timeout).await.napi()?;
                    Ok(events.into_iter().map(event).collect())
                })
                .await
        })
        .await
    }

    /// Whether `cancel` was called.
    #[napi(getter, catch_unwind)]
    pub fn cancelled(&self) -> Result<bool> {
        crate::error::guard(|| Ok(self.cancel.is_cancelled()))
    }

    /// Ends the watch (a pending `next` rejects with `ECLOSED`); harmless twice.
    #[napi(catch_unwind)]
    pub fn cancel(&self) -> Result<()> {
        crate::error::guard(|| {
            self.cancel.cancel();
            Ok(())
        })
    }
}
