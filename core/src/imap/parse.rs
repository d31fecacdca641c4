//! Turning imap-proto's parsed responses into mailwire's types.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
use imap_proto::{
    self, AttributeValue, BodyStructure, Capability, ContentEncoding, MailboxListData,
    NameAttribute, Response, ResponseCode, StatusAttribute,
};

use super::command::UidSet;
use super::types::{
    AttachmentInfo, Envelope, Flag, Mailbox, MailboxEvent, MailboxRole, MailboxStatus,
    MessageSummary,
};
use crate::message::encoding::{decode_mailbox_name, decode_param_value, decode_words};
use crate::message::Address;

/// A capability in upper case (`IDLE`, `AUTH=PLAIN`).
pub(crate) fn capability_name(c: &Capability<'_>) -> String {
    match c {
        Capability::Imap4rev1 => "IMAP4REV1".to_string(),
        Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
        Capability::Atom(a) => a.to_ascii_uppercase(),
    }
}

/// What kind of response `r` is, in words, for error messages: never the response's bytes
/// or Rust debug text (a literal would show as a list of numbers).
pub(crate) fn kind(r: &Response<'_>) -> &'static str {
    use imap_proto::Status;
    match r {
        Response::Capabilities(_) => "a CAPABILITY response",
        Response::Continue(_) => "a continuation request",
        Response::Done { .. } => "a tagged completion",
        Response::Data { status, .. } => match status {
            Status::Ok => "an untagged OK",
            Status::No => "an untagged NO",
            Status::Bad => "an untagged BAD",
            Status::PreAuth => "an untagged PREAUTH",
            Status::Bye => "an untagged BYE",
        },
        Response::Expunge(_) => "an EXPUNGE response",
        Response::Vanished { .. } => "a VANISHED response",
        Response::Fetch(..) => "a FETCH response",
        Response::MailboxData(_) => "mailbox data",
        _ => "an untagged response",
    }
}

/// A short debug form of a response for traces.
pub(crate) fn brief(r: &Response<'_>) -> String {
    brief_text(&format!("{r:?}"))
}

/// `s` cut to 400 bytes (at a character boundary) for a trace line.
pub(crate) fn brief_text(s: &str) -> String {
    let mut s = s.to_string();
    if s.len() > 400 {
        let mut cut = 400;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// The response code of a NO/BAD (`NONEXISTENT`, …) and the text without it.
pub(crate) fn split_code(code: Option<&ResponseCode<'_>>, text: &str) -> (Option<String>, String) {
    if let Some(code) = code {
        let name = match code {
            ResponseCode::TryCreate => "TRYCREATE",
            ResponseCode::ReadOnly => "READ-ONLY",
            ResponseCode::Parse => "PARSE",
            ResponseCode::Alert => "ALERT",
            ResponseCode::BadCharset(_) => "BADCHARSET",
            _ => "OTHER",
        };
        return (Some(name.to_string()), text.to_string());
    }
    // imap-proto leaves codes it does not know in the text: "[NONEXISTENT] Mailbox …".
    if let Some(rest) = text.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let code = rest[..end]
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            return (Some(code), rest[end + 1..].trim_start().to_string());
        }
    }
    (None, text.to_string())
}

/// Undoes the `\\` and `\"` escapes of an IMAP quoted string. imap-proto hands quoted
/// strings over still escaped; a literal holding these exact pairs would be altered too,
/// which servers avoid by quoting such strings.
pub(crate) fn unescape(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&b'\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() && matches!(raw[i + 1], b'\\' | b'"') {
            out.push(raw[i + 1]);
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

fn unescape_str(s: &str) -> String {
    String::from_utf8_lossy(&unescape(s.as_bytes())).into_owned()
}

pub(crate) fn flags(list: &[Cow<'_, str>]) -> Vec<Flag> {
    list.iter().map(|f| Flag::parse(f)).collect()
}

/// An unsolicited FETCH carrying flags.
pub(crate) fn flag_change(seq: u32, attrs: &[AttributeValue<'_>]) -> Option<MailboxEvent> {
    let mut uid = None;
    let mut fl = None;
    let mut modseq = None;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Flags(f) => fl = Some(flags(f)),
            AttributeValue::ModSeq(m) => modseq = Some(*m),
            _ => {}
        }
    }
    Some(MailboxEvent::Flags {
        uid,
        seq,
        flags: fl?,
        modseq,
    })
}

/// A summary from the attributes of one FETCH response (None without a UID).
pub(crate) fn summary(attrs: &[AttributeValue<'_>]) -> Option<MessageSummary> {
    let mut s = MessageSummary {
        uid: 0,
        flags: Vec::new(),
        size: 0,
        internal_date: None,
        modseq: None,
        envelope: Envelope::default(),
        attachments: Vec::new(),
        gmail_message_id: None,
        gmail_thread_id: None,
        gmail_labels: Vec::new(),
    };
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => s.uid = *u,
            AttributeValue::Flags(f) => s.flags = flags(f),
            AttributeValue::Rfc822Size(n) => s.size = *n,
            AttributeValue::InternalDate(d) => s.internal_date = internal_date(d),
            AttributeValue::ModSeq(m) => s.modseq = Some(*m),
            AttributeValue::Envelope(e) => s.envelope = envelope(e),
            AttributeValue::BodyStructure(b) => s.attachments = attachments(b),
            AttributeValue::GmailMsgId(id) => s.gmail_message_id = Some(*id),
            AttributeValue::GmailThrId(id) => s.gmail_thread_id = Some(*id),
            AttributeValue::GmailLabels(l) => {
                s.gmail_labels = l
                    .iter()
                    .map(|l| crate::message::encoding::decode_mailbox_name(l))
                    .collect()
            }
            _ => {}
        }
    }
    (s.uid != 0).then_some(s)
}

/// `17-Jul-1996 02:44:25 -0700`.
pub(crate) fn internal_date(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(s.trim(), "%d-%b-%Y %H:%M:%S %z").ok()
}

/// An RFC 5322 date header, leniently.
pub(crate) fn header_date(raw: &[u8]) -> Option<DateTime<FixedOffset>> {
    let s = String::from_utf8_lossy(raw);
    let s = s.trim();
    // Drop a trailing comment like "(PDT)".
    let s = match s.rfind('(') {
        Some(i) if s.ends_with(')') => s[..i].trim(),
        _ => s,
    };
    DateTime::parse_from_rfc2822(s).ok()
}

fn text(raw: &Option<Cow<'_, [u8]>>) -> Option<String> {
    raw.as_ref().map(|r| decode_words(&unescape(r)))
}

fn msg_id(raw: &Option<Cow<'_, [u8]>>) -> Option<String> {
    let s = String::from_utf8_lossy(raw.as_deref()?).into_owned();
    let s = unescape_str(&s);
    let s = s
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn addresses(list: &Option<Vec<imap_proto::Address<'_>>>) -> Vec<Address> {
    let Some(list) = list else { return Vec::new() };
    list.iter()
        .filter_map(|a| {
            // Group markers have no host.
            let mailbox = String::from_utf8_lossy(&unescape(a.mailbox.as_deref()?)).into_owned();
            let host = String::from_utf8_lossy(&unescape(a.host.as_deref()?)).into_owned();
            let name = a
                .name
                .as_deref()
                .map(|n| decode_words(&unescape(n)))
                .filter(|n| !n.is_empty());
            Some(Address {
                name,
                address: format!("{mailbox}@{host}"),
            })
        })
        .collect()
}

pub(crate) fn envelope(e: &imap_proto::Envelope<'_>) -> Envelope {
    Envelope {
        date: e.date.as_deref().and_then(header_date),
        subject: text(&e.subject),
        from: addresses(&e.from),
        sender: addresses(&e.sender),
        reply_to: addresses(&e.reply_to),
        to: addresses(&e.to),
        cc: addresses(&e.cc),
        bcc: addresses(&e.bcc),
        message_id: msg_id(&e.message_id),
        in_reply_to: msg_id(&e.in_reply_to),
    }
}

fn params(p: &Option<Vec<(Cow<'_, str>, Cow<'_, str>)>>) -> Vec<(String, String)> {
    p.as_ref()
        .map(|v| {
            v.iter()
                .map(|(k, v)| (k.to_string(), unescape_str(v)))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn encoding_name(e: &ContentEncoding<'_>) -> String {
    match e {
        ContentEncoding::SevenBit => "7bit".into(),
        ContentEncoding::EightBit => "8bit".into(),
        ContentEncoding::Binary => "binary".into(),
        ContentEncoding::Base64 => "base64".into(),
        ContentEncoding::QuotedPrintable => "quoted-printable".into(),
        ContentEncoding::Other(o) => o.to_ascii_lowercase(),
    }
}

/// The attachments of a BODYSTRUCTURE, with their part numbers.
pub(crate) fn attachments(b: &BodyStructure<'_>) -> Vec<AttachmentInfo> {
    let mut out = Vec::new();
    walk(b, "", true, &mut |part, node| {
        if let Some(info) = attachment_info(part, node) {
            out.push(info);
        }
    });
    out
}

/// Visits every leaf part with its number; message/rfc822 parts are leaves.
fn walk<'a>(
    b: &'a BodyStructure<'a>,
    prefix: &str,
    root: bool,
    f: &mut dyn FnMut(&str, &'a BodyStructure<'a>),
) {
    match b {
        BodyStructure::Multipart { bodies, .. } => {
            for (i, child) in bodies.iter().enumerate() {
                let num = if prefix.is_empty() {
                    (i + 1).to_string()
                } else {
                    format!("{prefix}.{}", i + 1)
                };
                walk(child, &num, false, f);
            }
        }
        _ => {
            let num = if root {
                "1".to_string()
            } else {
                prefix.to_string()
            };
            f(&num, b);
        }
    }
}

fn attachment_info(part: &str, b: &BodyStructure<'_>) -> Option<AttachmentInfo> {
    let (common, other, is_text, is_message) = match b {
        BodyStructure::Basic { common, other, .. } => (common, other, false, false),
        BodyStructure::Text { common, other, .. } => (common, other, true, false),
        BodyStructure::Message { common, other, .. } => (common, other, false, true),
        BodyStructure::Multipart { .. } => return None,
    };
    let ty = format!("{}/{}", common.ty.ty, common.ty.subtype).to_ascii_lowercase();
    let disp = common.disposition.as_ref();
    let disp_ty = disp.map(|d| d.ty.to_ascii_lowercase());
    let disp_params = disp.map(|d| params(&d.params)).unwrap_or_default();
    let ct_params = params(&common.ty.params);
    let filename = decode_param_value(&disp_params, "filename")
        .or_else(|| decode_param_value(&ct_params, "name"));
    let content_id = other
        .id
        .as_ref()
        .map(|s| {
            unescape_str(s)
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|s| !s.is_empty());
    let is_attachment = disp_ty.as_deref() == Some("attachment")
        || filename.is_some()
        || is_message
        || (!is_text && (disp_ty.is_some() || content_id.is_some() || part != "1"));
    if !is_attachment {
        return None;
    }
    let inline =
        disp_ty.as_deref() == Some("inline") || (disp_ty.is_none() && content_id.is_some());
    Some(AttachmentInfo {
        part: part.to_string(),
        filename,
        content_type: ty,
        size: other.octets,
        content_id,
        inline,
        encoding: encoding_name(&other.transfer_encoding),
    })
}

/// The transfer encoding of `part` in a BODYSTRUCTURE, if that part exists.
pub(crate) fn part_encoding(b: &BodyStructure<'_>, part: &str) -> Option<(String, u32)> {
    let mut found = None;
    walk(b, "", true, &mut |num, node| {
        if num == part {
            if let BodyStructure::Basic { other, .. }
            | BodyStructure::Text { other, .. }
            | BodyStructure::Message { other, .. } = node
            {
                found = Some((encoding_name(&other.transfer_encoding), other.octets));
            }
        }
    });
    found
}

pub(crate) fn mailbox(l: &MailboxListData<'_>) -> Mailbox {
    let name = decode_mailbox_name(&unescape_str(&l.name));
    let mut role = None;
    let mut subscribed = false;
    let mut attributes = Vec::new();
    for a in &l.name_attributes {
        let (text, r) = match a {
            NameAttribute::NoInferiors => ("\\Noinferiors".into(), None),
            NameAttribute::NoSelect => ("\\Noselect".into(), None),
            NameAttribute::Marked => ("\\Marked".into(), None),
            NameAttribute::Unmarked => ("\\Unmarked".into(), None),
            NameAttribute::All => ("\\All".into(), Some(MailboxRole::All)),
            NameAttribute::Archive => ("\\Archive".into(), Some(MailboxRole::Archive)),
            NameAttribute::Drafts => ("\\Drafts".into(), Some(MailboxRole::Drafts)),
            NameAttribute::Flagged => ("\\Flagged".into(), Some(MailboxRole::Flagged)),
            NameAttribute::Junk => ("\\Junk".into(), Some(MailboxRole::Junk)),
            NameAttribute::Sent => ("\\Sent".into(), Some(MailboxRole::Sent)),
            NameAttribute::Trash => ("\\Trash".into(), Some(MailboxRole::Trash)),
            NameAttribute::Extension(e) => (e.to_string(), None),
            other => (format!("{other:?}"), None),
        };
        if text.eq_ignore_ascii_case("\\Subscribed") {
            subscribed = true;
        }
        if r.is_some() {
            role = r;
        }
        attributes.push(text);
    }
    if name.eq_ignore_ascii_case("INBOX") {
        role = Some(MailboxRole::Inbox);
    }
    Mailbox {
        name,
        delimiter: l.delimiter.as_ref().map(|d| d.to_string()),
        attributes,
        role,
        subscribed,
    }
}

pub(crate) fn status(attrs: &[StatusAttribute]) -> MailboxStatus {
    let mut s = MailboxStatus::default();
    for a in attrs {
        match a {
            StatusAttribute::Messages(n) => s.messages = *n,
            StatusAttribute::Unseen(n) => s.unseen = *n,
            StatusAttribute::Recent(n) => s.recent = *n,
            StatusAttribute::UidNext(n) => s.uid_next = *n,
            StatusAttribute::UidValidity(n) => s.uid_validity = *n,
            StatusAttribute::HighestModSeq(n) => s.highest_modseq = Some(*n),
            _ => {}
        }
    }
    s
}

/// The UIDs of a COPYUID/APPENDUID set, ranges kept as ranges.
pub(crate) fn uid_set_members(members: &[imap_proto::rfc4315::UidSetMember]) -> UidSet {
    use imap_proto::rfc4315::UidSetMember as M;
    UidSet::from_server_ranges(members.iter().map(|m| match m {
        M::Uid(u) => (*u, *u),
        M::UidRange(r) => (*r.start(), *r.end()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_split_from_text() {
        assert_eq!(
            split_code(None, "[NONEXISTENT] Mailbox doesn't exist: X"),
            (
                Some("NONEXISTENT".into()),
                "Mailbox doesn't exist: X".into()
            )
        );
        assert_eq!(split_code(None, "plain"), (None, "plain".into()));
    }

    #[test]
    fn quoted_escapes_are_undone() {
        assert_eq!(&*unescape(br#"a \"b\" \\c"#), br#"a "b" \c"#);
        assert_eq!(&*unescape(b"plain"), b"plain");
    }

    #[test]
    fn dates_parse() {
        assert!(internal_date("17-Jul-1996 02:44:25 -0700").is_some());
        assert!(internal_date(" 7-Jul-1996 02:44:25 +0000").is_some());
        assert!(header_date(b"Tue, 1 Jul 2003 10:52:37 +0200 (CEST)").is_some());
        assert!(header_date(b"garbage").is_none());
    }
}
