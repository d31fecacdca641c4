//! A pool of authenticated SMTP connections.
//!
//! At most `pool_size` connections exist at once: each send holds a semaphore permit while it
//! uses a connection, and a new connection is opened only when no idle one is left, so
//! idle + busy never exceeds the number of permits.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::connection::{Capabilities, Connection};
use crate::config::SmtpConfig;
use crate::error::{Error, Result};

/// A connection that finished a command this recently is handed out without a `NOOP`
/// check (saving a round trip per message); should it have died all the same, the send is
/// retried once on another connection as long as the server answered nothing (see
/// [`Lease::checked`]).
const RECENTLY_USED: Duration = Duration::from_secs(2);

pub(crate) struct Pool {
    config: Arc<SmtpConfig>,
    /// Idle connections, most recently used last.
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    opened: AtomicU64,
    closed: AtomicBool,
    /// The EHLO capabilities of the connection opened last.
    seen: Mutex<Capabilities>,
}

impl Pool {
    pub(crate) fn new(config: Arc<SmtpConfig>) -> Self {
        let size = config.pool_size;
        Pool {
            config,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
            opened: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            seen: Mutex::new(Capabilities::default()),
        }
    }

    pub(crate) fn config(&self) -> &SmtpConfig {
        &self.config
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // The lock is never held across an await or a call that can panic; a poisoned lock
        // still holds a consistent Vec.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many connections were opened since the pool was created.
    pub(crate) fn connections_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Opens a new connection (without a permit): used by `connect` to fail early.
    pub(crate) async fn open(&self) -> Result<Connection> {
        let id = self.opened.fetch_add(1, Ordering::Relaxed) + 1;
        let conn = Connection::open(self.config.clone(), id).await?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = conn.capabilities().clone();
        Ok(conn)
    }

    /// The EHLO capabilities of the connection opened last.
    pub(crate) fn capabilities(&self) -> Capabilities {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts a fresh connection into the idle list.
    pub(crate) fn add_idle(&self, conn: Connection) {
        self.idle().push(conn);
    }

    /// Waits for a permit, then hands out a checked idle connection or opens a new one.
    ///
    /// Cancel safety: a connection taken out of the idle list is owned by this future until it
    /// is returned in a [`Lease`]; dropping the future closes it.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Lease> {
        if self.is_closed() {
            return Err(Error::closed());
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::closed())?;
        loop {
            let candidate = self.idle().pop();
            let Some(mut conn) = candidate else { break };
            if conn.idle_for() > self.config.pool_idle_timeout {
                tracing::debug!(target: "mailwire::smtp", "closing a connection idle for {:?}", conn.idle_for());
                conn.quit().await;
                continue;
            }
            if conn.idle_for() <= RECENTLY_USED {
                return Ok(Lease {
                    conn: Some(conn),
                    pool: self.clone(),
                    _permit: permit,
                    checked: false,
                });
            }
            match conn.noop().await {
                Ok(()) => {
                    return Ok(Lease {
                        conn: Some(conn),
                        pool: self.clone(),
                        _permit: permit,
                        checked: true,
                    })
                }
                Err(e) => {
                    tracing::debug!(target: "mailwire::smtp", "discarding a pooled connection: {e}");
                }
            }
        }
        let conn = self.open().await?;
        Ok(Lease {
            conn: Some(conn),
            pool: self.clone(),
            _permit: permit,
            checked: true,
        })
    }

    /// QUITs every idle connection and refuses new work.
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.permits.close();
        let conns: Vec<Connection> = std::mem::take(&mut *self.idle());
        for conn in conns {
            conn.quit().await;
        }
    }
}

/// A connection lent out of the pool together with its permit. Dropping a lease closes the
/// connection (it may be mid-transaction); only [`Lease::release`] returns it to the pool.
pub(crate) struct Lease {
    conn: Option<Connection>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
    /// False for a recently used connection handed out without a `NOOP`.
    pub(crate) checked: bool,
}

impl Lease {
    pub(crate) fn conn(&mut self) -> Result<&mut Connection> {
        self.conn.as_mut().ok_or_else(Error::closed)
    }

    /// Returns a healthy connection to the pool, RSETting it first if a transaction is open;
    /// a broken one is dropped, and after `close` the connection is QUIT.
    pub(crate) async fn release(mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if conn.is_broken() {
            return;
        }
        if conn.is_dirty() && conn.rset().await.is_err() {
            return;
        }
        if self.pool.is_closed() {
            conn.quit().await;
            return;
        }
        self.pool.add_idle(conn);
        // `close` may have emptied the idle list between the check and the push.
        if self.pool.is_closed() {
            let left: Vec<Connection> = std::mem::take(&mut *self.pool.idle());
            for conn in left {
                conn.quit().await;
            }
        }
    }
}
