//! The SMTP envelope of a complete message: who it is from and to, read from its headers,
//! and the bytes to transmit with the Bcc header taken out.

use super::{Address, Message};
use crate::{Error, Result};

/// A complete message split into its SMTP envelope and the bytes to transmit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEnvelope {
    /// The envelope sender: `Sender` when present, else the first `From`.
    pub from: Address,
    /// Every `To`, `Cc` and `Bcc` address, de-duplicated (case-insensitive), in order.
    pub recipients: Vec<Address>,
    /// The message without its `Bcc` header.
    pub data: Vec<u8>,
}

impl RawEnvelope {
    /// Reads the envelope of a complete RFC 5322 message (e.g. one written by Python's
    /// `email` package) and removes its `Bcc` header, so blind recipients stay blind.
    ///
    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when there is
    /// no sender or no recipient.
    pub fn from_message(raw: &[u8]) -> Result<RawEnvelope> {
        let header_end = header_end(raw);
        let head = Message::parse(&raw[..header_end])?;
        let from = head
            .sender
            .clone()
            .or_else(|| head.from.first().cloned())
            .ok_or_else(|| Error::invalid_input("the message has no From header"))?;
        let mut recipients: Vec<Address> = Vec::new();
        for a in head.to.iter().chain(&head.cc).chain(&head.bcc) {
            if !recipients
                .iter()
                .any(|r| r.address.eq_ignore_ascii_case(&a.address))
            {
                recipients.push(a.clone());
            }
        }
        if recipients.is_empty() {
            return Err(Error::invalid_input(
                "the message has no To, Cc or Bcc recipient",
            ));
        }
        let mut data = strip_header(&raw[..header_end], "bcc");
        data.extend_from_slice(&raw[header_end..]);
        Ok(RawEnvelope {
            from,
            recipients,
            data,
        })
    }
}

/// The offset just past the header block (its blank line included), or the end.
fn header_end(raw: &[u8]) -> usize {
    let mut i = 0;
    while i < raw.len() {
        let line_end = raw[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| i + p + 1);
        let line = &raw[i..line_end];
        if line == b"\r\n" || line == b"\n" {
            return line_end;
        }
        i = line_end;
    }
    raw.len()
}

/// The header block without every field called `name` (continuation lines included).
fn strip_header(head: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    let mut skipping = false;
    let mut i = 0;
    while i < head.len() {
        let line_end = head[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(head.len(), |p| i + p + 1);
        let line = &head[i..line_end];
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if !continuation {
            skipping = line
                .iter()
                .position(|&b| b == b':')
                .is_some_and(|c| line[..c].trim_ascii().eq_ignore_ascii_case(name.as_bytes()));
        }
        if !skipping {
            out.extend_from_slice(line);
        }
        i = line_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_comes_from_headers_and_bcc_is_removed() {
        let raw = b"From: Ann <ann@x.org>\r\nTo: bob@y.org, Carl <carl@y.org>\r\nCc: BOB@y.org\r\nBcc: secret@z.org,\r\n  other@z.org\r\nSubject: hi\r\n\r\nBcc: this line is body\r\n";
        let env = RawEnvelope::from_message(raw).unwrap();
        assert_eq!(env.from.address, "ann@x.org");
        let to: Vec<_> = env.recipients.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(
            to,
            ["bob@y.org", "carl@y.org", "secret@z.org", "other@z.org"]
        );
        let data = String::from_utf8(env.data).unwrap();
        assert!(!data.contains("secret@z.org") && !data.contains("other@z.org"));
        assert!(data.contains("Subject: hi\r\n\r\nBcc: this line is body"));
    }

    #[test]
    fn missing_sender_or_recipients_is_invalid_input() {
        assert!(RawEnvelope::from_message(b"To: a@b\r\n\r\nx").is_err());
        assert!(RawEnvelope::from_message(b"From: a@b\r\n\r\nx").is_err());
    }
}
