//! Received messages, parsed.

use chrono::{DateTime, FixedOffset, NaiveDate};
use mail_parser::{MessageParser, MimeHeaders, PartType};

use super::address::{sanitize_address, sanitize_name};
use super::encoding::{decode_words, TransferDecoder};
use super::{Address, Attachment};
use crate::Result;

/// A parsed email message: the envelope headers decoded, the text and HTML bodies, and every
/// attachment with its bytes.
///
/// Made by [`Message::parse`] or by the IMAP client's `fetch_message`. All header values are
/// decoded (RFC 2047), bodies are converted from their charset to `String`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Message {
    /// The `From` addresses (usually one).
    pub from: Vec<Address>,
    /// The `To` addresses.
    pub to: Vec<Address>,
    /// The `Cc` addresses.
    pub cc: Vec<Address>,
    /// The `Bcc` addresses (only present in drafts and sent copies).
    pub bcc: Vec<Address>,
    /// The `Reply-To` addresses.
    pub reply_to: Vec<Address>,
    /// The `Sender` address, when it differs from `From`.
    pub sender: Option<Address>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// The `Date` header with the sender's UTC offset.
    pub date: Option<DateTime<FixedOffset>>,
    /// The `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The `In-Reply-To` message ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// The `References` message ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// Every header of the top-level message in order, as (name, decoded and unfolded value).
    pub headers: Vec<(String, String)>,
    /// The plain-text body. When the message only has an HTML body, this is a text rendering
    /// of the HTML (so it is present for nearly every message); check [`html`](Self::html) to
    /// know whether an HTML body exists. Several text parts are joined with a newline; line
    /// endings are kept as sent (usually CRLF).
    pub text: Option<String>,
    /// The HTML body, only when the message really has a `text/html` part (it is never
    /// synthesised from the text).
    pub html: Option<String>,
    /// Every attachment, including inline images and attached messages (`message/rfc822`,
    /// kept as raw bytes).
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// Parses a raw RFC 5322 message (as fetched from IMAP or read from an `.eml` file).
    ///
    /// Parsing is lenient like mail readers are, and never fails: missing MIME boundaries,
    /// bad base64, broken headers or 8-bit bytes in headers still give a message with as much
    /// as could be read. The header section ends where Python's `email` package ends it: at
    /// the first empty line, or at the first line that is not a header field (the rest is the
    /// body); a leading mbox `From ` line is skipped. So input without any header line (empty
    /// input, plain text) is a message with no headers and the input as its text body.
    ///
    /// Every leaf part with a file name is an attachment, also an inline text part (as Python's
    /// `email` and `mailparser` see it); the text and HTML bodies are the other text parts.
    ///
    /// Never panics; the `Result` is never an error (kept for compatibility).
    pub fn parse(raw: &[u8]) -> Result<Message> {
        let normalised = end_header_section_like_python(raw);
        let raw: &[u8] = &normalised;
        let empty_headers = b"\r\n";
        let parsed = match MessageParser::default().parse(raw) {
            Some(p) => p,
            // Only empty input gives nothing: it is an empty message.
            None => match MessageParser::default().parse(&empty_headers[..]) {
                Some(p) => p,
                None => return Ok(Message::empty()),
            },
        };
        let root = parsed.root_part();
        let raw_msg = parsed.raw_message();
        // mail-parser turns a colon-less line into a header too; only `name:` lines count.
        let is_real = |h: &&mail_parser::Header<'_>| {
            h.offset_start > 0
                && raw_msg.get(h.offset_start as usize - 1) == Some(&b':')
                && !h.name().is_empty()
                && h.name().bytes().all(|b| b.is_ascii_graphic())
        };

        let headers = root
            .headers
            .iter()
            .filter(is_real)
            .map(|h| {
                let value = slice(raw_msg, h.offset_start, h.offset_end);
                (h.name().to_string(), decode_words(&unfold(value)))
            })
            .collect();

        let addresses = |name: &str| -> Vec<Address> {
            let mut out = Vec::new();
            for h in root
                .headers
                .iter()
                .filter(|h| h.name().eq_ignore_ascii_case(name))
            {
                if let Some(list) = h.value.as_address() {
                    push_addresses(list, &mut out);
                }
            }
            out
        };

        // A leaf part with a file name is an attachment, never body text (Python's `email`
        // and `mailparser` agree; mail-parser alone would show an inline text part with a
        // file name as body text).
        let named = |id: &u32| {
            parsed
                .part(*id)
                .is_some_and(|p| p.attachment_name().is_some() && !p.is_multipart())
        };
        let text = join(
            parsed
                .text_body
                .iter()
                .enumerate()
                .filter(|(_, id)| !named(id))
                .filter_map(|(i, _)| parsed.body_text(i).map(|t| t.into_owned())),
        );
        let has_real_html = parsed
            .html_body
            .iter()
            .filter(|id| !named(id))
            .any(|id| parsed.part(*id).is_some_and(|p| p.is_text_html()));
        let html = if has_real_html {
            join(
                parsed
                    .html_body
                    .iter()
                    .enumerate()
                    .filter(|(_, id)| !named(id))
                    .filter_map(|(i, _)| parsed.body_html(i).map(|t| t.into_owned())),
            )
        } else {
            None
        };

        let mut attachment_ids: Vec<u32> = parsed
            .attachments
            .iter()
            .chain(parsed.text_body.iter().filter(|id| named(id)))
            .chain(parsed.html_body.iter().filter(|id| named(id)))
            .copied()
            .collect();
        attachment_ids.sort_unstable();
        attachment_ids.dedup();
        let attachments = attachment_ids
            .iter()
            .filter_map(|id| parsed.part(*id))
            .map(|part| convert_attachment(part, raw_msg))
            .collect();

        Ok(Message {
            from: addresses("From"),
            to: addresses("To"),
            cc: addresses("Cc"),
            bcc: addresses("Bcc"),
            reply_to: addresses("Reply-To"),
            sender: addresses("Sender").into_iter().next(),
            subject: parsed.subject().map(str::to_string),
            date: parsed.date().and_then(convert_date),
            message_id: parsed.message_id().map(strip_angles),
            in_reply_to: id_list(parsed.in_reply_to()),
            references: id_list(parsed.references()),
            headers,
            text,
            html,
            attachments,
        })
    }
}

impl Message {
    fn empty() -> Message {
        Message {
            from: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: Vec::new(),
            sender: None,
            subject: None,
            date: None,
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            headers: Vec::new(),
            text: Some(String::new()),
            html: None,
            attachments: Vec::new(),
        }
    }
}

/// True for a line Python's `email` reads as part of the header section: a field
/// (`name:`, the name printable ASCII, possibly empty), a continuation line, or an mbox
/// `From ` line.
fn is_header_line(line: &[u8]) -> bool {
    if line.starts_with(b"From ") || matches!(line.first(), Some(b' ' | b'\t')) {
        return true;
    }
    match line.iter().position(|&b| b == b':') {
        Some(colon) => line[..colon].iter().all(|&b| (0x21..0x7f).contains(&b)),
        None => false,
    }
}

/// `raw` with an empty line inserted where the header section ends without one: before
/// the first line that is not a header line (so text without headers becomes a body), as
/// Python's `email` package reads it. Borrowed when nothing needs to change.
fn end_header_section_like_python(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut start = 0;
    while start < raw.len() {
        let end = raw[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| start + p + 1);
        let line = &raw[start..end];
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.is_empty() {
            break;
        }
        if !is_header_line(content) {
            let mut out = Vec::with_capacity(raw.len() + 2);
            out.extend_from_slice(&raw[..start]);
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&raw[start..]);
            return std::borrow::Cow::Owned(out);
        }
        start = end;
    }
    std::borrow::Cow::Borrowed(raw)
}

/// `raw[start..end]`, empty when the offsets are out of range.
fn slice(raw: &[u8], start: u32, end: u32) -> &[u8] {
    raw.get(start as usize..end as usize).unwrap_or(&[])
}

/// Removes folding line breaks and surrounding whitespace from a raw header value.
fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &b in value {
        if b != b'\r' && b != b'\n' {
            out.push(b);
        }
    }
    let start = out
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(out.len());
    let end = out
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    out[start..end].to_vec()
}

fn join(parts: impl Iterator<Item = String>) -> Option<String> {
    let parts: Vec<String> = parts.collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("\n"))
    }
}

fn strip_angles(id: &str) -> String {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    id.to_string()
}

fn id_list(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(t) => vec![strip_angles(t)],
        mail_parser::HeaderValue::TextList(list) => list.iter().map(|t| strip_angles(t)).collect(),
        _ => Vec::new(),
    }
}

/// Adds `addr` when it has an address; control characters in its name become spaces and
/// are dropped from the address (see [`sanitize_name`]).
fn push_addr(addr: &mail_parser::Addr<'_>, out: &mut Vec<Address>) {
    let Some(address) = addr.address.as_deref() else {
        return;
    };
    let address = sanitize_address(address).trim().to_string();
    if address.is_empty() {
        return;
    }
    let name = addr
        .name
        .as_deref()
        .map(|n| sanitize_name(n).trim().to_string())
        .filter(|n| !n.is_empty());
    out.push(Address { name, address });
}

pub(crate) fn push_addresses(list: &mail_parser::Address<'_>, out: &mut Vec<Address>) {
    match list {
        mail_parser::Address::List(addrs) => addrs.iter().for_each(|a| push_addr(a, out)),
        mail_parser::Address::Group(groups) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .for_each(|a| push_addr(a, out)),
    }
}

fn convert_date(d: &mail_parser::DateTime) -> Option<DateTime<FixedOffset>> {
    let offset_secs = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
    let offset = FixedOffset::east_opt(if d.tz_before_gmt {
        -offset_secs
    } else {
        offset_secs
    })?;
    let naive = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
        .and_hms_opt(u32::from(d.hour), u32::from(d.minute), u32::from(d.second))?;
    naive.and_local_timezone(offset).single()
}

fn convert_attachment(part: &mail_parser::MessagePart<'_>, raw: &[u8]) -> Attachment {
    let content_type = match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        },
        None => match part.body {
            PartType::Message(_) => "message/rfc822".to_string(),
            PartType::Text(_) => "text/plain".to_string(),
            PartType::Html(_) => "text/html".to_string(),
            _ => "application/octet-stream".to_string(),
        },
    }
    .to_ascii_lowercase();

    let content_id = part
        .content_id()
        .map(strip_angles)
        .filter(|id| !id.is_empty());
    let inline = match part.content_disposition() {
        Some(cd) => cd.is_inline(),
        None => content_id.is_some(),
    };

    let data = match &part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
        PartType::Message(m) => m.raw_message().to_vec(),
        // Text parts are charset-decoded by mail-parser; an attachment should keep the bytes
        // as sent, so decode the transfer encoding of the raw part ourselves.
        PartType::Text(_) | PartType::Html(_) | PartType::Multipart(_) => {
            let body = slice(raw, part.offset_body, part.offset_end);
            let encoding = part.content_transfer_encoding().unwrap_or("7bit");
            let mut decoder = TransferDecoder::new(encoding);
            let mut out = Vec::with_capacity(body.len());
            decoder.push(body, &mut out);
            decoder.finish(&mut out);
            out
        }
    };

    Attachment {
        filename: part.attachment_name().map(str::to_string),
        content_type,
        content_id,
        inline,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTIPART: &str = concat!(
        "Return-Path: <alice@example.org>\r\n",
        "From: =?utf-8?q?Alice_M=C3=BCller?= <alice@example.org>\r\n",
        "To: \"Doe, Bob\" <bob@example.net>, carol@example.com\r\n",
        "Cc: Team: dave@example.com, Eve <eve@example.com>;\r\n",
        "Reply-To: replies@example.org\r\n",
        "Subject: =?UTF-8?B?UXVhcnRhbHNiZXJpY2h0IPCfk4g=?=\r\n",
        " =?UTF-8?Q?_f=C3=BCr_Q3?=\r\n",
        "Date: Tue, 1 Jul 2025 10:52:37 +0200\r\n",
        "Message-ID: <abc.123@example.org>\r\n",
        "In-Reply-To: <parent@example.net>\r\n",
        "References: <root@example.net>\r\n <parent@example.net>\r\n",
        "X-Custom: =?iso-8859-1?q?caf=E9?=\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n",
        "\r\n",
        "This is a multi-part message in MIME format.\r\n",
        "--outer\r\n",
        "Content-Type: multipart/alternative; boundary=\"alt\"\r\n",
        "\r\n",
        "--alt\r\n",
        "Content-Type: text/plain; charset=iso-8859-1\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        "Gr=FC=DFe aus K=F6ln,=\r\n",
        " see the figures.\r\n",
        "--alt\r\n",
        "Content-Type: multipart/related; boundary=\"rel\"\r\n",
        "\r\n",
        "--rel\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
        "\r\n",
        "<p>Gr\u{fc}\u{df}e aus K\u{f6}ln, <img src=\"cid:chart@x\"></p>\r\n",
        "--rel\r\n",
        "Content-Type: image/png\r\n",
        "Content-ID: <chart@x>\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        "iVBORw0KGgo=\r\n",
        "--rel--\r\n",
        "--alt--\r\n",
        "--outer\r\n",
        "Content-Type: application/pdf; name=\"ignored.pdf\"\r\n",
        "Content-Disposition: attachment;\r\n",
        " filename*=utf-8''%E2%82%AC%20Rechnung.pdf\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        "JVBERi0xLjQKJcfs\r\n",
        "--outer\r\n",
        "Content-Type: text/csv; charset=iso-8859-1\r\n",
        "Content-Disposition: attachment; filename=\"data.csv\"\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        "name;city=0D=0AJ=FCrgen;K=F6ln\r\n",
        "--outer\r\n",
        "Content-Type: message/rfc822\r\n",
        "Content-Disposition: attachment\r\n",
        "\r\n",
        "From: x@example.com\r\n",
        "Subject: inner\r\n",
        "\r\n",
        "inner body\r\n",
        "--outer--\r\n",
    );

    fn addr(name: Option<&str>, address: &str) -> Address {
        Address::new(name, address)
    }

    // conformance: message.parse
    #[test]
    fn parses_a_full_multipart_message() {
        let m = Message::parse(MULTIPART.as_bytes()).expect("parses");
        assert_eq!(
            m.from,
            vec![addr(Some("Alice Müller"), "alice@example.org")]
        );
        assert_eq!(
            m.to,
            vec![
                addr(Some("Doe, Bob"), "bob@example.net"),
                addr(None, "carol@example.com")
            ]
        );
        assert_eq!(
            m.cc,
            vec![
                addr(None, "dave@example.com"),
                addr(Some("Eve"), "eve@example.com")
            ]
        );
        assert_eq!(m.reply_to, vec![addr(None, "replies@example.org")]);
        assert_eq!(m.subject.as_deref(), Some("Quartalsbericht 📈 für Q3"));
        let date = m.date.expect("date");
        assert_eq!(date.to_rfc3339(), "2025-07-01T10:52:37+02:00");
        assert_eq!(m.message_id.as_deref(), Some("abc.123@example.org"));
        assert_eq!(m.in_reply_to, vec!["parent@example.net"]);
        assert_eq!(m.references, vec!["root@example.net", "parent@example.net"]);
        assert!(m
            .headers
            .iter()
            .any(|(n, v)| n == "X-Custom" && v == "café"));
        assert!(m
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("references")
                && v == "<root@example.net> <parent@example.net>"));
        assert_eq!(m.headers[0].0, "Return-Path");
        assert_eq!(
            m.text.as_deref().map(str::trim_end),
            Some("Grüße aus Köln, see the figures.")
        );
        assert!(m
            .html
            .as_deref()
            .is_some_and(|h| h.contains("Grüße aus Köln")));

        let names: Vec<_> = m
            .attachments
            .iter()
            .map(|a| a.filename.as_deref())
            .collect();
        assert_eq!(
            names,
            vec![None, Some("€ Rechnung.pdf"), Some("data.csv"), None]
        );
        let image = &m.attachments[0];
        assert_eq!(image.content_type, "image/png");
        assert_eq!(image.content_id.as_deref(), Some("chart@x"));
        assert!(image.inline);
        assert_eq!(image.data, b"\x89PNG\r\n\x1a\n");
        let pdf = &m.attachments[1];
        assert_eq!(pdf.content_type, "application/pdf");
        assert!(!pdf.inline);
        assert_eq!(pdf.data, b"%PDF-1.4\n%\xc7\xec");
        let csv = &m.attachments[2];
        assert_eq!(csv.content_type, "text/csv");
        assert_eq!(csv.data, b"name;city\r\nJ\xfcrgen;K\xf6ln");
        let inner = &m.attachments[3];
        assert_eq!(inner.content_type, "message/rfc822");
        assert!(!inner.inline);
        let inner_msg = Message::parse(&inner.data).expect("inner parses");
        assert_eq!(inner_msg.subject.as_deref(), Some("inner"));
    }

    #[test]
    fn html_only_message_gets_text_rendering_and_text_only_has_no_html() {
        let html_only = concat!(
            "From: a@example.org\r\n",
            "Subject: html\r\n",
            "Content-Type: text/html; charset=utf-8\r\n",
            "\r\n",
            "<html><body><p>Hello <b>world</b></p></body></html>\r\n",
        );
        let m = Message::parse(html_only.as_bytes()).expect("parses");
        assert!(m
            .html
            .as_deref()
            .is_some_and(|h| h.contains("<b>world</b>")));
        assert!(m.text.as_deref().is_some_and(|t| t.contains("Hello world")));

        let text_only = "From: a@example.org\r\nSubject: t\r\n\r\nJust text\r\n";
        let m = Message::parse(text_only.as_bytes()).expect("parses");
        assert_eq!(m.html, None);
        assert_eq!(m.text.as_deref().map(str::trim_end), Some("Just text"));
        assert!(m.attachments.is_empty());
    }

    // conformance: message.parse
    #[test]
    fn charsets_are_decoded() {
        for (charset, body, expected) in [
            ("iso-8859-1", &b"caf\xe9"[..], "café"),
            ("windows-1252", &b"\x80 5 \x93q\x94"[..], "€ 5 “q”"),
            ("utf-8", "naïve ✓".as_bytes(), "naïve ✓"),
            ("koi8-r", &b"\xf0\xd2\xc9\xd7\xc5\xd4"[..], "Привет"),
        ] {
            let mut raw = format!(
                "From: a@example.org\r\nContent-Type: text/plain; charset={charset}\r\n\
                 Content-Transfer-Encoding: 8bit\r\n\r\n"
            )
            .into_bytes();
            raw.extend_from_slice(body);
            let m = Message::parse(&raw).expect("parses");
            assert_eq!(m.text.as_deref(), Some(expected), "{charset}");
        }
    }

    /// The expected values are what CPython 3.11's `email.message_from_bytes` gives for the
    /// same bytes (`m.items()`, `m.get_payload()`).
    #[test]
    fn input_without_headers_is_a_body_as_python_reads_it() {
        type Case<'a> = (&'a [u8], &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case<'_>] = &[
            (b"", &[], ""),
            (b"\r\n\r\n", &[], "\r\n"),
            (b"hello world", &[], "hello world"),
            (b"\x00\x01\x02binary", &[], "\x00\x01\x02binary"),
            (
                b"hello world\r\nSubject: x\r\n\r\nbody",
                &[],
                "hello world\r\nSubject: x\r\n\r\nbody",
            ),
            (b"\r\nbody line\r\n", &[], "body line\r\n"),
            (
                b"X: y\r\nnot a header\r\nSubject: z\r\n\r\nbody\r\n",
                &[("X", "y")],
                "not a header\r\nSubject: z\r\n\r\nbody\r\n",
            ),
            (
                b"From a@b Thu Jan  1 00:00:00 1970\r\nSubject: mbox\r\n\r\nbody",
                &[("Subject", "mbox")],
                "body",
            ),
            (
                b" continuation first\r\nSubject: x\r\n\r\nbody",
                &[("Subject", "x")],
                "body",
            ),
            (b": empty name\r\n\r\nbody", &[], "body"),
            (b"   ", &[], ""),
        ];
        for (raw, headers, text) in cases {
            let m = match Message::parse(raw) {
                Ok(m) => m,
                Err(e) => panic!("{raw:?}: {e}"),
            };
            let got: Vec<(&str, &str)> = m
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            assert_eq!(got, *headers, "{raw:?}");
            assert_eq!(m.text.as_deref(), Some(*text), "{raw:?}");
            assert!(m.attachments.is_empty() && m.html.is_none(), "{raw:?}");
        }
        let m = Message::parse(b"hello world").expect("parses");
        assert_eq!(m.subject, None);
        assert!(m.from.is_empty());
    }

    /// Duplicate names are kept, and an inline part with a file name is an attachment (not
    /// body text), as CPython's `EmailMessage.iter_attachments()` and `mailparser` see it:
    /// `[('text/plain', 'notes.txt', 'attachment', b'first'), ('text/plain', 'notes.txt',
    /// 'attachment', b'second'), ('image/png', 'logo.png', 'inline', <PNG>), ('text/plain',
    /// 'inline-note.txt', 'inline', b'inline text with a filename')]`, body `'Body text'`.
    #[test]
    fn duplicate_names_and_inline_parts_with_file_names_are_attachments() {
        let raw = concat!(
            "From: a@x.org\r\nTo: b@x.org\r\nSubject: dup\r\nMIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
            "--b\r\nContent-Type: text/plain\r\n\r\nBody text\r\n",
            "--b\r\nContent-Type: text/plain; name=\"notes.txt\"\r\n",
            "Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nfirst\r\n",
            "--b\r\nContent-Type: text/plain; name=\"notes.txt\"\r\n",
            "Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nsecond\r\n",
            "--b\r\nContent-Type: image/png; name=\"logo.png\"\r\n",
            "Content-Disposition: inline; filename=\"logo.png\"\r\nContent-ID: <logo@x>\r\n",
            "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n",
            "--b\r\nContent-Type: text/plain\r\n",
            "Content-Disposition: inline; filename=\"inline-note.txt\"\r\n\r\n",
            "inline text with a filename\r\n",
            "--b--\r\n",
        );
        let m = Message::parse(raw.as_bytes()).expect("parses");
        assert_eq!(m.text.as_deref(), Some("Body text"));
        let got: Vec<(&str, Option<&str>, bool, &[u8])> = m
            .attachments
            .iter()
            .map(|a| {
                (
                    a.content_type.as_str(),
                    a.filename.as_deref(),
                    a.inline,
                    a.data.as_slice(),
                )
            })
            .collect();
        let expected: Vec<(&str, Option<&str>, bool, &[u8])> = vec![
            ("text/plain", Some("notes.txt"), false, b"first"),
            ("text/plain", Some("notes.txt"), false, b"second"),
            ("image/png", Some("logo.png"), true, b"\x89PNG\r\n\x1a\n"),
            (
                "text/plain",
                Some("inline-note.txt"),
                true,
                b"inline text with a filename",
            ),
        ];
        assert_eq!(got, expected);
        assert_eq!(m.attachments[2].content_id.as_deref(), Some("logo@x"));
    }

    #[test]
    fn addresses_with_line_breaks_in_names_are_sanitised() {
        let raw = concat!(
            "From: =?utf-8?q?Mallory=0D=0ABcc:_all@x.org?= <m@x.org>\r\n",
            "To: =?utf-8?b?Qm9iAA0K?= <bob@x.org>, \"Tab\tName\" <t@x.org>\r\n",
            "\r\nbody\r\n",
        );
        let m = Message::parse(raw.as_bytes()).expect("parses");
        assert_eq!(m.from[0].name.as_deref(), Some("Mallory  Bcc: all@x.org"));
        assert_eq!(m.to[0].name.as_deref(), Some("Bob"));
        assert_eq!(m.to[1].name.as_deref(), Some("Tab Name"));
        for a in m.from.iter().chain(&m.to) {
            let shown = a.to_string();
            assert!(!shown.contains(['\r', '\n', '\0', '\t']), "{shown:?}");
        }
    }

    // conformance: message.parse
    #[test]
    fn malformed_mail_still_parses() {
        let cases: Vec<&[u8]> = vec![
            // Missing closing boundary.
            b"From: a@x.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER",
            // Bad base64.
            b"From: a@x.org\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!@@@###???\r\n",
            // Header line without a colon.
            b"From: a@x.org\r\nThis is not a header\r\nSubject: still here\r\n\r\nbody\r\n",
            // 8-bit bytes in headers.
            b"From: J\xfcrgen <j@x.org>\r\nSubject: Gr\xfc\xdfe \xff\xfe\r\n\r\nbody\r\n",
            // Boundary never used.
            b"From: a@x.org\r\nContent-Type: multipart/alternative; boundary=zzz\r\n\r\nno parts at all\r\n",
            // No boundary parameter.
            b"From: a@x.org\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nbody\r\n",
            // Broken date and addresses.
            b"From: <<<>>>\r\nTo: ,,,@\r\nDate: yesterday-ish\r\nMessage-ID: <\r\n\r\nbody",
            // Bare LF line endings.
            b"From: a@x.org\nSubject: lf\n\nbody\n",
        ];
        for raw in cases {
            let m = Message::parse(raw);
            assert!(m.is_ok(), "{:?}", String::from_utf8_lossy(raw));
        }
        let m = Message::parse(
            b"From: a@x.org\r\nThis is not a header\r\nSubject: still here\r\n\r\nbody\r\n",
        )
        .expect("parses");
        assert_eq!(m.from, vec![addr(None, "a@x.org")]);
        let m = Message::parse(b"From: J\xfcrgen <j@x.org>\r\nSubject: Gr\xfc\r\n\r\nbody\r\n")
            .expect("parses");
        assert_eq!(m.from.first().map(|a| a.address.as_str()), Some("j@x.org"));
        assert!(m.subject.is_some());
    }

    // conformance: message.parse
    #[test]
    fn truncated_prefixes_never_panic() {
        let raw = MULTIPART.as_bytes();
        for end in 0..=raw.len() {
            let _ = Message::parse(&raw[..end]);
        }
    }
}
