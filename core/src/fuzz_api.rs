//! Entry points for the fuzz targets in `fuzz/` and for the regression tests that replay what
//! they found (`core/tests/fuzz_regressions.rs`). Not part of the public API.
//!
//! Each function takes arbitrary bytes and panics when a property of mailwire does not hold
//! for them — and never otherwise.

use futures_util::FutureExt as _;

use crate::error::ErrorKind;
use crate::message::address::is_valid_address;
use crate::message::encoding::{decode_words, encode_header_value};
use crate::message::headers::{is_blind, read_header_section, without_blind_fields};
use crate::message::{Address, Message, RawEnvelope};
use crate::smtp::{read_reply, DotStuffer};

/// Parses `data` as a message — which never fails — and checks the send preparations of
/// `send_mime` and `send_raw`: either they refuse the bytes with `InvalidInput`, or no blind
/// (`Bcc`) field or recipient can be read from the bytes the server receives.
#[doc(hidden)]
pub fn message_parse(data: &[u8]) {
    if let Err(e) = Message::parse(data) {
        panic!("Message::parse failed: {e:?}");
    }
    check_bcc_never_transmitted(data);
    check_raw_send(data);
}

/// Reads `data` as an autoconfig server's HTTP answer and, when that gives a document, the
/// document: both may refuse the bytes, never panic; every server found has a valid host
/// name and a port.
#[doc(hidden)]
pub fn autoconfig(data: &[u8]) {
    let Ok(Some(doc)) = crate::discover::autoconfig::parse_response(data) else {
        return;
    };
    if let Ok((imap, smtp)) = crate::discover::autoconfig::parse(&doc, "ann@example.org") {
        for s in imap.iter().chain(smtp.iter()) {
            assert!(crate::discover::valid_host(&s.host) && s.port > 0, "{s:?}");
        }
    }
}

/// Encodes the UTF-8-lossy text of `data` as a header value and decodes it again: the text
/// must come back unchanged, and the encoded form must be one header line's worth of
/// printable ASCII (folded with CRLF + space).
#[doc(hidden)]
pub fn header_roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let encoded = encode_header_value(&text);
    for line in encoded.split("\r\n") {
        assert!(
            line.bytes().all(|b| (0x20..0x7f).contains(&b)),
            "not printable ASCII: {encoded:?}"
        );
        assert!(
            !line.ends_with(' '),
            "a line ends in white space: {encoded:?}"
        );
    }
    assert!(
        encoded.split("\r\n").skip(1).all(|l| l.starts_with(' ')),
        "a folded line does not start with a space: {encoded:?}"
    );
    let unfolded = encoded.replace("\r\n", "");
    assert_eq!(
        decode_words(unfolded.as_bytes()),
        text,
        "encoded as {encoded:?}"
    );
}

/// Parses `data` as an address list (the strict parser, and the lenient one of received
/// mail): formatting never contains CR, LF or NUL, and format → parse gives the same address.
#[doc(hidden)]
pub fn address_roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut addresses: Vec<Address> = Vec::new();
    if let Ok(list) = Address::parse_list(&text) {
        for a in &list {
            let again = Address::parse(&a.to_string());
            assert_eq!(again.as_ref().ok(), Some(a), "{a:?} printed as {a}");
        }
        addresses.extend(list);
    }
    let mut raw = b"To: ".to_vec();
    raw.extend_from_slice(data);
    raw.extend_from_slice(b"\r\n\r\nbody\r\n");
    if let Ok(m) = Message::parse(&raw) {
        for a in &m.to {
            // A well-formed address read from mail prints as something the strict parser
            // reads back as the same address and name (anything goes in the name).
            if is_valid_address(&a.address) {
                assert_eq!(
                    Address::parse(&a.to_string()).ok().as_ref(),
                    Some(a),
                    "{a:?}"
                );
            }
        }
        addresses.extend(m.to);
    }
    for a in &addresses {
        let shown = a.to_string();
        assert!(
            !shown.contains(['\r', '\n', '\0']),
            "{a:?} is printed with CR, LF or NUL: {shown:?}"
        );
        if let Some(name) = &a.name {
            assert!(!name.contains(['\r', '\n', '\0']), "{a:?}");
        }
    }
}

/// Reads SMTP replies from `data` until the end or an error: never panics, and every reply
/// read has a code from 200 to 599.
#[doc(hidden)]
pub fn smtp_reply(data: &[u8]) {
    let mut input = data;
    loop {
        let before = input.len();
        let Some(result) = read_reply(&mut input).now_or_never() else {
            panic!("reading a reply from a byte slice did not complete at once");
        };
        match result {
            Ok(reply) => {
                assert!((200..600).contains(&reply.code), "{reply:?}");
                assert!(!reply.lines.is_empty(), "{reply:?}");
                let mut reply = reply;
                reply.withhold(&["secret".to_string()]);
                let _ = reply.to_error(ErrorKind::Rejected, "refused").to_string();
            }
            Err(_) => break,
        }
        if input.is_empty() || input.len() == before {
            break;
        }
    }
}

/// Dot-stuffs `data` (fed in pieces whose size comes from the first byte) and checks that the
/// result is CRLF lines, none of them a lone `.`, and that unstuffing gives back `data` with
/// every line break (CRLF, bare LF or bare CR) written as CRLF and a CRLF after a last line
/// that had none.
#[doc(hidden)]
pub fn dot_stuffing(data: &[u8]) {
    let piece = usize::from(data.first().copied().unwrap_or(0)) + 1;
    let stuffed = stuff(data, piece);
    assert_eq!(
        stuffed,
        stuff(data, usize::MAX),
        "depends on the piece size"
    );
    let mut lines = 0;
    let mut rest = &stuffed[..];
    while !rest.is_empty() {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or_else(|| panic!("output does not end with CRLF: {stuffed:?}"));
        let line = &rest[..end];
        assert!(
            !line.contains(&b'\r') && !line.contains(&b'\n'),
            "bare CR or LF in {line:?}"
        );
        assert_ne!(line, b".", "a lone dot would end the data early");
        lines += 1;
        rest = &rest[end + 2..];
    }
    let _ = lines;
    assert_eq!(unstuff(&stuffed), normalise_line_breaks(data));
}

/// The message data as the server stores it: stuffed for the wire, then unstuffed.
fn transmitted(data: &[u8]) -> Vec<u8> {
    unstuff(&stuff(data, usize::MAX))
}

fn stuff(data: &[u8], piece: usize) -> Vec<u8> {
    let mut s = DotStuffer::default();
    let mut out = Vec::with_capacity(data.len() + data.len() / 8 + 2);
    for p in data.chunks(piece.clamp(1, data.len().max(1))) {
        s.feed(p, &mut out);
    }
    s.finish(&mut out);
    out
}

/// Removes the transparency dot of every CRLF line that starts with `.` (RFC 5321 §4.5.2).
fn unstuff(stuffed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stuffed.len());
    let mut line_start = true;
    for (i, &b) in stuffed.iter().enumerate() {
        if !(line_start && b == b'.') {
            out.push(b);
        }
        line_start = b == b'\n' && i > 0 && stuffed[i - 1] == b'\r';
    }
    out
}

/// Every CRLF, bare CR and bare LF written as CRLF; a CRLF added after a last line without
/// one.
fn normalise_line_breaks(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The field names of the header section of `data` as the most lenient reader sees them:
/// lines split at CR, LF or CRLF, the section ending at the first empty line, and each name
/// with every space, control and non-ASCII byte dropped, in lower case.
fn lenient_field_names(data: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = match (rest.get(end), rest.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(_), _) => 1,
            (None, _) => 0,
        };
        rest = &rest[end + skip..];
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            continue;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name: String = line[..colon]
                .iter()
                .filter(|&&b| (0x21..0x7f).contains(&b))
                .map(|&b| char::from(b.to_ascii_lowercase()))
                .collect();
            names.push(name);
        }
    }
    names
}

/// Removes every byte up to and including space, for comparisons that ignore white space
/// and line breaks.
fn squeeze(data: &[u8]) -> Vec<u8> {
    data.iter()
        .filter(|&&b| b > b' ')
        .map(u8::to_ascii_lowercase)
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Neither the most lenient reader nor the parser of received mail finds a `Bcc` or
/// `Resent-Bcc` field in `received`.
fn assert_no_blind_field_received(received: &[u8]) {
    for name in lenient_field_names(received) {
        assert!(
            name != "bcc" && name != "resent-bcc",
            "a {name:?} field is transmitted: {:?}",
            String::from_utf8_lossy(received)
        );
    }
    // mail-parser on its own reads further than Message::parse (which ends the header
    // section at the first line that is not a field, as Python does): ask it too.
    if let Some(m) = mail_parser::MessageParser::default().parse(received) {
        assert!(m.bcc().is_none(), "mail-parser reads a Bcc: {:?}", m.bcc());
        assert!(
            !m.root_part().headers.iter().any(|h| {
                let name = h.name().trim();
                name.eq_ignore_ascii_case("bcc") || name.eq_ignore_ascii_case("resent-bcc")
            }),
            "mail-parser reads a blind field in {:?}",
            String::from_utf8_lossy(received)
        );
    }
    if let Ok(m) = Message::parse(received) {
        assert!(m.bcc.is_empty(), "transmitted Bcc {:?}", m.bcc);
        assert!(
            !m.headers.iter().any(|(n, _)| {
                n.eq_ignore_ascii_case("bcc") || n.eq_ignore_ascii_case("resent-bcc")
            }),
            "transmitted {:?}",
            m.headers
        );
    }
}

/// The Bcc property of `send_raw`'s preparation: the bytes are refused with
/// `InvalidInput`, or no blind field is read from what the server receives.
fn check_raw_send(raw: &[u8]) {
    match without_blind_fields(raw) {
        Ok(data) => assert_no_blind_field_received(&transmitted(&data)),
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e:?}"),
    }
}

/// The Bcc property of `send_mime`'s preparation: see [`message_parse`].
fn check_bcc_never_transmitted(raw: &[u8]) {
    let env = match RawEnvelope::from_message(raw) {
        Ok(env) => env,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e:?}");
            return;
        }
    };
    let received = transmitted(&env.data);
    assert_no_blind_field_received(&received);
    // 3. A recipient that only a blind field names is nowhere in the transmitted bytes,
    //    unless the input has it outside the blind fields too (comparing without white
    //    space and line breaks, and ignoring case).
    let section = match read_header_section(raw) {
        Ok(s) => s,
        Err(e) => panic!("from_message accepted what the header reader refuses: {e:?}"),
    };
    let mut visible = Vec::with_capacity(raw.len());
    let mut at = 0;
    for f in section.fields.iter().filter(|f| is_blind(f)) {
        visible.extend_from_slice(&raw[at..f.span.start]);
        at = f.span.end;
    }
    visible.extend_from_slice(&raw[at..]);
    let visible = squeeze(&visible);
    let received = squeeze(&received);
    for r in &env.recipients {
        let addr = squeeze(r.address.as_bytes());
        if !contains(&visible, &addr) {
            assert!(
                !contains(&received, &addr),
                "the blind recipient {:?} is in the transmitted bytes",
                r.address
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so the property tests are the same on
    /// every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    /// Header sections made of the pieces that confused readers before: names with control
    /// characters, bare CRs, folding, the blind address in several places.
    fn random_message(rng: &mut Rng) -> Vec<u8> {
        const NAMES: &[&[u8]] = &[
            b"From",
            b"To",
            b"Cc",
            b"Bcc",
            b"bcc",
            b"BCC",
            b"Bcc ",
            b"Bcc\t",
            b"Resent-Bcc",
            b"X-Bcc",
            b"Subject",
            b".Bcc",
        ];
        const ODD_NAMES: &[&[u8]] = &[
            b"B\x0ccc",
            b"B\x00cc",
            b"B\rcc",
            b"B\ncc",
            b"B cc",
            b"\x0cBcc",
            b"Bcc\x0b",
            b" Bcc",
            b"\tBcc",
            b"",
            b"B\xc3\xa4cc",
            b"B\x7fcc",
        ];
        const VALUES: &[&[u8]] = &[
            b" hidden@blind.example",
            b" <hidden@blind.example>",
            b" Hidden <hidden@blind.example>, other@x.org",
            b" a@x.org",
            b" b@x.org",
            b" =?utf-8?q?hidden=40blind=2Eexample?= <c@x.org>",
            b" x",
            b"",
            b" (hidden@blind.example) d@x.org",
            b" group: hidden@blind.example;",
            b" hidden@blind.example\rBcc: e@x.org",
        ];
        const BREAKS: &[&[u8]] = &[b"\r\n", b"\n"];
        const ODD_BREAKS: &[&[u8]] = &[b"\r", b"\r\r\n", b"\n\r", b"\x0c", b"\x00"];
        const CONTINUATIONS: &[&[u8]] = &[
            b" hidden@blind.example",
            b"\tmore",
            b" Bcc: hidden@blind.example",
            b"  ",
            b".",
        ];
        // Mostly well-formed, so that many messages reach the sending path; sometimes odd.
        let mut one_of = |common: &[&'static [u8]], odd: &[&'static [u8]]| {
            if rng.below(6) == 0 {
                rng.pick(odd)
            } else {
                rng.pick(common)
            }
        };
        let mut parts: Vec<&[u8]> = Vec::new();
        if one_of(&[b"y"], &[b"n"]) == b"y" {
            parts.push(b"From: a@x.org\r\nTo: b@x.org\r\n");
        }
        let fields = 1 + one_of(&[b"1", b"22", b"333"], &[b"4444444"]).len();
        for _ in 0..fields {
            parts.push(one_of(NAMES, ODD_NAMES));
            parts.push(one_of(&[b":"], &[b"", b" :", b"::"]));
            parts.push(one_of(VALUES, VALUES));
            parts.push(one_of(BREAKS, ODD_BREAKS));
            if one_of(&[b"n", b"n", b"y"], &[b"y"]) == b"y" {
                parts.push(one_of(CONTINUATIONS, CONTINUATIONS));
                parts.push(one_of(BREAKS, ODD_BREAKS));
            }
        }
        parts.push(one_of(&[b"\r\n", b"\n"], &[b"\r", b"\r\r\n", b""]));
        parts.push(one_of(
            &[b"body\r\n", b".\r\nBcc: hidden@blind.example\r\n", b""],
            &[b"\rBcc: in the body\r"],
        ));
        parts.concat()
    }
    #[test]
    fn bcc_is_never_transmitted_for_generated_header_sections() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for _ in 0..40_000 {
            let raw = random_message(&mut rng);
            let checked = std::panic::catch_unwind(|| {
                check_bcc_never_transmitted(&raw);
                check_raw_send(&raw);
            });
            assert!(
                checked.is_ok(),
                "fails for {:?}",
                String::from_utf8_lossy(&raw)
            );
            if RawEnvelope::from_message(&raw).is_ok() {
                accepted += 1;
            }
        }
        // The generator must reach the sending path often, or the property says nothing.
        assert!(
            accepted > 3_000,
            "only {accepted} generated messages were accepted"
        );
    }

    #[test]
    fn the_inputs_that_disclosed_bcc_are_refused() {
        for raw in [
            &b"From: a@x.org\r\nTo: b@x.org\r\nB\x0ccc: hidden@blind.example\r\n\r\nhi"[..],
            b"From: a@x.org\r\nTo: b@x.org\r\nB\rcc: hidden@blind.example\r\n\r\nhi",
            b"From: a@x.org\r\nTo: b@x.org\r\nX: y\rBcc: hidden@blind.example\r\n\r\nhi",
        ] {
            let err = RawEnvelope::from_message(raw).expect_err("refused");
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            message_parse(raw);
        }
    }

    #[test]
    fn address_round_trip_holds_for_generated_lists() {
        const PIECES: &[&[u8]] = &[
            b"\"",
            b"\\",
            b"<",
            b">",
            b",",
            b"@",
            b" ",
            b"  ",
            b"a",
            b"Bob",
            b"x.org",
            b"b.org",
            b"=?utf-8?q?",
            b"=?utf-8?b?",
            b"?=",
            b"=0D=0A",
            b"=00",
            b"QUJD",
            b"\r\n",
            b"\0",
            b"(",
            b")",
            b";",
            b":",
            b"\xc3\xbc",
            b"\t",
            b".",
            b"[",
            b"]",
            b"\x1b",
            b"\xc2\x85",
            b"\r\n ",
            b"_",
        ];
        let mut rng = Rng(0xA5A5_5A5A_1234_5678);
        for _ in 0..60_000 {
            let mut input = Vec::new();
            for _ in 0..rng.below(14) {
                input.extend_from_slice(rng.pick(PIECES));
            }
            address_roundtrip(&input);
        }
    }

    #[test]
    fn header_round_trip_holds_for_generated_text() {
        let long_ascii = "x".repeat(80);
        let long_utf8 = "é".repeat(40);
        let pieces: &[&str] = &[
            " ",
            "  ",
            "\t",
            "a",
            "Grüße",
            "ü",
            "日本語",
            "🎉",
            "=?",
            "?=",
            "=?utf-8?q?x?=",
            "_",
            "=",
            "?",
            "\r\n",
            "\0",
            "\"",
            &long_ascii,
            &long_utf8,
            ",",
            "\u{85}",
            "\u{fffd}",
        ];
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        for _ in 0..30_000 {
            let mut text = String::new();
            for _ in 0..rng.below(12) {
                text.push_str(rng.pick(pieces));
            }
            header_roundtrip(text.as_bytes());
        }
        // Bytes that are not UTF-8 are read lossily, then round-trip as text.
        header_roundtrip(b"caf\xe9 \xff\xfe  x");
    }

    #[test]
    fn dot_stuffing_property_holds_for_every_short_input() {
        // Every input of up to 6 bytes over the bytes that matter to stuffing.
        let alphabet = [b'.', b'\r', b'\n', b'a'];
        let mut input = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..4usize.pow(len) {
                input.clear();
                for _ in 0..len {
                    input.push(alphabet[n % 4]);
                    n /= 4;
                }
                dot_stuffing(&input);
            }
        }
    }

    #[test]
    fn smtp_reply_reader_never_panics_on_short_inputs() {
        let alphabet: &[&[u8]] = &[
            b"2", b"5", b"0", b"-", b" ", b"\r\n", b"\n", b"5.1.1", b"\xff",
        ];
        let mut rng = Rng(7);
        for _ in 0..20_000 {
            let mut input = Vec::new();
            for _ in 0..rng.below(12) {
                input.extend_from_slice(rng.pick(alphabet));
            }
            smtp_reply(&input);
        }
    }

    #[test]
    fn autoconfig_reader_never_panics_on_pieced_inputs() {
        let alphabet: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\n",
            b"Transfer-Encoding: chunked\r\n",
            b"Content-Length: 5\r\n",
            b"\r\n",
            b"3\r\n",
            b"<incomingServer type=\"imap\">",
            b"<outgoingServer type=\"smtp\">",
            b"</incomingServer>",
            b"<hostname>",
            b"</hostname>",
            b"<port>",
            b"993",
            b"</port>",
            b"%EMAILADDRESS%",
            b"h.example",
            b"\xff",
            b"<!--",
            b"&amp;",
        ];
        let mut rng = Rng(11);
        for _ in 0..20_000 {
            let mut input = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
            if rng.below(3) == 0 {
                input.clear();
            }
            for _ in 0..rng.below(14) {
                input.extend_from_slice(rng.pick(alphabet));
            }
            autoconfig(&input);
        }
    }
}
