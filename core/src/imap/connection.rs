//! One IMAP connection: connect, TLS, login, and running tagged commands with a deadline on
//! every wait. async-imap supplies the framing and imap-proto the parser; the command
//! stream (tags, literals, tagged status, unsolicited responses) is ours, because async-imap
//! reports a tagged BAD as success and drops COPYUID/APPENDUID and unsolicited responses.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::imap_proto::{self, MailboxDatum, Response, ResponseCode, Status};
use base64::Engine;
use tokio::io::AsyncWriteExt;

use super::command::{Command, Piece};
use super::parse;
use super::types::MailboxEvent;
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

/// Unsolicited events kept at most (the oldest are dropped past this).
const MAX_EVENTS: usize = 100_000;

pub(crate) struct Connection {
    client: async_imap::Client<MaybeTls>,
    caps: HashSet<String>,
    next_tag: u64,
    pub(crate) timeout: Duration,
    pub(crate) selected: Option<Selected>,
    pending: Option<Pending>,
    /// Set while bytes of a command are half written; such a connection cannot be reused.
    broken: bool,
    pub(crate) events: Vec<MailboxEvent>,
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
    /// Connects, secures, reads the greeting and logs in.
    pub(crate) async fn open(config: &ImapConfig) -> Result<Connection> {
        let t = &config.timeouts;
        let tcp = net::connect_tcp(&config.host, config.port, t.connect).await?;
        let stream = match config.security {
            Security::Tls => net::tls_handshake(tcp, &config.host, &config.tls, t.connect).await?,
            Security::StartTls | Security::Plain => MaybeTls::Plain(tcp),
        };
        let mut conn = Connection {
            client: async_imap::Client::new(stream),
            caps: HashSet::new(),
            next_tag: 1,
            timeout: t.command,
            selected: None,
            pending: None,
            broken: false,
            events: Vec::new(),
            secret: config.auth.secret().map(str::to_string),
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
            let tcp = match conn.client.into_inner() {
                MaybeTls::Plain(tcp) => tcp,
                MaybeTls::Tls(_) => return Err(Error::protocol("STARTTLS on a TLS connection")),
            };
            let tls = net::tls_handshake(tcp, &config.host, &config.tls, t.connect).await?;
            conn.client = async_imap::Client::new(tls);
            conn.caps.clear();
        }
        conn.login(&config.auth).await?;
        conn.refresh_capabilities().await?;
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
        let resp = net::deadline("waiting for the IMAP greeting", limit, async {
            self.client
                .read_response()
                .await
                .map_err(|e| Error::io("reading the IMAP greeting", e))?
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Connect,
                        "the server closed the connection before its greeting",
                    )
                })
        })
        .await?;
        match resp.parsed() {
            Response::Data {
                status: Status::Ok | Status::PreAuth,
                outcome,
            } => {
                if let Some(ResponseCode::Capabilities(caps)) = &outcome.code {
                    self.caps = caps.iter().map(parse::capability_name).collect();
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
                "unexpected IMAP greeting: {other:?}"
            ))),
        }
    }

    async fn login(&mut self, auth: &Auth) -> Result<()> {
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
                let payload = base64::engine::general_purpose::STANDARD
                    .encode(Auth::xoauth2_payload(username, access_token));
                self.authenticate_xoauth2(&payload).await
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

    /// SASL XOAUTH2: the token goes after the continuation, never on the command line.
    async fn authenticate_xoauth2(&mut self, payload_b64: &str) -> Result<Tagged> {
        let cmd = Command::new("AUTHENTICATE XOAUTH2");
        let tag = self.send(&cmd).await?;
        let mut sent_token = false;
        loop {
            match self
                .read_for(&tag, &cmd.verb, |_, r| matches!(r, Response::Continue(_)))
                .await?
            {
                Step::Done(t) => return Ok(t),
                Step::Data(is_continue) => {
                    if is_continue {
                        // First continuation asks for the token; a second one carries the
                        // error details and wants an empty answer.
                        let line = if sent_token { "" } else { payload_b64 };
                        sent_token = true;
                        tracing::debug!(target: TRACE, "C: <redacted XOAUTH2 response>");
                        self.write_raw(format!("{line}\r\n").as_bytes()).await?;
                    }
                }
            }
        }
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
        let stream = self.client.get_mut();
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
            tracing::debug!(target: TRACE, "settling unfinished command {tag}");
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
        tracing::debug!(target: TRACE, "C: {tag} {}", cmd.log);
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
        tracing::debug!(target: TRACE, "C: DONE");
        // Cut off half-way, DONE could be neither resent nor skipped: reconnect instead.
        self.broken = true;
        self.write_raw(b"DONE\r\n").await?;
        self.broken = false;
        self.pending = Some(Pending {
            tag: tag.to_string(),
            idle: IdleStage::No,
        });
        Ok(())
    }

    /// Reads one response within `limit` and hands it to `f`. A timeout leaves the
    /// connection usable (IDLE relies on that); other failures mark it broken.
    pub(crate) async fn read_within<T>(
        &mut self,
        limit: Duration,
        f: impl FnOnce(&mut Self, &Response<'_>) -> T,
    ) -> Result<T> {
        let r = tokio::time::timeout(limit, self.client.read_response()).await;
        let resp = match r {
            Err(_) => return Err(Error::timeout("waiting for the IMAP server", limit)),
            Ok(Err(e)) => {
                self.broken = true;
                let msg = e.to_string();
                if msg.contains("during parsing") {
                    let shown: String = msg.chars().take(300).collect();
                    return Err(
                        Error::protocol("the IMAP server sent an unparsable response")
                            .with_server_text(net::scrub(&shown, self.secret.as_deref())),
                    );
                }
                return Err(Error::io("reading from the IMAP server", e));
            }
            Ok(Ok(None)) => {
                self.broken = true;
                return Err(Error::new(
                    ErrorKind::Connect,
                    "the IMAP server closed the connection",
                ));
            }
            Ok(Ok(Some(resp))) => resp,
        };
        let parsed = resp.parsed();
        if tracing::enabled!(target: TRACE, tracing::Level::TRACE) {
            tracing::trace!(target: TRACE, "S: {}", parse::brief(parsed));
        }
        if let Response::Data {
            status: Status::Bye,
            ..
        } = parsed
        {
            // The server is closing; the command in progress will see the EOF next.
            self.broken = true;
        }
        Ok(f(self, parsed))
    }

    /// Reads the next response of command `tag`: data (handed to `f`), or its tagged
    /// completion (an error for NO/BAD). Any failure, a timeout included, marks the
    /// connection broken: its state is unknown.
    pub(crate) async fn read_for<T>(
        &mut self,
        tag: &str,
        verb: &str,
        f: impl FnOnce(&mut Self, &Response<'_>) -> T,
    ) -> Result<Step<T>> {
        let limit = self.timeout;
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
                        return c.check(verb, status, outcome).map(Step::Done);
                    }
                }
                Ok(Step::Data(f(c, r)))
            })
            .await;
        match r {
            Ok(step) => step,
            Err(e) => {
                self.broken = true;
                Err(e)
            }
        }
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

    /// Records unsolicited mailbox changes.
    pub(crate) fn absorb(&mut self, resp: &Response<'_>) {
        let event = match resp {
            Response::MailboxData(MailboxDatum::Exists(n)) => {
                if let Some(s) = &mut self.selected {
                    s.exists = *n;
                }
                MailboxEvent::Exists { count: *n }
            }
            Response::Expunge(seq) => {
                if let Some(s) = &mut self.selected {
                    s.exists = s.exists.saturating_sub(1);
                }
                MailboxEvent::Expunge {
                    uids: Vec::new(),
                    seq: Some(*seq),
                }
            }
            Response::Vanished {
                earlier: false,
                uids,
            } => {
                let uids: Vec<u32> = uids.iter().flat_map(|r| r.clone()).collect();
                if let Some(s) = &mut self.selected {
                    s.exists = s.exists.saturating_sub(uids.len() as u32);
                }
                MailboxEvent::Expunge { uids, seq: None }
            }
            Response::Fetch(seq, attrs) => match parse::flag_change(*seq, attrs) {
                Some(ev) => ev,
                None => return,
            },
            _ => return,
        };
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(event);
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
        let _ = self.client.get_mut().shutdown().await;
    }
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
