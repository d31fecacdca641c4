//! A typed IMAP SEARCH query, compiled to the wire with every string quoted or sent as a
//! literal.

use chrono::{Datelike, NaiveDate};

use super::command::{check_keyword, check_no_crlf, Command, UidSet};
use crate::error::{Error, Result};

/// What to search for. Combine with [`SearchQuery::and`], [`SearchQuery::or`] and
/// [`SearchQuery::not`]; string matches are case-insensitive substrings, as IMAP defines.
///
/// ```
/// use mailwire::imap::SearchQuery;
/// let q = SearchQuery::Unseen.and(SearchQuery::from("alice")).and(SearchQuery::Larger(10_000));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchQuery {
    /// Every message.
    All,
    /// With `\Seen`.
    Seen,
    /// Without `\Seen`.
    Unseen,
    /// With `\Flagged`.
    Flagged,
    /// Without `\Flagged`.
    Unflagged,
    /// With `\Answered`.
    Answered,
    /// Without `\Answered`.
    Unanswered,
    /// With `\Deleted`.
    Deleted,
    /// Without `\Deleted`.
    Undeleted,
    /// With `\Draft`.
    Draft,
    /// From contains the string.
    From(String),
    /// To contains the string.
    To(String),
    /// Cc contains the string.
    Cc(String),
    /// Bcc contains the string.
    Bcc(String),
    /// Subject contains the string.
    Subject(String),
    /// The body contains the string.
    Body(String),
    /// Headers or body contain the string.
    Text(String),
    /// Received on or after the date (internal date, time of day ignored).
    Since(NaiveDate),
    /// Received before the date.
    Before(NaiveDate),
    /// Received on the date.
    On(NaiveDate),
    /// Date header on or after the date.
    SentSince(NaiveDate),
    /// Date header before the date.
    SentBefore(NaiveDate),
    /// Date header on the date.
    SentOn(NaiveDate),
    /// Larger than this many bytes.
    Larger(u32),
    /// Smaller than this many bytes.
    Smaller(u32),
    /// UIDs in the set.
    Uid(UidSet),
    /// With the keyword.
    Keyword(String),
    /// Without the keyword.
    Unkeyword(String),
    /// The header (name, substring of the value; empty matches any message having it).
    Header(String, String),
    /// Changed after this modseq (CONDSTORE).
    ModSeq(u64),
    /// Gmail's own search syntax (`X-GM-RAW "has:attachment in:inbox"`), on servers with
    /// `X-GM-EXT-1`.
    GmailRaw(String),
    /// All of these.
    And(Vec<SearchQuery>),
    /// Either.
    Or(Box<SearchQuery>, Box<SearchQuery>),
    /// Not this.
    Not(Box<SearchQuery>),
    /// Raw IMAP search keys sent as is (`"OR SEEN FLAGGED"`). Refused unless it is a
    /// well-formed sequence of atoms, quoted strings and balanced parentheses on one line: no
    /// CR, LF, NUL or literal (`{…}`), so nothing in it can end the command or change how the
    /// rest of the line is read.
    Raw(String),
}

impl SearchQuery {
    /// From contains `s`.
    pub fn from(s: impl Into<String>) -> Self {
        SearchQuery::From(s.into())
    }

    /// To contains `s`.
    pub fn to(s: impl Into<String>) -> Self {
        SearchQuery::To(s.into())
    }

    /// Subject contains `s`.
    pub fn subject(s: impl Into<String>) -> Self {
        SearchQuery::Subject(s.into())
    }

    /// Both this and `other`.
    pub fn and(self, other: SearchQuery) -> Self {
        match self {
            SearchQuery::And(mut v) => {
                v.push(other);
                SearchQuery::And(v)
            }
            q => SearchQuery::And(vec![q, other]),
        }
    }

    /// This or `other`.
    pub fn or(self, other: SearchQuery) -> Self {
        SearchQuery::Or(Box::new(self), Box::new(other))
    }

    /// Negation (as a method, so `q.not()` reads naturally).
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        SearchQuery::Not(Box::new(self))
    }

    /// Appends the keys to `cmd`.
    pub(crate) fn write(&self, cmd: Command) -> Result<Command> {
        fn date(d: &NaiveDate) -> Result<String> {
            // IMAP dates have a four-digit year; chrono writes others with a sign.
            if !(1..=9999).contains(&d.year()) {
                return Err(Error::invalid_input(format!(
                    "a search date must be in the years 1 to 9999, not {d}"
                )));
            }
            Ok(d.format("%-d-%b-%Y").to_string())
        }
        Ok(match self {
            SearchQuery::All => cmd.raw("ALL"),
            SearchQuery::Seen => cmd.raw("SEEN"),
            SearchQuery::Unseen => cmd.raw("UNSEEN"),
            SearchQuery::Flagged => cmd.raw("FLAGGED"),
            SearchQuery::Unflagged => cmd.raw("UNFLAGGED"),
            SearchQuery::Answered => cmd.raw("ANSWERED"),
            SearchQuery::Unanswered => cmd.raw("UNANSWERED"),
            SearchQuery::Deleted => cmd.raw("DELETED"),
            SearchQuery::Undeleted => cmd.raw("UNDELETED"),
            SearchQuery::Draft => cmd.raw("DRAFT"),
            SearchQuery::From(s) => cmd.raw("FROM").string(s)?,
            SearchQuery::To(s) => cmd.raw("TO").string(s)?,
            SearchQuery::Cc(s) => cmd.raw("CC").string(s)?,
            SearchQuery::Bcc(s) => cmd.raw("BCC").string(s)?,
            SearchQuery::Subject(s) => cmd.raw("SUBJECT").string(s)?,
            SearchQuery::Body(s) => cmd.raw("BODY").string(s)?,
            SearchQuery::Text(s) => cmd.raw("TEXT").string(s)?,
            SearchQuery::Since(d) => cmd.raw("SINCE").raw(&date(d)?),
            SearchQuery::Before(d) => cmd.raw("BEFORE").raw(&date(d)?),
            SearchQuery::On(d) => cmd.raw("ON").raw(&date(d)?),
            SearchQuery::SentSince(d) => cmd.raw("SENTSINCE").raw(&date(d)?),
            SearchQuery::SentBefore(d) => cmd.raw("SENTBEFORE").raw(&date(d)?),
            SearchQuery::SentOn(d) => cmd.raw("SENTON").raw(&date(d)?),
            SearchQuery::Larger(n) => cmd.raw(&format!("LARGER {n}")),
            SearchQuery::Smaller(n) => cmd.raw(&format!("SMALLER {n}")),
            SearchQuery::Uid(set) => {
                if set.is_empty() {
                    // An empty set matches nothing; IMAP has no empty set syntax.
                    cmd.raw("NOT ALL")
                } else {
                    cmd.raw("UID")
                        .raw(&set.to_imap_chunks(usize::MAX)?.join(","))
                }
            }
            SearchQuery::Keyword(k) => {
                check_keyword(k)?;
                cmd.raw("KEYWORD").raw(k)
            }
            SearchQuery::Unkeyword(k) => {
                check_keyword(k)?;
                cmd.raw("UNKEYWORD").raw(k)
            }
            SearchQuery::Header(name, value) => {
                check_no_crlf(name, "a header name")?;
                cmd.raw("HEADER").string(name)?.string(value)?
            }
            SearchQuery::ModSeq(m) => cmd.raw(&format!("MODSEQ {m}")),
            SearchQuery::GmailRaw(q) => cmd.raw("X-GM-RAW").string(q)?,
            SearchQuery::And(list) => {
                if list.is_empty() {
                    return Ok(cmd.raw("ALL"));
                }
                let mut cmd = cmd.raw("(");
                for q in list {
                    cmd = q.write(cmd)?;
                }
                cmd.raw(")")
            }
            SearchQuery::Or(a, b) => {
                let cmd = cmd.raw("OR");
                let cmd = a.write(cmd.raw("("))?.raw(")");
                b.write(cmd.raw("("))?.raw(")")
            }
            SearchQuery::Not(q) => q.write(cmd.raw("NOT").raw("("))?.raw(")"),
            SearchQuery::Raw(s) => {
                check_raw(s)?;
                cmd.raw(s)
            }
        })
    }
}

/// Checks raw search text as a server's tokenizer would read it: atoms, quoted strings (with
/// `\"` and `\\` escapes only) and parentheses, separated by spaces, on one line, with no
/// literal. Anything else could end the command early, swallow the keys after it into a
/// string, or announce a literal that eats the next command.
fn check_raw(s: &str) -> Result<()> {
    check_no_crlf(s, "a raw search")?;
    let refuse = |why: &str| {
        Error::invalid_input(format!(
            "a raw search must be IMAP search keys on one line ({why}): {s:?}"
        ))
    };
    if s.trim_matches(' ').is_empty() {
        return Err(refuse("it is empty"));
    }
    /// What the previous byte ended.
    #[derive(PartialEq)]
    enum Prev {
        /// The start, a space or `(`: a new token may begin.
        Gap,
        /// Inside an atom.
        Atom,
        /// A quoted string or `)`: only a space or `)` may follow.
        Closed,
    }
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut prev = Prev::Gap;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' => prev = Prev::Gap,
            b'(' => {
                if prev != Prev::Gap {
                    return Err(refuse("a space is needed before ("));
                }
                depth += 1;
            }
            b')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| refuse("a ) closes nothing"))?;
                prev = Prev::Closed;
            }
            b'"' => {
                if prev != Prev::Gap {
                    return Err(refuse("a space is needed before a quoted string"));
                }
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(refuse("a quoted string is not closed")),
                        Some(b'"') => break,
                        Some(b'\\') => {
                            if !matches!(b.get(i + 1), Some(b'"' | b'\\')) {
                                return Err(refuse(
                                    "only \\\" and \\\\ may follow \\ in a quoted string",
                                ));
                            }
                            i += 2;
                        }
                        Some(_) => i += 1,
                    }
                }
                prev = Prev::Closed;
            }
            b'{' => {
                return Err(refuse(
                    "literals cannot be written in raw text; use the typed keys",
                ))
            }
            b'\\' => return Err(refuse("\\ is only allowed inside a quoted string")),
            _ => {
                if prev == Prev::Closed {
                    return Err(refuse("a space is needed after ) or a quoted string"));
                }
                prev = Prev::Atom;
            }
        }
        i += 1;
    }
    if depth > 0 {
        return Err(refuse("a ( is not closed"));
    }
    Ok(())
}

impl From<&str> for SearchQuery {
    /// A raw IMAP search string.
    fn from(s: &str) -> Self {
        SearchQuery::Raw(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // conformance: imap.search.or-not
    #[test]
    fn compiles_nested_queries() {
        let q = SearchQuery::Unseen
            .and(SearchQuery::from("alice"))
            .and(SearchQuery::Subject("x".into()).or(SearchQuery::Flagged))
            .and(SearchQuery::Larger(5).not());
        let cmd = q.write(Command::new("UID SEARCH")).unwrap();
        assert_eq!(
            cmd.log,
            r#"UID SEARCH (UNSEEN FROM "alice" OR (SUBJECT "x") (FLAGGED) NOT (LARGER 5))"#
        );
        let cmd = SearchQuery::subject("Grüße")
            .write(Command::new("UID SEARCH"))
            .unwrap();
        assert!(cmd.has_literal());
        assert!(SearchQuery::Raw("ALL\r\nX".into())
            .write(Command::new("S"))
            .is_err());
    }

    // conformance: input.line-breaks
    #[test]
    fn raw_text_that_could_escape_is_refused() {
        let ok = |s: &str| {
            SearchQuery::Raw(s.into())
                .write(Command::new("UID SEARCH"))
                .map(|c| c.wire_bytes("A1", false))
        };
        assert_eq!(
            ok(r#"OR SEEN (FROM "a \"b\" \\ c" UNDELETED)"#).unwrap(),
            b"A1 UID SEARCH OR SEEN (FROM \"a \\\"b\\\" \\\\ c\" UNDELETED)\r\n"
        );
        assert!(
            ok("HEADER X-Grüße ü").is_ok(),
            "8-bit atoms are the server's to judge"
        );
        for bad in [
            "",
            "  ",
            "SUBJECT \"open",
            "SUBJECT \"a\\\"",
            "SUBJECT \"a\\x\"",
            "ALL) OR (ALL",
            "(ALL",
            "ALL)",
            "SUBJECT {5}",
            "SUBJECT {5+}",
            "SUBJECT a{5}",
            "SUBJECT a\\b",
            "SUBJECT \"a\"b",
            "SUBJECT a\"b\"",
            "(SEEN)(FLAGGED)",
            "SEEN(FLAGGED)",
            "SUBJECT x\0",
            "SUBJECT x\ry",
        ] {
            let err = ok(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn dates_outside_four_digit_years_are_refused() {
        let d = |y| NaiveDate::from_ymd_opt(y, 3, 7).unwrap();
        let c = SearchQuery::Since(d(2024))
            .write(Command::new("S"))
            .unwrap();
        assert_eq!(c.log, "S SINCE 7-Mar-2024");
        let c = SearchQuery::Before(d(1)).write(Command::new("S")).unwrap();
        assert_eq!(c.log, "S BEFORE 7-Mar-0001");
        for y in [0, -1, 10_000] {
            let err = SearchQuery::On(d(y)).write(Command::new("S")).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        }
    }
}
