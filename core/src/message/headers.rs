//! The one reader of the header section of a message that is about to be sent.
//!
//! Everything that takes a decision from the headers of outgoing bytes — the envelope read
//! from `From`/`To`/`Cc`/`Bcc`, the removal of `Bcc`, the `Message-ID` of the result — goes
//! through [`read_header_section`], and the bytes transmitted are rebuilt from its fields. Two
//! readers that split lines differently were how a blind recipient got disclosed: a bare CR,
//! or a control character inside a field name (`B\x0ccc:`), made the envelope reader see a
//! `Bcc` field that the Bcc remover did not see. So this reader is strict where readers
//! differ and refuses such input with [`ErrorKind::InvalidInput`](crate::ErrorKind) before
//! anything is sent:
//!
//! - a line ends with CRLF or a bare LF (Python's `email` writes LF); a CR anywhere else in
//!   the header section is refused;
//! - NUL and every other control character except TAB is refused in the header section;
//! - a field starts with a name of printable ASCII without `:` (RFC 5322 `ftext`), optionally
//!   followed by spaces or tabs (obsolete syntax), then `:`; anything else on a line that
//!   does not start with a space or tab is refused;
//! - a line starting with a space or tab continues the previous field; as the first line it
//!   is refused;
//! - the section ends at the first empty line, or at the end of the input.

use std::ops::Range;

use crate::{Error, Result};

/// One header field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The name as written, without whitespace before the colon (printable ASCII).
    pub(crate) name: String,
    /// Where the field is in the input, its line breaks included.
    pub(crate) span: Range<usize>,
    /// Everything after the colon up to the end of the field, folding kept, every line break
    /// written as CRLF, without the final line break.
    pub(crate) value: Vec<u8>,
}

impl Field {
    /// True when the field is called `name` (compared ignoring ASCII case).
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The field as it is transmitted: `Name:value` and CRLF.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&self.value);
        out.extend_from_slice(b"\r\n");
    }
}

/// The header section of a message, read by [`read_header_section`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderSection {
    /// Every field, in order.
    pub(crate) fields: Vec<Field>,
    /// Where the body starts (after the empty line), or the input length.
    pub(crate) body_start: usize,
    /// True when an empty line ended the section (false when the input ended first).
    pub(crate) has_separator: bool,
}

/// The offset of the empty line that ends the header section (the offset of the end when
/// there is none), and the offset just past that line.
pub(crate) fn header_bounds(raw: &[u8]) -> (usize, usize) {
    let mut start = 0;
    while start < raw.len() {
        let end = raw[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| start + p + 1);
        let line = &raw[start..end];
        if line == b"\r\n" || line == b"\n" {
            return (start, end);
        }
        start = end;
    }
    (raw.len(), raw.len())
}

/// True for the bytes a field name may hold (RFC 5322 `ftext`).
fn is_ftext(b: u8) -> bool {
    (33..=126).contains(&b) && b != b':'
}

/// Reads the header section of `raw` strictly (see the module documentation).
pub(crate) fn read_header_section(raw: &[u8]) -> Result<HeaderSection> {
    let (head_end, body_start) = header_bounds(raw);
    let head = &raw[..head_end];
    let mut fields: Vec<Field> = Vec::new();
    let mut start = 0;
    let mut line_no = 0;
    while start < head.len() {
        line_no += 1;
        let end = head[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(head.len(), |p| start + p + 1);
        let line = &head[start..end];
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if let Some(b) = content
            .iter()
            .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            let what = match b {
                b'\r' => "a CR that does not end a line".to_string(),
                0 => "a NUL byte".to_string(),
                other => format!("the control character 0x{other:02x}"),
            };
            return Err(Error::invalid_input(format!(
                "header line {line_no} contains {what}, which mail programs read in different \
                 ways; refusing to send it"
            )));
        }
        if matches!(content.first(), Some(b' ' | b'\t')) {
            let Some(field) = fields.last_mut() else {
                return Err(Error::invalid_input(
                    "the first header line starts with white space (a continuation of nothing)",
                ));
            };
            field.value.extend_from_slice(b"\r\n");
            field.value.extend_from_slice(content);
            field.span.end = end;
            start = end;
            continue;
        }
        let colon = content.iter().position(|&b| b == b':');
        let name = colon.map(|c| {
            let name = &content[..c];
            let trimmed = name.len()
                - name
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
            &name[..trimmed]
        });
        let Some(name) = name.filter(|n| !n.is_empty() && n.iter().all(|&b| is_ftext(b))) else {
            return Err(Error::invalid_input(format!(
                "header line {line_no} is not a header field (`Name: value`, the name printable \
                 ASCII); refusing to guess where the header section ends"
            )));
        };
        let colon = colon.unwrap_or_default();
        fields.push(Field {
            // ftext is ASCII.
            name: String::from_utf8_lossy(name).into_owned(),
            span: start..end,
            value: content[colon + 1..].to_vec(),
        });
        start = end;
    }
    Ok(HeaderSection {
        fields,
        body_start,
        has_separator: body_start > head_end,
    })
}

/// True for the fields that name blind recipients and are never transmitted.
pub(crate) fn is_blind(field: &Field) -> bool {
    field.is("Bcc") || field.is("Resent-Bcc")
}

/// `raw` as transmitted: the fields of `section` except the blind ones, each line break in the
/// header section written as CRLF, then the body as it is.
pub(crate) fn rebuild_without_blind(raw: &[u8], section: &HeaderSection) -> Vec<u8> {
    let mut data = Vec::with_capacity(raw.len() + section.fields.len());
    for f in section.fields.iter().filter(|f| !is_blind(f)) {
        f.write_to(&mut data);
    }
    if section.has_separator {
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(&raw[section.body_start..]);
    data
}

/// True when any reader, however lenient, could find a blind field in the header section of
/// `raw` (up to the empty line that ends it; no reader ends it later): with every byte but
/// printable ASCII removed (line breaks, spaces, control characters) and in lower case, it
/// contains `bcc:`. Readers differ in how they split lines and what they drop from a name
/// (mail-parser reads `:\x0cB cc :` as a `Bcc` field), so this looks for the letters, not
/// for fields.
fn might_have_blind_field(raw: &[u8]) -> bool {
    let squeezed: Vec<u8> = raw[..header_bounds(raw).0]
        .iter()
        .filter(|&&b| (0x21..0x7f).contains(&b))
        .map(u8::to_ascii_lowercase)
        .collect();
    squeezed.windows(4).any(|w| w == b"bcc:")
}

/// The bytes `send_raw` transmits: `raw` without its `Bcc` and `Resent-Bcc` fields (the
/// header section rebuilt as by [`rebuild_without_blind`]), `raw` itself when it has none.
/// A header section the strict reader refuses is sent unchanged — unless some reader could
/// find a blind field in it: then the reader's [`ErrorKind::InvalidInput`](crate::ErrorKind)
/// error is returned.
pub(crate) fn without_blind_fields(raw: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    match read_header_section(raw) {
        Ok(section) if section.fields.iter().any(is_blind) => {
            Ok(rebuild_without_blind(raw, &section).into())
        }
        Ok(_) => Ok(raw.into()),
        Err(e) if might_have_blind_field(raw) => Err(e),
        Err(_) => Ok(raw.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn names(raw: &[u8]) -> Vec<String> {
        read_header_section(raw)
            .expect("reads")
            .fields
            .into_iter()
            .map(|f| f.name)
            .collect()
    }

    #[test]
    fn fields_with_folding_and_either_line_ending() {
        let raw = b"From: a@x.org\r\nTo: b@x.org,\r\n\tc@x.org\nSubject : hi\n\nBcc: body\r\n";
        let s = read_header_section(raw).expect("reads");
        assert_eq!(names(raw), ["From", "To", "Subject"]);
        assert_eq!(s.fields[1].value, b" b@x.org,\r\n\tc@x.org");
        assert_eq!(s.fields[1].span, 15..38);
        assert_eq!(&raw[s.body_start..], b"Bcc: body\r\n");
        assert!(s.has_separator);
        let mut out = Vec::new();
        s.fields[2].write_to(&mut out);
        assert_eq!(out, b"Subject: hi\r\n");
    }

    #[test]
    fn header_only_input_and_empty_input() {
        let s = read_header_section(b"To: a@b").expect("reads");
        assert_eq!(s.fields.len(), 1);
        assert!(!s.has_separator);
        assert_eq!(s.body_start, 7);
        let s = read_header_section(b"").expect("reads");
        assert!(s.fields.is_empty());
        let s = read_header_section(b"\r\nbody").expect("reads");
        assert!(s.fields.is_empty() && s.has_separator);
        assert_eq!(s.body_start, 2);
    }

    #[test]
    fn ambiguous_lines_are_refused() {
        for raw in [
            &b"B\x0ccc: hidden@x.org\r\n\r\n"[..],
            b"B\rcc: hidden@x.org\r\n\r\n",
            b"X: y\rBcc: hidden@x.org\r\n\r\n",
            b"Bcc\0: hidden@x.org\r\n\r\n",
            b"To: a@b\r\n\0\r\n",
            b"To: a@b\r\n \x1b\r\n",
            b"To: a@b\x7f\r\n",
            b"To: a@b\r\r\n\r\n",
            b" Bcc: x@y\r\n\r\n",
            b"not a header\r\nBcc: x@y\r\n\r\n",
            b"From a@b Thu Jan  1 00:00:00 1970\r\nBcc: x@y\r\n\r\n",
            b"B cc: x@y\r\n\r\n",
            b": x@y\r\n\r\n",
            b"B\xc3\xa4cc: x@y\r\n\r\n",
        ] {
            let err = read_header_section(raw).expect_err(&format!("{raw:?} refused"));
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn raw_sends_lose_blind_fields_or_are_refused() {
        let clean = b"From: a@x.org\r\nTo: b@x.org\r\n\r\nbody";
        assert!(matches!(
            without_blind_fields(clean),
            Ok(std::borrow::Cow::Borrowed(_))
        ));
        let with_bcc = b"From: a@x.org\nBcc: h@z.org,\n k@z.org\nTo: b@x.org\n\nbody\n";
        assert_eq!(
            without_blind_fields(with_bcc).unwrap().as_ref(),
            b"From: a@x.org\r\nTo: b@x.org\r\n\r\nbody\n"
        );
        // Odd but harmless: sent as it is, as before.
        let odd = b"From: a@x.org\r\nnot a header\r\n\r\nbody";
        assert_eq!(without_blind_fields(odd).unwrap().as_ref(), odd);
        // Odd and naming a blind field in some reading: refused.
        for raw in [
            &b"From: a@x.org\r\nB\x0ccc: h@z.org\r\n\r\nbody"[..],
            b"From: a@x.org\r\nX: y\rBcc: h@z.org\r\n\r\nbody",
            b"From: a@x.org\r\n\r\r\nB cc: h@z.org\r\n\r\nbody",
            b"To: b@x.org\r\nno colon\r\n Bcc: h@z.org\r\n\r\nbody",
            b"To: b@x.org\r\n:\x0cB cc : h@z.org\n\n",
        ] {
            let err = without_blind_fields(raw).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{raw:?}");
        }
    }

    #[test]
    fn bounds() {
        assert_eq!(header_bounds(b"A: b\r\nC: d\r\n\r\nbody"), (12, 14));
        assert_eq!(header_bounds(b"A: b\n\nbody"), (5, 6));
        assert_eq!(header_bounds(b"A: b"), (4, 4));
    }
}
