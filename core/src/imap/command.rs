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

    /// Writes the separating space, except after `(` and before `)`. Decided on the bytes
    /// sent, not on the trace: a literal whose text ends in `(` still needs its space.
    fn sep(&mut self, next: &str) {
        let after_open = matches!(self.pieces.last(), Some(Piece::Text(t)) if t.ends_with(b"("));
        if after_open || next.starts_with(')') {
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

    /// The bytes of the whole command as they go on the wire: `tag`, the pieces, each literal
    /// announced as `{n}` (or `{n+}` with LITERAL+) followed by CRLF and its bytes, and the
    /// final CRLF. The continuation requests a synchronising literal waits for are not part
    /// of it; this is what the fuzz targets check.
    pub(crate) fn wire_bytes(&self, tag: &str, literal_plus: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(tag.as_bytes());
        out.push(b' ');
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.extend_from_slice(t),
                Piece::Literal(data) => {
                    let plus = if literal_plus { "+" } else { "" };
                    out.extend_from_slice(format!("{{{}{plus}}}\r\n", data.len()).as_bytes());
                    out.extend_from_slice(data);
                }
            }
        }
        out.extend_from_slice(b"\r\n");
        out
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
///
/// Every constructor keeps what it is given, UID 0 included, so a caller's mistake is not
/// silently dropped: a command given a set holding 0 fails with
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) before anything is sent, the same in every
/// language. [`FromStr`](std::str::FromStr) refuses 0 at once.
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
            ranges: vec![(a, b)],
        }
    }

    /// UIDs from `first` to the highest one (`first:*`).
    pub fn from_uid(first: u32) -> Self {
        UidSet {
            ranges: vec![(first, u32::MAX)],
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

    /// Builds a set from inclusive `(first, last)` ranges in any order (each may be given
    /// backwards), merging overlaps. Ranges stay ranges: nothing is expanded, so a server's
    /// `1:4294967295` costs one entry.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u32, u32)>) -> Self {
        Self::merge(
            ranges
                .into_iter()
                .map(|(a, b)| if a <= b { (a, b) } else { (b, a) })
                .collect(),
        )
    }

    /// A set from ranges a server sent (COPYUID, VANISHED, …): UID 0, which no message has,
    /// is left out rather than kept for a later command to refuse.
    pub(crate) fn from_server_ranges(ranges: impl IntoIterator<Item = (u32, u32)>) -> Self {
        Self::from_ranges(
            ranges
                .into_iter()
                .filter(|&(a, b)| a.max(b) > 0)
                .map(|(a, b)| {
                    let (a, b) = if a <= b { (a, b) } else { (b, a) };
                    (a.max(1), b)
                }),
        )
    }

    /// Whether a server may answer a command on this set with `uid`. A set ending in `*`
    /// (`n:*`, or `*` alone) stands for the mailbox's highest UID as well, even when that is
    /// below `n` (`*` is the highest UID, RFC 9051 §6.4.8), which the client cannot check:
    /// every UID is taken then. Otherwise only the set's own UIDs.
    pub(crate) fn may_answer(&self, uid: u32) -> bool {
        self.contains(uid) || self.ranges.last().is_some_and(|&(_, b)| b == u32::MAX)
    }

    /// Whether the set holds UID 0, which no message has.
    pub fn has_zero(&self) -> bool {
        self.ranges.first().is_some_and(|&(a, _)| a == 0)
    }

    fn merge(mut v: Vec<(u32, u32)>) -> Self {
        v.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                Some((_, last)) if a <= last.saturating_add(1) => *last = (*last).max(b),
                _ => out.push((a, b)),
            }
        }
        UidSet { ranges: out }
    }

    /// The number of UIDs, counting an open end (`n:*`) up to `u32::MAX`. Never allocates.
    pub fn count(&self) -> u64 {
        self.ranges.iter().map(|&(a, b)| u64::from(b - a) + 1).sum()
    }

    /// The ranges, ascending and disjoint, as inclusive `(first, last)`; a `last` of
    /// `u32::MAX` means `*`.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// The UIDs in ascending order, produced one at a time (an open end runs to
    /// `u32::MAX`: bound the iteration yourself).
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }

    /// The UIDs of the set that are below `limit`.
    pub fn below(&self, limit: u32) -> UidSet {
        let ranges = self
            .ranges
            .iter()
            .filter(|&&(a, _)| a < limit)
            .map(|&(a, b)| (a, b.min(limit - 1)))
            .collect();
        UidSet { ranges }
    }

    /// Whether every UID of `self` is in `other`.
    pub fn is_subset(&self, other: &UidSet) -> bool {
        self.ranges
            .iter()
            .all(|&(a, b)| other.ranges.iter().any(|&(x, y)| x <= a && b <= y))
    }

    /// The set in IMAP syntax for a command, split into pieces of at most `max_len`
    /// characters; [`InvalidInput`](crate::ErrorKind::InvalidInput) when it holds UID 0.
    pub(crate) fn to_imap_chunks(&self, max_len: usize) -> Result<Vec<String>> {
        if self.has_zero() {
            return Err(Error::invalid_input(
                "UID 0 does not exist: UIDs start at 1",
            ));
        }
        Ok(self.chunks(max_len))
    }

    fn chunks(&self, max_len: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for &(a, b) in &self.ranges {
            let item = match (a == b, b == u32::MAX) {
                (true, true) => "*".to_string(),
                (false, true) => format!("{a}:*"),
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

    /// The set in IMAP syntax on one line (UID 0 included, for display).
    pub(crate) fn to_imap(&self) -> String {
        self.chunks(usize::MAX).join(",")
    }
}

impl FromIterator<u32> for UidSet {
    fn from_iter<I: IntoIterator<Item = u32>>(uids: I) -> Self {
        let mut v: Vec<u32> = uids.into_iter().collect();
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

impl std::str::FromStr for UidSet {
    type Err = Error;

    /// Parses the IMAP syntax: comma-separated UIDs and ranges (`5`, `1:5,7`, `10:*`, `*`),
    /// without spaces. A range may be written either way round (`5:1` is `1:5`); overlapping
    /// and adjacent items are merged. Ranges stay ranges: `1:4294967294` is one pair of
    /// numbers, never four billion. UID 0, an empty item, a sign, a space or a number above
    /// 4294967295 is [`InvalidInput`](crate::ErrorKind::InvalidInput). `*` is the highest UID
    /// in the mailbox; `4294967295` is read as `*` too.
    ///
    /// ```
    /// use mailwire::imap::UidSet;
    /// let set: UidSet = "7,1:5,10:*".parse().unwrap();
    /// assert_eq!(set.to_string(), "1:5,7,10:*");
    /// assert!("0".parse::<UidSet>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        /// The text may be long: its start only, quoted.
        fn shown(s: &str) -> String {
            let start: String = s.chars().take(40).collect();
            let more = if start.len() < s.len() { "…" } else { "" };
            format!("{start:?}{more}")
        }
        fn refuse(s: &str, why: &str) -> Error {
            Error::invalid_input(format!(
                "{} is not a UID set ({why}): write UIDs and ranges like 5, 1:5,7 or 10:*, \
                 without spaces; UIDs start at 1",
                shown(s)
            ))
        }
        fn uid(s: &str, item: &str) -> Result<u32> {
            if item == "*" {
                return Ok(u32::MAX);
            }
            if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refuse(s, &format!("{} is not a number or *", shown(item))));
            }
            match item.parse::<u32>() {
                Ok(0) => Err(refuse(s, "0 is not a UID")),
                Ok(n) => Ok(n),
                Err(_) => Err(refuse(s, "a UID is at most 4294967295")),
            }
        }
        if s.is_empty() {
            return Err(refuse(s, "it is empty"));
        }
        let ranges = s
            .split(',')
            .map(|item| match item.split_once(':') {
                Some((a, b)) => Ok((uid(s, a)?, uid(s, b)?)),
                None => uid(s, item).map(|a| (a, a)),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(UidSet::from_ranges(ranges))
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
        let chunks = many.to_imap_chunks(100).unwrap();
        assert!(chunks.len() > 10 && chunks.iter().all(|c| c.len() <= 100));
        let back: Vec<u32> = chunks
            .iter()
            .flat_map(|c| c.split(',').map(|x| x.parse::<u32>().unwrap()))
            .collect();
        assert_eq!(back, many.to_vec().unwrap());
    }

    // conformance: imap.uids.zero-invalid
    #[test]
    fn a_set_ending_in_star_may_be_answered_with_the_highest_uid() {
        let star: UidSet = "*".parse().unwrap();
        assert!(star.may_answer(2) && star.may_answer(u32::MAX));
        let from_five: UidSet = "5:*".parse().unwrap();
        assert!(
            from_five.may_answer(3),
            "5:* is 3:5 when 3 is the highest UID"
        );
        let finite: UidSet = "1:3,7".parse().unwrap();
        assert!(finite.may_answer(7) && !finite.may_answer(5) && !finite.may_answer(999));
    }

    #[test]
    fn uid_zero_is_kept_until_a_command_refuses_it() {
        for set in [
            UidSet::from(vec![0, 5]),
            UidSet::from(0),
            UidSet::range(0, 3),
            UidSet::from_uid(0),
            UidSet::from_ranges([(3, 0)]),
        ] {
            assert!(set.has_zero(), "{set}");
            let e = set.to_imap_chunks(MAX_SET_LEN).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            assert!(e.to_string().contains("UID 0"), "{e}");
        }
        // What a server sends is read without its zeros.
        let from_server = UidSet::from_server_ranges([(0, 0), (0, 3), (7, 7)]);
        assert_eq!(from_server.to_imap(), "1:3,7");
        assert!(UidSet::from(vec![1, 2]).to_imap_chunks(MAX_SET_LEN).is_ok());
    }

    // conformance: imap.uids.grammar
    #[test]
    fn uid_sets_parse_the_imap_grammar() {
        let p = |s: &str| s.parse::<UidSet>().map(|set| set.to_imap());
        assert_eq!(p("5").unwrap(), "5");
        assert_eq!(p("1:5,7").unwrap(), "1:5,7");
        assert_eq!(p("10:*").unwrap(), "10:*");
        assert_eq!(p("*").unwrap(), "*");
        assert_eq!(p("*:10").unwrap(), "10:*");
        // Either order, sorted, overlapping and adjacent items merged.
        assert_eq!(p("9:7,1,3:2,4").unwrap(), "1:4,7:9");
        assert_eq!(p("5,1:10,20:*,30").unwrap(), "1:10,20:*");
        assert_eq!(p("0007").unwrap(), "7");
        assert_eq!(p("4294967295").unwrap(), "*");
        let set: UidSet = "7,1:5".parse().unwrap();
        assert_eq!(set, UidSet::from(vec![1, 2, 3, 4, 5, 7]));
        assert!(set.contains(5) && !set.contains(6) && set.contains(7));
    }

    // conformance: imap.uids.grammar, imap.uids.zero-invalid
    #[test]
    fn uid_sets_refuse_zero_and_anything_else() {
        for bad in [
            "",
            "0",
            "0:5",
            "5:0",
            "1,0",
            ",",
            "1,",
            ",1",
            "1,,2",
            ":",
            "1:",
            ":5",
            "1:2:3",
            "-1",
            "+1",
            " 1",
            "1 ",
            "1, 2",
            "a",
            "1:a",
            "**",
            "4294967296",
            "99999999999",
            "1;2",
            "٣",
        ] {
            let err = bad.parse::<UidSet>().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
            assert!(err.message().contains("UIDs start at 1"), "{bad:?}: {err}");
        }
        let long = "x".repeat(10_000);
        let err = long.parse::<UidSet>().unwrap_err();
        assert!(err.message().len() < 300, "the whole input is echoed");
    }

    // conformance: imap.uids.ranges
    #[test]
    fn parsed_ranges_stay_ranges() {
        let set: UidSet = "1:4294967294".parse().unwrap();
        assert_eq!(set.len(), Some(4_294_967_294));
        assert_eq!(set.ranges(), &[(1, 4_294_967_294)]);
        let set: UidSet = "4294967294:1,1:*".parse().unwrap();
        assert_eq!(set.len(), None);
        assert_eq!(set.to_imap(), "1:*");
        assert_eq!(set.to_imap().parse::<UidSet>().unwrap(), set);
    }

    #[test]
    fn wire_bytes_announce_literals() {
        let c = Command::new("UID SEARCH")
            .raw("SUBJECT")
            .string("é(")
            .unwrap()
            .raw("SEEN");
        // The literal ends in "(": the space before the next key is still sent.
        assert_eq!(
            c.wire_bytes("A1", false),
            b"A1 UID SEARCH SUBJECT {3}\r\n\xc3\xa9( SEEN\r\n"
        );
        assert_eq!(
            c.wire_bytes("A1", true),
            b"A1 UID SEARCH SUBJECT {3+}\r\n\xc3\xa9( SEEN\r\n"
        );
        let c = Command::new("X").raw("(").raw("A").raw(")");
        assert_eq!(c.wire_bytes("t", false), b"t X (A)\r\n");
    }

    // conformance: input.line-breaks
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
