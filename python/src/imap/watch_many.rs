//! Glue for `mailwire::imap::MultiWatcher` (`ImapClient::watch_many`): the pull objects
//! behind ``watch_many`` (blocking and asyncio) and the reports they give.

use std::sync::Arc;

use mailwire::imap as core;
use pyo3::prelude::*;

use crate::config::seconds;
use crate::imap::types::SyncResult;
use crate::record::record;
use crate::runtime::run;

/// The core's `WatchOptions`: its defaults, with the keyword arguments given (seconds).
pub(crate) fn options(
    py: Python<'_>,
    max_connections: Option<usize>,
    poll_interval: Option<f64>,
    backoff_min: Option<f64>,
    backoff_max: Option<f64>,
    use_notify: Option<bool>,
) -> PyResult<core::WatchOptions> {
    let mut o = core::WatchOptions::default();
    if let Some(n) = max_connections {
        o.max_connections = n;
    }
    if let Some(s) = poll_interval {
        o.poll_interval = seconds(py, "poll_interval", s)?;
    }
    if let Some(s) = backoff_min {
        o.backoff_min = seconds(py, "backoff_min", s)?;
    }
    if let Some(s) = backoff_max {
        o.backoff_max = seconds(py, "backoff_max", s)?;
    }
    if let Some(b) = use_notify {
        o.use_notify = b;
    }
    Ok(o)
}

record! {
    /// A report of ``watch_many``.
    ///
    /// ``kind`` is ``"changed"`` (``changes``: what ``sync`` found in ``mailbox`` since the
    /// last report: new UIDs, flag changes, vanished UIDs) or ``"reconnected"`` (the
    /// connection watching ``mailbox`` was lost and is back after ``attempts`` tries; what
    /// changed meanwhile follows as ``"changed"``).
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct WatchEvent {
        /// ``"changed"`` or ``"reconnected"``.
        kind: String,
        /// The mailbox.
        mailbox: String,
        /// What changed (``"changed"``), else None.
        changes: Option<Py<SyncResult>>,
        /// Connection attempts it took, 1 or more (``"reconnected"``), else None.
        attempts: Option<u32>,
    }
}

/// The reports of one `next`, converted to a Python list when they cross.
struct Events(Vec<core::WatchEvent>);

impl<'py> IntoPyObject<'py> for Events {
    type Target = pyo3::types::PyList;
    type Output = Bound<'py, pyo3::types::PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let mut out = Vec::with_capacity(self.0.len());
        for e in self.0 {
            let event = match e {
                core::WatchEvent::Changed { mailbox, changes } => WatchEvent {
                    kind: "changed".into(),
                    mailbox,
                    changes: Some(Py::new(py, SyncResult::from(changes))?),
                    attempts: None,
                },
                core::WatchEvent::Reconnected { mailbox, attempts } => WatchEvent {
                    kind: "reconnected".into(),
                    mailbox,
                    changes: None,
                    attempts: Some(attempts),
                },
            };
            out.push(Py::new(py, event)?);
        }
        pyo3::types::PyList::new(py, out)
    }
}

/// One pull class over a core `MultiWatcher`.
macro_rules! watcher_class {
    ($name:ident, $pyname:literal, $mode:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "mailwire._core", name = $pyname)]
        pub struct $name {
            inner: Arc<core::MultiWatcher>,
        }

        impl $name {
            pub(crate) fn new(inner: core::MultiWatcher) -> Self {
                $name {
                    inner: Arc::new(inner),
                }
            }
        }

        #[pymethods]
        impl $name {
            /// The next reports (a list of ``WatchEvent``), waiting until there is one:
            /// everything queued by then, oldest first. An error a retry cannot mend
            /// (credentials refused, a mailbox that does not exist) is raised once and ends
            /// the watch; after it, and after ``cancel``, ClosedError.
            fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let w = self.inner.clone();
                    run!($mode, py, async move { w.next().await.map(Events) })
                })
            }

            /// Stops watching: the connections close; the ``next`` in flight and later ones
            /// raise ClosedError. Harmless twice.
            fn cancel(&self, py: Python<'_>) -> PyResult<()> {
                crate::error::guard(py, || {
                    let _context = crate::runtime::runtime()?.enter();
                    self.inner.cancel();
                    Ok(())
                })
            }

            /// Whether ``cancel`` was called or the watch ended at an error.
            #[getter]
            fn cancelled(&self) -> bool {
                self.inner.is_cancelled()
            }

            /// How many connections are watching now: connected, with their mailboxes
            /// synced, so that any later change will be reported (at most
            /// ``max_connections``). Content from before a mailbox's connection counts is
            /// its starting point, not a change.
            #[getter]
            fn connections(&self) -> usize {
                self.inner.connections()
            }
        }
    };
}

watcher_class!(
    MultiWatcher,
    "MultiWatcher",
    sync,
    "Reports of ``ImapClient.watch_many``, pulled with ``next`` (blocking)."
);
watcher_class!(
    AsyncMultiWatcher,
    "AsyncMultiWatcher",
    async,
    "Reports of ``AsyncImapClient.watch_many``, pulled with ``next`` (awaitable)."
);
