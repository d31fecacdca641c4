//! SMTP replies (RFC 5321 §4.2): a three-digit code, one or more lines of text, and the
//! enhanced status code (RFC 3463, carried at the start of the text per RFC 2034).

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::error::{Error, ErrorKind, Result};

/// Longest reply line accepted, CRLF included.
pub(crate) const MAX_LINE: usize = 64 * 1024;
/// Most lines accepted in one reply.
pub(crate) const MAX_LINES: usize = 1024;

/// One complete (possibly multi-line) server reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    /// The reply code, 200..=599.
    pub(crate) code: u16,
    /// The enhanced status code (`5.1.1`) when the server sent one.
    pub(crate) enhanced: Option<String>,
    /// The text of each line, with the enhanced code removed.
    pub(crate) lines: Vec<String>,
}

impl Reply {
    /// All lines joined with a space.
    pub(crate) fn text(&self) -> String {
        self.lines.join(" ")
    }

    /// 2xx: the command succeeded.
    pub(crate) fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 4xx or 5xx: the command was refused.
    pub(crate) fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// Turns the reply into an error of `kind`, carrying its codes and text. (Replies that
    /// echoed the credentials were already withheld when read: [`Reply::withhold`].)
    pub(crate) fn to_error(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, message)
            .with_smtp_code(self.code, self.enhanced.clone())
            .with_server_text(self.text())
    }

    /// Replaces the whole text with a fixed notice when it contains any of `secrets` (see
    /// [`crate::net::scrub`]), so no error, recipient report or trace line can repeat it.
    pub(crate) fn withhold(&mut self, secrets: &[String]) {
        let text = self.text();
        for secret in secrets {
            let scrubbed = crate::net::scrub(&text, Some(secret));
            if scrubbed != text {
                self.lines = vec![scrubbed];
                return;
            }
        }
    }
}

/// One parsed reply line.
#[derive(Debug, PartialEq, Eq)]
struct Line<'a> {
    code: u16,
    last: bool,
    text: &'a str,
}

fn parse_line(raw: &[u8]) -> Result<Line<'_>> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let garbage = || Error::protocol(format!("malformed SMTP reply line {:?}", preview(raw)));
    if raw.len() < 3 {
        return Err(garbage());
    }
    let (d0, d1, d2) = (raw[0], raw[1], raw[2]);
    if !(b'2'..=b'5').contains(&d0) || !(b'0'..=b'5').contains(&d1) || !d2.is_ascii_digit() {
        return Err(garbage());
    }
    let code = u16::from(d0 - b'0') * 100 + u16::from(d1 - b'0') * 10 + u16::from(d2 - b'0');
    let (last, rest) = match raw.get(3) {
        None => (true, &raw[3..]),
        Some(b' ') => (true, &raw[4..]),
        Some(b'-') => (false, &raw[4..]),
        Some(_) => return Err(garbage()),
    };
    let text = std::str::from_utf8(rest).map_err(|_| {
        Error::protocol(format!("SMTP reply line is not UTF-8: {:?}", preview(raw)))
    })?;
    Ok(Line { code, last, text })
}

/// A short, printable excerpt of a bad line for error messages.
fn preview(raw: &[u8]) -> String {
    let cut = &raw[..raw.len().min(80)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Splits a leading enhanced status code `class.subject.detail` off `text` when its class
/// matches the reply code's first digit (RFC 3463 §2, RFC 2034 §4).
fn split_enhanced(text: &str, code: u16) -> Option<(&str, &str)> {
    let end = text.find(' ').unwrap_or(text.len());
    let candidate = &text[..end];
    let mut parts = candidate.split('.');
    let class = parts.next()?;
    let subject = parts.next()?;
    let detail = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(class, 1) && digits(subject, 3) && digits(detail, 3)) {
        return None;
    }
    if u16::from(class.as_bytes()[0] - b'0') != code / 100 {
        return None;
    }
    Some((candidate, text[end..].trim_start()))
}

/// Builds a reply from its lines (as received, CRLF optional). Used by the reader and tests.
fn assemble<'a>(lines: impl IntoIterator<Item = Line<'a>>) -> Result<Reply> {
    let mut code = None;
    let mut enhanced: Option<String> = None;
    let mut texts = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        match code {
            None => code = Some(line.code),
            Some(c) if c != line.code => {
                return Err(Error::protocol(format!(
                    "SMTP reply mixes codes {c} and {} in one reply",
                    line.code
                )))
            }
            Some(_) => {}
        }
        let mut text = line.text;
        if let Some((enh, rest)) = split_enhanced(text, line.code) {
            if i == 0 {
                enhanced = Some(enh.to_string());
                text = rest;
            } else if enhanced.as_deref() == Some(enh) {
                text = rest;
            }
        }
        texts.push(text.to_string());
    }
    let code = code.ok_or_else(|| Error::protocol("empty SMTP reply"))?;
    Ok(Reply {
        code,
        enhanced,
        lines: texts,
    })
}

/// Reads one line into `buf` (cleared first), at most [`MAX_LINE`] bytes. Returns false at a
/// clean end of stream.
async fn read_line<R: AsyncBufRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> Result<bool> {
    buf.clear();
    loop {
        let avail = r
            .fill_buf()
            .await
            .map_err(|e| Error::io("reading the SMTP reply failed", e))?;
        if avail.is_empty() {
            if buf.is_empty() {
                return Ok(false);
            }
            return Err(Error::new(
                ErrorKind::Connect,
                "the server closed the connection in the middle of a reply",
            ));
        }
        let (take, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(pos) => (pos + 1, true),
            None => (avail.len(), false),
        };
        if buf.len() + take > MAX_LINE {
            return Err(Error::protocol(format!(
                "SMTP reply line longer than {} KiB",
                MAX_LINE / 1024
            )));
        }
        buf.extend_from_slice(&avail[..take]);
        r.consume(take);
        if done {
            return Ok(true);
        }
    }
}

/// Reads one complete reply. End of stream before it starts is [`ErrorKind::Connect`].
pub(crate) async fn read_reply<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Reply> {
    let mut raw_lines: Vec<Vec<u8>> = Vec::new();
    let mut buf = Vec::with_capacity(128);
    loop {
        if !read_line(r, &mut buf).await? {
            return Err(Error::new(
                ErrorKind::Connect,
                "the server closed the connection",
            ));
        }
        let last = parse_line(&buf)?.last;
        raw_lines.push(std::mem::take(&mut buf));
        if last {
            break;
        }
        if raw_lines.len() >= MAX_LINES {
            return Err(Error::protocol(format!(
                "SMTP reply longer than {MAX_LINES} lines"
            )));
        }
    }
    let parsed = raw_lines
        .iter()
        .map(|l| parse_line(l))
        .collect::<Result<Vec<_>>>()?;
    assemble(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(input: &[u8]) -> Result<Reply> {
        let mut r = input;
        read_reply(&mut r).await
    }

    #[tokio::test]
    async fn single_line_with_enhanced_code() {
        let r = read(b"550 5.1.1 <nobody@localhost>: Recipient address rejected\r\n")
            .await
            .unwrap();
        assert_eq!(r.code, 550);
        assert_eq!(r.enhanced.as_deref(), Some("5.1.1"));
        assert_eq!(r.text(), "<nobody@localhost>: Recipient address rejected");
    }

    #[tokio::test]
    async fn multi_line_ehlo() {
        let r =
            read(b"250-mail.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n")
                .await
                .unwrap();
        assert_eq!(r.code, 250);
        assert_eq!(r.enhanced, None);
        assert_eq!(
            r.lines,
            ["mail.example", "PIPELINING", "SIZE 10240000", "8BITMIME"]
        );
    }

    #[tokio::test]
    async fn enhanced_code_on_every_line_is_stripped() {
        let r = read(b"451-4.3.0 first\r\n451 4.3.0 second\r\n")
            .await
            .unwrap();
        assert_eq!(r.enhanced.as_deref(), Some("4.3.0"));
        assert_eq!(r.lines, ["first", "second"]);
    }

    #[tokio::test]
    async fn enhanced_code_class_must_match() {
        let r = read(b"250 5.1.1 odd\r\n").await.unwrap();
        assert_eq!(r.enhanced, None);
        assert_eq!(r.text(), "5.1.1 odd");
        let r = read(b"250 2.0.0\r\n").await.unwrap();
        assert_eq!(r.enhanced.as_deref(), Some("2.0.0"));
        assert_eq!(r.text(), "");
        let r = read(b"250 1.2.3.4 is an address\r\n").await.unwrap();
        assert_eq!(r.enhanced, None);
    }

    #[tokio::test]
    async fn bare_code_and_bare_lf_are_accepted() {
        let r = read(b"354\n").await.unwrap();
        assert_eq!(r.code, 354);
        assert!(r.lines.iter().all(|l| l.is_empty()));
    }

    #[tokio::test]
    async fn reads_only_one_reply() {
        let mut input: &[u8] = b"250 ok\r\n550 no\r\n";
        assert_eq!(read_reply(&mut input).await.unwrap().code, 250);
        assert_eq!(read_reply(&mut input).await.unwrap().code, 550);
    }

    #[tokio::test]
    async fn garbage_is_a_protocol_error() {
        for bad in [
            &b"hello\r\n"[..],
            b"25\r\n",
            b"250x\r\n",
            b"150 early\r\n",
            b"612 x\r\n",
            b"\r\n",
        ] {
            let e = read(bad).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Protocol, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn mixed_codes_are_a_protocol_error() {
        let e = read(b"250-a\r\n251 b\r\n").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
    }

    #[tokio::test]
    async fn over_long_line_is_a_protocol_error() {
        let mut input = b"250 ".to_vec();
        input.resize(MAX_LINE + 10, b'a');
        input.extend_from_slice(b"\r\n");
        assert_eq!(read(&input).await.unwrap_err().kind(), ErrorKind::Protocol);
    }

    #[tokio::test]
    async fn too_many_lines_is_a_protocol_error() {
        let input = b"250-x\r\n".repeat(MAX_LINES + 1);
        assert_eq!(read(&input).await.unwrap_err().kind(), ErrorKind::Protocol);
    }

    #[tokio::test]
    async fn end_of_stream_is_connect() {
        assert_eq!(read(b"").await.unwrap_err().kind(), ErrorKind::Connect);
        assert_eq!(
            read(b"250-a\r\n250 b").await.unwrap_err().kind(),
            ErrorKind::Connect
        );
    }

    #[test]
    fn to_error_carries_codes_and_echoed_secrets_are_withheld() {
        let mut r = Reply {
            code: 535,
            enhanced: Some("5.7.8".into()),
            lines: vec!["bad".into(), "pass hunter2".into()],
        };
        r.withhold(&["other".into(), "hunter2".into()]);
        let e = r.to_error(ErrorKind::Auth, "authentication failed");
        assert_eq!(e.smtp_code(), Some(535));
        assert_eq!(e.enhanced_code(), Some("5.7.8"));
        assert_eq!(
            e.to_string(),
            "authentication failed (535 5.7.8): <server text withheld: it contained the credentials>"
        );
        let mut r = Reply {
            code: 535,
            enhanced: None,
            lines: vec!["Error: authentication failed".into()],
        };
        r.withhold(&["p".into()]);
        assert_eq!(r.text(), "Error: authentication failed");
    }
}
