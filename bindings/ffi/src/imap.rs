//! The IMAP client, its fetch stream and its IDLE watcher. The records they take and return
//! are the core's own (`mailwire::imap`, derived with the core's `uniffi` feature); only the
//! `UidSet` object and the search query, which takes one, are stated here.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use mailwire::imap as core;
use mailwire::imap::{
    FetchOptions, Flag, Mailbox, MailboxEvent, MailboxStatus, MessageSummary, RawMessage,
    RawResponse, SyncResult, UidMap,
};
use mailwire::Message;

use crate::config::ImapConfig;
use crate::error::Result;
use crate::progress::{to_core, ProgressListener};
use crate::watch_many::{MultiWatcher, WatchOptions};

/// A header search: the header `name` contains `value` (empty matches any message having it).
#[derive(Debug, Clone, uniffi::Record)]
pub struct HeaderMatch {
    /// The header name.
    pub name: String,
    /// The substring to look for.
    pub value: String,
}

/// What to search for: every field that is set must match (AND); `or` adds one condition
/// that any of its queries meets, `not` one condition per query that must not match. String
/// matches are case-insensitive substrings; dates compare by day (UTC). Nothing set matches
/// every message. The core's `SearchCriteria` compiles it, as for every other language.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct SearchQuery {
    /// `true`: with `\Seen`; `false`: without.
    #[uniffi(default = None)]
    pub seen: Option<bool>,
    /// `true`: with `\Flagged`; `false`: without.
    #[uniffi(default = None)]
    pub flagged: Option<bool>,
    /// `true`: with `\Answered`; `false`: without.
    #[uniffi(default = None)]
    pub answered: Option<bool>,
    /// `true`: with `\Deleted`; `false`: without.
    #[uniffi(default = None)]
    pub deleted: Option<bool>,
    /// `true`: with `\Draft`; `false`: without.
    #[uniffi(default = None)]
    pub draft: Option<bool>,
    /// From contains.
    #[uniffi(default = None)]
    pub from: Option<String>,
    /// To contains.
    #[uniffi(default = None)]
    pub to: Option<String>,
    /// Cc contains.
    #[uniffi(default = None)]
    pub cc: Option<String>,
    /// Bcc contains.
    #[uniffi(default = None)]
    pub bcc: Option<String>,
    /// Subject contains.
    #[uniffi(default = None)]
    pub subject: Option<String>,
    /// Body contains.
    #[uniffi(default = None)]
    pub body: Option<String>,
    /// Headers or body contain.
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// Received on or after this day.
    #[uniffi(default = None)]
    pub since: Option<SystemTime>,
    /// Received before this day.
    #[uniffi(default = None)]
    pub before: Option<SystemTime>,
    /// Received on this day.
    #[uniffi(default = None)]
    pub on: Option<SystemTime>,
    /// Date header on or after this day.
    #[uniffi(default = None)]
    pub sent_since: Option<SystemTime>,
    /// Date header before this day.
    #[uniffi(default = None)]
    pub sent_before: Option<SystemTime>,
    /// Date header on this day.
    #[uniffi(default = None)]
    pub sent_on: Option<SystemTime>,
    /// Larger than this many bytes.
    #[uniffi(default = None)]
    pub larger: Option<u32>,
    /// Smaller than this many bytes.
    #[uniffi(default = None)]
    pub smaller: Option<u32>,
    /// UID among these.
    #[uniffi(default = None)]
    pub uids: Option<Arc<UidSet>>,
    /// With this keyword.
    #[uniffi(default = None)]
    pub keyword: Option<String>,
    /// Without this keyword.
    #[uniffi(default = None)]
    pub unkeyword: Option<String>,
    /// Header matches.
    #[uniffi(default = [])]
    pub headers: Vec<HeaderMatch>,
    /// Changed after this modseq (CONDSTORE).
    #[uniffi(default = None)]
    pub modseq: Option<u64>,
    /// Any one of these matches (two or more; one alone is `InvalidInput`).
    #[uniffi(default = [])]
    pub or: Vec<SearchQuery>,
    /// None of these matches.
    #[uniffi(default = [])]
    pub not: Vec<SearchQuery>,
    /// Raw IMAP search keys, sent as is (CR/LF refused).
    #[uniffi(default = None)]
    pub raw: Option<String>,
    /// Gmail's own search syntax (`X-GM-RAW`, e.g. `"has:attachment in:unread"`); only on
    /// servers offering `X-GM-EXT-1`.
    #[uniffi(default = None)]
    pub gmail_raw: Option<String>,
}

impl From<SearchQuery> for core::SearchCriteria {
    fn from(q: SearchQuery) -> Self {
        let day = |t: SystemTime| DateTime::<Utc>::from(t).date_naive();
        let mut c = core::SearchCriteria::default();
        (c.seen, c.flagged, c.answered, c.deleted, c.draft) =
            (q.seen, q.flagged, q.answered, q.deleted, q.draft);
        (c.from, c.to, c.cc, c.bcc) = (q.from, q.to, q.cc, q.bcc);
        (c.subject, c.body, c.text) = (q.subject, q.body, q.text);
        (c.since, c.before, c.on) = (q.since.map(day), q.before.map(day), q.on.map(day));
        c.sent_since = q.sent_since.map(day);
        c.sent_before = q.sent_before.map(day);
        c.sent_on = q.sent_on.map(day);
        (c.larger, c.smaller, c.modseq) = (q.larger, q.smaller, q.modseq);
        c.uid = q.uids.map(|u| u.core());
        (c.keyword, c.unkeyword, c.raw) = (q.keyword, q.unkeyword, q.raw);
        c.gmail_raw = q.gmail_raw;
        c.header = q.headers.into_iter().map(|h| (h.name, h.value)).collect();
        c.or = q.or.into_iter().map(Into::into).collect();
        c.not = q.not.into_iter().map(Into::into).collect();
        c
    }
}

/// The UIDs a call acts on, kept as ranges (never expanded): `parse("1:5,7")`, `parse("10:*")`,
/// `of(uids)` for a list (the adapters add `UidSet.of(3u, 4u)` / `.of(3, 4)`), `range(1, 100)`,
/// `fromUid(10)` (`10:*`), `all()`. Printing it gives the IMAP syntax (`1:5,7`); two sets with
/// the same UIDs are equal. UID 0 is kept, never dropped: `parse` refuses it at once, and a
/// call given a set holding it fails with `InvalidInput` before anything is sent.
#[derive(Debug, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Hash)]
pub struct UidSet(core::UidSet);

impl std::fmt::Display for UidSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[uniffi::export]
impl UidSet {
    /// The IMAP syntax: UIDs and ranges separated by commas, without spaces (`5`, `1:5,7`,
    /// `10:*`, `*`); `*` is the highest UID in the mailbox. `InvalidInput` for anything else,
    /// UID 0 included.
    #[uniffi::constructor]
    pub fn parse(text: String) -> Result<Arc<Self>> {
        crate::error::guard(|| Ok(Arc::new(UidSet(text.parse()?))))
    }

    /// These UIDs, in any order, duplicates allowed.
    #[uniffi::constructor]
    pub fn of(uids: Vec<u32>) -> Arc<Self> {
        Arc::new(UidSet(uids.into()))
    }

    /// The UIDs from `first` to `last` inclusive (either order).
    #[uniffi::constructor]
    pub fn range(first: u32, last: u32) -> Arc<Self> {
        Arc::new(UidSet(core::UidSet::range(first, last)))
    }

    /// The UIDs from `first` up to the highest one (`first:*`).
    #[uniffi::constructor]
    pub fn from_uid(first: u32) -> Arc<Self> {
        Arc::new(UidSet(core::UidSet::from_uid(first)))
    }

    /// Every message in the mailbox (`1:*`).
    #[uniffi::constructor]
    pub fn all() -> Arc<Self> {
        Arc::new(UidSet(core::UidSet::all()))
    }

    /// The ranges, ascending and disjoint; a `last` of 4294967295 means `*`. (The core's set
    /// crosses the boundary as its list of `UidRange`s.)
    pub fn ranges(&self) -> core::UidSet {
        self.0.clone()
    }
}

impl UidSet {
    fn core(&self) -> core::UidSet {
        self.0.clone()
    }
}

/// An IMAP connection. Calls from many coroutines / tasks are queued, never interleaved;
/// the mailbox is an argument of every call. When the connection breaks the call fails with
/// `Connect` or `Timeout` and the next call reconnects.
///
/// Cancelling a Kotlin coroutine drops the Rust call; the connection stays usable. Swift's
/// generated async calls run to completion when their Task is cancelled: use the stream
/// adapters (which cancel through `FetchStream.cancel` / `IdleWatcher.cancel`) for long waits.
#[derive(uniffi::Object)]
pub struct ImapClient {
    inner: mailwire::ImapClient,
}

#[uniffi::export(async_runtime = "tokio")]
impl ImapClient {
    /// Connects and logs in. Fails with `Connect`, `Tls`, `Auth` or `Timeout`.
    #[uniffi::constructor]
    pub async fn connect(config: ImapConfig) -> Result<Arc<Self>> {
        crate::error::guard_async(async {
            let inner = mailwire::ImapClient::connect(config.try_into()?).await?;
            Ok(Arc::new(ImapClient { inner }))
        })
        .await
    }

    /// Whether the server announced `capability` (`"IDLE"`, `"MOVE"`), case-insensitive.
    pub async fn has_capability(&self, capability: String) -> Result<bool> {
        crate::error::call(self.inner.has_capability(&capability)).await
    }

    /// Every capability the server announced (after login), upper case and sorted.
    pub async fn capabilities(&self) -> Result<Vec<String>> {
        crate::error::call(self.inner.capabilities()).await
    }

    /// What the server said of itself in answer to the client's ID (RFC 2971): `name`,
    /// `vendor`, `version`, … Null when it does not offer ID, answered NIL, or the client
    /// sends no ID (`ImapConfig.clientId` empty).
    pub async fn server_id(&self) -> Result<Option<HashMap<String, String>>> {
        crate::error::call(self.inner.server_id()).await
    }

    /// Sends NOOP: keeps the connection alive and collects pending mailbox events.
    pub async fn noop(&self) -> Result<()> {
        crate::error::call(self.inner.noop()).await
    }

    /// Takes the events of `mailbox` that arrived outside IDLE (during other calls) and have
    /// not been reported yet, oldest first; no round trip. The next `idle` or watch of
    /// `mailbox` would otherwise report them first. Led by an `Overflow` event when more than
    /// 10,000 were waiting.
    pub async fn pending_events(&self, mailbox: String) -> Result<Vec<MailboxEvent>> {
        crate::error::call(self.inner.pending_events(&mailbox)).await
    }

    /// Sends `command` (without tag or CRLF, e.g. `"GETQUOTAROOT INBOX"`) as it is, with
    /// `mailbox` selected first when given, and returns the server's answer uninterpreted:
    /// a `NO` or `BAD` is in `RawResponse.status`, not an error. For what the client has no
    /// method for; quote arguments yourself. `InvalidInput` for CR, LF or NUL, a literal, and
    /// commands that would take the connection out of the client's hands (IDLE,
    /// AUTHENTICATE, LOGIN, LOGOUT, STARTTLS, COMPRESS, APPEND, NOTIFY). Untagged responses
    /// are returned, not reported as mailbox events.
    #[uniffi::method(default(mailbox = None))]
    pub async fn raw_command(
        &self,
        command: String,
        mailbox: Option<String>,
    ) -> Result<RawResponse> {
        crate::error::call(self.inner.raw_command(mailbox.as_deref(), &command)).await
    }

    /// Every mailbox, with special-use roles and subscription.
    pub async fn list_mailboxes(&self) -> Result<Vec<Mailbox>> {
        crate::error::call(self.inner.list_mailboxes()).await
    }

    /// Counters of `name` (messages, unseen, …). `NotFound` when it does not exist.
    pub async fn mailbox_status(&self, name: String) -> Result<MailboxStatus> {
        crate::error::call(self.inner.mailbox_status(&name)).await
    }

    /// Creates a mailbox; `AlreadyExists` when it exists.
    pub async fn create_mailbox(&self, name: String) -> Result<()> {
        crate::error::call(self.inner.create_mailbox(&name)).await
    }

    /// Renames a mailbox.
    pub async fn rename_mailbox(&self, from: String, to: String) -> Result<()> {
        crate::error::call(self.inner.rename_mailbox(&from, &to)).await
    }

    /// Deletes a mailbox; `NotFound` when it does not exist.
    pub async fn delete_mailbox(&self, name: String) -> Result<()> {
        crate::error::call(self.inner.delete_mailbox(&name)).await
    }

    /// Subscribes to a mailbox.
    pub async fn subscribe(&self, name: String) -> Result<()> {
        crate::error::call(self.inner.subscribe(&name)).await
    }

    /// Unsubscribes from a mailbox.
    pub async fn unsubscribe(&self, name: String) -> Result<()> {
        crate::error::call(self.inner.unsubscribe(&name)).await
    }

    /// UIDs of the messages in `mailbox` matching `query`, ascending.
    pub async fn search(&self, mailbox: String, query: SearchQuery) -> Result<Vec<u32>> {
        crate::error::guard_async(async {
            let query = core::SearchQuery::try_from(core::SearchCriteria::from(query))?;
            Ok(self.inner.search(&mailbox, &query).await?)
        })
        .await
    }

    /// Starts streaming summaries of `uids`; read them with `next` / `nextBatch`, or through
    /// the `Flow` / `AsyncThrowingStream` adapters. The stream holds the connection until it
    /// is exhausted or cancelled: other calls wait meanwhile. Never sets `\Seen`.
    pub async fn fetch(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        options: FetchOptions,
    ) -> Result<Arc<FetchStream>> {
        crate::error::guard_async(async {
            let stream = self.inner.fetch(&mailbox, uids.core(), options).await?;
            Ok(Arc::new(FetchStream(Pull::new(stream))))
        })
        .await
    }

    /// Starts streaming the whole source of each message of `uids` (never sets `\Seen`),
    /// many messages per command; read them with `next` / `nextBatch` or the adapters. UIDs
    /// that do not exist are skipped. Holds the connection as `fetch` does.
    pub async fn fetch_raw_many(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
    ) -> Result<Arc<RawFetchStream>> {
        crate::error::guard_async(async {
            let stream = self.inner.fetch_raw_many(&mailbox, uids.core()).await?;
            Ok(Arc::new(RawFetchStream(Pull::new(stream))))
        })
        .await
    }

    /// All summaries of `uids` at once.
    pub async fn fetch_all(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        options: FetchOptions,
    ) -> Result<Vec<MessageSummary>> {
        crate::error::call(self.inner.fetch_all(&mailbox, uids.core(), options)).await
    }

    /// The raw RFC 5322 bytes of a message. `NotFound` for an unknown UID.
    pub async fn fetch_raw(&self, mailbox: String, uid: u32) -> Result<Vec<u8>> {
        crate::error::call(self.inner.fetch_raw(&mailbox, uid)).await
    }

    /// Bytes `offset .. offset + len` of the raw message (`part` absent) or of one part.
    pub async fn fetch_range(
        &self,
        mailbox: String,
        uid: u32,
        part: Option<String>,
        offset: u32,
        len: u32,
    ) -> Result<Vec<u8>> {
        crate::error::call(
            self.inner
                .fetch_range(&mailbox, uid, part.as_deref(), offset, len),
        )
        .await
    }

    /// The message, downloaded and parsed.
    pub async fn fetch_message(&self, mailbox: String, uid: u32) -> Result<Message> {
        crate::error::call(self.inner.fetch_message(&mailbox, uid)).await
    }

    /// One MIME part (`AttachmentInfo.part`), transfer-decoded.
    pub async fn download(&self, mailbox: String, uid: u32, part: String) -> Result<Vec<u8>> {
        crate::error::call(self.inner.download(&mailbox, uid, &part)).await
    }

    /// Streams one part to the file `path`, transfer-decoded, memory bounded; returns the
    /// bytes written. Nothing is left at `path` on error.
    #[uniffi::method(default(progress = None))]
    pub async fn save_attachment(
        &self,
        mailbox: String,
        uid: u32,
        part: String,
        path: String,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<u64> {
        crate::error::call(self.inner.save_attachment(
            &mailbox,
            uid,
            &part,
            path,
            to_core(progress),
        ))
        .await
    }

    /// Adds flags or keywords.
    pub async fn add_flags(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        flags: Vec<Flag>,
    ) -> Result<()> {
        crate::error::call(self.inner.add_flags(&mailbox, uids.core(), &flags)).await
    }

    /// Removes flags or keywords.
    pub async fn remove_flags(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        flags: Vec<Flag>,
    ) -> Result<()> {
        crate::error::call(self.inner.remove_flags(&mailbox, uids.core(), &flags)).await
    }

    /// Replaces the flags and keywords.
    pub async fn set_flags(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        flags: Vec<Flag>,
    ) -> Result<()> {
        crate::error::call(self.inner.set_flags(&mailbox, uids.core(), &flags)).await
    }

    /// Adds Gmail labels to the messages (`\Important`, `\Starred` or a user label such
    /// as `Work/2026`). `InvalidInput` when the server is not Gmail (no `X-GM-EXT-1`).
    pub async fn add_labels(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        labels: Vec<String>,
    ) -> Result<()> {
        crate::error::call(self.inner.add_labels(&mailbox, uids.core(), &labels)).await
    }

    /// Removes Gmail labels from the messages (see `addLabels`).
    pub async fn remove_labels(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        labels: Vec<String>,
    ) -> Result<()> {
        crate::error::call(self.inner.remove_labels(&mailbox, uids.core(), &labels)).await
    }

    /// Copies messages to `dest`; returns the new UIDs.
    pub async fn copy_messages(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        dest: String,
    ) -> Result<UidMap> {
        crate::error::call(self.inner.copy_messages(&mailbox, uids.core(), &dest)).await
    }

    /// Moves messages to `dest`; returns the new UIDs.
    pub async fn move_messages(
        &self,
        mailbox: String,
        uids: Arc<UidSet>,
        dest: String,
    ) -> Result<UidMap> {
        crate::error::call(self.inner.move_messages(&mailbox, uids.core(), &dest)).await
    }

    /// Deletes exactly these messages (`\Deleted` + UID EXPUNGE).
    pub async fn delete_messages(&self, mailbox: String, uids: Arc<UidSet>) -> Result<()> {
        crate::error::call(self.inner.delete_messages(&mailbox, uids.core())).await
    }

    /// Removes every message flagged `\Deleted`.
    pub async fn expunge(&self, mailbox: String) -> Result<()> {
        crate::error::call(self.inner.expunge(&mailbox)).await
    }

    /// Uploads a message; returns its UID when the server reports it.
    #[uniffi::method(default(flags = [], date = None))]
    pub async fn append(
        &self,
        mailbox: String,
        data: Vec<u8>,
        flags: Vec<Flag>,
        date: Option<SystemTime>,
    ) -> Result<Option<u32>> {
        let date = date.map(|t| DateTime::<Utc>::from(t).fixed_offset());
        crate::error::call(self.inner.append(&mailbox, &data, &flags, date)).await
    }

    /// Waits up to `timeout` for changes in `mailbox`; empty when nothing happened.
    pub async fn idle(&self, mailbox: String, timeout: Duration) -> Result<Vec<MailboxEvent>> {
        crate::error::call(self.inner.idle(&mailbox, timeout)).await
    }

    /// A watcher of `mailbox`: each `next` waits (IDLE) until something changes. Read it
    /// through the `Flow` / `AsyncThrowingStream` adapters; `cancel` ends it.
    pub fn watch(&self, mailbox: String) -> Arc<IdleWatcher> {
        Arc::new(IdleWatcher(self.inner.watcher(mailbox)))
    }

    /// Watches `mailboxes` on connections of its own (this client's settings; this client's
    /// connection stays free) and reports their changes, computed by sync, as they happen:
    /// complete after any outage (reconnects with back-off, a `Reconnected` report, then
    /// catch-up). NOTIFY when the server offers it, else IDLE connections under
    /// `maxConnections`. The current content is the starting point. `InvalidInput` for an
    /// empty list, a repeated mailbox or `maxConnections` 0; connection problems surface in
    /// `MultiWatcher.next`.
    #[uniffi::method(default(options = None))]
    pub async fn watch_many(
        &self,
        mailboxes: Vec<String>,
        options: Option<WatchOptions>,
    ) -> Result<Arc<MultiWatcher>> {
        // Async only so that the watch's tasks start on the runtime.
        crate::error::guard(|| {
            let options = options.unwrap_or_default().into();
            Ok(Arc::new(MultiWatcher(
                self.inner.watch_many(&mailboxes, options)?,
            )))
        })
    }

    /// What changed in `mailbox` since `state` (a string from an earlier `SyncResult`; absent
    /// for the first sync). `InvalidInput` for a malformed state.
    #[uniffi::method(default(state = None))]
    pub async fn sync(&self, mailbox: String, state: Option<String>) -> Result<SyncResult> {
        crate::error::guard_async(async {
            let state = state.map(|s| s.parse()).transpose()?;
            Ok(self.inner.sync(&mailbox, state).await?)
        })
        .await
    }

    /// Logs out; later calls fail with `Closed`, and so does work in flight (a running fetch
    /// stream or IDLE ends at once).
    pub async fn logout(&self) -> Result<()> {
        crate::error::call(self.inner.logout()).await
    }

    /// Same as `logout`. (Kotlin: the native object is freed by `destroy()` or the garbage
    /// collector; this class is not `AutoCloseable`, whose `close()` could not log out.)
    pub async fn close(&self) -> Result<()> {
        self.logout().await
    }
}

/// The core's fetch handle (its stop contract is every face's), with the one-item pull the
/// adapters use.
struct Pull<T>(core::FetchHandle<T>);

impl<T: Send + 'static> Pull<T> {
    fn new(stream: core::FetchStream<T>) -> Self {
        Pull(core::FetchHandle::new(stream))
    }

    async fn next_batch(&self, max: u32) -> Result<Vec<T>> {
        Ok(self.0.next_batch(max as usize).await?)
    }

    async fn next(&self) -> Result<Option<T>> {
        Ok(self.0.next_batch(1).await?.pop())
    }

    fn cancel(&self) {
        self.0.cancel();
    }
}

/// Summaries streamed from `ImapClient.fetch`. Pull them with `next` / `nextBatch` (or the
/// `Flow` / `AsyncThrowingStream` adapters). `cancel` stops it at once (an in-flight call
/// fails with `Closed`, later calls find the stream ended) and hands the connection back to
/// the client.
#[derive(uniffi::Object)]
pub struct FetchStream(Pull<core::MessageSummary>);

#[uniffi::export(async_runtime = "tokio")]
impl FetchStream {
    /// The next summary, or nothing when all have arrived.
    pub async fn next(&self) -> Result<Option<MessageSummary>> {
        crate::error::guard_async(self.0.next()).await
    }

    /// Up to `max` summaries: whatever has arrived, waiting only when none has. Empty when
    /// the stream is exhausted.
    pub async fn next_batch(&self, max: u32) -> Result<Vec<MessageSummary>> {
        crate::error::guard_async(self.0.next_batch(max)).await
    }

    /// Stops the stream: an in-flight `next` fails with `Closed`, later ones return nothing,
    /// and the client's connection is free for the next call. Harmless to call twice.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

/// Whole messages streamed from `ImapClient.fetchRawMany`, as they arrive; pulled and
/// cancelled as `FetchStream` is.
#[derive(uniffi::Object)]
pub struct RawFetchStream(Pull<core::RawMessage>);

#[uniffi::export(async_runtime = "tokio")]
impl RawFetchStream {
    /// The next message, or nothing when all have arrived.
    pub async fn next(&self) -> Result<Option<RawMessage>> {
        crate::error::guard_async(self.0.next()).await
    }

    /// Up to `max` messages: whatever has arrived, waiting only when none has. Empty when the
    /// stream is exhausted.
    pub async fn next_batch(&self, max: u32) -> Result<Vec<RawMessage>> {
        crate::error::guard_async(self.0.next_batch(max)).await
    }

    /// Stops the stream, as `FetchStream.cancel` does. Harmless to call twice.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

/// Watches a mailbox with IDLE (from `ImapClient.watch`): each `next` waits until something
/// changes and returns the events. The core's `Watcher`, whose contract every face shares:
/// `cancel` ends it (an in-flight or later `next` fails with `Closed`, and IDLE is ended
/// before the client's next call); the first error ends it too (later calls fail with
/// `Closed` naming that error; nothing retries).
#[derive(uniffi::Object)]
pub struct IdleWatcher(core::Watcher);

#[uniffi::export(async_runtime = "tokio")]
impl IdleWatcher {
    /// Waits until the mailbox changes and returns what changed (an empty list after the
    /// core's default IDLE timeout of 29 minutes with no change).
    pub async fn next(&self) -> Result<Vec<MailboxEvent>> {
        crate::error::call(self.0.next(None)).await
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Ends the watch; harmless to call twice.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}
