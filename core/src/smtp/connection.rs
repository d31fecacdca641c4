//! One SMTP session: connect, TLS, EHLO, AUTH, and mail transactions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use tokio::io::{AsyncWriteExt, BufReader};

use super::reply::{read_reply, Reply};
use super::{Progress, RecipientError};
use crate::config::{Auth, Security, SmtpConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{connect_tcp, deadline, tls_handshake, MaybeTls};

/// The body is dot-stuffed and written in pieces of this many input bytes; progress is
/// reported once per piece.
pub(crate) const CHUNK: usize = 64 * 1024;

/// An initial SASL response longer than this is sent after the `334` instead of on the AUTH
/// line (Postfix cuts command lines at 2048 characters).
const MAX_INITIAL_RESPONSE: usize = 1000;

/// What the server announced in its EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Capabilities {
    pub(crate) pipelining: bool,
    /// `Some(0)` when SIZE is offered without a limit.
    pub(crate) size: Option<u64>,
    pub(crate) eight_bit_mime: bool,
    pub(crate) smtputf8: bool,
    pub(crate) starttls: bool,
    /// SASL mechanisms, upper-case.
    pub(crate) auth: Vec<String>,
    /// Every extension line after the greeting, its keyword upper case (`SIZE 10240000`).
    pub(crate) extensions: Vec<String>,
}

impl Capabilities {
    pub(crate) fn from_ehlo(reply: &Reply) -> Self {
        let mut caps = Capabilities::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let keyword = keyword.to_ascii_uppercase();
            let rest = line
                .trim_start_matches(|c: char| c.is_ascii_whitespace())
                .get(keyword.len()..)
                .unwrap_or_default()
                .trim();
            caps.extensions.push(if rest.is_empty() {
                keyword.clone()
            } else {
                format!("{keyword} {rest}")
            });
            // Old servers write `AUTH=PLAIN LOGIN`.
            let (keyword, first_arg) = match keyword.split_once('=') {
                Some((k, a)) => (k.to_string(), Some(a.to_string())),
                None => (keyword, None),
            };
            let mut args: Vec<String> = first_arg.into_iter().filter(|a| !a.is_empty()).collect();
            args.extend(words.map(|w| w.to_ascii_uppercase()));
            match keyword.as_str() {
                "PIPELINING" => caps.pipelining = true,
                "SIZE" => caps.size = Some(args.first().and_then(|a| a.parse().ok()).unwrap_or(0)),
                "8BITMIME" => caps.eight_bit_mime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "STARTTLS" => caps.starttls = true,
                "AUTH" => {
                    for mech in args {
                        if !caps.auth.contains(&mech) {
                            caps.auth.push(mech);
                        }
                    }
                }
                _ => {}
            }
        }
        caps
    }

    pub(crate) fn has_auth(&self, mech: &str) -> bool {
        self.auth.iter().any(|m| m == mech)
    }
}

/// The byte stream and the command/reply primitives, with deadlines and tracing.
struct Io {
    stream: BufReader<MaybeTls>,
    id: u64,
    command_timeout: Duration,
    /// Set once I/O failed or timed out, or the server said it is closing (421).
    broken: bool,
    /// Replies read so far (tells whether the server answered anything of a transaction).
    replies: u64,
    /// The credentials and every form in which they were sent (base64 SASL responses): a
    /// reply containing one is withheld when read.
    secrets: Vec<String>,
}

impl Io {
    fn new(stream: MaybeTls, id: u64, command_timeout: Duration) -> Self {
        Io {
            stream: BufReader::with_capacity(16 * 1024, stream),
            id,
            command_timeout,
            broken: false,
            replies: 0,
            secrets: Vec::new(),
        }
    }

    fn note<T>(&mut self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            if e.breaks_connection() {
                self.broken = true;
            }
        }
        r
    }

    /// Writes `bytes` and flushes, under the command deadline.
    async fn write(&mut self, what: &str, bytes: &[u8]) -> Result<()> {
        let fut = async {
            self.stream
                .write_all(bytes)
                .await
                .map_err(|e| Error::io(&format!("sending {what} failed"), e))?;
            self.stream
                .flush()
                .await
                .map_err(|e| Error::io(&format!("sending {what} failed"), e))
        };
        let r = deadline(&format!("sending {what}"), self.command_timeout, fut).await;
        self.note(r)
    }

    /// Reads one reply under the command deadline.
    async fn read(&mut self, what: &str) -> Result<Reply> {
        let r = deadline(
            &format!("waiting for the reply to {what}"),
            self.command_timeout,
            read_reply(&mut self.stream),
        )
        .await;
        let mut r = self.note(r).map_err(|e| e.withhold(&self.secrets));
        if let Ok(reply) = &mut r {
            reply.withhold(&self.secrets);
            self.replies += 1;
            tracing::debug!(target: "mailwire::smtp", conn = self.id, "S: {} {}{}", reply.code,
                reply.enhanced.as_deref().map(|e| format!("{e} ")).unwrap_or_default(), reply.text());
            if reply.code == 421 {
                self.broken = true;
            }
        }
        r
    }

    /// Sends one command line and reads its reply. `shown` is what the trace prints.
    async fn command(&mut self, line: &str, shown: &str) -> Result<Reply> {
        tracing::debug!(target: "mailwire::smtp", conn = self.id, "C: {shown}");
        let verb = shown.split(' ').next().unwrap_or(shown).to_string();
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.write(&verb, &bytes).await?;
        self.read(&verb).await
    }
}

/// One SMTP session, authenticated and ready for mail transactions.
pub(crate) struct Connection {
    io: Io,
    config: Arc<SmtpConfig>,
    caps: Capabilities,
    last_used: Instant,
    /// A transaction was started and not finished or reset.
    dirty: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.io.id)
            .field("caps", &self.caps)
            .finish()
    }
}

impl Connection {
    /// What the server announced in its (last) EHLO reply.
    pub(crate) fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
}

impl Connection {
    /// Connects, secures, greets, says EHLO and authenticates.
    pub(crate) async fn open(config: Arc<SmtpConfig>, id: u64) -> Result<Connection> {
        config.auth.check_sendable()?;
        config
            .auth
            .check_plaintext(config.security, config.allow_plaintext_auth)?;
        let t = config.timeouts;
        let host = config.host.as_str();
        let tcp = connect_tcp(host, config.port, t.connect).await?;
        let stream = match config.security {
            Security::Tls => tls_handshake(tcp, host, &config.tls, t.connect).await?,
            Security::StartTls | Security::Plain => MaybeTls::Plain(tcp),
        };
        tracing::debug!(target: "mailwire::smtp", conn = id, "connected to {host}:{} ({})", config.port, config.security.as_str());
        let mut io = Io::new(stream, id, t.command);

        let greeting = deadline(
            &format!("waiting for the greeting of {host}"),
            t.greeting,
            read_reply(&mut io.stream),
        )
        .await?;
        tracing::debug!(target: "mailwire::smtp", conn = id, "S: {} {}", greeting.code, greeting.text());
        if greeting.code != 220 {
            return Err(
                greeting.to_error(ErrorKind::Connect, format!("{host} refused the session"))
            );
        }

        let hello = config
            .hello_name
            .clone()
            .unwrap_or_else(|| "localhost".to_string());
        if hello.is_empty() || hello.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(Error::invalid_input(
                "the EHLO name must be a non-empty word",
            ));
        }
        let mut caps = ehlo(&mut io, &hello).await?;

        if config.security == Security::StartTls {
            if !caps.starttls {
                return Err(Error::new(
                    ErrorKind::Tls,
                    format!(
                        "{host}:{} does not offer STARTTLS; refusing to continue without TLS",
                        config.port
                    ),
                ));
            }
            let reply = io.command("STARTTLS", "STARTTLS").await?;
            if reply.code != 220 {
                return Err(reply.to_error(ErrorKind::Tls, "the server refused STARTTLS"));
            }
            if !io.stream.buffer().is_empty() {
                // Anything sent before the handshake could be injected by an attacker.
                return Err(Error::new(
                    ErrorKind::Tls,
                    "the server sent data after accepting STARTTLS",
                ));
            }
            let tcp = match io.stream.into_inner() {
                MaybeTls::Plain(tcp) => tcp,
                MaybeTls::Tls(_) => return Err(Error::protocol("STARTTLS on a TLS connection")),
            };
            let tls = tls_handshake(tcp, host, &config.tls, t.connect).await?;
            io = Io::new(tls, id, t.command);
            caps = ehlo(&mut io, &hello).await?;
        }

        io.secrets.extend(config.auth.secret().map(str::to_string));
        let mut conn = Connection {
            io,
            config,
            caps,
            last_used: Instant::now(),
            dirty: false,
        };
        conn.authenticate().await?;
        Ok(conn)
    }

    /// True when the connection must not be used again.
    pub(crate) fn is_broken(&self) -> bool {
        self.io.broken
    }

    /// True when a transaction was started and not finished or reset.
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// How many replies this connection has read.
    pub(crate) fn replies_read(&self) -> u64 {
        self.io.replies
    }

    /// Time since the connection last finished a command.
    pub(crate) fn idle_for(&self) -> Duration {
        self.last_used.elapsed()
    }

    /// Authenticates as configured; a token provider's refused token is refreshed once
    /// and the login retried on this connection.
    async fn authenticate(&mut self) -> Result<()> {
        let creds = self.config.auth.for_login(false).await?;
        match self.authenticate_with(&creds).await {
            Err(e) if e.kind() == ErrorKind::Auth && self.config.auth.refreshable() => {
                let creds = self.config.auth.for_login(true).await?;
                self.authenticate_with(&creds).await
            }
            r => r,
        }
    }

    /// Logs in with `creds` (a password or a token). OAuth 2.0 uses OAUTHBEARER when the
    /// server offers it, else XOAUTH2.
    async fn authenticate_with(&mut self, creds: &Auth) -> Result<()> {
        match creds {
            Auth::None => Ok(()),
            Auth::Password { username, password } => {
                if self.caps.has_auth("PLAIN") {
                    let payload = format!("\0{username}\0{password}");
                    self.sasl("PLAIN", Some(payload.as_bytes()), &[]).await
                } else if self.caps.has_auth("LOGIN") {
                    self.sasl("LOGIN", None, &[username.as_bytes(), password.as_bytes()])
                        .await
                } else {
                    Err(self.no_mechanism("PLAIN or LOGIN"))
                }
            }
            Auth::OAuth2 {
                username,
                access_token,
            } => {
                self.io.secrets.push(access_token.clone());
                let (mech, payload) = if self.caps.has_auth("OAUTHBEARER") {
                    let (host, port) = (&self.config.host, self.config.port);
                    let p = Auth::oauthbearer_payload(username, host, port, access_token);
                    ("OAUTHBEARER", p)
                } else if self.caps.has_auth("XOAUTH2") {
                    ("XOAUTH2", Auth::xoauth2_payload(username, access_token))
                } else {
                    return Err(self.no_mechanism("OAUTHBEARER or XOAUTH2"));
                };
                // Never on the AUTH line: tokens are long and Postfix cuts lines at 2048.
                self.sasl(mech, None, &[payload.as_bytes()]).await
            }
            Auth::OAuth2Provider { .. } => {
                Err(Error::protocol("a token provider reached login unresolved"))
            }
        }
    }

    fn no_mechanism(&self, wanted: &str) -> Error {
        let offered = if self.caps.auth.is_empty() {
            "none".to_string()
        } else {
            self.caps.auth.join(" ")
        };
        Error::new(
            ErrorKind::Auth,
            format!(
                "the server offers no usable AUTH mechanism (wanted {wanted}, offered: {offered})"
            ),
        )
    }

    /// Runs one SASL exchange. `initial` goes on the AUTH line when short; each of
    /// `responses` answers one `334` challenge. A `334` after all responses were sent is a
    /// failure report (XOAUTH2 sends its error as a challenge): it is answered with an empty
    /// line and the final reply is read.
    async fn sasl(
        &mut self,
        mech: &str,
        initial: Option<&[u8]>,
        responses: &[&[u8]],
    ) -> Result<()> {
        let mut queue: Vec<String> = Vec::new();
        // Whatever is sent, in whatever form, must not come back in a reply text.
        let initial = initial.map(|i| B64.encode(i));
        let encoded: Vec<String> = responses.iter().map(|r| B64.encode(r)).collect();
        self.io
            .secrets
            .extend(initial.iter().chain(&encoded).cloned());
        let mut reply = match initial {
            Some(enc) if enc.len() <= MAX_INITIAL_RESPONSE => {
                self.io
                    .command(
                        &format!("AUTH {mech} {enc}"),
                        &format!("AUTH {mech} <redacted>"),
                    )
                    .await?
            }
            Some(enc) => {
                queue.push(enc);
                self.io
                    .command(&format!("AUTH {mech}"), &format!("AUTH {mech}"))
                    .await?
            }
            None => {
                self.io
                    .command(&format!("AUTH {mech}"), &format!("AUTH {mech}"))
                    .await?
            }
        };
        queue.extend(encoded);
        let mut queue = queue.into_iter();
        let mut failure_challenge = false;
        let mut failure_text = None;
        while reply.code == 334 {
            match queue.next() {
                Some(resp) if !failure_challenge => {
                    reply = self.io.command(&resp, "<redacted>").await?;
                }
                _ => {
                    if failure_challenge {
                        return Err(Error::protocol("the server repeated its AUTH challenge"));
                    }
                    // A challenge we have nothing left for: the server's error report
                    // (OAUTHBEARER wants %x01 in answer, the others an empty line).
                    failure_challenge = true;
                    failure_text = Some(crate::token::sasl_error_text(&reply.text()));
                    let answer = if mech == "OAUTHBEARER" { "AQ==" } else { "" };
                    reply = self.io.command(answer, "").await?;
                }
            }
        }
        self.last_used = Instant::now();
        if reply.code == 235 {
            tracing::debug!(target: "mailwire::smtp", conn = self.io.id, "authenticated with {mech}");
            return Ok(());
        }
        let user = self.config.auth.username().unwrap_or_default().to_string();
        let kind = if reply.is_negative() {
            ErrorKind::Auth
        } else {
            ErrorKind::Protocol
        };
        let err = reply.to_error(
            kind,
            format!("authentication as {user:?} with {mech} failed"),
        );
        Err(match failure_text {
            Some(json) => {
                let text = format!("{} {json}", reply.text());
                err.with_server_text(crate::net::scrub(
                    &text,
                    self.io.secrets.last().map(String::as_str),
                ))
            }
            None => err,
        })
    }

    /// NOOP: checks that the server still answers.
    pub(crate) async fn noop(&mut self) -> Result<()> {
        let reply = self.io.command("NOOP", "NOOP").await?;
        if reply.code != 250 {
            self.io.broken = true;
            return Err(reply.to_error(ErrorKind::Connect, "NOOP failed"));
        }
        self.last_used = Instant::now();
        Ok(())
    }

    /// RSET: aborts the current transaction.
    pub(crate) async fn rset(&mut self) -> Result<()> {
        let reply = self.io.command("RSET", "RSET").await?;
        if reply.code != 250 {
            self.io.broken = true;
            return Err(reply.to_error(ErrorKind::Protocol, "RSET failed"));
        }
        self.dirty = false;
        self.last_used = Instant::now();
        Ok(())
    }

    /// QUIT, ignoring the outcome, then closes the stream.
    pub(crate) async fn quit(mut self) {
        if !self.io.broken {
            let _ = self.io.command("QUIT", "QUIT").await;
            let _ = tokio::time::timeout(self.io.command_timeout, self.io.stream.shutdown()).await;
        }
    }

    /// Runs one mail transaction. Returns the accepted recipients, the refused ones with
    /// their replies, and the server's final reply (`250 2.0.0 Ok: queued as …`); fails when
    /// MAIL FROM, every RCPT, DATA or the end of data is refused.
    pub(crate) async fn send(
        &mut self,
        from: &str,
        recipients: &[String],
        raw: &[u8],
        progress: Option<&Progress>,
    ) -> Result<(Vec<String>, Vec<RecipientError>, String)> {
        let mail = self.mail_command(from, recipients, raw)?;
        let rcpts: Vec<String> = recipients
            .iter()
            .map(|r| format!("RCPT TO:<{r}>"))
            .collect();
        self.dirty = true;

        let (mail_reply, rcpt_replies, data_reply) = if self.caps.pipelining {
            let mut batch = String::with_capacity(
                mail.len() + 2 + rcpts.iter().map(|r| r.len() + 2).sum::<usize>() + 6,
            );
            for line in std::iter::once(&mail).chain(rcpts.iter()) {
                tracing::debug!(target: "mailwire::smtp", conn = self.io.id, "C: {line}");
                batch.push_str(line);
                batch.push_str("\r\n");
            }
            tracing::debug!(target: "mailwire::smtp", conn = self.io.id, "C: DATA");
            batch.push_str("DATA\r\n");
            self.io
                .write("MAIL FROM, RCPT TO and DATA", batch.as_bytes())
                .await?;
            let mail_reply = self.io.read("MAIL FROM").await?;
            let mut rcpt_replies = Vec::with_capacity(rcpts.len());
            for _ in &rcpts {
                rcpt_replies.push(self.io.read("RCPT TO").await?);
            }
            let data_reply = self.io.read("DATA").await?;
            (mail_reply, rcpt_replies, Some(data_reply))
        } else {
            let mail_reply = self.io.command(&mail, &mail).await?;
            let mut rcpt_replies = Vec::with_capacity(rcpts.len());
            if mail_reply.is_positive() {
                for rcpt in &rcpts {
                    rcpt_replies.push(self.io.command(rcpt, rcpt).await?);
                }
            }
            (mail_reply, rcpt_replies, None)
        };

        if !mail_reply.is_positive() {
            self.abort(data_reply.as_ref()).await;
            let kind = if mail_reply.is_negative() {
                ErrorKind::Rejected
            } else {
                ErrorKind::Protocol
            };
            return Err(
                mail_reply.to_error(kind, format!("the server refused the sender <{from}>"))
            );
        }

        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        let mut first_refusal: Option<&Reply> = None;
        for (addr, reply) in recipients.iter().zip(&rcpt_replies) {
            if reply.is_positive() {
                accepted.push(addr.clone());
            } else {
                first_refusal.get_or_insert(reply);
                rejected.push(RecipientError {
                    address: addr.clone(),
                    code: reply.code,
                    enhanced_code: reply.enhanced.clone(),
                    message: reply.text(),
                });
            }
        }
        if accepted.is_empty() {
            let err = match first_refusal {
                Some(r) if r.is_negative() => r.to_error(
                    ErrorKind::Rejected,
                    format!(
                        "all {} recipients were refused; first <{}>",
                        recipients.len(),
                        recipients.first().map(String::as_str).unwrap_or_default()
                    ),
                ),
                Some(r) => r.to_error(ErrorKind::Protocol, "unexpected reply to RCPT TO"),
                None => Error::invalid_input("no recipients"),
            };
            self.abort(data_reply.as_ref()).await;
            return Err(err);
        }

        let data_reply = match data_reply {
            Some(r) => r,
            None => self.io.command("DATA", "DATA").await?,
        };
        if data_reply.code != 354 {
            self.abort(None).await;
            let kind = if data_reply.is_negative() {
                ErrorKind::Rejected
            } else {
                ErrorKind::Protocol
            };
            return Err(data_reply.to_error(kind, "the server refused DATA"));
        }

        self.write_body(raw, progress).await?;
        let end = self.io.read("end of data").await?;
        // Whatever the answer, the server has closed the transaction.
        self.dirty = false;
        self.last_used = Instant::now();
        if end.code != 250 {
            let kind = if end.is_negative() {
                ErrorKind::Rejected
            } else {
                ErrorKind::Protocol
            };
            return Err(end.to_error(kind, "the server refused the message"));
        }
        let response = match &end.enhanced {
            Some(enhanced) => format!("{} {enhanced} {}", end.code, end.text()),
            None => format!("{} {}", end.code, end.text()),
        };
        Ok((accepted, rejected, response))
    }

    /// Ends a transaction that will not carry a message: closes a pipelined DATA that was
    /// accepted anyway (with an empty message, RFC 2920 §3.1), then RSET. When that fails the
    /// connection is marked broken; the caller reports the refusal that led here.
    async fn abort(&mut self, data_reply: Option<&Reply>) {
        let r = async {
            if data_reply.is_some_and(|r| r.code == 354) {
                tracing::debug!(target: "mailwire::smtp", conn = self.io.id, "C: . (empty message after refused recipients)");
                self.io.write("end of data", b".\r\n").await?;
                self.io.read("end of data").await?;
            }
            self.rset().await
        }
        .await;
        if r.is_err() {
            self.io.broken = true;
        }
    }

    fn mail_command(&self, from: &str, recipients: &[String], raw: &[u8]) -> Result<String> {
        let mut mail = format!("MAIL FROM:<{from}>");
        if self.caps.size.is_some() {
            mail.push_str(&format!(" SIZE={}", raw.len()));
        }
        let eight_bit = !raw.is_ascii();
        let utf8_addresses = !from.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
        if utf8_addresses && !self.caps.smtputf8 {
            return Err(Error::invalid_input(
                "a non-ASCII address needs SMTPUTF8, which the server does not offer",
            ));
        }
        if eight_bit && self.caps.eight_bit_mime {
            mail.push_str(" BODY=8BITMIME");
        }
        let utf8_headers = !header_section(raw).is_ascii();
        if self.caps.smtputf8 && (utf8_addresses || utf8_headers) {
            mail.push_str(" SMTPUTF8");
        }
        Ok(mail)
    }

    /// Writes the dot-stuffed body and the terminating `.`, `CHUNK` input bytes at a time.
    async fn write_body(&mut self, raw: &[u8], progress: Option<&Progress>) -> Result<()> {
        tracing::debug!(target: "mailwire::smtp", conn = self.io.id, "C: <{} bytes of message>", raw.len());
        let total = raw.len() as u64;
        let mut stuffer = DotStuffer::default();
        let mut out = Vec::with_capacity(CHUNK + CHUNK / 4);
        let mut done = 0u64;
        for piece in raw.chunks(CHUNK) {
            out.clear();
            stuffer.feed(piece, &mut out);
            let fut = async {
                self.io
                    .stream
                    .write_all(&out)
                    .await
                    .map_err(|e| Error::io("sending the message failed", e))
            };
            let r = deadline("sending the message", self.io.command_timeout, fut).await;
            self.io.note(r)?;
            done += piece.len() as u64;
            if let Some(p) = progress {
                if done < total {
                    p(done, Some(total));
                }
            }
        }
        out.clear();
        stuffer.finish(&mut out);
        out.extend_from_slice(b".\r\n");
        self.io.write("the end of the message", &out).await?;
        if let Some(p) = progress {
            p(total, Some(total));
        }
        Ok(())
    }
}

/// Says EHLO (or HELO when EHLO is not understood) and returns the capabilities.
async fn ehlo(io: &mut Io, hello: &str) -> Result<Capabilities> {
    let reply = io
        .command(&format!("EHLO {hello}"), &format!("EHLO {hello}"))
        .await?;
    if reply.is_positive() {
        return Ok(Capabilities::from_ehlo(&reply));
    }
    if matches!(reply.code, 500 | 502) {
        let reply = io
            .command(&format!("HELO {hello}"), &format!("HELO {hello}"))
            .await?;
        if reply.is_positive() {
            return Ok(Capabilities::default());
        }
        return Err(reply.to_error(ErrorKind::Rejected, "the server refused HELO"));
    }
    Err(reply.to_error(ErrorKind::Rejected, "the server refused EHLO"))
}

/// The header section of a message: everything before the first empty line.
pub(crate) fn header_section(raw: &[u8]) -> &[u8] {
    &raw[..crate::message::headers::header_bounds(raw).0]
}

/// Streaming transparency encoder (RFC 5321 §4.5.2): every line that starts with `.` gets
/// another `.`, bare LF and bare CR become CRLF, and the last line gets a CRLF.
#[derive(Debug)]
pub(crate) struct DotStuffer {
    line_start: bool,
    pending_cr: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        DotStuffer {
            line_start: true,
            pending_cr: false,
        }
    }
}

impl DotStuffer {
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while !rest.is_empty() {
            if self.pending_cr {
                self.pending_cr = false;
                out.extend_from_slice(b"\r\n");
                self.line_start = true;
                if rest[0] == b'\n' {
                    rest = &rest[1..];
                    continue;
                }
            }
            if self.line_start && rest[0] == b'.' {
                out.push(b'.');
            }
            // Copy the run up to the next line break in one go.
            match rest.iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(pos) => {
                    out.extend_from_slice(&rest[..pos]);
                    if rest[pos] == b'\r' {
                        self.pending_cr = true;
                        self.line_start = false;
                    } else {
                        out.extend_from_slice(b"\r\n");
                        self.line_start = true;
                    }
                    rest = &rest[pos + 1..];
                }
                None => {
                    out.extend_from_slice(rest);
                    self.line_start = false;
                    rest = &[];
                }
            }
        }
    }

    /// Ends the data: a final CRLF when the input did not end with a line break.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        if self.pending_cr || !self.line_start {
            out.extend_from_slice(b"\r\n");
        }
        self.pending_cr = false;
        self.line_start = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuff(input: &[u8], piece: usize) -> Vec<u8> {
        let mut s = DotStuffer::default();
        let mut out = Vec::new();
        for p in input.chunks(piece.max(1)) {
            s.feed(p, &mut out);
        }
        s.finish(&mut out);
        out
    }

    #[test]
    fn dot_stuffing_and_line_endings() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"a", b"a\r\n"),
            (b"a\r\n", b"a\r\n"),
            (b".", b"..\r\n"),
            (b".\r\n", b"..\r\n"),
            (b"a\n.b\n..c\n", b"a\r\n..b\r\n...c\r\n"),
            (b"x\r\n.\r\ny", b"x\r\n..\r\ny\r\n"),
            (b"bare\rcr\r", b"bare\r\ncr\r\n"),
            (b"mid.dot\r\n", b"mid.dot\r\n"),
            (b"\r\n\r\n.", b"\r\n\r\n..\r\n"),
        ];
        for (input, want) in cases {
            for piece in [1, 2, 3, 1000] {
                assert_eq!(
                    stuff(input, piece),
                    *want,
                    "{:?} in pieces of {piece}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }

    #[test]
    fn capabilities_from_ehlo() {
        let reply = Reply {
            code: 250,
            enhanced: None,
            lines: [
                "mx",
                "PIPELINING",
                "SIZE 10240000",
                "8BITMIME",
                "AUTH PLAIN login",
                "AUTH=XOAUTH2",
                "STARTTLS",
                "SMTPUTF8",
            ]
            .map(String::from)
            .to_vec(),
        };
        let caps = Capabilities::from_ehlo(&reply);
        assert!(caps.pipelining && caps.eight_bit_mime && caps.smtputf8 && caps.starttls);
        assert_eq!(caps.size, Some(10_240_000));
        assert_eq!(caps.auth, ["PLAIN", "LOGIN", "XOAUTH2"]);
        // Every line after the greeting, as sent (keywords were upper case already).
        assert_eq!(caps.extensions, reply.lines[1..]);
        let caps = Capabilities::from_ehlo(&Reply {
            code: 250,
            enhanced: None,
            lines: vec!["mx".into(), "SIZE".into()],
        });
        assert_eq!(caps.size, Some(0));
        assert!(!caps.pipelining);
    }

    #[test]
    fn header_section_stops_at_blank_line() {
        assert_eq!(
            header_section(b"A: b\r\nC: d\r\n\r\nbody"),
            b"A: b\r\nC: d\r\n"
        );
        assert_eq!(header_section(b"A: b\n\nbody"), b"A: b\n");
        assert_eq!(header_section(b"A: b"), b"A: b");
    }
}
