//! Search: the key tree the facade builds from an imapflow-like query object, turned into
//! the core's query.

use chrono::{DateTime, NaiveDate, Utc};
use mailwire::imap::SearchQuery as Query;
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

#[napi]
impl NativeImapClient {
    /// UIDs of the messages of `mailbox` matching `query`, ascending.
    #[napi]
    pub async fn search(&self, mailbox: String, query: SearchQuery) -> Result<Vec<u32>> {
        crate::error::guard_async(async {
            let q = self::query(query)?;
            self.inner.search(&mailbox, &q).await.napi()
        })
        .await
    }
}
