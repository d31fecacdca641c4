//! [`ImapClient`]: one authenticated connection shared by every task that holds a clone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use imap_proto::{MailboxDatum, Response, ResponseCode, Status};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

use super::command::{Command, UidSet};
use super::connection::{Connection, Selected, Tagged};
use super::events::EventQueue;
use super::types::MailboxEvent;
use crate::config::ImapConfig;
use crate::error::{Error, Result};

/// An IMAP client. Clone it freely: clones share one connection, and calls from many tasks
/// are queued and run one after another, never interleaved.
///
/// The mailbox is an argument of every call; the client SELECTs lazily and remembers what
/// is selected. When the connection breaks (the server went away, a deadline passed) the
/// call fails with [`ErrorKind::Connect`](crate::ErrorKind::Connect) or
/// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) and the next call reconnects.
///
/// # Cancel safety
///
/// Every async method may be cancelled (its future dropped). A command that was already
/// sent is finished (its response read and discarded) before the next call runs; a command
/// cut off while being written makes the next call reconnect.
#[derive(Clone)]
pub struct ImapClient {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) config: ImapConfig,
    state: Arc<Mutex<State>>,
    /// Set by `logout`: no call starts any more.
    closed: Arc<AtomicBool>,
    /// Turned true by `logout`: reads in flight end with `Closed` at once.
    close: watch::Sender<bool>,
    /// The capabilities of the connection opened last, readable without waiting for it.
    caps: std::sync::Mutex<Vec<String>>,
}

struct State {
    conn: Option<Connection>,
    /// Events of a connection that was dropped, handed to the next one.
    orphaned: EventQueue,
}

impl State {
    /// Drops the connection, keeping its waiting events for the next one.
    fn drop_conn(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut events = conn.events;
            events.prepend(std::mem::take(&mut self.orphaned));
            self.orphaned = events;
        }
    }
}

impl std::fmt::Debug for ImapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapClient")
            .field("host", &self.shared.config.host)
            .field("port", &self.shared.config.port)
            .field("user", &self.shared.config.auth.username())
            .finish()
    }
}

/// Exclusive use of the connection for one call. A connection left unusable is dropped
/// when the session ends, so the next call reconnects.
pub(crate) struct Session {
    guard: OwnedMutexGuard<State>,
    closed: Arc<AtomicBool>,
}

impl Session {
    pub(crate) fn conn(&mut self) -> Result<&mut Connection> {
        if self.is_closed() {
            return Err(Error::closed());
        }
        self.guard.conn.as_mut().ok_or_else(Error::closed)
    }

    /// Whether the client was closed (possibly while this call ran).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.closed.load(Ordering::SeqCst) {
            // Closed while this call ran: the connection goes with it.
            self.guard.conn = None;
        } else if self.guard.conn.as_ref().is_some_and(|c| !c.is_usable()) {
            tracing::debug!(target: "mailwire::imap", "dropping a broken connection");
            self.guard.drop_conn();
        }
    }
}

impl ImapClient {
    /// Connects and logs in.
    ///
    /// Fails with `Connect`, `Tls`, `Auth` or `Timeout` (see [`ErrorKind`](crate::ErrorKind)).
    pub async fn connect(config: ImapConfig) -> Result<ImapClient> {
        let (close, close_rx) = watch::channel(false);
        let conn = Connection::open(&config, close_rx).await?;
        let caps = std::sync::Mutex::new(conn.capabilities());
        Ok(ImapClient {
            shared: Arc::new(Shared {
                caps,
                config,
                state: Arc::new(Mutex::new(State {
                    conn: Some(conn),
                    orphaned: EventQueue::default(),
                })),
                closed: Arc::new(AtomicBool::new(false)),
                close,
            }),
        })
    }

    /// Takes the connection for one call, reconnecting when the last one broke.
    pub(crate) async fn session(&self) -> Result<Session> {
        let mut s = self.locked().await?;
        let guard = &mut s.guard;
        if let Some(conn) = guard.conn.as_mut() {
            if conn.is_usable() && conn.settle().await.is_ok() {
                return Ok(s);
            }
            guard.drop_conn();
        }
        tracing::debug!(target: "mailwire::imap", "reconnecting to {}", self.shared.config.host);
        let mut conn = Connection::open(&self.shared.config, self.shared.close.subscribe()).await?;
        conn.events.prepend(std::mem::take(&mut guard.orphaned));
        *self.shared.caps.lock().unwrap_or_else(|e| e.into_inner()) = conn.capabilities();
        guard.conn = Some(conn);
        Ok(s)
    }

    /// Waits for the client's turn, without (re)connecting.
    async fn locked(&self) -> Result<Session> {
        let guard = self.shared.state.clone().lock_owned().await;
        let closed = self.shared.closed.clone();
        if closed.load(Ordering::SeqCst) {
            return Err(Error::closed());
        }
        Ok(Session { guard, closed })
    }

    /// Whether the server announced `capability` (e.g. `"IDLE"`, `"MOVE"`), case-insensitive.
    pub async fn has_capability(&self, capability: &str) -> Result<bool> {
        let mut s = self.session().await?;
        Ok(s.conn()?.has_cap(&capability.to_ascii_uppercase()))
    }

    /// Whether the connection opened last announced `cap` (upper case), without waiting
    /// for the connection.
    pub(crate) fn had_capability(&self, cap: &str) -> bool {
        let caps = self.shared.caps.lock().unwrap_or_else(|e| e.into_inner());
        caps.binary_search_by(|c| c.as_str().cmp(cap)).is_ok()
    }

    /// Every capability the server announced (after login), upper case and sorted.
    pub async fn capabilities(&self) -> Result<Vec<String>> {
        let mut s = self.session().await?;
        Ok(s.conn()?.capabilities())
    }

    /// What the server said of itself in answer to the client's ID (RFC 2971): `name`,
    /// `vendor`, `version`, … `None` when it does not offer ID, answered NIL, or the
    /// client sends no ID ([`ImapConfig::client_id`] empty).
    pub async fn server_id(&self) -> Result<Option<HashMap<String, String>>> {
        let mut s = self.session().await?;
        Ok(s.conn()?.server_id.clone())
    }

    /// Sends NOOP: keeps the connection alive and collects pending mailbox events.
    pub async fn noop(&self) -> Result<()> {
        let mut s = self.session().await?;
        s.conn()?
            .run(Command::new("NOOP"), |_| Ok(false))
            .await
            .map(|_| ())
    }

    /// Takes the events of `mailbox` that arrived outside IDLE (during other calls) and have
    /// not been reported yet, oldest first; no round trip. The next [`idle`](Self::idle) or
    /// watch round of `mailbox` would otherwise report them first. Led by an
    /// [`MailboxEvent::Overflow`] when more than 10,000 events
    /// were waiting.
    pub async fn pending_events(&self, mailbox: &str) -> Result<Vec<MailboxEvent>> {
        let mut s = self.locked().await?;
        let state = &mut *s.guard;
        let mut events = match state.conn.as_mut() {
            Some(c) => std::mem::take(&mut c.events),
            None => EventQueue::default(),
        };
        events.prepend(std::mem::take(&mut state.orphaned));
        let out = events.take(mailbox);
        match state.conn.as_mut() {
            Some(c) => c.events = events,
            None => state.orphaned = events,
        }
        Ok(out)
    }

    /// Logs out and closes the connection. Later calls fail with
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed), and so does work in flight — a
    /// running fetch stream or IDLE ends at once instead of being waited for (then the
    /// connection is dropped without LOGOUT). Safe to call from inside a fetch loop.
    pub async fn logout(&self) -> Result<()> {
        self.shared.closed.store(true, Ordering::SeqCst);
        match self.shared.state.clone().try_lock_owned() {
            Ok(mut guard) => {
                if let Some(conn) = guard.conn.take() {
                    conn.logout().await;
                }
            }
            Err(_) => {
                // Another call holds the connection: end its reads; it drops the
                // connection when it returns (see `Session`'s drop).
                self.shared.close.send_replace(true);
            }
        }
        Ok(())
    }
}

/// What a SELECT told us besides the counters kept in [`Selected`].
#[derive(Debug, Default)]
pub(crate) struct SelectInfo {
    pub(crate) vanished: UidSet,
    pub(crate) changed: Vec<(u32, Vec<super::types::Flag>, Option<u64>)>,
}

impl Connection {
    /// Selects `name` unless it already is.
    pub(crate) async fn select(&mut self, name: &str) -> Result<()> {
        if self.selected.as_ref().is_some_and(|s| s.name == name) {
            return Ok(());
        }
        self.select_with(name, None).await.map(|_| ())
    }

    /// Sends SELECT (with QRESYNC parameters `(uidvalidity, modseq)` when given).
    pub(crate) async fn select_with(
        &mut self,
        name: &str,
        qresync: Option<(u32, u64)>,
    ) -> Result<SelectInfo> {
        let mut cmd = Command::new("SELECT").mailbox(name)?;
        if let Some((v, m)) = qresync {
            cmd = cmd.raw(&format!("(QRESYNC ({v} {m}))"));
        } else if self.has_cap("CONDSTORE") && !self.has_cap("QRESYNC") {
            cmd = cmd.raw("(CONDSTORE)");
        }
        // Events of the mailbox selected until now stay queued under its name.
        self.selected = None;
        let mut sel = Selected {
            name: name.to_string(),
            ..Selected::default()
        };
        let mut info = SelectInfo::default();
        let mut vanished: Vec<(u32, u32)> = Vec::new();
        let result: Result<Tagged> = self
            .run(cmd, |r| {
                match r {
                    Response::MailboxData(MailboxDatum::Exists(n)) => sel.exists = *n,
                    Response::Data {
                        status: Status::Ok,
                        outcome,
                    } => match &outcome.code {
                        Some(ResponseCode::UidValidity(v)) => sel.uid_validity = *v,
                        Some(ResponseCode::UidNext(n)) => sel.uid_next = *n,
                        Some(ResponseCode::HighestModSeq(m)) => sel.highest_modseq = Some(*m),
                        _ => {}
                    },
                    Response::Vanished { uids, .. } => {
                        vanished.extend(uids.iter().map(|r| (*r.start(), *r.end())));
                    }
                    Response::Fetch(_, attrs) => {
                        if let Some(super::types::MailboxEvent::Flags {
                            uid: Some(uid),
                            flags,
                            modseq,
                            ..
                        }) = super::parse::flag_change(0, attrs)
                        {
                            info.changed.push((uid, flags, modseq));
                        }
                    }
                    _ => {}
                }
                Ok(true)
            })
            .await;
        result?;
        info.vanished = UidSet::from_server_ranges(vanished);
        self.selected = Some(sel);
        Ok(info)
    }

    /// Forgets the selection of `name` (before it is deleted or renamed).
    pub(crate) async fn unselect_if(&mut self, name: &str) -> Result<()> {
        if self.selected.as_ref().is_some_and(|s| s.name == name) {
            if self.has_cap("UNSELECT") {
                self.run(Command::new("UNSELECT"), |_| Ok(false)).await?;
            }
            self.selected = None;
        }
        Ok(())
    }
}
