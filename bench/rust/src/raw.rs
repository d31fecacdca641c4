//! The physical limit: raw sockets that log in, send the same commands as the clients and
//! only drain the bytes. Also the seeder's fast APPEND path.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::TlsConnector;

use crate::common::Config;

pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
pub type Stream = Box<dyn Io>;

pub type Res<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn connector(cfg: &Config) -> TlsConnector {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&cfg.ca_pem()) {
        roots.add(cert.expect("CA PEM")).expect("CA cert");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// TCP (+ TLS when `tls`) to host:port.
pub async fn connect(cfg: &Config, port: u16, tls: bool) -> Res<Stream> {
    let host = cfg.s("host");
    let tcp = TcpStream::connect((host.as_str(), port)).await?;
    tcp.set_nodelay(true)?;
    if !tls {
        return Ok(Box::new(tcp));
    }
    let name = rustls_pki_types::ServerName::try_from("localhost".to_string())?;
    Ok(Box::new(connector(cfg).connect(name, tcp).await?))
}

/// A minimal IMAP client: lines, tags, and a drain.
pub struct Imap {
    pub s: Stream,
    buf: Vec<u8>,
    tag: u32,
}

impl Imap {
    pub async fn login(cfg: &Config, user: &str) -> Res<Imap> {
        let tls = cfg.s("imap_security") == "tls";
        let port = if tls {
            cfg.port("imaps_port")
        } else {
            cfg.port("imap_port")
        };
        let s = connect(cfg, port, tls).await?;
        let mut c = Imap {
            s,
            buf: Vec::with_capacity(1 << 16),
            tag: 0,
        };
        c.read_line().await?; // greeting
        let pw = cfg.password(user);
        c.cmd(&format!("LOGIN {user} {pw}")).await?;
        Ok(c)
    }

    async fn fill(&mut self) -> Res<()> {
        let mut tmp = [0u8; 65536];
        let n = self.s.read(&mut tmp).await?;
        if n == 0 {
            return Err("connection closed".into());
        }
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(())
    }

    async fn read_line(&mut self) -> Res<Vec<u8>> {
        loop {
            if let Some(p) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..p + 2).collect();
                return Ok(line);
            }
            self.fill().await?;
        }
    }

    pub fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("Z{}", self.tag)
    }

    /// Runs a command with a small response (no literals); returns all untagged lines.
    pub async fn cmd(&mut self, line: &str) -> Res<Vec<String>> {
        let tag = self.next_tag();
        self.s
            .write_all(format!("{tag} {line}\r\n").as_bytes())
            .await?;
        self.s.flush().await?;
        let mut out = Vec::new();
        loop {
            let l = String::from_utf8_lossy(&self.read_line().await?).into_owned();
            if let Some(rest) = l.strip_prefix(&format!("{tag} ")) {
                if !rest.starts_with("OK") {
                    return Err(format!("{line:.40}: {rest}").into());
                }
                return Ok(out);
            }
            out.push(l);
        }
    }

    /// Sends a command and reads every byte until its tagged completion; returns the
    /// number of bytes received.
    pub async fn drain(&mut self, line: &str) -> Res<u64> {
        let tag = self.next_tag();
        self.s
            .write_all(format!("{tag} {line}\r\n").as_bytes())
            .await?;
        self.s.flush().await?;
        let needle = format!("\r\n{tag} ");
        let needle = needle.as_bytes();
        let mut total = self.buf.len() as u64;
        let mut window: Vec<u8> = std::mem::take(&mut self.buf);
        let mut tmp = vec![0u8; 256 * 1024];
        loop {
            if let Some(p) = memchr::memmem::find(&window, needle) {
                // Keep whatever follows the completion line.
                let rest = window.split_off(p + 2);
                self.buf = rest;
                let _ = self.read_line().await?;
                return Ok(total);
            }
            let keep = window.len().min(needle.len());
            window.drain(..window.len() - keep);
            let n = self.s.read(&mut tmp).await?;
            if n == 0 {
                return Err("connection closed".into());
            }
            total += n as u64;
            window.extend_from_slice(&tmp[..n]);
        }
    }

    /// Pipelined APPENDs with LITERAL+: writes every message without waiting, then reads the
    /// completions.
    pub async fn append_all(self, mailbox: &str, msgs: Vec<(Vec<u8>, &'static str)>) -> Res<Imap> {
        let n = msgs.len();
        let (mut rd, mut wr) = tokio::io::split(self.s);
        let mbox = mailbox.to_string();
        let first = self.tag + 1;
        let writer = tokio::spawn(async move {
            let mut w = tokio::io::BufWriter::with_capacity(1 << 20, &mut wr);
            for (i, (m, flags)) in msgs.into_iter().enumerate() {
                let tag = first + i as u32;
                w.write_all(
                    format!("Z{tag} APPEND {mbox} {flags} {{{}+}}\r\n", m.len()).as_bytes(),
                )
                .await?;
                w.write_all(&m).await?;
                w.write_all(b"\r\n").await?;
            }
            w.flush().await?;
            drop(w);
            Ok::<_, std::io::Error>(wr)
        });
        let mut buf = self.buf;
        let mut done = 0;
        let mut tmp = vec![0u8; 65536];
        while done < n {
            while let Some(p) = buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = buf.drain(..p + 2).collect();
                if line.starts_with(b"Z") {
                    let l = String::from_utf8_lossy(&line);
                    if l.split(' ').nth(1) != Some("OK") {
                        return Err(format!("APPEND failed: {l}").into());
                    }
                    done += 1;
                }
            }
            if done >= n {
                break;
            }
            let k = rd.read(&mut tmp).await?;
            if k == 0 {
                return Err("closed during APPEND".into());
            }
            buf.extend_from_slice(&tmp[..k]);
        }
        let wr = writer.await??;
        Ok(Imap {
            s: Box::new(rd.unsplit(wr)),
            buf,
            tag: first + n as u32,
        })
    }
}

/// Message count of a mailbox (STATUS).
pub async fn count(c: &mut Imap, mailbox: &str) -> Res<u64> {
    let lines = c.cmd(&format!("STATUS {mailbox} (MESSAGES)")).await?;
    for l in lines {
        if let Some(p) = l.find("MESSAGES ") {
            let n: String = l[p + 9..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            return Ok(n.parse()?);
        }
    }
    Err("no STATUS reply".into())
}

/// A minimal SMTP client with pipelining (RFC 2920): the end of one message, the next
/// MAIL FROM, RCPT TO and DATA go out in one write.
pub struct Smtp {
    s: tokio::io::BufReader<Stream>,
}

impl Smtp {
    pub async fn login(cfg: &Config, user: &str) -> Res<Smtp> {
        let s = connect(cfg, cfg.port("smtps_port"), true).await?;
        let mut c = Smtp {
            s: tokio::io::BufReader::with_capacity(16384, s),
        };
        c.reply().await?;
        c.send(b"EHLO bench\r\n").await?;
        c.reply().await?;
        let auth = crate::corpus::b64(format!("\0{user}\0{}", cfg.password(user)).as_bytes());
        c.send(format!("AUTH PLAIN {auth}\r\n").as_bytes()).await?;
        let code = c.reply().await?;
        if code != 235 {
            return Err(format!("AUTH: {code}").into());
        }
        Ok(c)
    }

    async fn send(&mut self, b: &[u8]) -> Res<()> {
        self.s.get_mut().write_all(b).await?;
        self.s.get_mut().flush().await?;
        Ok(())
    }

    async fn reply(&mut self) -> Res<u16> {
        use tokio::io::AsyncBufReadExt;
        loop {
            let mut line = String::new();
            if self.s.read_line(&mut line).await? == 0 {
                return Err("SMTP closed".into());
            }
            if line.len() >= 4 && line.as_bytes()[3] == b' ' {
                return Ok(line[..3].parse()?);
            }
        }
    }

    /// Sends `count` copies of `msg` (already dot-stuffed, CRLF) from `from` to `to`.
    pub async fn send_many(&mut self, from: &str, to: &str, msg: &[u8], count: usize) -> Res<()> {
        let envelope = format!("MAIL FROM:<{from}>\r\nRCPT TO:<{to}>\r\nDATA\r\n");
        let mut out = Vec::with_capacity(msg.len() + 256);
        out.extend_from_slice(envelope.as_bytes());
        self.send(&out).await?;
        for i in 0..count {
            let wants: &[u16] = if i == 0 {
                &[250, 250, 354]
            } else {
                &[250, 250, 250, 354]
            };
            for &want in wants {
                let got = self.reply().await?;
                if got != want {
                    return Err(format!("SMTP: got {got}, wanted {want}").into());
                }
            }
            out.clear();
            out.extend_from_slice(msg);
            out.extend_from_slice(b".\r\n");
            if i + 1 < count {
                out.extend_from_slice(envelope.as_bytes());
            }
            self.send(&out).await?;
        }
        let got = self.reply().await?;
        if got != 250 {
            return Err(format!("end of data: {got}").into());
        }
        self.send(b"QUIT\r\n").await?;
        Ok(())
    }
}
