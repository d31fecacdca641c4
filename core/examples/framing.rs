//! Measures the cost of turning a server's bytes into parsed responses: mailwire's framer
//! (`core/src/imap/wire.rs`) against async-imap 0.12's stream (which mailwire used before),
//! on the same synthetic Dovecot-like streams, handed over in 16 KiB reads as TLS delivers
//! them. Both sides parse with imap-proto 0.17; only the framing differs.
//!
//! ```sh
//! cargo run --release -p mailwire --example framing
//! valgrind --tool=callgrind --toggle-collect='framing::ours' target/release/examples/framing summaries mailwire
//! valgrind --tool=callgrind --toggle-collect='framing::theirs' target/release/examples/framing summaries async-imap
//! ```
//!
//! Argument: `summaries`, `bodies` or `both` (default), and optionally `mailwire` or
//! `async-imap` to run one side only (for instruction counts under callgrind).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const READ: usize = 16 * 1024;

/// A stream that hands `data` over `READ` bytes at a time and swallows writes.
#[derive(Debug)]
struct Chunked {
    data: Vec<u8>,
    pos: usize,
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = READ.min(buf.remaining()).min(self.data.len() - self.pos);
        let start = self.pos;
        buf.put_slice(&self.data[start..start + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Chunked {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// 10,000 summaries as Dovecot sends them for `fetch` (flags, size, date, envelope,
/// BODYSTRUCTURE).
fn summaries() -> Vec<u8> {
    let mut s = Vec::new();
    for uid in 1..=10_000u32 {
        s.extend_from_slice(format!(
            "* {uid} FETCH (UID {uid} FLAGS (\\Seen) RFC822.SIZE 48213 INTERNALDATE \"06-Dec-2026 23:32:58 +0000\" \
             MODSEQ ({uid}) ENVELOPE (\"Sun, 6 Dec 2026 23:32:58 +0000\" \"=?UTF-8?B?UmU6IFF1YXJ0ZXJseSByZXBvcnQg?= {uid}\" \
             ((\"Ann Example\" NIL \"ann\" \"example.com\")) ((\"Ann Example\" NIL \"ann\" \"example.com\")) \
             ((\"Ann Example\" NIL \"ann\" \"example.com\")) ((NIL NIL \"bob\" \"example.org\")(\"Carol\" NIL \"carol\" \"example.org\")) \
             NIL NIL \"<parent{uid}@example.com>\" \"<id{uid}@example.com>\") BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \
             \"quoted-printable\" 1200 30 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL NIL \"base64\" 46000 NIL \
             (\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b{uid}\") NIL NIL NIL))\r\n"
        ).as_bytes());
    }
    s.extend_from_slice(b"A5 OK Fetch completed.\r\n");
    s
}

/// 200 whole messages of 1 MiB each (`fetch_raw_many`), as literals.
fn bodies() -> Vec<u8> {
    let line = b"VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZyAwMTIzNDU2Nzg5IGFi\r\n";
    let mut body = Vec::new();
    while body.len() < 1 << 20 {
        body.extend_from_slice(line);
    }
    let mut s = Vec::new();
    for uid in 1..=200u32 {
        s.extend_from_slice(
            format!("* {uid} FETCH (UID {uid} BODY[] {{{}}}\r\n", body.len()).as_bytes(),
        );
        s.extend_from_slice(&body);
        s.extend_from_slice(b")\r\n");
    }
    s.extend_from_slice(b"A6 OK Fetch completed.\r\n");
    s
}

#[inline(never)]
fn ours(data: &[u8]) -> usize {
    mailwire::__fuzz_imap::frame_and_parse(data, READ).expect("the stream frames")
}

#[inline(never)]
fn theirs(rt: &tokio::runtime::Runtime, data: Vec<u8>) -> usize {
    rt.block_on(async_imap(data))
}

async fn async_imap(data: Vec<u8>) -> usize {
    let mut client = async_imap::Client::new(Chunked { data, pos: 0 });
    let mut n = 0;
    while let Some(r) = client.read_response().await.expect("the stream parses") {
        std::hint::black_box(r.parsed());
        n += 1;
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map(String::as_str).unwrap_or("both");
    let side = args.get(1).map(String::as_str).unwrap_or("both");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (name, data) in [("summaries", summaries()), ("bodies", bodies())] {
        if which != "both" && which != name {
            continue;
        }
        let mut best = [f64::MAX; 2];
        for _ in 0..if side == "both" { 5 } else { 1 } {
            if side != "async-imap" {
                let t = Instant::now();
                let n = ours(&data);
                best[0] = best[0].min(t.elapsed().as_secs_f64());
                assert!(n > 200);
            }
            if side != "mailwire" {
                let copy = data.clone();
                let t = Instant::now();
                let n = theirs(&rt, copy);
                best[1] = best[1].min(t.elapsed().as_secs_f64());
                assert!(n > 200);
            }
        }
        println!(
            "{name}: {:.1} MB; mailwire framer {:.3} s, async-imap {:.3} s (best of runs)",
            data.len() as f64 / 1e6,
            best[0],
            best[1]
        );
    }
}
