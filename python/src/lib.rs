//! `mailwire._core`: the Python extension over the mailwire Rust core. Only conversions live
//! here (arguments in, values and exceptions out); every behaviour is the core's. The
//! public API is the `mailwire` package, which wraps these classes.
#![forbid(unsafe_code)]

mod config;
mod discover;
mod error;
mod imap {
    pub(crate) mod client;
    pub(crate) mod search;
    pub(crate) mod types;
    pub(crate) mod watch_many;
}
mod logging;
mod message;
mod record;
mod runtime;
mod smtp;
mod token;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Bytes that cross into Python as `bytes` (not a list of ints).
pub(crate) struct Bytes(pub(crate) Vec<u8>);

impl<'py> IntoPyObject<'py> for Bytes {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Bound<'py, PyBytes>, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}

/// Panics inside Rust with ``msg``, in the calling thread or (``in_runtime=True``) inside a
/// core future the call blocks on. Test-only: proves that a panic becomes a
/// ``ProtocolError`` carrying its text and that the interpreter lives on.
#[pyfunction]
#[pyo3(signature = (msg, *, in_runtime = false))]
fn _debug_panic(py: Python<'_>, msg: String, in_runtime: bool) -> PyResult<()> {
    if in_runtime {
        runtime::block_on(py, async move {
            mailwire::panic::__debug_panic_async(msg).await;
            Ok(())
        })
    } else {
        error::guard(py, || mailwire::panic::__debug_panic(&msg))
    }
}

/// An awaitable that panics with ``msg`` inside the runtime. Test-only: proves that it
/// resolves with a ``ProtocolError`` carrying the panic's text instead of never resolving.
#[pyfunction]
fn _debug_panic_async(py: Python<'_>, msg: String) -> PyResult<Bound<'_, PyAny>> {
    runtime::awaitable(py, async move {
        mailwire::panic::__debug_panic_async(msg).await;
        Ok(())
    })
}

/// The native layer of mailwire (use the `mailwire` package instead).
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_FETCH_BATCH", mailwire::DEFAULT_FETCH_BATCH)?;
    m.add("DEFAULT_RAW_FETCH_BATCH", mailwire::DEFAULT_RAW_FETCH_BATCH)?;
    m.add(
        "DEFAULT_IDLE_TIMEOUT",
        mailwire::DEFAULT_IDLE_TIMEOUT.as_secs_f64(),
    )?;
    m.add_class::<imap::client::ImapClient>()?;
    m.add_class::<imap::client::AsyncImapClient>()?;
    m.add_class::<imap::client::FetchStream>()?;
    m.add_class::<imap::client::AsyncFetchStream>()?;
    m.add_class::<imap::client::RawFetchStream>()?;
    m.add_class::<imap::client::AsyncRawFetchStream>()?;
    m.add_class::<imap::search::SearchQuery>()?;
    m.add_class::<imap::types::Mailbox>()?;
    m.add_class::<imap::types::MailboxStatus>()?;
    m.add_class::<imap::types::Envelope>()?;
    m.add_class::<imap::types::AttachmentInfo>()?;
    m.add_class::<imap::types::MessageSummary>()?;
    m.add_class::<imap::types::RawMessage>()?;
    m.add_class::<imap::types::UidMap>()?;
    // A virtual subclass: `isinstance(m, Mapping)` holds without inheriting Python code.
    m.py()
        .import("collections.abc")?
        .getattr("Mapping")?
        .call_method1("register", (m.py().get_type::<imap::types::UidMap>(),))?;
    m.add_class::<imap::types::UidSet>()?;
    m.add_class::<imap::types::UidSetIterator>()?;
    m.add_class::<imap::types::MailboxEvent>()?;
    m.add_class::<imap::types::FlagChange>()?;
    m.add_class::<imap::types::SyncResult>()?;
    m.add_class::<imap::types::RawResponse>()?;
    m.add_class::<imap::watch_many::MultiWatcher>()?;
    m.add_class::<imap::watch_many::AsyncMultiWatcher>()?;
    m.add_class::<imap::watch_many::WatchEvent>()?;
    m.add_class::<discover::ServerSettings>()?;
    m.add_class::<discover::Discovered>()?;
    m.add_function(wrap_pyfunction!(discover::discover, m)?)?;
    m.add_function(wrap_pyfunction!(discover::async_discover, m)?)?;
    m.add_class::<smtp::SmtpClient>()?;
    m.add_class::<smtp::AsyncSmtpClient>()?;
    m.add_class::<smtp::SendResult>()?;
    m.add_class::<smtp::RecipientError>()?;
    m.add_class::<message::Address>()?;
    m.add_class::<message::Attachment>()?;
    m.add_class::<message::Message>()?;
    m.add_class::<message::OutgoingMessage>()?;
    m.add_function(wrap_pyfunction!(message::parse_message, m)?)?;
    m.add_function(wrap_pyfunction!(logging::_set_tracing, m)?)?;
    m.add_function(wrap_pyfunction!(_debug_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_debug_panic_async, m)?)?;
    let shutdown = wrap_pyfunction!(runtime::_shutdown, m)?;
    m.py()
        .import("atexit")?
        .call_method1("register", (shutdown,))?;
    Ok(())
}
