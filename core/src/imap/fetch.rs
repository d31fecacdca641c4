//! Streaming fetches (summaries, whole messages): one UID FETCH per UID-set chunk, items
//! yielded as they arrive.

use std::collections::VecDeque;

use futures_util::Stream;
use imap_proto::{AttributeValue, Response};

use super::client::{ImapClient, Session};
use super::command::{Command, UidSet, MAX_SET_LEN};
use super::connection::Step;
use super::parse;
use super::types::{FetchOptions, MessageSummary, RawMessage};
use crate::error::Result;

/// Items arriving from the server — [`MessageSummary`] from [`ImapClient::fetch`],
/// [`RawMessage`] from [`ImapClient::fetch_raw_many`] — pulled with [`FetchStream::next`] or
/// [`FetchStream::next_batch`], or turned into a [`Stream`] with
/// [`FetchStream::into_stream`].
///
/// It holds the client's connection until it is exhausted or dropped; other calls on the
/// client wait meanwhile. **Do not call the same client inside the loop that drains it**
/// (as with imapflow's `fetch`): that call waits for the stream, which waits for the loop.
/// Collect first (`fetch_all`, or the UIDs) and act afterwards, or use a second client.
/// Memory stays bounded: responses are parsed as they arrive.
///
/// # Cancel safety
///
/// Dropping it mid-way is fine: the rest of the response is read and discarded before the
/// client's next call.
pub struct FetchStream<T = MessageSummary> {
    session: Session,
    /// What was asked for: items for other UIDs are not the answer (see
    /// [`UidSet::may_answer`]).
    requested: UidSet,
    chunks: VecDeque<String>,
    items: String,
    tag: Option<String>,
    ready: VecDeque<T>,
    finished: bool,
    /// Whether a FETCH response answers this command (others are unsolicited).
    is_item: fn(&[AttributeValue<'_>]) -> bool,
    parse: fn(&[AttributeValue<'_>]) -> Option<T>,
}

fn has_size(attrs: &[AttributeValue<'_>]) -> bool {
    attrs
        .iter()
        .any(|a| matches!(a, AttributeValue::Rfc822Size(_)))
}

fn uid_of(attrs: &[AttributeValue<'_>]) -> Option<u32> {
    attrs.iter().find_map(|a| match a {
        AttributeValue::Uid(u) => Some(*u),
        _ => None,
    })
}

fn has_body(attrs: &[AttributeValue<'_>]) -> bool {
    attrs
        .iter()
        .any(|a| matches!(a, AttributeValue::BodySection { .. }))
}

fn raw_message(attrs: &[AttributeValue<'_>]) -> Option<RawMessage> {
    let mut uid = 0;
    let mut data = None;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => uid = *u,
            AttributeValue::BodySection { data: d, .. } => {
                data = Some(d.as_deref().unwrap_or_default().to_vec())
            }
            _ => {}
        }
    }
    (uid != 0).then(|| RawMessage {
        uid,
        data: data.unwrap_or_default(),
    })
}

impl<T> std::fmt::Debug for FetchStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchStream")
            .field("buffered", &self.ready.len())
            .field("finished", &self.finished)
            .finish()
    }
}

impl ImapClient {
    /// Streams summaries (UID, flags, size, internal date, modseq, envelope and the
    /// attachment list) of `uids` in `mailbox`, in the server's order (ascending UID on
    /// common servers). Never sets `\Seen`; downloads no body.
    pub async fn fetch(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        options: FetchOptions,
    ) -> Result<FetchStream> {
        let uids = uids.into();
        let mut session = self.selected(mailbox).await?;
        let c = session.conn()?;
        let mut items = String::from("(UID FLAGS RFC822.SIZE INTERNALDATE");
        if options.envelope {
            items.push_str(" ENVELOPE");
        }
        if options.attachments {
            items.push_str(" BODYSTRUCTURE");
        }
        if c.has_cap("CONDSTORE") {
            items.push_str(" MODSEQ");
        }
        if c.has_cap("X-GM-EXT-1") {
            items.push_str(" X-GM-MSGID X-GM-THRID X-GM-LABELS");
        }
        items.push(')');
        if let Some(m) = options.changed_since {
            items.push_str(&format!(" (CHANGEDSINCE {m})"));
        }
        Ok(FetchStream {
            session,
            chunks: uids.to_imap_chunks(MAX_SET_LEN)?.into(),
            requested: uids,
            items,
            tag: None,
            ready: VecDeque::new(),
            finished: false,
            is_item: has_size,
            parse: parse::summary,
        })
    }

    /// Streams the whole source of each message of `uids` in `mailbox` (`BODY.PEEK[]`: never
    /// sets `\Seen`), in the server's order, many messages per command — not one round trip
    /// per message as [`ImapClient::fetch_raw`] in a loop would be. Messages that do not
    /// exist are skipped.
    pub async fn fetch_raw_many(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
    ) -> Result<FetchStream<RawMessage>> {
        let uids = uids.into();
        let session = self.selected(mailbox).await?;
        Ok(FetchStream {
            session,
            chunks: uids.to_imap_chunks(MAX_SET_LEN)?.into(),
            requested: uids,
            items: "(UID BODY.PEEK[])".to_string(),
            tag: None,
            ready: VecDeque::new(),
            finished: false,
            is_item: has_body,
            parse: raw_message,
        })
    }

    /// All summaries of `uids` at once (see [`ImapClient::fetch`]).
    pub async fn fetch_all(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        options: FetchOptions,
    ) -> Result<Vec<MessageSummary>> {
        let mut stream = self.fetch(mailbox, uids, options).await?;
        let mut out = Vec::new();
        while let Some(s) = stream.next().await? {
            out.push(s);
        }
        Ok(out)
    }
}

impl<T: Send + 'static> FetchStream<T> {
    /// The next item, or `None` when all have arrived.
    pub async fn next(&mut self) -> Result<Option<T>> {
        loop {
            if self.session.is_closed() {
                self.finished = true;
                return Err(crate::Error::closed());
            }
            if let Some(s) = self.ready.pop_front() {
                return Ok(Some(s));
            }
            if self.finished {
                return Ok(None);
            }
            self.pump().await?;
        }
    }

    /// Up to `max` summaries: whatever has arrived, waiting only when none has. Empty when
    /// the stream is exhausted.
    pub async fn next_batch(&mut self, max: usize) -> Result<Vec<T>> {
        let max = max.max(1);
        if self.session.is_closed() {
            self.finished = true;
            return Err(crate::Error::closed());
        }
        while self.ready.is_empty() && !self.finished {
            self.pump().await?;
        }
        // Take what is buffered, then keep reading only while it fills the batch cheaply.
        while self.ready.len() < max && !self.finished && self.tag.is_some() {
            self.pump().await?;
        }
        let n = self.ready.len().min(max);
        Ok(self.ready.drain(..n).collect())
    }

    /// Turns this into a [`Stream`] of items.
    pub fn into_stream(self) -> impl Stream<Item = Result<T>> + Send {
        futures_util::stream::try_unfold(self, |mut s| async move {
            Ok(s.next().await?.map(|item| (item, s)))
        })
    }

    /// Reads one response (starting the next command when needed).
    async fn pump(&mut self) -> Result<()> {
        let r = self.pump_inner().await;
        if r.is_err() {
            self.finished = true;
        }
        r
    }

    async fn pump_inner(&mut self) -> Result<()> {
        let c = self.session.conn()?;
        let tag = match &self.tag {
            Some(t) => t.clone(),
            None => {
                let Some(chunk) = self.chunks.pop_front() else {
                    self.finished = true;
                    return Ok(());
                };
                let tag = c
                    .send(&Command::new("UID FETCH").raw(&chunk).raw(&self.items))
                    .await?;
                self.tag = Some(tag.clone());
                tag
            }
        };
        let (is_item, parse, requested) = (self.is_item, self.parse, &self.requested);
        let step = c
            .read_for(&tag, "UID FETCH", |c, r| match r {
                Response::Fetch(_, attrs)
                    if is_item(attrs) && uid_of(attrs).is_some_and(|u| requested.may_answer(u)) =>
                {
                    parse(attrs)
                }
                other => {
                    c.absorb(other);
                    None
                }
            })
            .await?;
        match step {
            Step::Done(_) => self.tag = None,
            Step::Data(Some(s)) => {
                c.consumed();
                self.ready.push_back(s)
            }
            Step::Data(None) => {}
        }
        Ok(())
    }
}
