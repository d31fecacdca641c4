//! `mailwire._core`: the Python extension over the mailwire Rust core. Only conversions live
//! here (arguments in, values and exceptions out); every behaviour is the core's. The
//! public API is the `mailwire` package, which wraps these classes.
#![forbid(unsafe_code)]

mod config;
mod error;
mod imap {
    pub(crate) mod client;
    pub(crate) mod search;
    pub(crate) mod types;
}
mod logging;
mod message;
mod runtime;
mod smtp;

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

/// The native layer of mailwire (use the `mailwire` package instead).
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
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
    m.add_class::<imap::types::UidSet>()?;
    m.add_class::<imap::types::UidSetIterator>()?;
    m.add_class::<imap::types::MailboxEvent>()?;
    m.add_class::<imap::types::FlagChange>()?;
    m.add_class::<imap::types::SyncResult>()?;
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
    let shutdown = wrap_pyfunction!(runtime::_shutdown, m)?;
    m.py()
        .import("atexit")?
        .call_method1("register", (shutdown,))?;
    Ok(())
}
