//! ESEARCH responses (RFC 4731, RFC 9051 §7.3.4), which imap-proto does not parse: the UIDs
//! of `UID SEARCH RETURN (ALL) …` arrive as ranges (`ALL 1:5000,5002`) and stay ranges.
//!
//! The framer ([`super::wire::Framer::parse`]) hands every `* ESEARCH` response here
//! before imap-proto sees it; the caller that asked for it takes the result with
//! [`Connection::take_esearch`](super::connection::Connection::take_esearch).

use super::command::UidSet;
use crate::error::{Error, Result};

/// One ESEARCH response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Esearch {
    /// The tag of the command it answers (`(TAG "A5")`), if the server said.
    pub(crate) tag: Option<String>,
    /// Whether the numbers are UIDs (`UID`), not sequence numbers.
    pub(crate) uid: bool,
    /// `ALL`: every match, as ranges; empty when nothing matched (the server then leaves
    /// `ALL` out).
    pub(crate) all: UidSet,
    /// `COUNT`, when returned.
    pub(crate) count: Option<u32>,
}

/// `Some` when `frame` (one complete response line, CRLF included) is an ESEARCH response:
/// its content, or a protocol error when it is malformed. `None` for anything else.
pub(crate) fn parse(frame: &[u8]) -> Option<Result<Esearch>> {
    let rest = frame.strip_prefix(b"* ")?;
    if rest.len() < 7 || !rest[..7].eq_ignore_ascii_case(b"ESEARCH") {
        return None;
    }
    let rest = &rest[7..];
    if !matches!(rest.first(), None | Some(b' ' | b'\r' | b'\n')) {
        return None;
    }
    Some(parse_body(rest).map_err(|why| {
        let shown = String::from_utf8_lossy(&frame[..frame.len().min(200)]);
        Error::protocol(format!(
            "the IMAP server sent a malformed ESEARCH response ({why})"
        ))
        .with_server_text(shown.trim_end().escape_debug().to_string())
    }))
}

fn parse_body(body: &[u8]) -> std::result::Result<Esearch, &'static str> {
    let line = body
        .strip_suffix(b"\r\n")
        .or_else(|| body.strip_suffix(b"\n"))
        .unwrap_or(body);
    let mut p = Cursor { s: line, i: 0 };
    let mut out = Esearch::default();
    p.space();
    if p.peek() == Some(b'(') {
        // search-correlator: ( TAG tag-string )
        p.i += 1;
        let word = p.atom();
        if !word.eq_ignore_ascii_case(b"TAG") {
            return Err("a correlator other than TAG");
        }
        p.space();
        out.tag = Some(p.string()?);
        if p.peek() != Some(b')') {
            return Err("an unclosed correlator");
        }
        p.i += 1;
    }
    loop {
        p.space();
        if p.done() {
            break;
        }
        let name = p.atom().to_ascii_uppercase();
        match name.as_slice() {
            b"" => return Err("an unexpected character"),
            b"UID" => out.uid = true,
            b"ALL" => {
                p.space();
                out.all = sequence_set(p.atom())?;
            }
            b"COUNT" => {
                p.space();
                out.count = Some(number(p.atom())?);
            }
            b"MIN" | b"MAX" => {
                p.space();
                number(p.atom())?;
            }
            _ => {
                // An extension's return data: skip its value (a token or a parenthesised
                // list).
                p.space();
                p.skip_value()?;
            }
        }
    }
    Ok(out)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn space(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    /// Characters up to a space or a parenthesis.
    fn atom(&mut self) -> &[u8] {
        let start = self.i;
        while let Some(b) = self.peek() {
            if matches!(b, b' ' | b'(' | b')' | b'"') {
                break;
            }
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// A quoted string or an atom.
    fn string(&mut self) -> std::result::Result<String, &'static str> {
        if self.peek() != Some(b'"') {
            let a = self.atom();
            if a.is_empty() {
                return Err("an empty tag");
            }
            return Ok(String::from_utf8_lossy(a).into_owned());
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err("an unterminated quoted string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(b) = self.peek() else {
                        return Err("an unterminated quoted string");
                    };
                    out.push(b);
                    self.i += 1;
                }
                Some(b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    /// A token, a quoted string or a balanced parenthesised list.
    fn skip_value(&mut self) -> std::result::Result<(), &'static str> {
        match self.peek() {
            Some(b'(') => {
                let mut depth = 0usize;
                loop {
                    match self.peek() {
                        None => return Err("unbalanced parentheses"),
                        Some(b'(') => {
                            depth += 1;
                            self.i += 1;
                        }
                        Some(b')') => {
                            depth -= 1;
                            self.i += 1;
                            if depth == 0 {
                                return Ok(());
                            }
                        }
                        Some(b'"') => {
                            self.string()?;
                        }
                        Some(_) => self.i += 1,
                    }
                }
            }
            Some(b'"') => self.string().map(|_| ()),
            _ => {
                if self.atom().is_empty() {
                    return Err("return data without a value");
                }
                Ok(())
            }
        }
    }
}

fn number(s: &[u8]) -> std::result::Result<u32, &'static str> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return Err("a number that is not one");
    }
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or("a number above 4294967295")
}

/// `1:5,7,10:12` as ranges. `*` has no place in a server's answer.
fn sequence_set(s: &[u8]) -> std::result::Result<UidSet, &'static str> {
    if s.is_empty() {
        return Err("ALL without a set");
    }
    let mut ranges = Vec::new();
    for item in s.split(|&b| b == b',') {
        let mut ends = item.splitn(2, |&b| b == b':');
        let a = number(ends.next().unwrap_or_default())?;
        let b = match ends.next() {
            Some(b) => number(b)?,
            None => a,
        };
        if a == 0 || b == 0 {
            return Err("UID 0 in a set");
        }
        ranges.push((a, b));
    }
    Ok(UidSet::from_ranges(ranges))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Esearch {
        parse(s.as_bytes())
            .expect("an ESEARCH")
            .expect("well-formed")
    }

    #[test]
    fn uid_all_stays_ranges() {
        let e = ok("* ESEARCH (TAG \"A5\") UID ALL 1:3,5,4294967295:7\r\n");
        assert_eq!(e.tag.as_deref(), Some("A5"));
        assert!(e.uid);
        assert_eq!(e.all.ranges(), &[(1, 3), (5, 5), (7, 4294967295)]);
        // A server's whole range costs one entry.
        let e = ok("* esearch UID ALL 1:4294967295 COUNT 9\r\n");
        assert_eq!(e.all.count(), 4294967295);
        assert_eq!(e.count, Some(9));
    }

    #[test]
    fn nothing_matched_leaves_all_out() {
        let e = ok("* ESEARCH (TAG \"A7\") UID\r\n");
        assert!(e.uid && e.all.is_empty());
        let e = ok("* ESEARCH\r\n");
        assert!(!e.uid && e.all.is_empty() && e.tag.is_none());
    }

    #[test]
    fn extension_data_is_skipped() {
        let e = ok("* ESEARCH (TAG \"a\\\"b\") UID MODSEQ 917 X-THING (1 (\"two)\" 3)) ALL 4 MIN 4 MAX 4\r\n");
        assert_eq!(e.tag.as_deref(), Some("a\"b"));
        assert_eq!(e.all.ranges(), &[(4, 4)]);
    }

    #[test]
    fn other_responses_are_not_esearch() {
        for s in [
            "* SEARCH 1 2\r\n",
            "* ESEARCHX 1\r\n",
            "A1 OK ESEARCH\r\n",
            "* OK\r\n",
        ] {
            assert!(parse(s.as_bytes()).is_none(), "{s}");
        }
    }

    #[test]
    fn malformed_esearch_is_a_protocol_error() {
        for s in [
            "* ESEARCH UID ALL\r\n",
            "* ESEARCH UID ALL 1:*\r\n",
            "* ESEARCH UID ALL 0:3\r\n",
            "* ESEARCH UID ALL 1:99999999999\r\n",
            "* ESEARCH (TAG \"A1\" UID\r\n",
            "* ESEARCH (FOO 1) UID\r\n",
            "* ESEARCH UID X (1 2\r\n",
            "* ESEARCH UID COUNT x\r\n",
            "* ESEARCH UID )\r\n",
        ] {
            let e = parse(s.as_bytes()).expect("an ESEARCH").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Protocol, "{s}");
        }
    }
}
