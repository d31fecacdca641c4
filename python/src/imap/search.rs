//! Glue for `mailwire::imap::SearchQuery`: a Pythonic builder (keyword arguments, `&`, `|`,
//! `~`); the keyword arguments fill the core's `SearchCriteria`, which the core compiles.

use chrono::NaiveDate;
use mailwire::imap::{SearchCriteria as Criteria, SearchQuery as Core};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::error::{invalid_input, to_py_err};
use crate::imap::client::uid_set;

/// An IMAP search query. Build it with keyword arguments (all must match), combine with
/// ``&`` (and), ``|`` (or) and ``~`` (not), or use ``SearchQuery.raw("OR SEEN FLAGGED")``.
///
/// ``SearchQuery(seen=False, from_="alice", since=date(2026, 1, 1))``: ``seen``,
/// ``flagged``, ``answered``, ``deleted``, ``draft`` take a bool (False means the opposite
/// key, e.g. UNSEEN); ``from_``, ``to``, ``cc``, ``bcc``, ``subject``, ``body``, ``text`` a
/// substring; ``since``, ``before``, ``on``, ``sent_since``, ``sent_before``, ``sent_on`` a
/// ``datetime.date``; ``larger``, ``smaller`` a size in bytes; ``uid`` UIDs; ``keyword``,
/// ``unkeyword`` a keyword; ``header`` a (name, value) pair; ``modseq`` a number;
/// ``gmail_raw`` Gmail's own search syntax (``"has:attachment in:unread"``, X-GM-RAW; only
/// on servers with ``X-GM-EXT-1``). No argument matches every message.
#[pyclass(frozen, module = "mailwire._core")]
#[derive(Clone)]
pub struct SearchQuery {
    pub(crate) inner: Core,
}

#[pymethods]
impl SearchQuery {
    #[new]
    #[pyo3(signature = (*, seen = None, flagged = None, answered = None, deleted = None,
        draft = None, from_ = None, to = None, cc = None, bcc = None, subject = None,
        body = None, text = None, since = None, before = None, on = None, sent_since = None,
        sent_before = None, sent_on = None, larger = None, smaller = None, uid = None,
        keyword = None, unkeyword = None, header = None, modseq = None, gmail_raw = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        seen: Option<bool>,
        flagged: Option<bool>,
        answered: Option<bool>,
        deleted: Option<bool>,
        draft: Option<bool>,
        from_: Option<String>,
        to: Option<String>,
        cc: Option<String>,
        bcc: Option<String>,
        subject: Option<String>,
        body: Option<String>,
        text: Option<String>,
        since: Option<NaiveDate>,
        before: Option<NaiveDate>,
        on: Option<NaiveDate>,
        sent_since: Option<NaiveDate>,
        sent_before: Option<NaiveDate>,
        sent_on: Option<NaiveDate>,
        larger: Option<u32>,
        smaller: Option<u32>,
        uid: Option<&Bound<'_, PyAny>>,
        keyword: Option<String>,
        unkeyword: Option<String>,
        header: Option<(String, String)>,
        modseq: Option<u64>,
        gmail_raw: Option<String>,
    ) -> PyResult<Self> {
        let mut c = Criteria::default();
        (c.seen, c.flagged, c.answered, c.deleted, c.draft) =
            (seen, flagged, answered, deleted, draft);
        (c.from, c.to, c.cc, c.bcc, c.subject, c.body, c.text) =
            (from_, to, cc, bcc, subject, body, text);
        (c.since, c.before, c.on) = (since, before, on);
        (c.sent_since, c.sent_before, c.sent_on) = (sent_since, sent_before, sent_on);
        (c.larger, c.smaller, c.keyword, c.unkeyword, c.modseq) =
            (larger, smaller, keyword, unkeyword, modseq);
        c.uid = uid.map(uid_set).transpose()?;
        c.header = header.into_iter().collect();
        c.gmail_raw = gmail_raw;
        let inner = Core::try_from(c).map_err(|e| to_py_err(py, e))?;
        Ok(SearchQuery { inner })
    }

    /// Every message.
    #[staticmethod]
    fn all() -> Self {
        SearchQuery { inner: Core::All }
    }

    /// Raw IMAP search keys sent as they are (``"OR SEEN FLAGGED"``); CR/LF refused.
    #[staticmethod]
    fn raw(keys: String) -> Self {
        SearchQuery {
            inner: Core::Raw(keys),
        }
    }

    fn __and__(&self, other: &SearchQuery) -> Self {
        SearchQuery {
            inner: self.inner.clone().and(other.inner.clone()),
        }
    }

    fn __or__(&self, other: &SearchQuery) -> Self {
        SearchQuery {
            inner: self.inner.clone().or(other.inner.clone()),
        }
    }

    fn __invert__(&self) -> Self {
        SearchQuery {
            inner: self.inner.clone().not(),
        }
    }

    fn __repr__(&self) -> String {
        format!("SearchQuery({:?})", self.inner)
    }
}

/// A query from a `SearchQuery`, a raw IMAP string, a dict of keyword arguments or None
/// (every message), and-ed with keyword `criteria` when there are some.
pub(crate) fn to_query(
    obj: Option<&Bound<'_, PyAny>>,
    criteria: Option<&Bound<'_, PyDict>>,
) -> PyResult<Core> {
    let Some(criteria) = criteria.filter(|c| !c.is_empty()) else {
        return one_query(obj);
    };
    let extra = one_query(Some(criteria.as_any()))?;
    if obj.is_none_or(|o| o.is_none()) {
        return Ok(extra);
    }
    Ok(one_query(obj)?.and(extra))
}

fn one_query(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Core> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Core::All);
    };
    if let Ok(q) = obj.cast::<SearchQuery>() {
        return Ok(q.get().inner.clone());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Core::Raw(s.to_str()?.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let q = obj
            .py()
            .get_type::<SearchQuery>()
            .call((), Some(d))?
            .cast_into::<SearchQuery>()?;
        return Ok(q.get().inner.clone());
    }
    Err(invalid_input(
        obj.py(),
        "a search query is a SearchQuery, a raw IMAP string or a dict of criteria",
    ))
}
