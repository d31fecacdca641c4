//! Header and body encodings mail needs besides the parser: RFC 2047 encoded words, RFC 2231
//! parameter values, IMAP modified UTF-7 mailbox names and a streaming
//! Content-Transfer-Encoding decoder.
//!
//! Everything here is lenient: malformed input is passed through as it is, never an error and
//! never a panic, because it comes from servers and other people's mail programs.

use mail_parser::decoders::charsets::map::charset_decoder;

// ---------------------------------------------------------------------------------------------
// Charsets and small helpers
// ---------------------------------------------------------------------------------------------

/// Decodes `bytes` in `charset` (an IANA name or alias; an RFC 2231 `*language` suffix is
/// ignored). UTF-8, US-ASCII and unknown charsets are decoded as lossy UTF-8.
pub(crate) fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    let charset = charset.split('*').next().unwrap_or("").trim();
    let is_utf8 = charset.is_empty()
        || charset.eq_ignore_ascii_case("utf-8")
        || charset.eq_ignore_ascii_case("utf8")
        || charset.eq_ignore_ascii_case("us-ascii");
    if !is_utf8 {
        if let Some(decoder) = charset_decoder(charset.as_bytes()) {
            return decoder(bytes);
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The value of a base64 character in the standard alphabet (`+`, `/`).
fn base64_value(b: u8) -> Option<u8> {
    match B64_TABLE[b as usize] {
        INVALID => None,
        v => Some(v),
    }
}

const INVALID: u8 = 0xFF;

/// The value of each base64 character; `INVALID` for everything else.
const B64_TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => INVALID,
        };
        i += 1;
    }
    t
};

/// Decodes whole groups of four base64 characters from the start of `input` into `out`,
/// stopping at the first group that holds anything else (a line break, `=`, junk); returns
/// how many input bytes it consumed.
fn decode_base64_groups(input: &[u8], out: &mut Vec<u8>) -> usize {
    let mut buf = [0u8; 192];
    let mut i = 0;
    loop {
        let mut o = 0;
        while o < buf.len() {
            let Some(g) = input.get(i..i + 4) else {
                out.extend_from_slice(&buf[..o]);
                return i;
            };
            let (a, b, c, d) = (
                B64_TABLE[g[0] as usize],
                B64_TABLE[g[1] as usize],
                B64_TABLE[g[2] as usize],
                B64_TABLE[g[3] as usize],
            );
            if (a | b | c | d) & 0x80 != 0 {
                out.extend_from_slice(&buf[..o]);
                return i;
            }
            let v =
                (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
            buf[o] = (v >> 16) as u8;
            buf[o + 1] = (v >> 8) as u8;
            buf[o + 2] = v as u8;
            o += 3;
            i += 4;
        }
        out.extend_from_slice(&buf);
    }
}

/// Lenient base64 decoding of a short value: characters outside the alphabet are skipped, and
/// missing padding is tolerated.
fn base64_decode_lenient(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut decoder = TransferDecoder::new("base64");
    decoder.push(data, &mut out);
    decoder.finish(&mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// RFC 2047 encoded words
// ---------------------------------------------------------------------------------------------

/// One parsed `=?charset?enc?text?=` word: its charset, its decoded bytes and its length in the
/// input.
struct EncodedWord<'a> {
    charset: &'a str,
    bytes: Vec<u8>,
    len: usize,
}

const MAX_WORD_LEN: usize = 1024;

/// Parses an encoded word at the start of `s` (which starts with `=?`).
fn parse_encoded_word(s: &str) -> Option<EncodedWord<'_>> {
    // RFC 2047 allows 75 characters; real mail is sloppier, but bound the search so a long
    // header full of `=?` cannot make decoding quadratic.
    let limit = s
        .char_indices()
        .nth(MAX_WORD_LEN)
        .map_or(s.len(), |(i, _)| i);
    let rest = s[..limit].strip_prefix("=?")?;
    let q1 = rest.find('?')?;
    let charset = &rest[..q1];
    if charset.is_empty() || charset.contains(|c: char| c.is_whitespace()) {
        return None;
    }
    let rest = &rest[q1 + 1..];
    let mut chars = rest.chars();
    let enc = chars.next()?;
    if chars.next()? != '?' {
        return None;
    }
    let text_and_rest = &rest[enc.len_utf8() + 1..];
    let end = text_and_rest.find("?=")?;
    let text = &text_and_rest[..end];
    if text.contains(|c: char| c.is_whitespace() || c == '?') {
        return None;
    }
    let bytes = match enc {
        'b' | 'B' => base64_decode_lenient(text.as_bytes()),
        'q' | 'Q' => decode_q(text.as_bytes()),
        _ => return None,
    };
    // "=?" + charset + "?" + enc + "?" + text + "?="
    let len = 2 + charset.len() + 1 + enc.len_utf8() + 1 + text.len() + 2;
    Some(EncodedWord {
        charset,
        bytes,
        len,
    })
}

/// Decodes the RFC 2047 "Q" encoding: `_` is a space, `=XX` a byte.
fn decode_q(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                match (
                    text.get(i + 1).copied().and_then(hex_value),
                    text.get(i + 2).copied().and_then(hex_value),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    _ => out.push(b'='),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Decodes RFC 2047 encoded words in a header value.
///
/// Handles B and Q encodings in every charset mail-parser knows (UTF-8, ISO-8859-*,
/// Windows-125x, KOI8-R, the CJK ones, …). Whitespace between two adjacent encoded words is
/// dropped, and adjacent words in the same charset are joined before decoding so a character
/// split across words survives. Malformed words are left as they are; bytes that are not
/// UTF-8 outside encoded words are decoded lossily.
pub(crate) fn decode_words(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains("=?") {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    // Bytes of consecutive encoded words in one charset, not yet decoded.
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_charset = String::new();
    // Whitespace seen after an encoded word; dropped if another encoded word follows.
    let mut held_ws = String::new();
    let mut after_word = false;

    let mut rest: &str = &text;
    while !rest.is_empty() {
        if rest.starts_with("=?") {
            if let Some(word) = parse_encoded_word(rest) {
                if !pending.is_empty() && !pending_charset.eq_ignore_ascii_case(word.charset) {
                    out.push_str(&decode_charset(&pending_charset, &pending));
                    pending.clear();
                }
                if pending.is_empty() {
                    pending_charset.clear();
                    pending_charset.push_str(word.charset);
                }
                pending.extend_from_slice(&word.bytes);
                held_ws.clear();
                after_word = true;
                rest = &rest[word.len..];
                continue;
            }
        }
        let Some(c) = rest.chars().next() else {
            break;
        };
        if after_word && (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            held_ws.push(c);
        } else {
            if !pending.is_empty() {
                out.push_str(&decode_charset(&pending_charset, &pending));
                pending.clear();
            }
            out.push_str(&held_ws);
            held_ws.clear();
            after_word = false;
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    if !pending.is_empty() {
        out.push_str(&decode_charset(&pending_charset, &pending));
    }
    out.push_str(&held_ws);
    out
}

// ---------------------------------------------------------------------------------------------
// RFC 2047 encoding of the header values mailwire writes
// ---------------------------------------------------------------------------------------------

/// Longest encoded word, `=?utf-8?q?` and `?=` included: RFC 2047 §2 allows 75, and a line
/// with an encoded word 76; 66 leaves room for `Reply-To: ` on the first line.
const MAX_ENCODED_WORD: usize = 66;
/// `=?utf-8?q?` / `=?utf-8?b?` plus `?=`.
const ENCODED_WORD_OVERHEAD: usize = 12;
/// A plain word longer than this is encoded (and so split), keeping lines under 998 octets.
const MAX_PLAIN_WORD: usize = 900;
/// Header lines are folded to stay within this many characters where the pieces allow.
const FOLD_AT: usize = 78;

/// One unit of a header value that is never split, and whether the header may be folded
/// (CRLF inserted) before the single space that precedes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) text: String,
    pub(crate) fold_before: bool,
}

/// Where encoded text goes: unstructured text (`Subject`) or a display name (RFC 5322
/// phrase), where only atoms may stay unencoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Text,
    Phrase,
}

/// The characters the Q encoding keeps literal: those RFC 2047 §5(3) allows in a phrase,
/// so one encoding serves every header.
fn q_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'*' | b'+' | b'-' | b'/')
}

fn q_len(b: u8) -> usize {
    if q_safe(b) || b == b' ' {
        1
    } else {
        3
    }
}

/// Splits `value` at the spaces followed by a non-space (the separators between words).
/// Other spaces stay in the words: the value's leading spaces in the first word, a run of
/// spaces at the end of the word before the separator.
fn split_words(value: &str) -> Vec<&str> {
    let b = value.as_bytes();
    let mut words = Vec::new();
    let mut start = 0;
    for i in 1..b.len() {
        if b[i] == b' ' && b.get(i + 1).is_some_and(|&n| n != b' ') {
            words.push(&value[start..i]);
            start = i + 1;
        }
    }
    if start < b.len() {
        words.push(&value[start..]);
    }
    words
}

fn is_atext_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn needs_encoding(word: &str, first: bool, last: bool, ctx: Context) -> bool {
    word.len() > MAX_PLAIN_WORD
        || word.contains("=?")
        || word.contains("?=")
        || (first && word.starts_with(' '))
        || (last && word.ends_with(' '))
        || match ctx {
            Context::Text => !word.bytes().all(|b| (0x20..0x7f).contains(&b)),
            Context::Phrase => !word.chars().all(is_atext_char),
        }
}

/// Appends `text` as UTF-8 encoded words of at most [`MAX_ENCODED_WORD`] characters, each
/// holding whole characters; Q or B, whichever is shorter.
fn encode_run(text: &str, fold_before: bool, out: &mut Vec<Piece>) {
    let q_total: usize = text.bytes().map(q_len).sum();
    let b_total = text.len().div_ceil(3) * 4;
    let use_b = b_total < q_total;
    let room = MAX_ENCODED_WORD - ENCODED_WORD_OVERHEAD;
    let mut chunk_start = 0;
    let mut chunk_len = 0;
    let mut first = true;
    let flush = |chunk: &str, out: &mut Vec<Piece>, first: &mut bool| {
        let mut word = String::with_capacity(MAX_ENCODED_WORD);
        if use_b {
            use base64::Engine as _;
            word.push_str("=?utf-8?b?");
            word.push_str(&base64::engine::general_purpose::STANDARD.encode(chunk));
        } else {
            word.push_str("=?utf-8?q?");
            for b in chunk.bytes() {
                if q_safe(b) {
                    word.push(char::from(b));
                } else if b == b' ' {
                    word.push('_');
                } else {
                    word.push_str(&format!("={b:02X}"));
                }
            }
        }
        word.push_str("?=");
        out.push(Piece {
            text: word,
            fold_before: fold_before || !*first,
        });
        *first = false;
    };
    for (i, c) in text.char_indices() {
        let c_len = if use_b {
            c.len_utf8()
        } else {
            text.as_bytes()[i..i + c.len_utf8()]
                .iter()
                .map(|&b| q_len(b))
                .sum()
        };
        let fits = if use_b {
            (chunk_len + c_len).div_ceil(3) * 4 <= room
        } else {
            chunk_len + c_len <= room
        };
        if !fits && i > chunk_start {
            flush(&text[chunk_start..i], out, &mut first);
            chunk_start = i;
            chunk_len = 0;
        }
        chunk_len += c_len;
    }
    if chunk_start < text.len() || first {
        flush(&text[chunk_start..], out, &mut first);
    }
}

/// The pieces of `value`: plain words as they are, and every run of words that must be
/// encoded (non-ASCII or control characters, literal `=?`/`?=`, spaces at either end) as
/// encoded words that include the spaces between those words, so a decoder — which drops
/// white space between adjacent encoded words — gives back exactly `value`.
fn encode_words(value: &str, ctx: Context) -> Vec<Piece> {
    let words = split_words(value);
    let n = words.len();
    let mut enc: Vec<bool> = words
        .iter()
        .enumerate()
        .map(|(i, w)| needs_encoding(w, i == 0, i + 1 == n, ctx))
        .collect();
    // More than one space between plain text and an encoded word is collapsed by some
    // decoders (mail-parser): a plain word ending in spaces joins the encoded run after it.
    for i in (0..n.saturating_sub(1)).rev() {
        if !enc[i] && enc[i + 1] && words[i].ends_with(' ') {
            enc[i] = true;
        }
    }
    let mut pieces: Vec<Piece> = Vec::new();
    let mut i = 0;
    while i < n {
        // Never fold after a plain word ending in a space: a line must not end in white space.
        let fold_before = pieces.last().is_some_and(|p| !p.text.ends_with(' '));
        if enc[i] {
            let mut run = String::from(words[i]);
            while i + 1 < n && enc[i + 1] {
                i += 1;
                run.push(' ');
                run.push_str(words[i]);
            }
            encode_run(&run, fold_before, &mut pieces);
        } else {
            pieces.push(Piece {
                text: words[i].to_string(),
                fold_before,
            });
        }
        i += 1;
    }
    pieces
}

/// The pieces of an unstructured header value (`Subject`, extra headers): unchanged when it
/// is printable ASCII with single spaces between words, otherwise with RFC 2047 encoded words
/// where needed. Decoding (and unfolding) gives back `value` exactly.
pub(crate) fn encode_text(value: &str) -> Vec<Piece> {
    encode_words(value, Context::Text)
}

/// The pieces of a display name: atoms as they are, a quoted string for other printable
/// ASCII, encoded words for the rest. Leading and trailing white space is dropped.
pub(crate) fn encode_phrase(name: &str) -> Vec<Piece> {
    let name = name.trim_matches(' ');
    if name.is_empty() {
        return Vec::new();
    }
    let atoms = name
        .split(' ')
        .all(|w| !w.is_empty() && w.chars().all(is_atext_char));
    if atoms && !name.contains("=?") && !name.contains("?=") {
        return encode_words(name, Context::Phrase);
    }
    let quotable = name.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !name.contains("=?")
        && name.len() <= MAX_PLAIN_WORD;
    if quotable {
        let mut q = String::with_capacity(name.len() + 4);
        q.push('"');
        for c in name.chars() {
            if c == '"' || c == '\\' {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        return vec![Piece {
            text: q,
            fold_before: false,
        }];
    }
    encode_words(name, Context::Phrase)
}

/// `pieces` joined by single spaces, a CRLF put before the space ahead of a piece where the
/// line would pass [`FOLD_AT`] characters (`used` are taken on the first line already).
fn fold_value(used: usize, pieces: &[Piece]) -> String {
    let mut out = String::new();
    let mut line = used;
    for (k, p) in pieces.iter().enumerate() {
        if k > 0 {
            if p.fold_before && line + 1 + p.text.len() > FOLD_AT {
                out.push_str("\r\n");
                line = 0;
            }
            out.push(' ');
            line += 1;
        }
        out.push_str(&p.text);
        line += p.text.len();
    }
    out
}

/// A complete header field, `Name: value` and CRLF, folded.
pub(crate) fn header_field(name: &str, pieces: &[Piece]) -> String {
    let value = fold_value(name.len() + 2, pieces);
    if value.is_empty() {
        format!("{name}:\r\n")
    } else {
        format!("{name}: {value}\r\n")
    }
}

/// The header value (without name and final CRLF) of unstructured `text`, encoded and
/// folded as [`header_field`] writes it in a `Subject`.
pub(crate) fn encode_header_value(text: &str) -> String {
    fold_value("Subject: ".len(), &encode_text(text))
}

// ---------------------------------------------------------------------------------------------
// RFC 2231 parameter values
// ---------------------------------------------------------------------------------------------

fn percent_decode(s: &str, out: &mut Vec<u8>) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex_value),
                b.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
}

/// Splits `charset'language'value`; `None` when the quotes are missing.
fn split_extended(value: &str) -> Option<(&str, &str)> {
    let (charset, rest) = value.split_once('\'')?;
    let (_language, data) = rest.split_once('\'')?;
    Some((charset, data))
}

/// Finds the MIME parameter `name` (case-insensitive) and decodes its value.
///
/// Understands RFC 2231 extended values (`name*=utf-8''%E2%82%AC.pdf`), continuations
/// (`name*0*=…`, `name*1*=…`, `name*0=…`) and RFC 2047 encoded words in plain values (which
/// many mail programs send although the RFC forbids them). The extended form wins over a plain
/// `name=` when both are present.
pub(crate) fn decode_param_value(params: &[(String, String)], name: &str) -> Option<String> {
    // 1. name*=charset'lang'value
    for (key, value) in params {
        if let Some(base) = key.strip_suffix('*') {
            if base.eq_ignore_ascii_case(name) {
                return Some(match split_extended(value) {
                    Some((charset, data)) => {
                        let mut bytes = Vec::new();
                        percent_decode(data, &mut bytes);
                        decode_charset(charset, &bytes)
                    }
                    None => {
                        let mut bytes = Vec::new();
                        percent_decode(value, &mut bytes);
                        decode_charset("utf-8", &bytes)
                    }
                });
            }
        }
    }

    // 2. continuations name*0, name*0*, name*1*, …
    let mut segments: Vec<(u32, bool, &str)> = Vec::new();
    for (key, value) in params {
        let Some((base, rest)) = key.split_once('*') else {
            continue;
        };
        if !base.eq_ignore_ascii_case(name) {
            continue;
        }
        let (index, extended) = match rest.strip_suffix('*') {
            Some(index) => (index, true),
            None => (rest, false),
        };
        if let Ok(index) = index.parse::<u32>() {
            segments.push((index, extended, value.as_str()));
        }
    }
    if !segments.is_empty() {
        segments.sort_by_key(|s| s.0);
        let mut charset = "utf-8";
        let mut bytes = Vec::new();
        let mut any_extended = false;
        for (pos, (_, extended, value)) in segments.iter().enumerate() {
            if *extended {
                any_extended = true;
                let mut data = *value;
                if pos == 0 {
                    if let Some((cs, rest)) = split_extended(value) {
                        if !cs.is_empty() {
                            charset = cs;
                        }
                        data = rest;
                    }
                }
                percent_decode(data, &mut bytes);
            } else {
                bytes.extend_from_slice(value.as_bytes());
            }
        }
        let decoded = decode_charset(charset, &bytes);
        return Some(if any_extended {
            decoded
        } else {
            decode_words(decoded.as_bytes())
        });
    }

    // 3. plain name=value, possibly with RFC 2047 words
    params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| decode_words(value.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// IMAP modified UTF-7 (RFC 3501 §5.1.3)
// ---------------------------------------------------------------------------------------------

const MUTF7_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn mutf7_value(b: u8) -> Option<u8> {
    match b {
        b',' => Some(63),
        b'/' => None,
        _ => base64_value(b),
    }
}

fn mutf7_encode_run(units: &[u16], out: &mut String) {
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        let count = chunk.len() + 1;
        for s in &sextets[..count] {
            out.push(char::from(MUTF7_ALPHABET[*s as usize]));
        }
    }
    out.push('-');
}

/// Encodes a mailbox name in IMAP modified UTF-7: printable ASCII stays, `&` becomes `&-`,
/// everything else is `&` + base64 (with `,` for `/`) of UTF-16BE + `-`.
pub(crate) fn encode_mailbox_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            if !run.is_empty() {
                mutf7_encode_run(&run, &mut out);
                run.clear();
            }
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    if !run.is_empty() {
        mutf7_encode_run(&run, &mut out);
    }
    out
}

/// Decodes one `&…-` run's base64 text; `None` if it is not valid modified UTF-7.
fn mutf7_decode_run(b64: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(b64.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in b64.bytes() {
        acc = (acc << 6) | u32::from(mutf7_value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bytes.len() % 2 != 0 || bits >= 6 || acc != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// Decodes an IMAP modified UTF-7 mailbox name. Invalid runs (bad base64, unpaired
/// surrogates, a missing `-`) are left as they are, so a name that was never encoded (or a
/// server that sends UTF-8) comes through unchanged.
pub(crate) fn decode_mailbox_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find('-') {
            Some(0) => {
                out.push('&');
                rest = &after[1..];
            }
            Some(dash) => match mutf7_decode_run(&after[..dash]) {
                Some(decoded) => {
                    out.push_str(&decoded);
                    rest = &after[dash + 1..];
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            },
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// Streaming Content-Transfer-Encoding decoder
// ---------------------------------------------------------------------------------------------

/// Where a quoted-printable decoder is within an `=` sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QpState {
    /// Plain text.
    Text,
    /// After `=`.
    Equals,
    /// After `=` and one hex digit (kept raw).
    Hex(u8),
    /// After `=` and whitespace (a soft line break with trailing blanks, probably).
    Blank,
    /// After `=` (and maybe blanks) and CR.
    Cr,
}

#[derive(Debug)]
enum Mode {
    Identity,
    Base64 { acc: u32, count: u8 },
    Qp { state: QpState, held: Vec<u8> },
}

/// A streaming Content-Transfer-Encoding decoder.
///
/// Feed the encoded body in chunks of any size with [`push`](Self::push); base64 quanta and
/// quoted-printable `=XX` sequences or soft line breaks split across chunks are handled.
/// Tolerant like mail readers are: base64 skips whitespace and garbage, quoted-printable
/// passes malformed `=` sequences through.
#[derive(Debug)]
pub(crate) struct TransferDecoder {
    mode: Mode,
}

impl TransferDecoder {
    /// A decoder for `encoding` (`"base64"`, `"quoted-printable"`, case-insensitive); anything
    /// else (`7bit`, `8bit`, `binary`, unknown) passes bytes through.
    pub(crate) fn new(encoding: &str) -> Self {
        let encoding = encoding.trim();
        let mode = if encoding.eq_ignore_ascii_case("base64") {
            Mode::Base64 { acc: 0, count: 0 }
        } else if encoding.eq_ignore_ascii_case("quoted-printable") {
            Mode::Qp {
                state: QpState::Text,
                held: Vec::new(),
            }
        } else {
            Mode::Identity
        };
        TransferDecoder { mode }
    }

    /// Decodes `chunk`, appending the decoded bytes to `out`.
    pub(crate) fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        match &mut self.mode {
            Mode::Identity => out.extend_from_slice(chunk),
            Mode::Base64 { acc, count } => {
                out.reserve(chunk.len() * 3 / 4 + 3);
                let mut rest = chunk;
                while !rest.is_empty() {
                    // Fast path: whole groups between line breaks, decoded four at a time.
                    if *count == 0 {
                        let used = decode_base64_groups(rest, out);
                        rest = &rest[used..];
                        if rest.is_empty() {
                            break;
                        }
                    }
                    let b = rest[0];
                    rest = &rest[1..];
                    if let Some(v) = base64_value(b) {
                        *acc = (*acc << 6) | u32::from(v);
                        *count += 1;
                        if *count == 4 {
                            out.extend_from_slice(&[
                                (*acc >> 16) as u8,
                                (*acc >> 8) as u8,
                                *acc as u8,
                            ]);
                            *acc = 0;
                            *count = 0;
                        }
                    } else if b == b'=' {
                        flush_base64(acc, count, out);
                    }
                }
            }
            Mode::Qp { state, held } => {
                out.reserve(chunk.len());
                for &b in chunk {
                    qp_step(state, held, b, out);
                }
            }
        }
    }

    /// Ends the stream, appending whatever a partial sequence still holds.
    pub(crate) fn finish(mut self, out: &mut Vec<u8>) {
        match &mut self.mode {
            Mode::Identity => {}
            Mode::Base64 { acc, count } => flush_base64(acc, count, out),
            Mode::Qp { state, held } => {
                if *state != QpState::Cr {
                    out.extend_from_slice(held);
                }
            }
        }
    }
}

/// Emits the bytes of a partial base64 quantum (2 or 3 characters) and resets it.
fn flush_base64(acc: &mut u32, count: &mut u8, out: &mut Vec<u8>) {
    match *count {
        2 => out.push((*acc >> 4) as u8),
        3 => out.extend_from_slice(&[(*acc >> 10) as u8, (*acc >> 2) as u8]),
        _ => {}
    }
    *acc = 0;
    *count = 0;
}

fn qp_step(state: &mut QpState, held: &mut Vec<u8>, b: u8, out: &mut Vec<u8>) {
    match *state {
        QpState::Text => {
            if b == b'=' {
                held.push(b);
                *state = QpState::Equals;
            } else {
                out.push(b);
            }
        }
        QpState::Equals => match b {
            b'\r' => {
                *state = QpState::Cr;
            }
            b'\n' => {
                held.clear();
                *state = QpState::Text;
            }
            b' ' | b'\t' => {
                held.push(b);
                *state = QpState::Blank;
            }
            _ if hex_value(b).is_some() => {
                held.push(b);
                *state = QpState::Hex(b);
            }
            _ => {
                out.append(held);
                *state = QpState::Text;
                qp_step(state, held, b, out);
            }
        },
        QpState::Hex(first) => {
            if let (Some(h), Some(l)) = (hex_value(first), hex_value(b)) {
                out.push(h << 4 | l);
                held.clear();
                *state = QpState::Text;
            } else {
                out.append(held);
                *state = QpState::Text;
                qp_step(state, held, b, out);
            }
        }
        QpState::Blank => match b {
            b' ' | b'\t' => held.push(b),
            b'\r' => *state = QpState::Cr,
            b'\n' => {
                held.clear();
                *state = QpState::Text;
            }
            _ => {
                out.append(held);
                *state = QpState::Text;
                qp_step(state, held, b, out);
            }
        },
        QpState::Cr => {
            // A soft line break; a bare CR without LF is treated as one too.
            held.clear();
            *state = QpState::Text;
            if b != b'\n' {
                qp_step(state, held, b, out);
            }
        }
    }
}

/// Standard base64 in lines of 76 characters with CRLF (test helper).
#[cfg(test)]
pub(crate) fn tests_b64(data: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let enc = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::new();
    for line in enc.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject_as_parsed(encoded: &str) -> Option<String> {
        let raw = format!("From: a@x.org\r\nSubject: {encoded}\r\n\r\nbody\r\n");
        crate::Message::parse(raw.as_bytes()).ok()?.subject
    }

    #[test]
    fn encoder_round_trips_spaces_and_literal_encoded_words() {
        let long = "Quartalsbericht für das dritte Quartal mit Zahlen ".repeat(4);
        for text in [
            "Grüße  aus  Köln",
            "ü  ö",
            "literal =?utf-8?q?x?= text",
            "=?utf-8?b?QUJD?=",
            "a?=b and =?c",
            " leading space",
            "trailing space ",
            "tab\there",
            "日本語のテキスト 日本語のテキスト",
            long.as_str(),
            "Quarterly report",
            "double  spaces  in  ascii",
            "",
        ] {
            let encoded = encode_header_value(text);
            let unfolded = encoded.replace("\r\n", "");
            assert_eq!(decode_words(unfolded.as_bytes()), text, "{encoded:?}");
            assert!(
                encoded
                    .split("\r\n")
                    .all(|l| l.len() <= 78 - "Subject: ".len() || !l.trim_start().contains(' ')),
                "not folded: {encoded:?}"
            );
            // The parser of received mail (mail-parser) reads the same text.
            if !text.is_empty() && text.trim() == text {
                assert_eq!(
                    subject_as_parsed(&encoded).as_deref(),
                    Some(text),
                    "{encoded:?}"
                );
            }
        }
        // Plain ASCII stays readable; only what must be is encoded.
        assert_eq!(encode_header_value("Quarterly report"), "Quarterly report");
        assert_eq!(
            encode_header_value("Bericht für Q3"),
            "Bericht =?utf-8?q?f=C3=BCr?= Q3"
        );
        assert_eq!(encode_header_value("ü  ö"), "=?utf-8?b?w7wgIMO2?=");
    }

    #[test]
    fn display_names_are_atoms_quoted_strings_or_encoded_words() {
        let joined = |name: &str| {
            encode_phrase(name)
                .into_iter()
                .map(|p| p.text)
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(joined("Jane Doe"), "Jane Doe");
        assert_eq!(joined("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(joined("say \"hi\""), "\"say \\\"hi\\\"\"");
        for name in [
            "Müller, Jürgen",
            "Jürgen  Müller",
            "=?utf-8?q?not_encoded?=",
            "Zoë \"Z\" Ångström",
            "a  b",
        ] {
            let phrase = joined(name);
            assert!(phrase.is_ascii(), "{phrase}");
            let a = crate::Address::parse(&format!("{phrase} <a@x.org>")).expect("parses");
            assert_eq!(a.name.as_deref(), Some(name), "{phrase}");
            let raw = format!("From: {phrase} <a@x.org>\r\n\r\nbody");
            let m = crate::Message::parse(raw.as_bytes()).expect("parses");
            assert_eq!(m.from[0].name.as_deref(), Some(name), "{phrase}");
        }
    }

    #[test]
    fn words_utf8_b_and_q() {
        assert_eq!(decode_words(b"=?UTF-8?B?w6TDtsO8?="), "äöü");
        assert_eq!(
            decode_words(b"=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="),
            "Grüße aus Köln"
        );
        assert_eq!(decode_words(b"plain text"), "plain text");
    }

    #[test]
    fn words_latin1_and_windows1252() {
        assert_eq!(decode_words(b"=?iso-8859-1?q?caf=E9?="), "café");
        assert_eq!(decode_words(b"=?windows-1252?Q?=80_5?="), "€ 5");
        assert_eq!(decode_words(b"=?ISO-8859-1?B?SGVsbPw=?="), "Hellü");
        assert_eq!(decode_words(b"=?koi8-r?B?8NLJ18XU?="), "Привет");
    }

    #[test]
    fn words_adjacent_are_joined_and_text_spaces_kept() {
        assert_eq!(decode_words(b"=?utf-8?q?a?= =?utf-8?q?b?="), "ab");
        assert_eq!(decode_words(b"=?utf-8?q?a?=\r\n =?utf-8?q?b?="), "ab");
        assert_eq!(decode_words(b"Re: =?utf-8?q?caf=C3=A9?= ok"), "Re: café ok");
        // A UTF-8 character split across two words.
        assert_eq!(decode_words(b"=?utf-8?B?4oI=?= =?utf-8?B?rA==?="), "€");
        assert_eq!(
            decode_words(b"=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?="),
            "éé"
        );
    }

    #[test]
    fn words_malformed_left_alone() {
        assert_eq!(decode_words(b"=?utf-8?x?abc?="), "=?utf-8?x?abc?=");
        assert_eq!(decode_words(b"=?utf-8?q?abc"), "=?utf-8?q?abc");
        assert_eq!(decode_words(b"a =? b"), "a =? b");
        assert_eq!(decode_words(b"=??q?a?="), "=??q?a?=");
        assert_eq!(decode_words(b"=?"), "=?");
        assert_eq!(decode_words(b"=?utf-8?q?a=?="), "a=");
        assert_eq!(decode_words(b"=?utf-8?q?a=4?="), "a=4");
        assert_eq!(decode_words(b"caf\xe9"), "caf\u{FFFD}");
        assert_eq!(decode_words(b"=?unknown-cs?q?abc?="), "abc");
    }

    #[test]
    fn words_pathological_input_is_left_as_is() {
        // Unterminated words: the bounded search keeps this linear (speed is a benchmark's
        // business; here only the result is checked).
        let raw = "=?a?q?x".repeat(50_000);
        assert_eq!(decode_words(raw.as_bytes()), raw);
        let long_word = format!("=?utf-8?q?{}?=", "a".repeat(2000));
        assert_eq!(decode_words(long_word.as_bytes()), long_word);
    }

    #[test]
    fn params_rfc2231_and_2047() {
        let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            decode_param_value(&p(&[("NAME*", "utf-8''%E2%82%AC.pdf")]), "name").as_deref(),
            Some("€.pdf")
        );
        assert_eq!(
            decode_param_value(
                &p(&[
                    ("filename*1*", "%20b.txt"),
                    ("filename*0*", "iso-8859-1'de'%E4"),
                ]),
                "FILENAME"
            )
            .as_deref(),
            Some("ä b.txt")
        );
        assert_eq!(
            decode_param_value(&p(&[("name*0", "long"), ("name*1", "name.txt")]), "name")
                .as_deref(),
            Some("longname.txt")
        );
        assert_eq!(
            decode_param_value(&p(&[("name", "=?utf-8?q?R=C3=A9sum=C3=A9.pdf?=")]), "name")
                .as_deref(),
            Some("Résumé.pdf")
        );
        assert_eq!(
            decode_param_value(&p(&[("name", "plain"), ("name*", "utf-8''%C3%A9")]), "name")
                .as_deref(),
            Some("é")
        );
        assert_eq!(decode_param_value(&p(&[("charset", "x")]), "name"), None);
    }

    #[test]
    fn mailbox_names() {
        let cases = [
            ("Entwürfe", "Entw&APw-rfe"),
            ("日本語", "&ZeVnLIqe-"),
            ("A&B", "A&-B"),
            ("INBOX", "INBOX"),
            ("😀", "&2D3eAA-"),
            ("a😀b&c", "a&2D3eAA-b&-c"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(encode_mailbox_name(plain), encoded, "encode {plain}");
            assert_eq!(decode_mailbox_name(encoded), plain, "decode {encoded}");
        }
        // Invalid input is left as is.
        assert_eq!(decode_mailbox_name("a&b"), "a&b");
        assert_eq!(decode_mailbox_name("&%%%-"), "&%%%-");
        assert_eq!(decode_mailbox_name("&2D0-"), "&2D0-"); // lone surrogate
        assert_eq!(decode_mailbox_name("&AP-"), "&AP-"); // odd length
        assert_eq!(decode_mailbox_name("Entwürfe"), "Entwürfe");
    }

    /// A small deterministic generator so the tests need no extra crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
        (0..len).map(|_| rng.next() as u8).collect()
    }

    fn decode_in_chunks(encoding: &str, encoded: &[u8], rng: &mut Rng) -> Vec<u8> {
        let mut decoder = TransferDecoder::new(encoding);
        let mut out = Vec::new();
        let mut rest = encoded;
        while !rest.is_empty() {
            let n = (1 + rng.below(5000) as usize).min(rest.len());
            decoder.push(&rest[..n], &mut out);
            rest = &rest[n..];
        }
        decoder.finish(&mut out);
        out
    }

    #[test]
    fn base64_streaming_one_megabyte() {
        use base64::Engine as _;
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for len in [1_000_000usize, 1_000_001, 1_000_002] {
            let data = random_bytes(&mut rng, len);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&data);
            let mut encoded = Vec::new();
            for line in b64.as_bytes().chunks(76) {
                encoded.extend_from_slice(line);
                encoded.extend_from_slice(b"\r\n");
            }
            assert_eq!(decode_in_chunks("BASE64", &encoded, &mut rng), data);
        }
    }

    #[test]
    fn base64_fast_path_matches_byte_wise_decoding_at_every_split() {
        // Lines of 76, a short line, junk, padding in the middle, and no final newline.
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 3) as u8).collect();
        let enc = super::super::encoding::tests_b64(&data);
        let mut mixed = enc.clone();
        mixed.extend_from_slice(b"\r\nQUJD\r\n!!\tRA==\r\nRUY");
        let mut want = data.clone();
        want.extend_from_slice(b"ABCDEF");
        for piece in [1, 3, 4, 5, 76, 77, 78, 1000, mixed.len()] {
            let mut d = TransferDecoder::new("base64");
            let mut out = Vec::new();
            for p in mixed.chunks(piece) {
                d.push(p, &mut out);
            }
            d.finish(&mut out);
            assert_eq!(out, want, "pieces of {piece}");
        }
    }

    #[test]
    fn base64_tolerates_garbage() {
        let mut out = Vec::new();
        let mut d = TransferDecoder::new("base64");
        d.push(b"aGVs*bG8g\r\n d29y!bGQ", &mut out);
        d.finish(&mut out);
        assert_eq!(out, b"hello world");
        // Concatenated padded blocks.
        let mut out = Vec::new();
        let mut d = TransferDecoder::new("base64");
        d.push(b"YQ==Yg==", &mut out);
        d.finish(&mut out);
        assert_eq!(out, b"ab");
    }

    fn qp_encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut line_len = 0;
        let mut i = 0;
        while i < data.len() {
            if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') {
                out.extend_from_slice(b"\r\n");
                line_len = 0;
                i += 2;
                continue;
            }
            let b = data[i];
            let piece: Vec<u8> = if (33..=126).contains(&b) && b != b'=' {
                vec![b]
            } else {
                format!("={b:02X}").into_bytes()
            };
            if line_len + piece.len() > 75 {
                out.extend_from_slice(b"=\r\n");
                line_len = 0;
            }
            line_len += piece.len();
            out.extend_from_slice(&piece);
            i += 1;
        }
        out
    }

    #[test]
    fn qp_streaming_one_megabyte() {
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        let mut data = random_bytes(&mut rng, 1_000_000);
        // Make some hard line breaks and plenty of plain text.
        for i in (0..data.len()).step_by(97) {
            data[i] = b'\r';
            if i + 1 < data.len() {
                data[i + 1] = b'\n';
            }
        }
        for i in (5..data.len()).step_by(3) {
            data[i] = b'a' + (data[i] % 26);
        }
        let encoded = qp_encode(&data);
        assert_eq!(
            decode_in_chunks("Quoted-Printable", &encoded, &mut rng),
            data
        );
    }

    #[test]
    fn qp_edge_cases() {
        let decode = |s: &[u8]| {
            let mut out = Vec::new();
            let mut d = TransferDecoder::new("quoted-printable");
            for b in s {
                d.push(std::slice::from_ref(b), &mut out);
            }
            d.finish(&mut out);
            out
        };
        assert_eq!(decode(b"a=3Db"), b"a=b");
        assert_eq!(decode(b"a=3db"), b"a=b");
        assert_eq!(decode(b"soft=\r\nbreak"), b"softbreak");
        assert_eq!(decode(b"soft=\nbreak"), b"softbreak");
        assert_eq!(decode(b"blank= \t\r\nbreak"), b"blankbreak");
        assert_eq!(decode(b"bad=ZZ"), b"bad=ZZ");
        assert_eq!(decode(b"bad=4Z"), b"bad=4Z");
        assert_eq!(decode(b"end="), b"end=");
        assert_eq!(decode(b"end=4"), b"end=4");
        assert_eq!(decode(b"end= x"), b"end= x");
        assert_eq!(decode(b"x==41"), b"x=A");
    }

    #[test]
    fn identity_passes_through() {
        let mut out = Vec::new();
        let mut d = TransferDecoder::new("8bit");
        d.push(b"a=3D\r\n", &mut out);
        d.finish(&mut out);
        assert_eq!(out, b"a=3D\r\n");
    }
}
