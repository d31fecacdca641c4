//! Framing of the IMAP response stream: bytes are cut into complete responses (a line plus
//! the literals it announces) *before* anything parses them, so that
//!
//! - memory grows only with bytes that actually arrived (a literal announced as
//!   `{536000000}` reserves nothing) and never past [`Framer`]'s limit;
//! - a response is parsed once, when it is complete: a complete response that does not
//!   parse is a protocol error at once, never "need more bytes" until a deadline;
//! - scanning is linear: literal bytes are skipped, not searched for line ends, and the
//!   scan resumes where the last read stopped.
//!
//! The parser is imap-proto's, run under `catch_unwind`: a panic inside it (it has some on
//! hostile input) becomes [`ErrorKind::Protocol`](crate::ErrorKind::Protocol).

use imap_proto::{MailboxDatum, Response};

use super::esearch::{self, Esearch};
use crate::error::{Error, Result};

/// The smallest free space offered to each socket read.
const READ_RESERVE: usize = 64 * 1024;

/// Cuts a byte stream into complete IMAP responses.
#[derive(Debug)]
pub(crate) struct Framer {
    /// Received bytes; `buf[start..]` is not consumed yet.
    buf: Vec<u8>,
    start: usize,
    /// Where the scan for the end of the current response resumes (absolute index into
    /// `buf`; past `buf.len()` while a literal's bytes are still due).
    scan: usize,
    /// The largest response accepted, in bytes.
    limit: usize,
    /// The last ESEARCH response, which imap-proto cannot parse (see [`Framer::parse`]).
    esearch: Option<Esearch>,
}

impl Framer {
    /// A framer accepting responses of up to `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Framer {
            buf: Vec::new(),
            start: 0,
            scan: 0,
            limit,
            esearch: None,
        }
    }

    /// Bytes received and not consumed yet.
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The buffer to read more bytes into, with room for at least one read. Compacts first
    /// when most of it is consumed, so the buffer does not grow with the stream.
    pub(crate) fn read_buf(&mut self) -> &mut Vec<u8> {
        if self.start > 0 && (self.start == self.buf.len() || self.start >= self.buf.len() / 2) {
            self.buf.drain(..self.start);
            self.scan -= self.start;
            self.start = 0;
        }
        if self.buf.capacity() - self.buf.len() < READ_RESERVE / 4 {
            self.buf.reserve(READ_RESERVE);
        }
        &mut self.buf
    }

    /// The length of the complete response at the front, if one has arrived. Fails when the
    /// response would exceed the limit.
    pub(crate) fn complete(&mut self) -> Result<Option<usize>> {
        loop {
            if self.scan > self.buf.len() {
                // Inside a literal whose bytes have not all arrived.
                self.check_size(self.scan - self.start)?;
                return Ok(None);
            }
            let Some(i) = memchr::memchr(b'\n', &self.buf[self.scan..]) else {
                self.scan = self.buf.len();
                self.check_size(self.scan - self.start)?;
                return Ok(None);
            };
            let nl = self.scan + i;
            let line_end = if nl > self.start && self.buf[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            match literal_announcement(&self.buf[self.start..line_end])? {
                Some(n) => {
                    let after = (nl + 1).saturating_add(n);
                    self.check_size(after - self.start)?;
                    self.scan = after;
                }
                None => {
                    let len = nl + 1 - self.start;
                    self.check_size(len)?;
                    return Ok(Some(len));
                }
            }
        }
    }

    fn check_size(&self, len: usize) -> Result<()> {
        if len > self.limit {
            return Err(Error::protocol(format!(
                "the IMAP server sent a response of more than {} bytes (the limit set by \
                 ImapConfig::max_response_size)",
                self.limit
            )));
        }
        Ok(())
    }

    /// Parses the complete response of `len` bytes at the front and hands it to `f`, then
    /// consumes the bytes the parser used (all of them, unless a text ended in what looked
    /// like a literal announcement: the rest is then the start of the next response).
    ///
    /// An ESEARCH response is read by [`esearch::parse`] instead and kept for
    /// [`Framer::take_esearch`]; `f` then sees an empty SEARCH response in its place.
    pub(crate) fn parse<T>(&mut self, len: usize, f: impl FnOnce(&Response<'_>) -> T) -> Result<T> {
        let frame = &self.buf[self.start..self.start + len];
        if let Some(found) = esearch::parse(frame) {
            self.esearch = Some(found?);
            self.start += len;
            self.scan = self.start;
            return Ok(f(&Response::MailboxData(MailboxDatum::Search(Vec::new()))));
        }
        let (resp, used) = parse_response(frame)?;
        let out = f(&resp);
        self.start += used;
        self.scan = self.start;
        Ok(out)
    }

    /// Takes the complete response of `len` bytes at the front as it is, unparsed (the
    /// answers to a raw command, which may use syntax the parser does not know).
    pub(crate) fn take_frame(&mut self, len: usize) -> Vec<u8> {
        let frame = self.buf[self.start..self.start + len].to_vec();
        self.start += len;
        self.scan = self.start;
        frame
    }

    /// Takes the last ESEARCH response read.
    pub(crate) fn take_esearch(&mut self) -> Option<Esearch> {
        self.esearch.take()
    }

    /// Takes the bytes received but not consumed (bytes that followed a response).
    pub(crate) fn take_rest(&mut self) -> Vec<u8> {
        let rest = self.buf[self.start..].to_vec();
        self.buf.clear();
        self.start = 0;
        self.scan = 0;
        rest
    }
}

/// Parses one complete response; returns it and the number of bytes it took.
pub(crate) fn parse_response(frame: &[u8]) -> Result<(Response<'_>, usize)> {
    let parsed = std::panic::catch_unwind(|| Response::parse(frame));
    match parsed {
        Ok(Ok((rest, resp))) if rest.len() < frame.len() => Ok((resp, frame.len() - rest.len())),
        Ok(Ok(_)) => Err(unparsable(frame, "empty response")),
        Ok(Err(e)) if e.is_incomplete() => Err(unparsable(frame, "response ends too early")),
        Ok(Err(_)) => Err(unparsable(frame, "not valid IMAP")),
        Err(panic) => Err(unparsable(
            frame,
            &crate::panic::panic_message(panic.as_ref()),
        )),
    }
}

/// A protocol error showing the start of the response (never more than 200 bytes of it).
fn unparsable(frame: &[u8], why: &str) -> Error {
    let shown = &frame[..frame.len().min(200)];
    let text = String::from_utf8_lossy(shown);
    let text = text.trim_end_matches(['\r', '\n']);
    let more = if frame.len() > 200 { "…" } else { "" };
    Error::protocol(format!(
        "the IMAP server sent an unparsable response ({why})"
    ))
    .with_server_text(format!("{}{more}", text.escape_debug()))
}

/// The size of the literal announced at the end of `line` (`… {123}` or `… {123+}`).
fn literal_announcement(line: &[u8]) -> Result<Option<usize>> {
    let Some(body) = line.strip_suffix(b"}") else {
        return Ok(None);
    };
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || body.len() == digits || body[body.len() - digits - 1] != b'{' {
        return Ok(None);
    }
    let text = &body[body.len() - digits..];
    // IMAP numbers are 32-bit; a longer announcement cannot be honoured.
    let n = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<u32>().ok())
        .ok_or_else(|| Error::protocol("the IMAP server announced a literal larger than 4 GB"))?;
    Ok(Some(n as usize))
}

/// Frames and parses `stream` as the client does, handed over `read` bytes at a time;
/// returns the number of responses. For the framing measurement in `core/examples/`.
#[doc(hidden)]
pub fn frame_and_parse(stream: &[u8], read: usize) -> crate::Result<usize> {
    let mut f = Framer::new(crate::config::DEFAULT_MAX_RESPONSE_SIZE);
    let mut n = 0;
    for piece in stream.chunks(read.max(1)) {
        f.read_buf().extend_from_slice(piece);
        while let Some(len) = f.complete()? {
            f.parse(len, |_| ())?;
            n += 1;
        }
    }
    Ok(n)
}

/// The fuzz target `imap_stream`: `data` is a server's byte stream, its first byte choosing
/// how it is cut into reads. Every complete response is parsed and converted as the client
/// does; nothing may panic, and framing must not depend on where reads end.
#[doc(hidden)]
pub fn fuzz_stream(data: &[u8]) {
    use super::parse;
    use imap_proto::{AttributeValue, MailboxDatum, ResponseCode};

    const LIMIT: usize = 1 << 20;
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let run = |chunk: usize| -> (Vec<Vec<u8>>, bool) {
        let mut f = Framer::new(LIMIT);
        let mut frames = Vec::new();
        for piece in stream.chunks(chunk.max(1)) {
            f.read_buf().extend_from_slice(piece);
            loop {
                match f.complete() {
                    Ok(Some(len)) => {
                        let frame = f.buf[f.start..f.start + len].to_vec();
                        let r = f.parse(len, |resp| {
                            let _ = parse::brief(resp);
                            match resp {
                                Response::Fetch(seq, attrs) => {
                                    let _ = parse::summary(attrs);
                                    let _ = parse::flag_change(*seq, attrs);
                                    for a in attrs.iter() {
                                        if let AttributeValue::BodyStructure(b) = a {
                                            let _ = parse::part_encoding(b, "1.2");
                                        }
                                    }
                                }
                                Response::MailboxData(MailboxDatum::List(l)) => {
                                    let _ = parse::mailbox(l);
                                }
                                Response::MailboxData(MailboxDatum::Status { status, .. }) => {
                                    let _ = parse::status(status);
                                }
                                Response::Capabilities(c) => {
                                    c.iter().for_each(|c| drop(parse::capability_name(c)));
                                }
                                Response::Done { outcome, .. } | Response::Data { outcome, .. } => {
                                    let text = outcome.information.as_deref().unwrap_or("");
                                    let _ = parse::split_code(outcome.code.as_ref(), text);
                                    if let Some(
                                        ResponseCode::CopyUid(_, a, b)
                                        | ResponseCode::AppendUid(_, a @ b),
                                    ) = &outcome.code
                                    {
                                        let (a, b) =
                                            (parse::uid_set_members(a), parse::uid_set_members(b));
                                        assert!(a.ranges().len() <= 1 + stream.len() / 2);
                                        let _ = (a.count(), b.count());
                                    }
                                }
                                _ => {}
                            }
                        });
                        // A frame that does not parse ends the connection.
                        if r.is_err() {
                            return (frames, true);
                        }
                        frames.push(frame);
                    }
                    Ok(None) => break,
                    Err(_) => return (frames, true),
                }
            }
            // Memory follows what arrived, never what was announced.
            assert!(f.buf.capacity() <= 2 * (stream.len() + READ_RESERVE));
        }
        (frames, false)
    };
    let (whole, failed) = run(stream.len());
    let (cut, cut_failed) = run(usize::from(seed % 64) + 1);
    assert_eq!(failed, cut_failed, "framing depends on how reads are cut");
    assert_eq!(whole, cut, "framing depends on how reads are cut");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]], limit: usize) -> Result<Vec<Vec<u8>>> {
        let mut f = Framer::new(limit);
        let mut out = Vec::new();
        for c in chunks {
            f.read_buf().extend_from_slice(c);
            while let Some(len) = f.complete()? {
                out.push(f.buffered()[..len].to_vec());
                f.parse(len, |_| ())?;
            }
        }
        Ok(out)
    }

    #[test]
    fn lines_and_literals_split_anywhere() {
        let stream: &[u8] = b"* 1 FETCH (UID 7 BODY[] {10}\r\nab\r\n{3}\r\nc)\r\n\
            * 2 FETCH (UID 8 BODY[1] {2}\r\nxy BODY[2] {1}\r\nz)\r\n* 2 EXISTS\r\nA1 OK done\r\n";
        let whole = frames(&[stream], 1 << 20).unwrap();
        assert_eq!(whole.len(), 4, "{whole:?}");
        assert!(whole[0].ends_with(b"{3}\r\nc)\r\n"));
        assert!(whole[1].ends_with(b"z)\r\n"));
        for cut in 1..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(frames(&[a, b], 1 << 20).unwrap(), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(frames(&bytes, 1 << 20).unwrap(), whole);
    }

    // conformance: imap.limits
    #[test]
    fn an_announced_literal_reserves_nothing_and_the_limit_holds() {
        let mut f = Framer::new(1 << 20);
        f.read_buf()
            .extend_from_slice(b"* 1 FETCH (BODY[] {536000000}\r\nabc");
        let err = f.complete().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Protocol);
        assert!(f.buf.capacity() < 1 << 20);
        let mut f = Framer::new(1 << 20);
        f.read_buf()
            .extend_from_slice(b"* 1 FETCH (BODY[] {5000}\r\nabc");
        assert_eq!(f.complete().unwrap(), None);
        assert!(f.buf.capacity() < 1 << 20);
        assert!(frames(&[&[b'x'; 2000]], 1000).is_err());
        assert!(frames(&[b"* OK {99999999999}\r\n"], 1000).is_err());
    }

    #[test]
    fn a_complete_but_broken_response_fails_at_once() {
        for bad in [
            &b"* 1 FETCH (ENVELOPE (NIL NIL ((\"x\"\r\nA1 OK\r\n"[..],
            b"* 1 FETCH (UID 1 ENVELOPE (\"d\" \"s\" ((NIL NIL \"a\" \"b\")) NIL\r\n",
            b"* 1 FETCH (UID\r\n",
            b"* LIST (\\HasNoChildren) \"/\r\n",
        ] {
            let err = frames(&[bad], 1 << 20).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Protocol);
            assert!(err.server_text().unwrap().starts_with("* "), "{err:?}");
        }
    }

    // conformance: errors.no-panic
    #[test]
    fn parser_panics_become_protocol_errors() {
        for bad in [
            &b"* OK [ALERT]\xc3\xa9\r\n"[..],
            b"* 1 FETCH (UID 1 INTERNALDATE NIL)\r\n",
        ] {
            match frames(&[bad], 1 << 20) {
                Ok(v) => assert_eq!(v.len(), 1),
                Err(e) => assert_eq!(e.kind(), crate::ErrorKind::Protocol),
            }
        }
    }

    #[test]
    fn the_fuzz_driver_accepts_real_and_hostile_streams() {
        for s in [
            &b"\x07* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n* 3 FETCH (UID 9 FLAGS (\\Seen) BODY[] {4}\r\nab\r\n)\r\nA1 OK [COPYUID 7 1:4294967295 1:4294967295] x\r\n"[..],
            b"\x01* OK [ALERT]\xc3\xa9\r\n",
            b"\x02* 1 FETCH (UID 1 INTERNALDATE NIL)\r\n",
            b"\x03* VANISHED 1:4294967295\r\n* 1 FETCH (BODY[] {536000000}\r\nabc",
        ] {
            fuzz_stream(s);
        }
    }

    #[test]
    fn text_ending_like_a_literal_is_not_lost() {
        // A text that ends in "{3}" is framed with the next 3 bytes and the following line;
        // the parser takes only the first line and the rest is parsed next.
        let out = frames(&[b"* OK see {3}\r\n* 4 EXISTS\r\n"], 1 << 20).unwrap();
        assert_eq!(out.len(), 2, "{out:?}");
    }
}
