//! [`SearchCriteria`]: the flat search record every language binding fills from its own
//! idiom (keyword arguments, a query object, a record), compiled to a [`SearchQuery`] here,
//! once, so that the five faces accept the same searches and refuse the same mistakes.

use chrono::NaiveDate;

use super::command::UidSet;
use super::search::SearchQuery;
use crate::error::{Error, Result};

/// A search as a record: every field that is set must match (AND); `or` adds one key that
/// matches when any of its criteria does, `not` one key per criteria that must not match.
/// String matches are case-insensitive substrings, as IMAP defines; dates compare by day.
/// Nothing set matches every message.
///
/// The record is `#[non_exhaustive]` (fields will be added): start from
/// `SearchCriteria::default()` and set fields.
///
/// ```
/// use mailwire::imap::{SearchCriteria, SearchQuery};
/// let mut from_alice = SearchCriteria::default();
/// from_alice.from = Some("alice".into());
/// let mut flagged = SearchCriteria::default();
/// flagged.flagged = Some(true);
/// let mut c = SearchCriteria::default();
/// c.seen = Some(false);
/// c.or = vec![from_alice, flagged];
/// let q = SearchQuery::try_from(c).unwrap();
/// assert_eq!(q, SearchQuery::Unseen.and(SearchQuery::from("alice").or(SearchQuery::Flagged)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchCriteria {
    /// `true`: every message (the same as nothing set; for queries that say so).
    pub all: bool,
    /// `true`: with `\Seen`; `false`: without.
    pub seen: Option<bool>,
    /// `true`: with `\Flagged`; `false`: without.
    pub flagged: Option<bool>,
    /// `true`: with `\Answered`; `false`: without.
    pub answered: Option<bool>,
    /// `true`: with `\Deleted`; `false`: without.
    pub deleted: Option<bool>,
    /// `true`: with `\Draft`; `false`: without.
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
    /// The body contains.
    pub body: Option<String>,
    /// Headers or body contain.
    pub text: Option<String>,
    /// Received on or after this day.
    pub since: Option<NaiveDate>,
    /// Received before this day.
    pub before: Option<NaiveDate>,
    /// Received on this day.
    pub on: Option<NaiveDate>,
    /// Date header on or after this day.
    pub sent_since: Option<NaiveDate>,
    /// Date header before this day.
    pub sent_before: Option<NaiveDate>,
    /// Date header on this day.
    pub sent_on: Option<NaiveDate>,
    /// Larger than this many bytes.
    pub larger: Option<u32>,
    /// Smaller than this many bytes.
    pub smaller: Option<u32>,
    /// UID in this set.
    pub uid: Option<UidSet>,
    /// With this keyword.
    pub keyword: Option<String>,
    /// Without this keyword.
    pub unkeyword: Option<String>,
    /// Headers `(name, substring of the value)` that must match; an empty value matches
    /// any message having the header.
    pub header: Vec<(String, String)>,
    /// Changed after this modseq (CONDSTORE).
    pub modseq: Option<u64>,
    /// Gmail's search syntax (`X-GM-RAW`), on servers with `X-GM-EXT-1`.
    pub gmail_raw: Option<String>,
    /// Any one of these matches (two or more).
    pub or: Vec<SearchCriteria>,
    /// None of these matches.
    pub not: Vec<SearchCriteria>,
    /// Raw IMAP search keys, sent as is after the checks of [`SearchQuery::Raw`].
    pub raw: Option<String>,
}

impl TryFrom<SearchCriteria> for SearchQuery {
    type Error = Error;

    /// Compiles the record; [`InvalidInput`](crate::ErrorKind::InvalidInput) when `or` has
    /// exactly one criteria (say what the other choice is, or drop `or`).
    fn try_from(c: SearchCriteria) -> Result<SearchQuery> {
        use SearchQuery as Q;
        let mut keys = Vec::new();
        if c.all {
            keys.push(Q::All);
        }
        let flags = [
            (c.seen, Q::Seen, Q::Unseen),
            (c.flagged, Q::Flagged, Q::Unflagged),
            (c.answered, Q::Answered, Q::Unanswered),
            (c.deleted, Q::Deleted, Q::Undeleted),
            (c.draft, Q::Draft, Q::Draft.not()),
        ];
        for (value, yes, no) in flags {
            keys.extend(value.map(|v| if v { yes } else { no }));
        }
        let strings = [
            (c.from, Q::From as fn(String) -> Q),
            (c.to, Q::To),
            (c.cc, Q::Cc),
            (c.bcc, Q::Bcc),
            (c.subject, Q::Subject),
            (c.body, Q::Body),
            (c.text, Q::Text),
            (c.keyword, Q::Keyword),
            (c.unkeyword, Q::Unkeyword),
        ];
        for (value, make) in strings {
            keys.extend(value.map(make));
        }
        let dates = [
            (c.since, Q::Since as fn(NaiveDate) -> Q),
            (c.before, Q::Before),
            (c.on, Q::On),
            (c.sent_since, Q::SentSince),
            (c.sent_before, Q::SentBefore),
        ];
        for (value, make) in dates {
            keys.extend(value.map(make));
        }
        if let Some(d) = c.sent_on {
            // SENTON is SENTSINCE d AND SENTBEFORE d+1; IMAP has the key itself.
            keys.push(Q::SentOn(d));
        }
        keys.extend(c.larger.map(Q::Larger));
        keys.extend(c.smaller.map(Q::Smaller));
        keys.extend(c.uid.map(Q::Uid));
        keys.extend(c.header.into_iter().map(|(n, v)| Q::Header(n, v)));
        keys.extend(c.modseq.map(Q::ModSeq));
        keys.extend(c.gmail_raw.map(Q::GmailRaw));
        match c.or.len() {
            0 => {}
            1 => return Err(Error::invalid_input(
                "`or` needs two or more criteria (with one, put its fields in the query itself)",
            )),
            _ => {
                let mut alternatives = c.or.into_iter().map(SearchQuery::try_from);
                let first = alternatives.next().expect("two or more")?;
                let mut either = first;
                for next in alternatives {
                    either = either.or(next?);
                }
                keys.push(either);
            }
        }
        for n in c.not {
            keys.push(SearchQuery::try_from(n)?.not());
        }
        keys.extend(c.raw.map(Q::Raw));
        Ok(match keys.len() {
            0 => Q::All,
            1 => keys.remove(0),
            _ => Q::And(keys),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn nothing_set_is_every_message() {
        let q = SearchQuery::try_from(SearchCriteria::default()).unwrap();
        assert_eq!(q, SearchQuery::All);
    }

    // conformance: imap.search.or-not
    #[test]
    fn fields_and_or_and_not() {
        let c = SearchCriteria {
            seen: Some(false),
            on: Some(day(2026, 12, 7)),
            uid: Some("1:5,9:*".parse().unwrap()),
            or: vec![
                SearchCriteria {
                    from: Some("alice".into()),
                    ..Default::default()
                },
                SearchCriteria {
                    to: Some("bob".into()),
                    ..Default::default()
                },
                SearchCriteria {
                    flagged: Some(true),
                    ..Default::default()
                },
            ],
            not: vec![SearchCriteria {
                subject: Some("spam".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let q = SearchQuery::try_from(c).unwrap();
        let expected = SearchQuery::And(vec![
            SearchQuery::Unseen,
            SearchQuery::On(day(2026, 12, 7)),
            SearchQuery::Uid("1:5,9:*".parse().unwrap()),
            SearchQuery::from("alice")
                .or(SearchQuery::to("bob"))
                .or(SearchQuery::Flagged),
            SearchQuery::subject("spam").not(),
        ]);
        assert_eq!(q, expected);
    }

    #[test]
    fn an_or_of_one_is_refused() {
        let c = SearchCriteria {
            or: vec![SearchCriteria::default()],
            ..Default::default()
        };
        let e = SearchQuery::try_from(c).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("`or`"), "{e}");
    }
}
