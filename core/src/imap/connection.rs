//! One IMAP connection: connect, TLS, login, and running tagged commands with a deadline on
//! every wait. The framing is ours ([`super::wire`]), the parser imap-proto's; the command
//! stream (tags, literals, tagged status, unsolicited responses) is ours too.
//!
//! Every read has two deadlines: `timeout` for the read itself, and a progress deadline for
//! the command (`Timeouts::no_progress`, 4 × `timeout` by default) that only responses
//! belonging to the command push back — untagged chatter cannot hold a call.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use base64::Engine;
use imap_proto::{self, MailboxDatum, Response, ResponseCode, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::Instant;

use super::command::{Command, Piece, UidSet};
use super::events::EventQueue;
use super::parse;
use super::raw::RawResponse;
use super::types::MailboxEvent;
use super::wire::{self, Framer};
use crate::config::{Auth, ImapConfig, Security};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{self, MaybeTls};

const TRACE: &str = "mailwire::imap";

/// The tagged completion of a successful command.
#[derive(Debug)]
pub(crate) struct Tagged {
    pub(crate) code: Option<ResponseCode<'static>>,
    #[allow(dead_code)]
    pub(crate) text: String,
}

/// One step of a running command: what the reader made of a data response, or the
/// tagged completion.
pub(crate) enum Step<T> {
    Data(T),
    Done(Tagged),
}

/// What the connection knows about the selected mailbox.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selected {
    pub(crate) name: String,
    pub(crate) exists: u32,
    pub(crate) uid_validity: u32,
    pub(crate) uid_next: u32,
    pub(crate) highest_modseq: Option<u64>,
}

/// A command whose completion was not read (its caller was cancelled).
#[derive(Debug)]
struct Pending {
    tag: String,
    idle: IdleStage,
}

/// How far an IDLE command got, so a cancelled one can be ended properly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdleStage {
    /// Not IDLE (or IDLE already ended with DONE): read until the tagged completion.
    No,
    /// IDLE was sent; the server's `+` has not been read yet.
    Requested,
    /// The server is idling: send DONE, then read until the tagged completion.
    Idling,
}

pub(crate) struct Connection {
    /// A number for this connection, unique in the process: traces carry it as `conn`, so
    /// the lines of several connections can be told apart.
    id: u64,
    stream: MaybeTls,
    framer: Framer,
    /// Becomes true when the client is closed: in-flight reads end with `Closed`.
    close: watch::Receiver<bool>,
    caps: HashSet<String>,
    next_tag: u64,
    pub(crate) timeout: Duration,
    /// How long a command may go without a response of its own.
    no_progress: Duration,
    /// When the running command fails with `Timeout` unless a response of its own arrives.
    progress_by: Option<Instant>,
    /// Set by [`Connection::absorb`]: the response just read was not the command's.
    chatter: bool,
    /// Bytes read for the running command since its last consumed item.
    cmd_bytes: usize,
    max_response: usize,
    pub(crate) selected: Option<Selected>,
    pending: Option<Pending>,
    /// Set while bytes of a command are half written; such a connection cannot be reused.
    broken: bool,
    /// Mailbox events waiting for an `idle` round or `pending_events`.
    pub(crate) events: EventQueue,
    /// Mailboxes a NOTIFY STATUS response named since they were last taken (NOTIFY).
    pub(crate) notified: Vec<String>,
    /// More mailboxes were named than `notified` keeps: look at every one.
    pub(crate) notify_overflow: bool,
    /// What the server said of itself in its ID response (RFC 2971), if it offers ID.
    pub(crate) server_id: Option<HashMap<String, String>>,
    secret: Option<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("selected", &self.selected.as_ref().map(|s| &s.name))
            .field("broken", &self.broken)
            .finish()
    }
}

impl Connection {
    /// Connects, secures, reads the greeting and logs in. `close` ends in-flight reads
    /// with `Closed` once it turns true.
    pub(crate) async fn open(
        config: &ImapConfig,
        close: watch::Receiver<bool>,
    ) -> Result<Connection> {
        let t = &config.timeouts;
        // Refused before any byte goes out: credentials that cannot be sent, or that would
        // cross the network in the clear without the explicit opt-in.
        config.auth.check_sendable()?;
        config
            .auth
            .check_plaintext(config.security, config.allow_plaintext_auth)?;
        let id = id_command(&config.client_id)?;
        let creds = config.auth.for_login(false).await?;
        let tcp = net::connect_tcp(&config.host, config.port, t.connect).await?;
        let stream = match config.security {
            Security::Tls => net::tls_handshake(tcp, &config.host, &config.tls, t.connect).await?,
            Security::StartTls | Security::Plain => MaybeTls::Plain(tcp),
        };
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut conn = Connection {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            stream,
            framer: Framer::new(config.max_response_size),
            close,
            caps: HashSet::new(),
            next_tag: 1,
            timeout: t.command,
            no_progress: t.no_progress.unwrap_or(t.command.saturating_mul(4)),
            progress_by: None,
            chatter: false,
            cmd_bytes: 0,
            max_response: config.max_response_size,
            selected: None,
            pending: None,
            broken: false,
            events: EventQueue::default(),
            server_id: None,
            notified: Vec::new(),
            notify_overflow: false,
            secret: creds.secret().map(str::to_string),
        };
        conn.read_greeting(t.greeting).await?;
        if config.security == Security::StartTls {
            conn.refresh_capabilities().await?;
            if !conn.has_cap("STARTTLS") {
                return Err(Error::new(
                    ErrorKind::Tls,
                    format!(
                        "{} does not offer STARTTLS; refusing to continue in plaintext",
                        config.host
                    ),
                ));
            }
            conn.run(Command::new("STARTTLS"), |_| Ok(false))
                .await
                .map_err(|e| Error::new(ErrorKind::Tls, "STARTTLS was refused").with_source(e))?;
            // Nothing may follow the server's answer in plaintext: bytes there were not
            // protected by TLS (a man in the middle injecting responses).
            if !conn.framer.take_rest().is_empty() {
                return Err(Error::new(
                    ErrorKind::Tls,
                    "the IMAP server sent plaintext after accepting STARTTLS; refusing to \
                     continue (a man in the middle may be injecting responses)",
                ));
            }
            let tcp = match conn.stream {
                MaybeTls::Plain(tcp) => tcp,
                MaybeTls::Tls(_) => return Err(Error::protocol("STARTTLS on a TLS connection")),
            };
            conn.stream = net::tls_handshake(tcp, &config.host, &config.tls, t.connect).await?;
            conn.caps.clear();
        }
        let plaintext = matches!(conn.stream, MaybeTls::Plain(_));
        if plaintext && creds.secret().is_some() {
            if conn.caps.is_empty() {
                conn.refresh_capabilities().await?;
            }
            if conn.has_cap("LOGINDISABLED") && matches!(creds, Auth::Password { .. }) {
                return Err(Error::new(
                    ErrorKind::Auth,
                    "the IMAP server disabled LOGIN on this unencrypted connection \
                     (LOGINDISABLED); the password was not sent",
                ));
            }
        }
        if let Err(e) = conn.login(&creds, &config.host, config.port).await {
            if e.kind() != ErrorKind::Auth || !config.auth.refreshable() {
                return Err(e);
            }
            // The token was refused: one more with a forced refresh, on the same connection.
            let creds = config.auth.for_login(true).await?;
            conn.secret = creds.secret().map(str::to_string);
            conn.login(&creds, &config.host, config.port).await?;
        }
        conn.refresh_capabilities().await?;
        if let (Some(id), true) = (id, conn.has_cap("ID")) {
            conn.server_id = conn.exchange_id(id).await?;
        }
        if conn.has_cap("QRESYNC") {
            conn.run(Command::new("ENABLE QRESYNC"), |_| Ok(false))
                .await?;
        } else if conn.has_cap("CONDSTORE") {
            conn.run(Command::new("ENABLE CONDSTORE"), |_| Ok(false))
                .await?;
        }
        Ok(conn)
    }

    async fn read_greeting(&mut self, limit: Duration) -> Result<()> {
        let r = self
            .read_within(limit, |c, resp| match resp {
                Response::Data {
                    status: Status::Ok | Status::PreAuth,
                    outcome,
                } => {
                    if let Some(ResponseCode::Capabilities(caps)) = &outcome.code {
                        c.caps = caps.iter().map(parse::capability_name).collect();
                    }
                    Ok(())
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => Err(
                    Error::new(ErrorKind::Connect, "the server refused the connection")
                        .with_server_text(outcome.information.as_deref().unwrap_or_default()),
                ),
                other => Err(Error::protocol(format!(
                    "the IMAP server greeted with {} instead of OK, PREAUTH or BYE",
                    parse::kind(other)
                ))),
            })
            .await;
        match r {
            Ok(inner) => inner,
            Err(e) if e.kind() == ErrorKind::Timeout => {
                Err(Error::timeout("waiting for the IMAP greeting", limit))
            }
            Err(e) => Err(e),
        }
    }

    /// Logs in with `auth` (a password or a token, never a provider). OAuth 2.0 uses
    /// OAUTHBEARER when the server offers it, else XOAUTH2.
    async fn login(&mut self, auth: &Auth, host: &str, port: u16) -> Result<()> {
        let result = match auth {
            Auth::Password { username, password } => {
                let cmd = Command::new("LOGIN").string(username)?.secret(password)?;
                self.run(cmd, |_| Ok(false)).await
            }
            Auth::OAuth2 {
                username,
                access_token,
            } => {
                Command::new("x").string(username)?.secret(access_token)?; // refuses CR/LF
                if self.caps.is_empty() {
                    self.refresh_capabilities().await?;
                }
                let (mech, payload) = if self.has_cap("AUTH=OAUTHBEARER") {
                    let p = Auth::oauthbearer_payload(username, host, port, access_token);
                    ("OAUTHBEARER", p)
                } else {
                    ("XOAUTH2", Auth::xoauth2_payload(username, access_token))
                };
                let payload = base64::engine::general_purpose::STANDARD.encode(payload);
                self.authenticate_bearer(mech, &payload).await
            }
            Auth::OAuth2Provider { .. } => {
                return Err(Error::protocol("a token provider reached login unresolved"))
            }
            Auth::None => return Ok(()),
        };
        result.map(|_| ()).map_err(|e| {
            if e.kind() == ErrorKind::Rejected {
                let text = e.server_text().unwrap_or_default().to_string();
                let mut err =
                    Error::new(ErrorKind::Auth, "the IMAP server refused the credentials")
                        .with_server_text(net::scrub(&text, self.secret.as_deref()));
                if let Some(code) = e.response_code() {
                    err = err.with_response_code(code);
                }
                err
            } else {
                e
            }
        })
    }

    /// SASL OAUTHBEARER or XOAUTH2: the token goes after the continuation, never on the
    /// command line. A refusal comes as a second continuation carrying the server's error
    /// (base64 JSON, `{"status":"401",…}`): it is answered as the mechanism asks and its
    /// decoded text added to the error's server text.
    async fn authenticate_bearer(&mut self, mech: &str, payload_b64: &str) -> Result<Tagged> {
        let cmd = Command::new(&format!("AUTHENTICATE {mech}"));
        let tag = self.send(&cmd).await?;
        let mut sent_token = false;
        let mut failure: Option<String> = None;
        loop {
            let step = self
                .read_for(&tag, &cmd.verb, |_, r| match r {
                    Response::Continue(outcome) => Some(
                        outcome
                            .information
                            .as_deref()
                            .unwrap_or_default()
                            .to_string(),
                    ),
                    _ => None,
                })
                .await;
            match step {
                Ok(Step::Done(t)) => return Ok(t),
                Ok(Step::Data(None)) => {}
                Ok(Step::Data(Some(challenge))) => {
                    if failure.is_some() {
                        return Err(Error::protocol(format!(
                            "the IMAP server kept asking for more after the {mech} exchange"
                        )));
                    }
                    let line = if sent_token {
                        // The error report; OAUTHBEARER wants %x01 in answer, XOAUTH2 nothing.
                        failure = Some(crate::token::sasl_error_text(&challenge));
                        if mech == "OAUTHBEARER" {
                            "AQ=="
                        } else {
                            ""
                        }
                    } else {
                        sent_token = true;
                        payload_b64
                    };
                    tracing::debug!(target: TRACE, conn = self.id, "C: <redacted {mech} response>");
                    self.write_raw(format!("{line}\r\n").as_bytes()).await?;
                }
                Err(e) => {
                    return Err(match (failure, e.server_text()) {
                        (Some(json), Some(text)) => {
                            let text = format!("{text} {json}");
                            e.with_server_text(text)
                        }
                        (Some(json), None) => e.with_server_text(json),
                        (None, _) => e,
                    })
                }
            }
        }
    }

    /// Sends the client's ID and returns the server's (`None` when it answered NIL). A
    /// server that refuses ID is not an error: the connection goes on without it.
    async fn exchange_id(&mut self, cmd: Command) -> Result<Option<HashMap<String, String>>> {
        let mut server = None;
        let r = self
            .run(cmd, |r| {
                if let Response::Id(map) = r {
                    server = map.as_ref().map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect()
                    });
                    return Ok(true);
                }
                Ok(false)
            })
            .await;
        match r {
            Ok(_) => Ok(server),
            Err(e) if e.kind() == ErrorKind::Rejected => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The capabilities the server announced, sorted.
    pub(crate) fn capabilities(&self) -> Vec<String> {
        let mut caps: Vec<String> = self.caps.iter().cloned().collect();
        caps.sort_unstable();
        caps
    }

    pub(crate) async fn refresh_capabilities(&mut self) -> Result<()> {
        let mut caps = HashSet::new();
        self.run(Command::new("CAPABILITY"), |r| {
            if let Response::Capabilities(list) = r {
                caps.extend(list.iter().map(parse::capability_name));
                return Ok(true);
            }
            Ok(false)
        })
        .await?;
        self.caps = caps;
        Ok(())
    }

    /// Whether the server announced `cap` (upper case).
    pub(crate) fn has_cap(&self, cap: &str) -> bool {
        self.caps.contains(cap)
    }

    /// Whether the connection can still carry commands.
    pub(crate) fn is_usable(&self) -> bool {
        !self.broken
    }

    pub(crate) fn mark_broken(&mut self) {
        self.broken = true;
    }

    async fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        let limit = self.timeout;
        let stream = &mut self.stream;
        let r = net::deadline("sending an IMAP command", limit, async {
            stream
                .write_all(bytes)
                .await
                .map_err(|e| Error::io("writing to the IMAP server", e))?;
            stream
                .flush()
                .await
                .map_err(|e| Error::io("writing to the IMAP server", e))
        })
        .await;
        if r.is_err() {
            self.broken = true;
        }
        r
    }

    /// Finishes whatever a cancelled caller left behind, so the next command starts clean.
    pub(crate) async fn settle(&mut self) -> Result<()> {
        if self.broken {
            return Err(Error::new(
                ErrorKind::Connect,
                "the connection was interrupted",
            ));
        }
        // `pending` stays set at every await below, so a settle that is itself cancelled
        // is resumed by the next one.
        if let Some((tag, mut stage)) = self.pending.as_ref().map(|p| (p.tag.clone(), p.idle)) {
            tracing::debug!(target: TRACE, conn = self.id, "settling unfinished command {tag}");
            // The cancelled caller may have left long ago: its deadline starts now.
            self.progress_by = Some(later(self.no_progress));
            if stage == IdleStage::Requested {
                // The server must say `+` before it reads DONE.
                match self.wait_continuation(&tag, "IDLE").await {
                    Ok(()) => {
                        stage = IdleStage::Idling;
                        self.mark_idle(&tag, stage);
                    }
                    // It completed (refused IDLE) instead: nothing left to settle.
                    Err(_) if self.pending.is_none() => return Ok(()),
                    Err(e) => return Err(e),
                }
            }
            if stage == IdleStage::Idling {
                self.send_done(&tag).await?;
            }
            loop {
                match self
                    .read_for(&tag, "an interrupted command", |c, r| c.absorb(r))
                    .await
                {
                    Ok(Step::Data(())) => {}
                    Ok(Step::Done(_)) => break,
                    // A cancelled command that failed on the server is settled too.
                    Err(e) if !e.breaks_connection() => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Sends `cmd` with a new tag, handling literals; returns the tag.
    pub(crate) async fn send(&mut self, cmd: &Command) -> Result<String> {
        self.settle().await?;
        let tag = format!("A{}", self.next_tag);
        self.next_tag += 1;
        tracing::debug!(target: TRACE, conn = self.id, "C: {tag} {}", cmd.log);
        self.progress_by = Some(later(self.no_progress));
        self.cmd_bytes = 0;
        let literal_plus = self.has_cap("LITERAL+");
        self.broken = true;
        let mut line: Vec<u8> = Vec::with_capacity(64);
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        for piece in &cmd.pieces {
            match piece {
                Piece::Text(t) => line.extend_from_slice(t),
                Piece::Literal(data) => {
                    if literal_plus {
                        line.extend_from_slice(format!("{{{}+}}\r\n", data.len()).as_bytes());
                        if data.len() > 64 * 1024 {
                            self.write_raw(&std::mem::take(&mut line)).await?;
                            self.write_raw(data).await?;
                        } else {
                            line.extend_from_slice(data);
                        }
                    } else {
                        line.extend_from_slice(format!("{{{}}}\r\n", data.len()).as_bytes());
                        self.write_raw(&std::mem::take(&mut line)).await?;
                        self.broken = false;
                        self.pending = Some(Pending {
                            tag: tag.clone(),
                            idle: IdleStage::No,
                        });
                        self.wait_continuation(&tag, &cmd.verb).await?;
                        self.broken = true;
                        self.write_raw(data).await?;
                    }
                }
            }
        }
        line.extend_from_slice(b"\r\n");
        self.write_raw(&line).await?;
        self.broken = false;
        self.pending = Some(Pending {
            tag: tag.clone(),
            idle: IdleStage::No,
        });
        Ok(tag)
    }

    /// Waits for a `+` continuation of command `tag`.
    pub(crate) async fn wait_continuation(&mut self, tag: &str, verb: &str) -> Result<()> {
        loop {
            let step = self
                .read_for(tag, verb, |c, r| {
                    let cont = matches!(r, Response::Continue(_));
                    if !cont {
                        c.absorb(r);
                    }
                    cont
                })
                .await?;
            match step {
                Step::Data(true) => return Ok(()),
                Step::Data(false) => {}
                Step::Done(_) => {
                    return Err(Error::protocol(format!(
                        "{verb} completed before its continuation"
                    )));
                }
            }
        }
    }

    /// Records how far the running IDLE command `tag` got, so a cancelled IDLE is ended
    /// with DONE (after the server's `+`, if that was not read yet).
    pub(crate) fn mark_idle(&mut self, tag: &str, stage: IdleStage) {
        self.pending = Some(Pending {
            tag: tag.to_string(),
            idle: stage,
        });
    }

    /// Forgets the running command (its completion was read by the caller).
    pub(crate) fn clear_pending(&mut self) {
        self.pending = None;
    }

    /// Ends IDLE with DONE (the completion is then read with [`Connection::read_for`]).
    pub(crate) async fn send_done(&mut self, tag: &str) -> Result<()> {
        tracing::debug!(target: TRACE, conn = self.id, "C: DONE");
        // Cut off half-way, DONE could be neither resent nor skipped: reconnect instead.
        self.broken = true;
        self.write_raw(b"DONE\r\n").await?;
        self.broken = false;
        self.progress_by = Some(later(self.no_progress));
        self.pending = Some(Pending {
            tag: tag.to_string(),
            idle: IdleStage::No,
        });
        Ok(())
    }

    /// Reads until a complete response is buffered; returns its length. Ends with `Closed`
    /// as soon as the client is closed.
    async fn read_frame(&mut self) -> Result<usize> {
        let Connection {
            stream,
            framer,
            close,
            ..
        } = self;
        loop {
            if let Some(len) = framer.complete()? {
                return Ok(len);
            }
            let n = tokio::select! {
                biased;
                _ = closed(close) => return Err(Error::closed()),
                n = stream.read_buf(framer.read_buf()) => {
                    n.map_err(|e| Error::io("reading from the IMAP server", e))?
                }
            };
            if n == 0 {
                return Err(Error::new(
                    ErrorKind::Connect,
                    "the IMAP server closed the connection",
                ));
            }
        }
    }

    /// Reads one response within `limit` and hands it to `f`. A timeout leaves the
    /// connection usable (IDLE relies on that); other failures mark it broken.
    pub(crate) async fn read_within<T>(
        &mut self,
        limit: Duration,
        f: impl FnOnce(&mut Self, &Response<'_>) -> T,
    ) -> Result<T> {
        let len = match tokio::time::timeout(limit, self.read_frame()).await {
            Err(_) => return Err(Error::timeout("waiting for the IMAP server", limit)),
            Ok(Err(e)) => {
                self.broken = true;
                return Err(e);
            }
            Ok(Ok(len)) => len,
        };
        self.cmd_bytes = self.cmd_bytes.saturating_add(len);
        // The framer is moved out while `f` borrows the response from it and `self`.
        let mut framer = std::mem::replace(&mut self.framer, Framer::new(0));
        let r = framer.parse(len, |parsed| {
            if tracing::enabled!(target: TRACE, tracing::Level::TRACE) {
                tracing::trace!(target: TRACE, conn = self.id, "S: {}", parse::brief(parsed));
            }
            if let Response::Data {
                status: Status::Bye,
                ..
            } = parsed
            {
                // The server is closing; the command in progress will see the EOF next.
                self.broken = true;
            }
            f(self, parsed)
        });
        self.framer = framer;
        r.inspect_err(|_| self.broken = true)
    }

    /// Reads the next response of command `tag`: data (handed to `f`), or its tagged
    /// completion (an error for NO/BAD). Any failure, a timeout included, marks the
    /// connection broken: its state is unknown.
    ///
    /// Fails with `Timeout` when the command's progress deadline passes (untagged chatter
    /// does not push it back: see [`Connection::absorb`]) and with `Protocol` when the
    /// responses to one command exceed the response size limit.
    pub(crate) async fn read_for<T>(
        &mut self,
        tag: &str,
        verb: &str,
        f: impl FnOnce(&mut Self, &Response<'_>) -> T,
    ) -> Result<Step<T>> {
        let now = Instant::now();
        let progress_by = *self
            .progress_by
            .get_or_insert_with(|| later(self.no_progress));
        if now >= progress_by || self.cmd_bytes > self.max_response {
            self.broken = true;
            return Err(if now >= progress_by {
                Error::timeout(
                    &format!("waiting for the answer to {verb}"),
                    self.no_progress,
                )
            } else {
                Error::protocol(format!(
                    "the IMAP server's answer to {verb} exceeded {} bytes",
                    self.max_response
                ))
            });
        }
        let limit = self.timeout.min(progress_by - now);
        self.chatter = false;
        let r = self
            .read_within(limit, |c, r| {
                if let Response::Done {
                    tag: t,
                    status,
                    outcome,
                } = r
                {
                    if t.0 == tag {
                        c.pending = None;
                        c.progress_by = None;
                        return c.check(verb, status, outcome).map(Step::Done);
                    }
                }
                Ok(Step::Data(f(c, r)))
            })
            .await;
        if !self.chatter {
            self.progress_by = Some(later(self.no_progress));
        }
        match r {
            Ok(step) => step,
            Err(e) => {
                self.broken = true;
                if e.kind() == ErrorKind::Timeout && limit < self.timeout {
                    return Err(Error::timeout(
                        &format!("waiting for the answer to {verb}"),
                        self.no_progress,
                    ));
                }
                Err(e)
            }
        }
    }

    /// Runs `cmd` as the caller wrote it and returns every untagged response as text, and
    /// the tagged status, without interpreting them (`ImapClient::raw_command`). Responses
    /// the parser does not know are fine here. A NO or BAD is returned, not an error.
    pub(crate) async fn run_raw(&mut self, cmd: &Command) -> Result<RawResponse> {
        let tag = self.send(cmd).await?;
        let mut untagged = Vec::new();
        loop {
            if self.cmd_bytes > self.max_response {
                self.broken = true;
                return Err(Error::protocol(format!(
                    "the IMAP server's answer to {} exceeded {} bytes",
                    cmd.verb, self.max_response
                )));
            }
            let len = match tokio::time::timeout(self.timeout, self.read_frame()).await {
                Ok(Ok(len)) => len,
                Ok(Err(e)) => {
                    self.broken = true;
                    return Err(e);
                }
                Err(_) => {
                    self.broken = true;
                    return Err(Error::timeout(
                        &format!("waiting for the answer to {}", cmd.verb),
                        self.timeout,
                    ));
                }
            };
            self.cmd_bytes = self.cmd_bytes.saturating_add(len);
            let frame = self.framer.take_frame(len);
            let text = net::scrub(
                String::from_utf8_lossy(frame.strip_suffix(b"\r\n").unwrap_or(&frame)).as_ref(),
                self.secret.as_deref(),
            );
            tracing::trace!(target: TRACE, conn = self.id, "S: {}", parse::brief_text(&text));
            if let Some(rest) = text.strip_prefix(&tag).and_then(|r| r.strip_prefix(' ')) {
                self.pending = None;
                self.progress_by = None;
                let (status, text) = rest.split_once(' ').unwrap_or((rest, ""));
                return Ok(RawResponse {
                    status: status.to_ascii_uppercase(),
                    text: text.to_string(),
                    untagged,
                });
            }
            if text.starts_with('+') {
                self.broken = true;
                return Err(Error::protocol(format!(
                    "the IMAP server asked for more data during {}; raw commands cannot send literals",
                    cmd.verb
                )));
            }
            if let (Some(sel), Ok((Response::MailboxData(MailboxDatum::Exists(n)), _))) =
                (&mut self.selected, wire::parse_response(&frame))
            {
                sel.exists = n;
            }
            untagged.push(text);
        }
    }

    /// Takes the last ESEARCH response read (imap-proto does not parse them; the framer
    /// keeps them aside, see [`super::esearch`]).
    pub(crate) fn take_esearch(&mut self) -> Option<super::esearch::Esearch> {
        self.framer.take_esearch()
    }

    /// The most UID pairs a COPYUID may add to a map: the response size limit over 8.
    pub(crate) fn max_uid_pairs(&self) -> usize {
        self.max_response / 8
    }

    /// Marks the running command's data so far as consumed (a streaming fetch handed an
    /// item on), resetting its response size budget.
    pub(crate) fn consumed(&mut self) {
        self.cmd_bytes = 0;
    }

    /// Runs `cmd` to completion; `on` sees every response and returns true for those it
    /// consumed; the rest update the mailbox view ([`Connection::absorb`]).
    pub(crate) async fn run(
        &mut self,
        cmd: Command,
        mut on: impl FnMut(&Response<'_>) -> Result<bool>,
    ) -> Result<Tagged> {
        let tag = self.send(&cmd).await?;
        loop {
            let on = &mut on;
            let step = self
                .read_for(&tag, &cmd.verb, |c, r| {
                    if !on(r)? {
                        c.absorb(r);
                    }
                    Ok::<(), Error>(())
                })
                .await?;
            match step {
                Step::Done(t) => return Ok(t),
                Step::Data(r) => r?,
            }
        }
    }

    fn check(
        &self,
        verb: &str,
        status: &Status,
        outcome: &imap_proto::Outcome<'_>,
    ) -> Result<Tagged> {
        let text = net::scrub(
            outcome.information.as_deref().unwrap_or_default(),
            self.secret.as_deref(),
        );
        match status {
            Status::Ok => Ok(Tagged {
                code: outcome.code.as_ref().map(|c| clone_code(c)),
                text,
            }),
            _ => {
                let (code, text) = parse::split_code(outcome.code.as_ref(), &text);
                let kind = match code.as_deref() {
                    Some("NONEXISTENT") => ErrorKind::NotFound,
                    Some("ALREADYEXISTS") => ErrorKind::AlreadyExists,
                    Some("TRYCREATE") => ErrorKind::NotFound,
                    Some("AUTHENTICATIONFAILED" | "AUTHORIZATIONFAILED") => ErrorKind::Auth,
                    _ => ErrorKind::Rejected,
                };
                let word = if *status == Status::Bad { "BAD" } else { "NO" };
                let mut err = Error::new(kind, format!("{verb} failed (server said {word})"))
                    .with_server_text(text);
                if let Some(code) = code {
                    err = err.with_response_code(code);
                }
                Err(err)
            }
        }
    }

    /// Records unsolicited mailbox changes (of the selected mailbox). Whatever is handed
    /// here was not the running command's own data, so it does not count as its progress.
    pub(crate) fn absorb(&mut self, resp: &Response<'_>) {
        self.chatter = true;
        if let Response::MailboxData(MailboxDatum::Status { mailbox, .. }) = resp {
            // Sent unasked only under NOTIFY: that mailbox changed.
            let name = crate::message::encoding::decode_mailbox_name(mailbox);
            if !self.notified.contains(&name) {
                if self.notified.len() >= MAX_NOTIFIED {
                    self.notify_overflow = true;
                } else {
                    self.notified.push(name);
                }
            }
            return;
        }
        let Some(selected) = &mut self.selected else {
            return;
        };
        let event = match resp {
            Response::MailboxData(MailboxDatum::Exists(n)) => MailboxEvent::Exists {
                count: *n,
                prev_count: std::mem::replace(&mut selected.exists, *n),
            },
            Response::Expunge(seq) => {
                selected.exists = selected.exists.saturating_sub(1);
                MailboxEvent::Expunge {
                    uids: UidSet::default(),
                    seq: Some(*seq),
                }
            }
            Response::Vanished {
                earlier: false,
                uids,
            } => {
                let uids = UidSet::from_server_ranges(uids.iter().map(|r| (*r.start(), *r.end())));
                let gone = u32::try_from(uids.count()).unwrap_or(u32::MAX);
                selected.exists = selected.exists.saturating_sub(gone);
                MailboxEvent::Expunge { uids, seq: None }
            }
            Response::Fetch(seq, attrs) => match parse::flag_change(*seq, attrs) {
                Some(ev) => ev,
                None => return,
            },
            _ => return,
        };
        self.events.push(&selected.name, event);
    }

    /// Sends LOGOUT and closes, best effort.
    pub(crate) async fn logout(mut self) {
        if self.broken {
            return;
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = self.run(Command::new("LOGOUT"), |_| Ok(true)).await;
        })
        .await;
        let _ = self.stream.shutdown().await;
    }
}

/// Resolves once the client is closed; never when every handle to the client is gone
/// (a fetch stream may outlive the client it came from and must keep reading).
async fn closed(close: &mut watch::Receiver<bool>) {
    if close.wait_for(|closed| *closed).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Mailbox names kept from NOTIFY STATUS responses; past this, every watched mailbox is
/// looked at.
const MAX_NOTIFIED: usize = 1000;

/// The ID command for `fields` (`None` when empty: no ID is sent), checked against RFC
/// 2971's limits: at most 30 pairs, fields of at most 30 bytes, values of at most 1024.
fn id_command(fields: &[(String, String)]) -> Result<Option<Command>> {
    if fields.is_empty() {
        return Ok(None);
    }
    if fields.len() > 30 {
        return Err(Error::invalid_input(
            "client_id has more than 30 fields (RFC 2971's limit)",
        ));
    }
    let mut cmd = Command::new("ID").raw("(");
    for (field, value) in fields {
        if field.len() > 30 || value.len() > 1024 {
            return Err(Error::invalid_input(format!(
                "client_id field {field:?}: fields are at most 30 bytes and values at most 1024 (RFC 2971)"
            )));
        }
        cmd = cmd.string(field)?.string(value)?;
    }
    Ok(Some(cmd.raw(")")))
}

/// `now + d`, saturating instead of overflowing for huge durations.
pub(crate) fn later(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

fn clone_code(c: &ResponseCode<'_>) -> ResponseCode<'static> {
    use ResponseCode as R;
    match c {
        R::AppendUid(v, s) => R::AppendUid(*v, s.clone()),
        R::CopyUid(v, a, b) => R::CopyUid(*v, a.clone(), b.clone()),
        R::HighestModSeq(m) => R::HighestModSeq(*m),
        R::UidNext(n) => R::UidNext(*n),
        R::UidValidity(n) => R::UidValidity(*n),
        R::ReadOnly => R::ReadOnly,
        R::ReadWrite => R::ReadWrite,
        R::TryCreate => R::TryCreate,
        R::UidNotSticky => R::UidNotSticky,
        _ => R::Alert,
    }
}
