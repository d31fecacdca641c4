//! Fetching many messages as streams: summaries (read ahead by a task, each batch one JSON
//! string) and whole sources (pulled in batches).

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use mailwire::imap as core;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::error::{invalid, IntoNapi, Result};
use crate::imap::client::NativeImapClient;
use crate::imap::types::{modseq, uid_set, Canceller, Uids};
use crate::message::Address;

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
    /// Gmail's message id (X-GM-MSGID) as a decimal string (it exceeds 2**53), on servers
    /// with `X-GM-EXT-1` (imapflow's `emailId`).
    pub gmail_message_id: Option<String>,
    /// Gmail's thread id (X-GM-THRID) as a decimal string, on servers with `X-GM-EXT-1`
    /// (imapflow's `threadId`).
    pub gmail_thread_id: Option<String>,
    /// Gmail's labels (`\Inbox`, `\Important`, user labels such as `Work/2026`) on servers
    /// with `X-GM-EXT-1`, empty when the message has none; absent elsewhere.
    pub gmail_labels: Option<Vec<String>>,
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

#[napi]
impl NativeImapClient {
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
                inner: Arc::new(core::FetchHandle::new(stream)),
            })
        })
        .await
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
        // Gmail (X-GM-EXT-1): ids as strings, which JavaScript numbers cannot hold exactly.
        if let Some(id) = s.gmail_message_id {
            j.num_str("gmailMessageId", id);
        }
        if let Some(id) = s.gmail_thread_id {
            j.num_str("gmailThreadId", id);
        }
        if s.gmail_message_id.is_some() || !s.gmail_labels.is_empty() {
            j.begin_array_at("gmailLabels");
            for l in &s.gmail_labels {
                j.item_str(l);
            }
            j.end_array();
        }
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
        let handle = cancel.0.clone();
        let task = tokio::spawn(async move {
            loop {
                let batch = tokio::select! {
                    // A panic reading ahead fails the stream instead of ending the task.
                    b = mailwire::panic::catch_future(stream.next_batch(max)) => b.and_then(|r| r),
                    () = handle.cancelled() => return,
                };
                let msg = match batch {
                    Ok(b) if b.is_empty() => Prefetched::End,
                    Ok(b) => Prefetched::Batch(b),
                    Err(e) => Prefetched::Failed(e),
                };
                let last = !matches!(msg, Prefetched::Batch(_));
                tokio::select! {
                    r = tx.send(msg) => if r.is_err() { return },
                    () = handle.cancelled() => return,
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
            // The core's stop contract: after `close()` the stream has ended.
            if self.cancel.0.is_cancelled() {
                return Ok(String::new());
            }
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

/// Whole messages arriving from a `fetchRawMany`, pulled in batches: the core's
/// `FetchHandle`, whose stop contract every face shares.
#[napi]
pub struct RawStream {
    inner: Arc<core::FetchHandle<core::RawMessage>>,
}

#[napi]
impl RawStream {
    /// Up to `max` messages; empty at the end and after `close()`.
    #[napi]
    pub async fn next_batch(&self, max: u32) -> Result<Vec<RawMessage>> {
        crate::error::guard_async(async {
            Ok(self
                .inner
                .next_batch(max as usize)
                .await
                .napi()?
                .into_iter()
                .map(|m| RawMessage {
                    uid: m.uid,
                    data: m.data.into(),
                })
                .collect())
        })
        .await
    }

    /// Stops the stream and frees the connection (a pending `nextBatch` rejects with
    /// `ECLOSED`).
    #[napi]
    pub async fn close(&self) -> Result<()> {
        crate::error::guard_async(async {
            self.inner.cancel();
            Ok(())
        })
        .await
    }
}
