//! Fuzz entry points for the decoders of IMAP server data and for search serialisation.
//!
//! Not part of the API: the `fuzz/` crate's targets call these, and
//! `core/tests/fuzz_regressions_imap.rs` replays the saved inputs through them on stable.
//! Each function accepts any bytes and panics only when a property is violated.

use crate::imap::command::{Command, UidSet};
use crate::imap::SearchQuery;
use crate::message::encoding::{decode_mailbox_name, decode_param_value, decode_words};
use crate::ErrorKind;

/// Modified UTF-7 mailbox names: decoding never panics; the encoding of a decoded name is
/// printable ASCII and decodes back to that name; any UTF-8 name survives encode → decode.
pub fn mutf7(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let decoded = decode_mailbox_name(&raw);
    let encoded = crate::message::encoding::encode_mailbox_name(&decoded);
    assert!(
        encoded.bytes().all(|b| (b' '..=b'~').contains(&b)),
        "encoding is not printable ASCII: {encoded:?}"
    );
    assert_eq!(
        decode_mailbox_name(&encoded),
        decoded,
        "encode(decode(x)) does not decode back; encoded {encoded:?}"
    );
    if let Ok(name) = std::str::from_utf8(data) {
        let encoded = crate::message::encoding::encode_mailbox_name(name);
        assert_eq!(decode_mailbox_name(&encoded), name, "via {encoded:?}");
    }
}

/// How much longer than its input a decoded header or parameter value may be. One byte
/// becomes at most one character of at most 3 UTF-8 bytes (U+FFFD, `€` from windows-1252, …);
/// but a byte that is not UTF-8 inside an encoded word is first replaced by U+FFFD, whose 3
/// bytes are then each decoded in the word's charset (`=?windows-1252?Q?\xff?=` gives
/// `ï¿½`): 3 × 3.
const MAX_GROWTH: usize = 9;

/// BODYSTRUCTURE filenames and envelope subjects. The input is lines: the first is the
/// parameter name to look up, the others `key=value` parameters; the whole input is also
/// decoded as an encoded-word header value. Decoding never panics, and the output is at most
/// `MAX_GROWTH` times the input. Text without `=?` comes through unchanged.
pub fn bodystructure_names(data: &[u8]) {
    let subject = decode_words(data);
    assert!(
        subject.len() <= MAX_GROWTH * data.len(),
        "decode_words: {} bytes from {}",
        subject.len(),
        data.len()
    );
    if let Ok(text) = std::str::from_utf8(data) {
        if !text.contains("=?") {
            assert_eq!(subject, text, "text without encoded words was changed");
        }
    }

    let mut lines = data.split(|&b| b == b'\n');
    let name = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let params: Vec<(String, String)> = lines
        .map(|line| {
            let (k, v) = match line.iter().position(|&b| b == b'=') {
                Some(eq) => (&line[..eq], &line[eq + 1..]),
                None => (line, &[][..]),
            };
            (
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect();
    let values: usize = params.iter().map(|(_, v)| v.len()).sum();
    for wanted in [name.as_str(), "filename", "name"] {
        let Some(value) = decode_param_value(&params, wanted) else {
            continue;
        };
        assert!(
            value.len() <= MAX_GROWTH * values,
            "decode_param_value({wanted:?}): {} bytes from {values}",
            value.len()
        );
    }
}

/// UID sets: parsing never panics; a parsed set never holds 0, is sorted with ranges kept as
/// ranges, prints and parses back to itself, and counts its members without expanding them.
pub fn uid_set(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let set = match text.parse::<UidSet>() {
        Ok(set) => set,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
            return;
        }
    };
    assert!(!set.is_empty(), "{text:?} parsed to an empty set");
    assert!(!set.contains(0), "{text:?} holds 0");
    let ranges = set.ranges();
    // Never more ranges than items written: nothing was expanded.
    assert!(ranges.len() <= text.split(',').count());
    let mut expected = Some(0u64);
    for (i, &(a, b)) in ranges.iter().enumerate() {
        assert!(1 <= a && a <= b, "{text:?}: range {a}:{b}");
        if let Some(&(next, _)) = ranges.get(i + 1) {
            assert!(
                u64::from(b) + 1 < u64::from(next),
                "{text:?}: ranges {a}:{b} and {next} overlap or touch"
            );
        }
        if b == u32::MAX {
            expected = None;
        }
        expected = expected.map(|n| n + u64::from(b - a) + 1);
    }
    let len = std::hint::black_box(&set).len();
    assert_eq!(len.map(|n| n as u64), expected, "{text:?}");
    // count() counts an open end up to u32::MAX.
    let counted: u64 = ranges.iter().map(|&(a, b)| u64::from(b - a) + 1).sum();
    assert_eq!(set.count(), counted, "{text:?}");

    let printed = set.to_imap();
    let again: UidSet = printed
        .parse()
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(again, set, "{text:?} printed as {printed:?}");
    assert_eq!(again.to_imap(), printed);
    for chunk in set.to_imap_chunks(40).expect("a parsed set has no 0") {
        assert!(chunk.parse::<UidSet>().is_ok(), "chunk {chunk:?}");
    }
}

/// Reads a [`SearchQuery`] out of fuzz bytes.
struct Reader<'a> {
    data: &'a [u8],
    nodes: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.data.split_first().unwrap_or((&0, &[]));
        self.data = rest;
        b
    }

    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// Any text: the bytes up to the next 0xFF (which UTF-8 never contains), decoded lossily.
    fn string(&mut self) -> String {
        let end = self
            .data
            .iter()
            .position(|&b| b == 0xFF)
            .unwrap_or(self.data.len());
        let s = String::from_utf8_lossy(&self.data[..end]).into_owned();
        self.data = self.data.get(end + 1..).unwrap_or_default();
        s
    }

    fn date(&mut self) -> chrono::NaiveDate {
        // Days since 1 Jan of year 1, from year -2700 to 43000: valid dates and not.
        let n = i32::from_be_bytes([0, self.byte(), self.byte(), self.byte()]) - 1_000_000;
        chrono::NaiveDate::from_num_days_from_ce_opt(n).unwrap_or_default()
    }

    fn uid_set(&mut self) -> UidSet {
        match self.byte() % 5 {
            0 => UidSet::all(),
            1 => UidSet::range(self.u32(), self.u32()),
            2 => UidSet::from_uid(self.u32()),
            3 => {
                let n = self.byte() % 8;
                (0..n).map(|_| self.u32()).collect()
            }
            _ => UidSet::default(),
        }
    }

    fn query(&mut self, depth: u32) -> SearchQuery {
        use SearchQuery as Q;
        self.nodes += 1;
        let nested = depth < 6 && self.nodes < 64;
        match self.byte() % 34 {
            0 => Q::All,
            1 => Q::Seen,
            2 => Q::Unseen,
            3 => Q::Flagged,
            4 => Q::Unflagged,
            5 => Q::Answered,
            6 => Q::Unanswered,
            7 => Q::Deleted,
            8 => Q::Undeleted,
            9 => Q::Draft,
            10 => Q::From(self.string()),
            11 => Q::To(self.string()),
            12 => Q::Cc(self.string()),
            13 => Q::Bcc(self.string()),
            14 => Q::Subject(self.string()),
            15 => Q::Body(self.string()),
            16 => Q::Text(self.string()),
            17 => Q::Since(self.date()),
            18 => Q::Before(self.date()),
            19 => Q::On(self.date()),
            20 => Q::SentSince(self.date()),
            21 => Q::SentBefore(self.date()),
            22 => Q::Larger(self.u32()),
            23 => Q::Smaller(self.u32()),
            24 => Q::Uid(self.uid_set()),
            25 => Q::Keyword(self.string()),
            26 => Q::Unkeyword(self.string()),
            27 => Q::Header(self.string(), self.string()),
            28 => Q::ModSeq(u64::from(self.u32()) << 32 | u64::from(self.u32())),
            29 if nested => {
                let n = self.byte() % 5;
                Q::And((0..n).map(|_| self.query(depth + 1)).collect())
            }
            30 if nested => Q::Or(
                Box::new(self.query(depth + 1)),
                Box::new(self.query(depth + 1)),
            ),
            31 if nested => Q::Not(Box::new(self.query(depth + 1))),
            32 | 33 => Q::Raw(self.string()),
            _ => Q::All,
        }
    }
}

/// Scans `wire` (one command, tag first) as a server's tokenizer would and panics unless it is
/// one command line: every quoted string closed with only `\"` and `\\` escapes, every
/// literal announced as `{n}`/`{n+}` followed by CRLF and exactly `n` bytes (and there are
/// `literals` of them), parentheses balanced, tokens separated by spaces, no NUL, and CR/LF
/// only after literal announcements and at the very end.
fn check_command_line(wire: &[u8], literals: usize, literal_plus: bool) {
    let show = || String::from_utf8_lossy(wire).into_owned();
    let mut i = wire
        .iter()
        .position(|&b| b == b' ')
        .unwrap_or_else(|| panic!("no tag: {:?}", show()))
        + 1;
    let mut depth = 0usize;
    let mut found = 0;
    // A token just ended: the next byte must be a space, `)` or the end.
    let mut need_gap = false;
    loop {
        let Some(&c) = wire.get(i) else {
            panic!("no CRLF at the end: {:?}", show());
        };
        match c {
            b'\r' => {
                assert_eq!(&wire[i..], b"\r\n", "CR before the end: {:?}", show());
                assert_eq!(depth, 0, "unbalanced parentheses: {:?}", show());
                assert_eq!(found, literals, "literal count: {:?}", show());
                return;
            }
            b'\n' => panic!("bare LF: {:?}", show()),
            0 => panic!("NUL: {:?}", show()),
            b' ' => {
                need_gap = false;
                i += 1;
            }
            b')' => {
                depth = depth
                    .checked_sub(1)
                    .unwrap_or_else(|| panic!("unbalanced ): {:?}", show()));
                need_gap = true;
                i += 1;
            }
            _ if need_gap => panic!("tokens not separated at byte {i}: {:?}", show()),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b'"' => {
                i += 1;
                loop {
                    match wire.get(i) {
                        None | Some(b'\r' | b'\n' | 0) => {
                            panic!("quoted string not closed: {:?}", show())
                        }
                        Some(b'"') => break,
                        Some(b'\\') => {
                            assert!(
                                matches!(wire.get(i + 1), Some(b'"' | b'\\')),
                                "bad escape in a quoted string: {:?}",
                                show()
                            );
                            i += 2;
                        }
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                need_gap = true;
            }
            b'{' => {
                let close = wire[i..]
                    .iter()
                    .position(|&b| b == b'}')
                    .unwrap_or_else(|| panic!("{{ without }}: {:?}", show()))
                    + i;
                let inside = &wire[i + 1..close];
                let digits = match inside.strip_suffix(b"+") {
                    Some(d) => {
                        assert!(literal_plus, "{{n+}} without LITERAL+: {:?}", show());
                        d
                    }
                    None => inside,
                };
                assert!(
                    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
                    "bad literal announcement: {:?}",
                    show()
                );
                let n: usize = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse().ok())
                    .unwrap_or_else(|| panic!("literal size: {:?}", show()));
                assert_eq!(
                    wire.get(close + 1..close + 3),
                    Some(&b"\r\n"[..]),
                    "literal announcement not followed by CRLF: {:?}",
                    show()
                );
                let start = close + 3;
                let body = wire
                    .get(start..start + n)
                    .unwrap_or_else(|| panic!("literal shorter than announced: {:?}", show()));
                assert!(!body.contains(&0), "NUL in a literal: {:?}", show());
                found += 1;
                i = start + n;
                need_gap = true;
            }
            _ => {
                // An atom (or a number, date or UID set): up to a delimiter.
                while let Some(&b) = wire.get(i) {
                    if matches!(b, b' ' | b'(' | b')' | b'"' | b'{' | b'\r' | b'\n' | 0) {
                        break;
                    }
                    i += 1;
                }
                need_gap = true;
            }
        }
    }
}

/// Search serialisation: a query with any text in every field is either refused with
/// `InvalidInput` or becomes exactly one well-formed command line (see
/// `check_command_line`), with and without LITERAL+, and the trace line has no CR or LF.
pub fn search_serialise(data: &[u8]) {
    let query = Reader { data, nodes: 0 }.query(0);
    for verb in ["UID SEARCH", "UID SEARCH CHARSET UTF-8"] {
        let cmd = match query.write(Command::new(verb)) {
            Ok(cmd) => cmd,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
                return;
            }
        };
        assert!(!cmd.log.contains(['\r', '\n']), "trace: {:?}", cmd.log);
        let literals = cmd
            .pieces
            .iter()
            .filter(|p| matches!(p, crate::imap::command::Piece::Literal(_)))
            .count();
        for literal_plus in [false, true] {
            check_command_line(&cmd.wire_bytes("A1", literal_plus), literals, literal_plus);
        }
    }
}

/// The IMAP response stream: framing and parsing of a server's bytes, fed in reads of a size
/// chosen by the first byte; nothing may panic and framing must not depend on read sizes.
pub use crate::imap::wire::fuzz_stream as imap_stream;

/// Frames and parses a response stream handed over in reads of a given size (measurement).
pub use crate::imap::wire::frame_and_parse;
