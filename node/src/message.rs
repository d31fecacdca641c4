//! Messages as plain JavaScript objects: parsed mail (`Message`), and mail to send in the
//! shape nodemailer users know (`MailOptions`); parsing, building, reply and forward.

use chrono::{DateTime, FixedOffset};
use mailwire::message as core;
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use crate::bytes::Bytes;
use crate::error::{guard, IntoNapi, Result};
use crate::text::{lf_line_endings, Text};

/// An email address with an optional display name.
#[napi(object)]
#[derive(Clone)]
pub struct Address {
    /// The display name, decoded, without quotes.
    pub name: Option<String>,
    /// The address itself, without angle brackets.
    pub address: String,
}

impl From<core::Address> for Address {
    fn from(a: core::Address) -> Self {
        Address {
            name: a.name,
            address: a.address,
        }
    }
}

impl From<Address> for core::Address {
    fn from(a: Address) -> Self {
        core::Address::new(a.name, a.address)
    }
}

/// Core addresses as JavaScript objects.
pub(crate) fn addrs(v: Vec<core::Address>) -> Vec<Address> {
    v.into_iter().map(Into::into).collect()
}

fn core_addrs(v: Vec<Address>) -> Vec<core::Address> {
    v.into_iter().map(Into::into).collect()
}

/// An address given as `"Name <a@b>"` / `"a@b, c@d"` or as `{name, address}`.
#[napi]
pub type AddressInput = Either<String, Address>;

/// Parses address inputs (a string may hold a comma-separated list).
fn parse_addrs(list: Option<Vec<AddressInput>>) -> Result<Vec<core::Address>> {
    let mut out = Vec::new();
    for a in list.unwrap_or_default() {
        match a {
            Either::A(s) => out.extend(core::Address::parse_list(&s).napi()?),
            Either::B(a) => out.push(a.into()),
        }
    }
    Ok(out)
}

fn parse_one(a: AddressInput) -> Result<core::Address> {
    match a {
        Either::A(s) => core::Address::parse(&s).napi(),
        Either::B(a) => Ok(a.into()),
    }
}

/// A header line.
#[napi(object)]
#[derive(Clone)]
pub struct Header {
    /// The header name as written.
    pub name: String,
    /// The value, decoded.
    pub value: String,
}

/// An attachment of a parsed message, with its decoded data.
#[napi(object)]
pub struct Attachment {
    /// The file name, decoded.
    pub filename: Option<String>,
    /// The MIME type (`application/pdf`).
    pub content_type: String,
    /// The Content-ID without angle brackets (inline images).
    pub content_id: Option<String>,
    /// Shown inline rather than as a separate attachment.
    pub inline: bool,
    /// The decoded content.
    #[napi(ts_type = "Buffer")]
    pub data: Bytes,
}

/// A parsed message (`parseMessage`, `fetchMessage`).
#[napi(object)]
pub struct Message {
    /// From.
    pub from: Vec<Address>,
    /// To.
    pub to: Vec<Address>,
    /// Cc.
    pub cc: Vec<Address>,
    /// Bcc (only present on messages that kept it, such as drafts).
    pub bcc: Vec<Address>,
    /// Reply-To.
    pub reply_to: Vec<Address>,
    /// Sender, when it differs from From.
    pub sender: Option<Address>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// The Date header.
    pub date: Option<DateTime<FixedOffset>>,
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The In-Reply-To ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// The References ids, without angle brackets.
    pub references: Vec<String>,
    /// Every header in order, values decoded.
    pub headers: Vec<Header>,
    /// The plain-text body, lines ending in `\n` (as mailparser gives it).
    #[napi(ts_type = "string")]
    pub text: Option<Text>,
    /// The HTML body, when the message has one.
    #[napi(ts_type = "string")]
    pub html: Option<Text>,
    /// Attachments and inline parts, decoded.
    pub attachments: Vec<Attachment>,
}

impl From<core::Message> for Message {
    fn from(m: core::Message) -> Self {
        Message {
            from: addrs(m.from),
            to: addrs(m.to),
            cc: addrs(m.cc),
            bcc: addrs(m.bcc),
            reply_to: addrs(m.reply_to),
            sender: m.sender.map(Into::into),
            subject: m.subject,
            date: m.date,
            message_id: m.message_id,
            in_reply_to: m.in_reply_to,
            references: m.references,
            headers: m
                .headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            text: m.text.map(|t| Text(lf_line_endings(t))),
            html: m.html.map(Text),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    filename: a.filename,
                    content_type: a.content_type,
                    content_id: a.content_id,
                    inline: a.inline,
                    data: Bytes(a.data),
                })
                .collect(),
        }
    }
}

impl From<Message> for core::Message {
    fn from(m: Message) -> Self {
        core::Message {
            from: core_addrs(m.from),
            to: core_addrs(m.to),
            cc: core_addrs(m.cc),
            bcc: core_addrs(m.bcc),
            reply_to: core_addrs(m.reply_to),
            sender: m.sender.map(Into::into),
            subject: m.subject,
            date: m.date,
            message_id: m.message_id,
            in_reply_to: m.in_reply_to,
            references: m.references,
            headers: m.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            text: m.text.map(|t| t.0),
            html: m.html.map(|t| t.0),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| core::Attachment {
                    filename: a.filename,
                    content_type: a.content_type,
                    content_id: a.content_id,
                    inline: a.inline,
                    data: a.data.0,
                })
                .collect(),
        }
    }
}

/// An attachment to send (the facade has read `path` and decoded string content already).
#[napi(object)]
pub struct MailAttachment {
    /// The file name shown to the recipient.
    pub filename: Option<String>,
    /// The content.
    pub content: Buffer,
    /// The MIME type; default `application/octet-stream`.
    pub content_type: Option<String>,
    /// A Content-ID (without angle brackets) makes it an inline part for `<img src="cid:…">`.
    pub cid: Option<String>,
}

/// A message to send, shaped like nodemailer's message object (the native form: addresses
/// are lists, attachment content is a Buffer).
#[napi(object)]
pub struct MailOptions {
    /// The author.
    pub from: Option<AddressInput>,
    /// Recipients.
    pub to: Option<Vec<AddressInput>>,
    /// Copy recipients.
    pub cc: Option<Vec<AddressInput>>,
    /// Blind copy recipients (never written into the headers).
    pub bcc: Option<Vec<AddressInput>>,
    /// Where replies should go.
    pub reply_to: Option<Vec<AddressInput>>,
    /// The subject.
    pub subject: Option<String>,
    /// The plain-text body.
    pub text: Option<String>,
    /// The HTML body.
    pub html: Option<String>,
    /// Attachments and inline images.
    pub attachments: Option<Vec<MailAttachment>>,
    /// Extra headers.
    pub headers: Option<Vec<Header>>,
    /// The Message-ID (without angle brackets); generated when absent.
    pub message_id: Option<String>,
    /// The Message-ID this answers.
    pub in_reply_to: Option<String>,
    /// The thread's Message-IDs.
    pub references: Option<Vec<String>>,
    /// The Date header; now when absent.
    pub date: Option<DateTime<FixedOffset>>,
}

/// The core's outgoing message for `m`.
pub(crate) fn outgoing(m: MailOptions) -> Result<core::OutgoingMessage> {
    let mut out = core::OutgoingMessage::new();
    out.from = m.from.map(parse_one).transpose()?;
    out.to = parse_addrs(m.to)?;
    out.cc = parse_addrs(m.cc)?;
    out.bcc = parse_addrs(m.bcc)?;
    out.reply_to = parse_addrs(m.reply_to)?;
    out.subject = m.subject;
    out.text = m.text;
    out.html = m.html;
    for a in m.attachments.unwrap_or_default() {
        let content_type = a
            .content_type
            .unwrap_or_else(|| "application/octet-stream".to_string());
        out.attachments.push(core::Attachment {
            filename: a.filename,
            content_type,
            inline: a.cid.is_some(),
            content_id: a.cid,
            data: a.content.to_vec(),
        });
    }
    out.headers = m
        .headers
        .unwrap_or_default()
        .into_iter()
        .map(|h| (h.name, h.value))
        .collect();
    out.message_id = m.message_id;
    out.in_reply_to = m.in_reply_to;
    out.references = m.references.unwrap_or_default();
    out.date = m.date;
    Ok(out)
}

/// The nodemailer-shaped object for a core outgoing message (reply, forward).
fn mail_options(m: core::OutgoingMessage) -> MailOptions {
    let list = |v: Vec<core::Address>| Some(v.into_iter().map(|a| Either::B(a.into())).collect());
    MailOptions {
        from: m.from.map(|a| Either::B(a.into())),
        to: list(m.to),
        cc: list(m.cc),
        bcc: list(m.bcc),
        reply_to: list(m.reply_to),
        subject: m.subject,
        text: m.text,
        html: m.html,
        attachments: Some(
            m.attachments
                .into_iter()
                .map(|a| MailAttachment {
                    filename: a.filename,
                    content: a.data.into(),
                    content_type: Some(a.content_type),
                    cid: a.content_id,
                })
                .collect(),
        ),
        headers: Some(
            m.headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
        ),
        message_id: m.message_id,
        in_reply_to: m.in_reply_to,
        references: Some(m.references),
        date: m.date,
    }
}

/// Parses a complete RFC 5322 message: headers decoded, text and HTML bodies, attachments.
/// Throws `EINVAL` for empty input.
#[napi(js_name = "parseMessage", catch_unwind)]
pub fn parse_message(raw: Buffer) -> Result<Message> {
    guard(|| Ok(core::Message::parse(&raw).napi()?.into()))
}

/// The message as RFC 5322 bytes (Bcc left out), exactly as `send` would transmit it.
#[napi(js_name = "buildMessage", catch_unwind)]
pub fn build_message(message: MailOptions) -> Result<Buffer> {
    guard(|| Ok(outgoing(message)?.to_bytes().napi()?.into()))
}

/// A reply to `original` from `from`: To is its Reply-To (or From); with `replyAll` its To
/// and Cc become Cc; `Re:` subject, In-Reply-To and References continue the thread, and the
/// text quotes the original (with `text` above the quote).
#[napi(js_name = "replyTo", catch_unwind)]
pub fn reply_to(
    original: Message,
    from: AddressInput,
    reply_all: bool,
    text: Option<String>,
) -> Result<MailOptions> {
    guard(|| {
        let from = parse_one(from)?;
        let mut m = core::OutgoingMessage::reply(&original.into(), reply_all, from);
        if let Some(answer) = text {
            m = m.with_text_above(&answer);
        }
        Ok(mail_options(m))
    })
}

/// A forward of `original` from `from` to `to`: `Fwd:` subject, a forwarded-message block
/// (with `text` above it), every attachment carried over.
#[napi(js_name = "forwardTo", catch_unwind)]
pub fn forward_to(
    original: Message,
    from: AddressInput,
    to: Vec<AddressInput>,
    text: Option<String>,
) -> Result<MailOptions> {
    guard(|| {
        let from = parse_one(from)?;
        let mut m = core::OutgoingMessage::forward(&original.into(), from);
        m.to = parse_addrs(Some(to))?;
        if let Some(note) = text {
            m = m.with_text_above(&note);
        }
        Ok(mail_options(m))
    })
}
