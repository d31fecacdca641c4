//! Search: the key tree the facade builds from an imapflow-like query object, handed to the
//! core as its `SearchCriteria` record.

use chrono::{DateTime, NaiveDate, Utc};
use mailwire::imap::{SearchCriteria, SearchQuery as Query};
use napi_derive::napi;

use super::client::NativeImapClient;
use super::types::{uid_set, Uids};
use crate::error::{invalid, IntoNapi, Result};

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
    /// Date header on.
    pub sent_on: Option<DateTime<Utc>>,
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
    /// Gmail's own search syntax (`"has:attachment in:unread"`, X-GM-RAW), on servers with
    /// `X-GM-EXT-1` (imapflow's `gmraw`).
    pub gmail_raw: Option<String>,
    /// Either of these (two or more).
    pub or: Option<Vec<SearchQuery>>,
    /// None of these.
    pub not: Option<Vec<SearchQuery>>,
    /// Raw IMAP search keys (`"OR SEEN FLAGGED"`); CR/LF refused.
    pub raw: Option<String>,
}

fn day(d: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    d.map(|d| d.date_naive())
}

/// The core's record for `q` (the core compiles it, and refuses what is wrong with it).
fn criteria(q: SearchQuery) -> Result<SearchCriteria> {
    let mut c = SearchCriteria::default();
    c.all = q.all == Some(true);
    (c.seen, c.flagged, c.answered, c.deleted, c.draft) =
        (q.seen, q.flagged, q.answered, q.deleted, q.draft);
    (c.from, c.to, c.cc, c.bcc, c.subject, c.body, c.text) =
        (q.from, q.to, q.cc, q.bcc, q.subject, q.body, q.text);
    (c.since, c.before, c.on) = (day(q.since), day(q.before), day(q.on));
    (c.sent_since, c.sent_before, c.sent_on) =
        (day(q.sent_since), day(q.sent_before), day(q.sent_on));
    (c.larger, c.smaller, c.keyword, c.unkeyword, c.raw) =
        (q.larger, q.smaller, q.keyword, q.unkeyword, q.raw);
    c.gmail_raw = q.gmail_raw;
    c.uid = q.uid.map(uid_set).transpose()?;
    c.header = q
        .header
        .unwrap_or_default()
        .into_iter()
        .map(|h| (h.name, h.value))
        .collect();
    c.modseq = q
        .modseq
        .map(|m| u64::try_from(m).map_err(|_| invalid("modseq must be >= 0")))
        .transpose()?;
    c.or =
        q.or.unwrap_or_default()
            .into_iter()
            .map(criteria)
            .collect::<Result<_>>()?;
    c.not = q
        .not
        .unwrap_or_default()
        .into_iter()
        .map(criteria)
        .collect::<Result<_>>()?;
    Ok(c)
}

#[napi]
impl NativeImapClient {
    /// UIDs of the messages of `mailbox` matching `query`, ascending.
    #[napi]
    pub async fn search(&self, mailbox: String, query: SearchQuery) -> Result<Vec<u32>> {
        crate::error::guard_async(async {
            let q = Query::try_from(criteria(query)?).napi()?;
            self.inner.search(&mailbox, &q).await.napi()
        })
        .await
    }
}
