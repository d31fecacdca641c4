//! Glue for `mailwire::ImapClient`: the blocking `ImapClient` and the asyncio
//! `AsyncImapClient`, generated from one list of methods so their names and arguments are
//! the same by construction, plus the pull objects behind `fetch` and `fetch_raw_many`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use mailwire::imap::{
    FetchHandle, FetchOptions, FetchStream as CoreStream, Flag, MessageSummary,
    RawMessage as CoreRawMessage, SyncState, UidSet,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyRange, PyString, PyTuple, PyType};

use crate::config::{describe, read_ca, seconds, Common, ImapOptions, Session};
use crate::error::{invalid_input, to_py_err};
use crate::imap::search::to_query;
use crate::imap::types::{self, RawBatch, SummaryBatch};
use crate::message::{Message, OutgoingMessage};
use crate::runtime::run;

/// UIDs from an int, an iterable of ints, a ``range``, a ``UidSet`` (taken as ranges), or a
/// string in the core's one UID grammar (``"5"``, ``"1:5,7"``, ``"10:*"``, ``"*"``). UID 0
/// is kept for the core to refuse, as in every face.
pub(crate) fn uid_set(obj: &Bound<'_, PyAny>) -> PyResult<UidSet> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<types::UidSet>() {
        return Ok(s.get().inner.clone());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_str()?.parse().map_err(|e| to_py_err(py, e));
    }
    if let Ok(uid) = obj.extract::<u32>() {
        return Ok(UidSet::from(uid));
    }
    if let Ok(r) = obj.cast::<PyRange>() {
        let (start, stop, step): (i64, i64, i64) = (
            r.getattr("start")?.extract()?,
            r.getattr("stop")?.extract()?,
            r.getattr("step")?.extract()?,
        );
        if step != 1 || start < 0 || stop > i64::from(u32::MAX) + 1 {
            return Err(invalid_input(
                py,
                "a UID range needs step 1 and bounds within 1..2**32",
            ));
        }
        if stop <= start {
            return Ok(UidSet::default());
        }
        return Ok(UidSet::range(start as u32, (stop - 1) as u32));
    }
    let mut uids = Vec::new();
    for item in obj.try_iter()? {
        uids.push(
            item?
                .extract::<u32>()
                .map_err(|_| invalid_input(py, "UIDs are integers from 1 to 2**32-1"))?,
        );
    }
    Ok(UidSet::from(uids))
}

/// Flags from one string or an iterable of strings (``"\\Seen"``, ``"$Work"``).
pub(crate) fn flag_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Flag>> {
    let py = obj.py();
    let parse = |s: &str| s.parse::<Flag>().map_err(|e| to_py_err(py, e));
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![parse(s.to_str()?)?]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let s = item
            .cast::<PyString>()
            .map_err(|_| invalid_input(py, "flags are strings such as \"\\\\Seen\""))?;
        out.push(parse(s.to_str()?)?);
    }
    Ok(out)
}

/// Gmail labels from one string or an iterable of strings (``"\\Important"``,
/// ``"Work/2026"``); the core checks them.
fn label_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![s.to_str()?.to_string()]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let s = item
            .cast::<PyString>()
            .map_err(|_| invalid_input(obj.py(), "labels are strings such as \"Work/2026\""))?;
        out.push(s.to_str()?.to_string());
    }
    Ok(out)
}

/// Raw message bytes from ``bytes``, an ``OutgoingMessage`` or a stdlib email message.
fn message_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(m) = obj.cast::<OutgoingMessage>() {
        return m.get().inner.to_bytes().map_err(|e| to_py_err(obj.py(), e));
    }
    if let Some(b) = crate::message::email_bytes(obj, false)? {
        return Ok(b);
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    obj.extract::<Vec<u8>>()
        .map_err(|_| invalid_input(obj.py(), "expected bytes or an OutgoingMessage"))
}

/// The core stream behind a `fetch` or `fetch_raw_many`, shared with the futures that read
/// from it: the core's `FetchHandle`, whose stop contract every face shares.
type SharedStream<T> = Arc<FetchHandle<T>>;

/// Pulls the next batch of `stream` and wraps it in `batch` (the type that converts it to a
/// Python list).
async fn next_batch<T, B>(
    stream: SharedStream<T>,
    max: usize,
    batch: fn(Vec<T>) -> B,
) -> mailwire::Result<B>
where
    T: Send + 'static,
{
    stream.next_batch(max).await.map(batch)
}

/// Stops a stream from Python: a batch being pulled fails with `ClosedError`, later pulls
/// find the stream ended, and the rest of the server's answer is discarded before the
/// client's next call.
fn close_stream<T: Send + 'static>(stream: &SharedStream<T>) {
    let _context = crate::runtime::runtime().map(|rt| rt.enter());
    stream.cancel();
}

/// One pull class over a core `FetchStream<$item>`, whose batches cross as `$batch` lists.
macro_rules! fetch_stream_class {
    ($name:ident, $pyname:literal, $mode:ident, $item:ty, $batch:path, $what:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "mailwire._core", name = $pyname)]
        pub struct $name {
            stream: SharedStream<$item>,
        }

        impl $name {
            fn new(stream: CoreStream<$item>) -> Self {
                $name {
                    stream: Arc::new(FetchHandle::new(stream)),
                }
            }
        }

        #[pymethods]
        impl $name {
            #[doc = concat!("Up to ``max`` ", $what, ": what has arrived, waiting only when nothing has.")]
            /// An empty list means the fetch is complete.
            #[pyo3(signature = (max = 1000))]
            fn next_batch<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    run!($mode, py, next_batch(self.stream.clone(), max, $batch))
                })
            }

            /// Stops the fetch; the rest of the server's answer is discarded before the
            /// client's next call. Harmless when already complete.
            fn close(&self, py: Python<'_>) -> PyResult<()> {
                crate::error::guard(py, || {
                    close_stream(&self.stream);
                    Ok(())
                })
            }
        }
    };
}

fetch_stream_class!(
    FetchStream,
    "FetchStream",
    sync,
    MessageSummary,
    SummaryBatch,
    "summaries",
    "Summaries of a ``fetch`` as they arrive, pulled in batches (blocking)."
);
fetch_stream_class!(
    AsyncFetchStream,
    "AsyncFetchStream",
    async,
    MessageSummary,
    SummaryBatch,
    "summaries",
    "Summaries of a ``fetch`` as they arrive, pulled in batches (awaitable)."
);
fetch_stream_class!(
    RawFetchStream,
    "RawFetchStream",
    sync,
    CoreRawMessage,
    RawBatch,
    "messages",
    "Whole messages of a ``fetch_raw_many`` as they arrive, pulled in batches (blocking)."
);
fetch_stream_class!(
    AsyncRawFetchStream,
    "AsyncRawFetchStream",
    async,
    CoreRawMessage,
    RawBatch,
    "messages",
    "Whole messages of a ``fetch_raw_many`` as they arrive, pulled in batches (awaitable)."
);

macro_rules! imap_client_class {
    ($name:ident, $pyname:literal, $mode:ident, $stream:ident, $raw_stream:ident, $watcher:ty, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, subclass, module = "mailwire._core", name = $pyname)]
        pub struct $name {
            session: Session<mailwire::ImapClient, mailwire::ImapConfig>,
        }

        #[pymethods]
        impl $name {
            /// Connects and logs in (asyncio classes: on ``await``). ``security`` is
            /// ``"tls"``, ``"starttls"`` or ``"plain"``; without it the port decides (143:
            /// starttls, others: tls), and without a port the security does (993 for tls,
            /// 143 otherwise); ``ca_pem`` holds extra trusted CA certificates (PEM bytes or text, or
            /// the path of a PEM file); ``timeout`` (seconds) bounds every network wait;
            /// ``no_progress_timeout`` (seconds, default 4 × ``timeout``) bounds how long a
            /// command may receive none of the data it asked for; ``max_response_size``
            /// (bytes, default 256 MiB) is the largest response accepted;
            /// ``allow_plaintext_auth`` lets credentials go over ``"plain"`` (dangerous).
            ///
            /// ``access_token`` is an OAuth 2.0 token, or a callable ``(force_refresh: bool)
            /// -> str`` asked for one at every login (reconnects too) and once more with
            /// ``force_refresh=True`` when the server refuses it (asyncio class: it runs on
            /// the event loop and may return an awaitable). ``client_id`` is what the client
            /// tells a server that offers ID, as a dict (default ``name`` mailwire and its
            /// version; ``{}`` sends no ID).
            #[new]
            #[pyo3(signature = (host, port = None, *, security = None, username = None,
                password = None, access_token = None, ca_pem = None, accept_invalid_certs = false,
                server_name = None, timeout = None, connect_timeout = None, idle_reissue = None,
                no_progress_timeout = None, max_response_size = None,
                allow_plaintext_auth = false, client_id = None))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                host: String,
                port: Option<u16>,
                security: Option<String>,
                username: Option<String>,
                password: Option<String>,
                access_token: Option<&Bound<'_, PyAny>>,
                ca_pem: Option<&Bound<'_, PyAny>>,
                accept_invalid_certs: bool,
                server_name: Option<String>,
                timeout: Option<f64>,
                connect_timeout: Option<f64>,
                idle_reissue: Option<f64>,
                no_progress_timeout: Option<f64>,
                max_response_size: Option<i128>,
                allow_plaintext_auth: bool,
                client_id: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                crate::error::guard(py, || {
                    let (access_token, token_provider) = crate::token::access_token(access_token)?;
                    let config = Common {
                        host,
                        port,
                        security,
                        username,
                        password,
                        access_token,
                        token_provider,
                        ca_pem: read_ca(ca_pem)?,
                        accept_invalid_certs,
                        server_name,
                        timeout,
                        connect_timeout,
                        allow_plaintext_auth,
                    }
                    .imap(
                        py,
                        ImapOptions {
                            idle_reissue,
                            no_progress_timeout,
                            max_response_size,
                            client_id: crate::config::client_id(client_id)?,
                        },
                    )?;
                    let description =
                        describe(&config.host, config.port, config.security, &config.auth);
                    let me = $name { session: Session::new(config, description) };
                    if crate::runtime::blocks!($mode) {
                        if let Some(config) = me.session.pending() {
                            crate::logging::sync(py)?;
                            let client = crate::runtime::block_on(py, mailwire::ImapClient::connect(config))?;
                            me.session.connected(client);
                        }
                    }
                    Ok(me)
                })
            }

            /// Connects and logs in: the same as calling the class (and awaiting it, for
            /// the asyncio class).
            #[classmethod]
            #[pyo3(signature = (*args, **kwargs))]
            fn connect<'py>(cls: &Bound<'py, PyType>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
                cls.call(args, kwargs)?.call_method0("_open")
            }

            /// Connects unless connected; gives the client itself.
            fn _open<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                let py = slf.py();
                crate::error::guard(py, || {
                    crate::logging::sync(py)?;
                    let config = slf.get().session.pending();
                    let me: Py<Self> = slf.clone().unbind();
                    run!($mode, py, async move {
                        if let Some(config) = config {
                            let client = mailwire::ImapClient::connect(config).await?;
                            me.get().session.connected(client);
                        }
                        Ok(me)
                    })
                })
            }

            /// Whether the connection was made (it may have been closed since).
            #[getter]
            fn _connected(&self) -> bool {
                self.session.is_connected()
            }

            /// Whether the server announced ``capability`` (``"IDLE"``, ``"MOVE"``…).
            fn has_capability<'py>(&self, py: Python<'py>, capability: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.has_capability(&capability).await })
                })
            }

            /// Every capability the server announced (after login), upper case and sorted.
            fn capabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.capabilities().await })
                })
            }

            /// What the server said of itself in answer to the client's ID (RFC 2971), as a
            /// dict (``name``, ``vendor``, ``version``…); None when it does not offer ID,
            /// answered NIL, or the client sends no ID (``client_id={}``).
            fn server_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.server_id().await })
                })
            }

            /// Sends ``command`` (one line without tag, e.g. ``"GETQUOTAROOT INBOX"``) as it
            /// is, with ``mailbox`` selected first when given, and returns the server's answer
            /// uninterpreted: a NO or BAD is in ``status``, not an exception. Quote arguments
            /// yourself. CR, LF, NUL, literals and commands that would take the connection
            /// out of the client's hands (IDLE, AUTHENTICATE, LOGIN, LOGOUT, STARTTLS,
            /// COMPRESS, APPEND, NOTIFY) raise InvalidInputError. Untagged responses are
            /// returned, not reported as events.
            #[pyo3(signature = (command, mailbox = None))]
            fn raw_command<'py>(&self, py: Python<'py>, command: String, mailbox: Option<String>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(types::RawResponse::from(c.raw_command(mailbox.as_deref(), &command).await?))
                    })
                })
            }

            /// Takes the events of ``mailbox`` that arrived during other calls and were not
            /// reported yet, oldest first; no round trip. Otherwise the next ``idle`` (or
            /// ``watch``) of ``mailbox`` returns them first. Led by an ``overflow`` event when
            /// more than 10,000 were waiting.
            fn pending_events<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { Ok(types::events(c.pending_events(&mailbox).await?)) })
                })
            }

            /// Sends NOOP (keeps the connection alive, collects pending events).
            fn noop<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.noop().await })
                })
            }

            /// Logs out; later calls raise ClosedError.
            fn logout<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.logout().await })
                })
            }

            /// Every mailbox, with its special-use role and subscription.
            fn list_mailboxes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { Ok(types::mailboxes(c.list_mailboxes().await?)) })
                })
            }

            /// Message, unseen and recent counts, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ.
            fn mailbox_status<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(types::MailboxStatus::from(c.mailbox_status(&mailbox).await?))
                    })
                })
            }

            /// Creates a mailbox (AlreadyExistsError when it exists).
            fn create_mailbox<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.create_mailbox(&mailbox).await })
                })
            }

            /// Renames a mailbox.
            fn rename_mailbox<'py>(&self, py: Python<'py>, mailbox: String, new_name: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.rename_mailbox(&mailbox, &new_name).await })
                })
            }

            /// Deletes a mailbox (NotFoundError when missing).
            fn delete_mailbox<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.delete_mailbox(&mailbox).await })
                })
            }

            /// Subscribes to a mailbox.
            fn subscribe<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.subscribe(&mailbox).await })
                })
            }

            /// Unsubscribes from a mailbox.
            fn unsubscribe<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.unsubscribe(&mailbox).await })
                })
            }

            /// UIDs (ascending) of the messages matching ``query`` and ``criteria``.
            ///
            /// ``query`` is a SearchQuery, a raw IMAP string (``"OR SEEN FLAGGED"``), a dict
            /// of criteria or None; ``criteria`` are SearchQuery's keyword arguments
            /// (``seen=False, from_="alice"``), all of which must match too.
            #[pyo3(signature = (mailbox, query = None, **criteria))]
            fn search<'py>(&self, py: Python<'py>, mailbox: String, query: Option<&Bound<'py, PyAny>>, criteria: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let q = to_query(query, criteria)?;
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.search(&mailbox, &q).await })
                })
            }

            /// Starts fetching summaries (UID, flags, size, dates, envelope, attachment list)
            /// of ``uids``; pull them with ``next_batch``. Never sets ``\Seen``. The client's
            /// other calls wait until the stream is exhausted or closed.
            #[pyo3(name = "_fetch", signature = (mailbox, uids, *, envelope = true, attachments = true, changed_since = None))]
            fn fetch<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, envelope: bool, attachments: bool, changed_since: Option<u64>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let uids = uid_set(uids)?;
                    let options = FetchOptions { envelope, attachments, changed_since };
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok($stream::new(c.fetch(&mailbox, uids, options).await?))
                    })
                })
            }

            /// Starts fetching the whole source of each message of ``uids``, many messages
            /// per command (``BODY.PEEK[]``: never sets ``\Seen``); pull them with
            /// ``next_batch``. Messages that do not exist are skipped. The client's other
            /// calls wait until the stream is exhausted or closed.
            #[pyo3(name = "_fetch_raw_many")]
            fn fetch_raw_many<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let uids = uid_set(uids)?;
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok($raw_stream::new(c.fetch_raw_many(&mailbox, uids).await?))
                    })
                })
            }

            /// All summaries of ``uids`` at once, as a list.
            #[pyo3(signature = (mailbox, uids, *, envelope = true, attachments = true, changed_since = None))]
            fn fetch_all<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, envelope: bool, attachments: bool, changed_since: Option<u64>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let uids = uid_set(uids)?;
                    let options = FetchOptions { envelope, attachments, changed_since };
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(SummaryBatch(c.fetch_all(&mailbox, uids, options).await?))
                    })
                })
            }

            /// The whole message source (bytes), without setting ``\Seen``.
            fn fetch_raw<'py>(&self, py: Python<'py>, mailbox: String, uid: u32) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(crate::Bytes(c.fetch_raw(&mailbox, uid).await?))
                    })
                })
            }

            /// Bytes ``offset .. offset + length`` of the message (or of ``part``) as stored.
            #[pyo3(signature = (mailbox, uid, offset, length, *, part = None))]
            fn fetch_range<'py>(&self, py: Python<'py>, mailbox: String, uid: u32, offset: u32, length: u32, part: Option<String>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(crate::Bytes(c.fetch_range(&mailbox, uid, part.as_deref(), offset, length).await?))
                    })
                })
            }

            /// The message, downloaded and parsed.
            fn fetch_message<'py>(&self, py: Python<'py>, mailbox: String, uid: u32) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Message::parse(c.fetch_raw(&mailbox, uid).await?)
                    })
                })
            }

            /// One MIME part (``"2"``, ``"1.3"``), transfer-decoded, as bytes.
            fn download<'py>(&self, py: Python<'py>, mailbox: String, uid: u32, part: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(crate::Bytes(c.download(&mailbox, uid, &part).await?))
                    })
                })
            }

            /// Streams one part to ``path`` (decoded, in pieces; nothing is left at ``path`` on
            /// error). ``progress(done, total)`` is called per piece. Returns bytes written.
            #[pyo3(signature = (mailbox, uid, part, path, *, progress = None))]
            #[allow(clippy::too_many_arguments)]
            fn save_attachment<'py>(&self, py: Python<'py>, mailbox: String, uid: u32, part: String, path: std::path::PathBuf, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let progress = crate::config::progress(progress);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        c.save_attachment(&mailbox, uid, &part, &path, progress).await
                    })
                })
            }

            /// Adds flags or keywords to the messages.
            fn add_flags<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, flags: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let (uids, flags) = (uid_set(uids)?, flag_list(flags)?);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.add_flags(&mailbox, uids, &flags).await })
                })
            }

            /// Removes flags or keywords from the messages.
            fn remove_flags<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, flags: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let (uids, flags) = (uid_set(uids)?, flag_list(flags)?);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.remove_flags(&mailbox, uids, &flags).await })
                })
            }

            /// Replaces the flags and keywords of the messages.
            fn set_flags<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, flags: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let (uids, flags) = (uid_set(uids)?, flag_list(flags)?);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.set_flags(&mailbox, uids, &flags).await })
                })
            }

            /// Adds Gmail labels to the messages: system labels such as ``"\\Important"`` or
            /// ``"\\Starred"``, user labels such as ``"Work/2026"`` (one string or several).
            /// InvalidInputError when the server is not Gmail (no ``X-GM-EXT-1``).
            fn add_labels<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, labels: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let (uids, labels) = (uid_set(uids)?, label_list(labels)?);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.add_labels(&mailbox, uids, &labels).await })
                })
            }

            /// Removes Gmail labels from the messages (see ``add_labels``).
            fn remove_labels<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, labels: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let (uids, labels) = (uid_set(uids)?, label_list(labels)?);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.remove_labels(&mailbox, uids, &labels).await })
                })
            }

            /// Copies messages to ``dest``; returns the new UIDs.
            fn copy_messages<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, dest: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let uids = uid_set(uids)?;
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(types::UidMap::from(c.copy_messages(&mailbox, uids, &dest).await?))
                    })
                })
            }

            /// Moves messages to ``dest`` (MOVE, or COPY + expunge); returns the new UIDs.
            fn move_messages<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>, dest: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let uids = uid_set(uids)?;
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(types::UidMap::from(c.move_messages(&mailbox, uids, &dest).await?))
                    })
                })
            }

            /// Deletes messages: ``\Deleted`` and UID EXPUNGE of exactly these UIDs.
            fn delete_messages<'py>(&self, py: Python<'py>, mailbox: String, uids: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let uids = uid_set(uids)?;
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.delete_messages(&mailbox, uids).await })
                })
            }

            /// Removes every message flagged ``\Deleted``.
            fn expunge<'py>(&self, py: Python<'py>, mailbox: String) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.expunge(&mailbox).await })
                })
            }

            /// Uploads a message (bytes, an OutgoingMessage or a stdlib
            /// ``email.message.EmailMessage``) with ``flags`` and internal
            /// ``date`` (aware datetime); returns its UID when the server reports it.
            #[pyo3(signature = (mailbox, message, *, flags = None, date = None))]
            fn append<'py>(&self, py: Python<'py>, mailbox: String, message: &Bound<'py, PyAny>, flags: Option<&Bound<'py, PyAny>>, date: Option<DateTime<FixedOffset>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let raw = message_bytes(message)?;
                    let flags = match flags { Some(f) => flag_list(f)?, None => Vec::new() };
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.append(&mailbox, &raw, &flags, date).await })
                })
            }

            /// Waits up to ``timeout`` seconds for changes in ``mailbox`` (IDLE); returns the
            /// events, empty on timeout. Events that arrived during other calls and were not
            /// taken by ``pending_events`` are returned at once. Ctrl-C (blocking) or cancelling (asyncio) ends it.
            #[pyo3(signature = (mailbox, timeout = mailwire::DEFAULT_IDLE_TIMEOUT.as_secs_f64()))]
            fn idle<'py>(&self, py: Python<'py>, mailbox: String, timeout: f64) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let timeout: Duration = seconds(py, "timeout", timeout)?;
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { Ok(types::events(c.idle(&mailbox, timeout).await?)) })
                })
            }

            /// Starts watching ``mailboxes`` on connections of the watcher's own (this
            /// client's settings; its own connection stays free); pull the reports with
            /// ``next``. Options in seconds; None keeps the core's default. See
            /// ``watch_many`` of the ``mailwire`` classes.
            #[pyo3(name = "_watch_many", signature = (mailboxes, *, max_connections = None, poll_interval = None, backoff_min = None, backoff_max = None, use_notify = None))]
            #[allow(clippy::too_many_arguments)]
            fn watch_many(&self, py: Python<'_>, mailboxes: Vec<String>, max_connections: Option<usize>, poll_interval: Option<f64>, backoff_min: Option<f64>, backoff_max: Option<f64>, use_notify: Option<bool>) -> PyResult<$watcher> {
                crate::error::guard(py, || {
                    let options = crate::imap::watch_many::options(py, max_connections, poll_interval, backoff_min, backoff_max, use_notify)?;
                    let c = self.session.client(py, $pyname)?;
                    // The watcher's tasks are spawned on the extension's runtime.
                    let _context = crate::runtime::runtime()?.enter();
                    let inner = c.watch_many(&mailboxes, options).map_err(|e| to_py_err(py, e))?;
                    Ok(<$watcher>::new(inner))
                })
            }

            /// What changed since ``state`` (the string of a previous result's ``state``;
            /// None for a full resync).
            #[pyo3(signature = (mailbox, state = None))]
            fn sync<'py>(&self, py: Python<'py>, mailbox: String, state: Option<String>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let state = match state {
                        Some(s) => Some(s.parse::<SyncState>().map_err(|e| to_py_err(py, e))?),
                        None => None,
                    };
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { Ok(types::SyncResult::from(c.sync(&mailbox, state).await?)) })
                })
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                Ok(format!("{}({})", slf.get_type().name()?, slf.get().session.description))
            }
        }
    };
}

imap_client_class!(
    ImapClient,
    "ImapClient",
    sync,
    FetchStream,
    RawFetchStream,
    crate::imap::watch_many::MultiWatcher,
    "Blocking IMAP client over the Rust core: calls release the GIL and block in Rust."
);
imap_client_class!(
    AsyncImapClient,
    "AsyncImapClient",
    async,
    AsyncFetchStream,
    AsyncRawFetchStream,
    crate::imap::watch_many::AsyncMultiWatcher,
    "asyncio IMAP client over the Rust core: every call returns an awaitable."
);
