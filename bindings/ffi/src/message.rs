//! Messages: parse received mail, compose new mail (records), reply and forward.

use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, Utc};

use crate::error::{guard, Result};

pub(crate) fn time_from(d: DateTime<FixedOffset>) -> SystemTime {
    SystemTime::from(d)
}

pub(crate) fn time_to(t: SystemTime) -> DateTime<FixedOffset> {
    DateTime::<Utc>::from(t).fixed_offset()
}

/// An email address with an optional display name.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Address {
    /// The address itself (`jane@example.com`), without angle brackets.
    pub address: String,
    /// The display name (`Jane Doe`), decoded, without quotes.
    #[uniffi(default = None)]
    pub name: Option<String>,
}

impl From<mailwire::Address> for Address {
    fn from(a: mailwire::Address) -> Self {
        Address {
            address: a.address,
            name: a.name,
        }
    }
}

impl From<Address> for mailwire::Address {
    fn from(a: Address) -> Self {
        mailwire::Address {
            name: a.name,
            address: a.address,
        }
    }
}

pub(crate) fn addrs(v: Vec<mailwire::Address>) -> Vec<Address> {
    v.into_iter().map(Into::into).collect()
}

fn core_addrs(v: Vec<Address>) -> Vec<mailwire::Address> {
    v.into_iter().map(Into::into).collect()
}

/// A header as (name, value).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    /// The header name (`X-Mailer`).
    pub name: String,
    /// The value, decoded and unfolded.
    pub value: String,
}

fn headers(v: Vec<(String, String)>) -> Vec<Header> {
    v.into_iter()
        .map(|(name, value)| Header { name, value })
        .collect()
}

fn core_headers(v: Vec<Header>) -> Vec<(String, String)> {
    v.into_iter().map(|h| (h.name, h.value)).collect()
}

/// A file attached to a message, or an inline image referenced from HTML as
/// `cid:<content_id>`. Used both for parsed and for outgoing messages.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attachment {
    /// The file name, if any.
    pub filename: Option<String>,
    /// The MIME type (`application/pdf`).
    pub content_type: String,
    /// The content, transfer-decoded.
    pub data: Vec<u8>,
    /// The Content-ID without angle brackets (inline images).
    #[uniffi(default = None)]
    pub content_id: Option<String>,
    /// Shown inside the body rather than as a separate attachment.
    #[uniffi(default = false)]
    pub inline: bool,
}

impl From<mailwire::Attachment> for Attachment {
    fn from(a: mailwire::Attachment) -> Self {
        Attachment {
            filename: a.filename,
            content_type: a.content_type,
            data: a.data,
            content_id: a.content_id,
            inline: a.inline,
        }
    }
}

impl From<Attachment> for mailwire::Attachment {
    fn from(a: Attachment) -> Self {
        mailwire::Attachment {
            filename: a.filename,
            content_type: a.content_type,
            content_id: a.content_id,
            inline: a.inline,
            data: a.data,
        }
    }
}

/// A parsed email message: decoded headers, text and HTML bodies, attachments with bytes.
#[derive(Clone, uniffi::Record)]
pub struct Message {
    /// The `From` addresses.
    pub from: Vec<Address>,
    /// The `To` addresses.
    pub to: Vec<Address>,
    /// The `Cc` addresses.
    pub cc: Vec<Address>,
    /// The `Bcc` addresses (drafts and sent copies only).
    pub bcc: Vec<Address>,
    /// The `Reply-To` addresses.
    pub reply_to: Vec<Address>,
    /// The `Sender`, when it differs from `From`.
    pub sender: Option<Address>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// The `Date` header.
    pub date: Option<SystemTime>,
    /// The `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The `In-Reply-To` ids.
    pub in_reply_to: Vec<String>,
    /// The `References` ids, oldest first.
    pub references: Vec<String>,
    /// Every top-level header in order.
    pub headers: Vec<Header>,
    /// The plain-text body (a rendering of the HTML when only HTML exists).
    pub text: Option<String>,
    /// The HTML body, only when the message has a `text/html` part.
    pub html: Option<String>,
    /// Every attachment, inline images included.
    pub attachments: Vec<Attachment>,
}

impl From<mailwire::Message> for Message {
    fn from(m: mailwire::Message) -> Self {
        Message {
            from: addrs(m.from),
            to: addrs(m.to),
            cc: addrs(m.cc),
            bcc: addrs(m.bcc),
            reply_to: addrs(m.reply_to),
            sender: m.sender.map(Into::into),
            subject: m.subject,
            date: m.date.map(time_from),
            message_id: m.message_id,
            in_reply_to: m.in_reply_to,
            references: m.references,
            headers: headers(m.headers),
            text: m.text,
            html: m.html,
            attachments: m.attachments.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Message> for mailwire::Message {
    fn from(m: Message) -> Self {
        mailwire::Message {
            from: core_addrs(m.from),
            to: core_addrs(m.to),
            cc: core_addrs(m.cc),
            bcc: core_addrs(m.bcc),
            reply_to: core_addrs(m.reply_to),
            sender: m.sender.map(Into::into),
            subject: m.subject,
            date: m.date.map(time_to),
            message_id: m.message_id,
            in_reply_to: m.in_reply_to,
            references: m.references,
            headers: core_headers(m.headers),
            text: m.text,
            html: m.html,
            attachments: m.attachments.into_iter().map(Into::into).collect(),
        }
    }
}

/// A message to send. The MIME structure follows from what is set (text, HTML, inline
/// images, attachments); `bcc` recipients get it but are never in the headers.
#[derive(Clone, Default, uniffi::Record)]
pub struct OutgoingMessage {
    /// The author (required to send).
    #[uniffi(default = None)]
    pub from: Option<Address>,
    /// `To` recipients.
    #[uniffi(default = [])]
    pub to: Vec<Address>,
    /// `Cc` recipients.
    #[uniffi(default = [])]
    pub cc: Vec<Address>,
    /// Blind recipients.
    #[uniffi(default = [])]
    pub bcc: Vec<Address>,
    /// Where replies should go.
    #[uniffi(default = [])]
    pub reply_to: Vec<Address>,
    /// The subject.
    #[uniffi(default = None)]
    pub subject: Option<String>,
    /// The plain-text body.
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// The HTML body.
    #[uniffi(default = None)]
    pub html: Option<String>,
    /// Attachments and inline images.
    #[uniffi(default = [])]
    pub attachments: Vec<Attachment>,
    /// Extra headers (`X-Mailer`, …).
    #[uniffi(default = [])]
    pub headers: Vec<Header>,
    /// The Message-ID without angle brackets; generated when absent.
    #[uniffi(default = None)]
    pub message_id: Option<String>,
    /// The Message-ID this message answers.
    #[uniffi(default = None)]
    pub in_reply_to: Option<String>,
    /// The thread's Message-IDs, oldest first.
    #[uniffi(default = [])]
    pub references: Vec<String>,
    /// The `Date` header; the sending time when absent.
    #[uniffi(default = None)]
    pub date: Option<SystemTime>,
}

impl From<OutgoingMessage> for mailwire::OutgoingMessage {
    fn from(m: OutgoingMessage) -> Self {
        let mut out = mailwire::OutgoingMessage::new();
        out.from = m.from.map(Into::into);
        out.to = core_addrs(m.to);
        out.cc = core_addrs(m.cc);
        out.bcc = core_addrs(m.bcc);
        out.reply_to = core_addrs(m.reply_to);
        out.subject = m.subject;
        out.text = m.text;
        out.html = m.html;
        out.attachments = m.attachments.into_iter().map(Into::into).collect();
        out.headers = core_headers(m.headers);
        out.message_id = m.message_id;
        out.in_reply_to = m.in_reply_to;
        out.references = m.references;
        out.date = m.date.map(time_to);
        out
    }
}

impl From<mailwire::OutgoingMessage> for OutgoingMessage {
    fn from(m: mailwire::OutgoingMessage) -> Self {
        OutgoingMessage {
            from: m.from.map(Into::into),
            to: addrs(m.to),
            cc: addrs(m.cc),
            bcc: addrs(m.bcc),
            reply_to: addrs(m.reply_to),
            subject: m.subject,
            text: m.text,
            html: m.html,
            attachments: m.attachments.into_iter().map(Into::into).collect(),
            headers: headers(m.headers),
            message_id: m.message_id,
            in_reply_to: m.in_reply_to,
            references: m.references,
            date: m.date.map(time_from),
        }
    }
}

/// Parses a raw RFC 5322 message (as fetched or read from an `.eml` file). Lenient; fails
/// with `InvalidInput` only when the input has no header at all.
#[uniffi::export]
pub fn parse_message(data: Vec<u8>) -> Result<Message> {
    guard(|| Ok(mailwire::Message::parse(&data)?.into()))
}

/// Parses `jane@example.com` or `Jane Doe <jane@example.com>`; `InvalidInput` otherwise.
#[uniffi::export]
pub fn parse_address(text: String) -> Result<Address> {
    guard(|| Ok(mailwire::Address::parse(&text)?.into()))
}

/// Serialises a message to RFC 5322 bytes (for `append`, drafts, `.eml` files).
#[uniffi::export]
pub fn message_to_bytes(message: OutgoingMessage) -> Result<Vec<u8>> {
    guard(|| Ok(<mailwire::OutgoingMessage as From<OutgoingMessage>>::from(message).to_bytes()?))
}

/// A reply to `original` from `from`: addressed, `Re: ` subject, threaded, text quoted,
/// with `text` (the answer) above the quote. With `reply_all` the original To and Cc go to
/// Cc. Fails only with `Protocol`, when mailwire itself has a bug.
#[uniffi::export(default(text = None))]
pub fn reply_to_message(
    original: Message,
    reply_all: bool,
    from: Address,
    text: Option<String>,
) -> Result<OutgoingMessage> {
    guard(|| {
        let reply = mailwire::OutgoingMessage::reply(&original.into(), reply_all, from.into());
        Ok(above(reply, text).into())
    })
}

/// A forward of `original` from `from` (recipients still to be set), with `text` above
/// the forwarded message. Fails only with `Protocol`, when mailwire itself has a bug.
#[uniffi::export(default(text = None))]
pub fn forward_message(
    original: Message,
    from: Address,
    text: Option<String>,
) -> Result<OutgoingMessage> {
    guard(|| {
        Ok(above(
            mailwire::OutgoingMessage::forward(&original.into(), from.into()),
            text,
        )
        .into())
    })
}

fn above(m: mailwire::OutgoingMessage, text: Option<String>) -> mailwire::OutgoingMessage {
    match text {
        Some(t) => m.with_text_above(&t),
        None => m,
    }
}
