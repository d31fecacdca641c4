//! Building IMAP command lines: atoms, quoted strings, literals and UID sets, with every
//! string checked before anything is sent.

use crate::error::{Error, Result};

/// One piece of a command: text sent as is, or a literal that may need a continuation.
#[derive(Debug)]
pub(crate) enum Piece {
    Text(Vec<u8>),
    /// Bytes sent as `{n}` literal (or `{n+}` with LITERAL+).
    Literal(Vec<u8>),
}

/// A command without its tag.
#[derive(Debug)]
pub(crate) struct Command {
    pub(crate) pieces: Vec<Piece>,
    /// What the trace shows; secrets are replaced.
    pub(crate) log: String,
    /// The first word, used in error messages.
    pub(crate) verb: String,
}

impl Command {
    pub(crate) fn new(verb: &str) -> Self {
        Command {
            pieces: vec![Piece::Text(verb.as_bytes().to_vec())],
            log: verb.to_string(),
            verb: verb.split(' ').take(2).collect::<Vec<_>>().join(" "),
        }
    }

    fn push_text(&mut self, s: &str) {
        match self.pieces.last_mut() {
            Some(Piece::Text(t)) => t.extend_from_slice(s.as_bytes()),
            _ => self.pieces.push(Piece::Text(s.as_bytes().to_vec())),
        }
    }

    /// Writes the separating space, except after `(` and before `)`.
    fn sep(&mut self, next: &str) {
        if self.log.ends_with('(') || next.starts_with(')') {
            return;
        }
        self.push_text(" ");
        self.log.push(' ');
    }

    /// Appends `s` unchanged (an atom, number, list or keyword the caller built), separated
    /// by a space.
    pub(crate) fn raw(mut self, s: &str) -> Self {
        self.sep(s);
        self.push_text(s);
        self.log.push_str(s);
        self
    }

    /// Appends a string argument: quoted when it is 7-bit, a literal otherwise.
    pub(crate) fn string(self, s: &str) -> Result<Self> {
        self.string_inner(s, false)
    }

    /// Like [`Command::string`], but the trace shows `<redacted>`.
    pub(crate) fn secret(self, s: &str) -> Result<Self> {
        self.string_inner(s, true)
    }

    fn string_inner(mut self, s: &str, secret: bool) -> Result<Self> {
        if secret {
            // The text of the error must not contain the secret, not even quoted.
            if s.contains(['\r', '\n', '\0']) {
                return Err(Error::invalid_input(
                    "the password or token contains CR, LF or NUL, which IMAP cannot send (a \
                     line break read from a file along with it is the usual cause)",
                ));
            }
        } else {
            check_no_crlf(s, "a command argument")?;
        }
        self.sep("");
        if s.is_ascii() {
            let q = quote(s);
            self.push_text(&q);
            self.log
                .push_str(if secret { "\"<redacted>\"" } else { &q });
        } else {
            self.pieces.push(Piece::Literal(s.as_bytes().to_vec()));
            if secret {
                self.log.push_str("{<redacted>}");
            } else {
                self.log.push_str(&format!("{{{}}}{s}", s.len()));
            }
        }
        Ok(self)
    }

    /// Appends a mailbox name, encoded to modified UTF-7 and quoted.
    pub(crate) fn mailbox(self, name: &str) -> Result<Self> {
        check_mailbox_name(name)?;
        let encoded = crate::message::encoding::encode_mailbox_name(name);
        Ok(self.raw(&quote(&encoded)))
    }

    /// Appends a literal of arbitrary bytes (APPEND content).
    pub(crate) fn literal(mut self, data: Vec<u8>) -> Self {
        self.sep("");
        self.log.push_str(&format!("{{{} bytes}}", data.len()));
        self.pieces.push(Piece::Literal(data));
        self
    }

    /// Whether any piece is a literal (they need CHARSET on SEARCH).
    pub(crate) fn has_literal(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Literal(_)))
    }
}

/// Quotes `s` as an IMAP quoted string (caller has checked for CR/LF/NUL).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Refuses CR, LF and NUL, which no IMAP string can carry.
pub(crate) fn check_no_crlf(s: &str, what: &str) -> Result<()> {
    if s.contains(['\r', '\n', '\0']) {
        return Err(Error::invalid_input(format!(
            "{what} must not contain CR, LF or NUL: {s:?}"
        )));
    }
    Ok(())
}

/// Checks a mailbox name before anything is sent.
pub(crate) fn check_mailbox_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input("a mailbox name must not be empty"));
    }
    check_no_crlf(name, "a mailbox name")
}

/// Checks a keyword (custom flag): an IMAP atom without `\`.
pub(crate) fn check_keyword(k: &str) -> Result<()> {
    let ok = !k.is_empty()
        && k.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "{k:?} is not a valid keyword: use printable ASCII without spaces or ( ) {{ % * \" \\ ]"
        )))
    }
}

/// A set of UIDs, sent compressed (`1:500,502`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UidSet {
    /// Sorted, non-overlapping inclusive ranges; `u32::MAX` as an end means `*`.
    ranges: Vec<(u32, u32)>,
}

impl UidSet {
    /// Every message in the mailbox (`1:*`).
    pub fn all() -> Self {
        UidSet {
            ranges: vec![(1, u32::MAX)],
        }
    }

    /// The UIDs from `first` to `last` inclusive.
    pub fn range(first: u32, last: u32) -> Self {
        let (a, b) = if first <= last {
            (first, last)
        } else {
            (last, first)
        };
        UidSet {
            ranges: vec![(a.max(1), b.max(1))],
        }
    }

    /// UIDs from `first` to the highest one (`first:*`).
    pub fn from_uid(first: u32) -> Self {
        UidSet {
            ranges: vec![(first.max(1), u32::MAX)],
        }
    }

    /// Whether the set holds no UID.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The number of UIDs, or `None` when the set is open-ended (`n:*`).
    pub fn len(&self) -> Option<usize> {
        let mut n = 0usize;
        for &(a, b) in &self.ranges {
            if b == u32::MAX {
                return None;
            }
            n += (b - a) as usize + 1;
        }
        Some(n)
    }

    /// Whether `uid` is in the set.
    pub fn contains(&self, uid: u32) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= uid && uid <= b)
    }

    /// The UIDs in ascending order (`None` for open-ended sets).
    pub fn to_vec(&self) -> Option<Vec<u32>> {
        self.len()?;
        Some(self.ranges.iter().flat_map(|&(a, b)| a..=b).collect())
    }

    /// The set in IMAP syntax, split into pieces of at most `max_len` characters.
    pub(crate) fn to_imap_chunks(&self, max_len: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for &(a, b) in &self.ranges {
            let item = match (a == b, b == u32::MAX) {
                (_, true) => format!("{a}:*"),
                (true, false) => a.to_string(),
                (false, false) => format!("{a}:{b}"),
            };
            if !cur.is_empty() && cur.len() + 1 + item.len() > max_len {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(',');
            }
            cur.push_str(&item);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// The set in IMAP syntax on one line.
    pub(crate) fn to_imap(&self) -> String {
        self.to_imap_chunks(usize::MAX).join(",")
    }
}

impl FromIterator<u32> for UidSet {
    fn from_iter<I: IntoIterator<Item = u32>>(uids: I) -> Self {
        let mut v: Vec<u32> = uids.into_iter().filter(|&u| u > 0).collect();
        v.sort_unstable();
        v.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for u in v {
            match ranges.last_mut() {
                Some((_, b)) if *b + 1 == u => *b = u,
                _ => ranges.push((u, u)),
            }
        }
        UidSet { ranges }
    }
}

impl From<u32> for UidSet {
    fn from(uid: u32) -> Self {
        UidSet::from_iter([uid])
    }
}

impl From<Vec<u32>> for UidSet {
    fn from(uids: Vec<u32>) -> Self {
        UidSet::from_iter(uids)
    }
}

impl From<&[u32]> for UidSet {
    fn from(uids: &[u32]) -> Self {
        UidSet::from_iter(uids.iter().copied())
    }
}

impl From<&Vec<u32>> for UidSet {
    fn from(uids: &Vec<u32>) -> Self {
        UidSet::from_iter(uids.iter().copied())
    }
}

impl<const N: usize> From<[u32; N]> for UidSet {
    fn from(uids: [u32; N]) -> Self {
        UidSet::from_iter(uids)
    }
}

impl From<std::ops::RangeInclusive<u32>> for UidSet {
    fn from(r: std::ops::RangeInclusive<u32>) -> Self {
        UidSet::range(*r.start(), *r.end())
    }
}

impl std::fmt::Display for UidSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_imap())
    }
}

/// The longest UID set text put on one command line.
pub(crate) const MAX_SET_LEN: usize = 4000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_compress_and_split() {
        let s = UidSet::from(vec![5, 1, 2, 3, 3, 7, 8, 10]);
        assert_eq!(s.to_imap(), "1:3,5,7:8,10");
        assert_eq!(s.len(), Some(7));
        assert!(s.contains(8) && !s.contains(9));
        assert_eq!(UidSet::all().to_imap(), "1:*");
        let many: UidSet = (1..5000).map(|i| i * 2).collect();
        let chunks = many.to_imap_chunks(100);
        assert!(chunks.len() > 10 && chunks.iter().all(|c| c.len() <= 100));
        let back: Vec<u32> = chunks
            .iter()
            .flat_map(|c| c.split(',').map(|x| x.parse::<u32>().unwrap()))
            .collect();
        assert_eq!(back, many.to_vec().unwrap());
    }

    #[test]
    fn strings_are_quoted_or_refused() {
        let c = Command::new("X").string(r#"a "b" \c"#).unwrap();
        assert_eq!(c.log, r#"X "a \"b\" \\c""#);
        assert!(Command::new("X").string("a\r\nb").is_err());
        assert!(check_mailbox_name("In\nbox").is_err());
        assert!(check_keyword("$Label1").is_ok());
        assert!(check_keyword("bad word").is_err());
        let c = Command::new("LOGIN")
            .string("u")
            .unwrap()
            .secret("pässword")
            .unwrap();
        assert!(!c.log.contains("pässword"));
        assert!(c.has_literal());
        for secret in ["Secret-Pw-5521\n", "Secret\r\nPw-5521", "Secret\0Pw-5521"] {
            let err = Command::new("LOGIN")
                .string("u")
                .and_then(|c| c.secret(secret))
                .unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains("Secret") && !shown.contains("5521"),
                "{shown}"
            );
            assert!(shown.contains("CR, LF or NUL"), "{shown}");
        }
    }
}
