//! The SMTP envelope of a complete message: who it is from and to, read from its headers,
//! and the bytes to transmit with the Bcc header taken out.

use super::headers::{read_header_section, rebuild_without_blind};
use super::parsed::push_addresses;
use super::Address;
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
    /// `email` package) and removes its `Bcc` and `Resent-Bcc` fields, so blind recipients
    /// stay blind.
    ///
    /// The header section is read once, strictly, and that one reading gives the envelope,
    /// decides which fields are removed, and produces the bytes to transmit (line breaks in
    /// the header section become CRLF; the body is kept as it is). `Resent-*` fields are not
    /// used for the envelope.
    ///
    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), before
    /// anything could be sent, when there is no sender or no recipient, and for a header
    /// section that mail programs could read in different ways: a CR that does not end a
    /// line, NUL or another control character (TAB aside), a line that is neither a
    /// `Name: value` field with a printable ASCII name nor a continuation line.
    pub fn from_message(raw: &[u8]) -> Result<RawEnvelope> {
        let section = read_header_section(raw)?;
        let addresses = |name: &str| -> Vec<Address> {
            let mut out = Vec::new();
            for f in section.fields.iter().filter(|f| f.is(name)) {
                out.extend(parse_address_field(&f.value));
            }
            out
        };
        let from = addresses("Sender")
            .into_iter()
            .next()
            .or_else(|| addresses("From").into_iter().next())
            .ok_or_else(|| Error::invalid_input("the message has no From header"))?;
        let mut recipients: Vec<Address> = Vec::new();
        for a in addresses("To")
            .into_iter()
            .chain(addresses("Cc"))
            .chain(addresses("Bcc"))
        {
            if !recipients
                .iter()
                .any(|r| r.address.eq_ignore_ascii_case(&a.address))
            {
                recipients.push(a);
            }
        }
        if recipients.is_empty() {
            return Err(Error::invalid_input(
                "the message has no To, Cc or Bcc recipient",
            ));
        }
        let data = rebuild_without_blind(raw, &section);
        Ok(RawEnvelope {
            from,
            recipients,
            data,
        })
    }
}

/// The addresses in one address-list field value (as read by [`read_header_section`]: no
/// control characters, every line after the first starting with white space, so the parser
/// sees exactly this one field).
fn parse_address_field(value: &[u8]) -> Vec<Address> {
    let mut one = Vec::with_capacity(value.len() + 7);
    one.extend_from_slice(b"To:");
    one.extend_from_slice(value);
    one.extend_from_slice(b"\r\n\r\n");
    let mut out = Vec::new();
    if let Some(parsed) = mail_parser::MessageParser::default().parse(&one[..]) {
        if let Some(list) = parsed.to() {
            push_addresses(list, &mut out);
        }
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
    fn one_reading_gives_envelope_and_bytes() {
        // LF line endings (Python's `email`), obsolete space before the colon, folding,
        // Resent-Bcc, Sender before From.
        let raw = b"From: Ann <ann@x.org>\nSender: sec@x.org\nbcc :\n hidden@z.org\nTo: bob@y.org\nResent-Bcc: also@z.org\nSubject: a\n b\n\nbody\rline\n";
        let env = RawEnvelope::from_message(raw).unwrap();
        assert_eq!(env.from.address, "sec@x.org");
        let to: Vec<_> = env.recipients.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(to, ["bob@y.org", "hidden@z.org"]);
        assert_eq!(
            env.data,
            b"From: Ann <ann@x.org>\r\nSender: sec@x.org\r\nTo: bob@y.org\r\nSubject: a\r\n b\r\n\r\nbody\rline\n"
        );
    }

    #[test]
    fn ambiguous_header_sections_are_refused_before_sending() {
        for raw in [
            &b"From: a@x.org\r\nTo: b@x.org\r\nB\x0ccc: hidden@z.org\r\n\r\nhi"[..],
            b"From: a@x.org\r\nTo: b@x.org\r\nB\rcc: hidden@z.org\r\n\r\nhi",
            b"From: a@x.org\r\nTo: b@x.org\r\nX: y\rBcc: hidden@z.org\r\n\r\nhi",
            b"From: a@x.org\r\nTo: b@x.org\r\nBcc\0: hidden@z.org\r\n\r\nhi",
            b"From: a@x.org\r\nno colon here\r\nBcc: hidden@z.org\r\nTo: b@x.org\r\n\r\nhi",
        ] {
            let err = RawEnvelope::from_message(raw).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{raw:?}");
            assert!(!err.to_string().contains("hidden"), "{err}");
        }
    }

    #[test]
    fn missing_sender_or_recipients_is_invalid_input() {
        assert!(RawEnvelope::from_message(b"To: a@b\r\n\r\nx").is_err());
        assert!(RawEnvelope::from_message(b"From: a@b\r\n\r\nx").is_err());
    }
}
