//! Attachments of received and outgoing messages.

use std::fmt;

/// A file attached to a message, or an inline image referenced from the HTML body by
/// `cid:<content_id>`.
///
/// The same type is used for parsed messages ([`Message::attachments`](crate::Message)) and
/// for composing ([`OutgoingMessage::attach`](crate::OutgoingMessage::attach)). `Debug`
/// prints the data's length, not its bytes.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Attachment {
    /// The file name, decoded (RFC 2231 / RFC 2047), if the sender gave one.
    pub filename: Option<String>,
    /// The MIME type in lower case, without parameters (`application/pdf`, `image/png`,
    /// `message/rfc822`).
    pub content_type: String,
    /// The content, transfer-decoded (the real file bytes; text attachments keep their
    /// original charset). A forwarded `message/rfc822` attachment holds the raw message.
    pub data: Vec<u8>,
    /// The Content-ID without angle brackets, for parts referenced as `cid:…` from HTML.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub content_id: Option<String>,
    /// True for parts meant to be shown inside the body (inline images): Content-Disposition
    /// `inline`, or no disposition and a Content-ID.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub inline: bool,
}

impl Attachment {
    /// A regular attachment (`Content-Disposition: attachment`) named `filename`.
    pub fn new(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        Attachment {
            filename: Some(filename.into()),
            content_type: content_type.into(),
            content_id: None,
            inline: false,
            data: data.into(),
        }
    }

    /// An inline part (usually an image) that the HTML body shows with
    /// `<img src="cid:{content_id}">`. Give `content_id` without angle brackets.
    pub fn inline(
        content_id: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        Attachment {
            filename: None,
            content_type: content_type.into(),
            content_id: Some(content_id.into()),
            inline: true,
            data: data.into(),
        }
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("content_id", &self.content_id)
            .field("inline", &self.inline)
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_length_not_bytes() {
        let a = Attachment::new("a.bin", "application/octet-stream", vec![0xAB; 1000]);
        let s = format!("{a:?}");
        assert!(s.contains("<1000 bytes>"), "{s}");
        assert!(!s.contains("171"), "{s}");
        let i = Attachment::inline("logo", "image/png", b"png".to_vec());
        assert!(i.inline);
        assert_eq!(i.content_id.as_deref(), Some("logo"));
        assert_eq!(i.filename, None);
    }
}
