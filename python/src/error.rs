//! `mailwire::Error` → the Python exception classes of `mailwire.errors` (one per kind), and
//! [`guard`], which turns a panic in a sync entry point into a `ProtocolError`.

use mailwire::{Error, ErrorKind};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The `mailwire.errors` class for `kind`.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Connect => "ConnectError",
        ErrorKind::Tls => "TlsError",
        ErrorKind::Auth => "AuthError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::AlreadyExists => "AlreadyExistsError",
        ErrorKind::Rejected => "RejectedError",
        ErrorKind::Protocol => "ProtocolError",
        ErrorKind::InvalidInput => "InvalidInputError",
        ErrorKind::Closed => "ClosedError",
        _ => "MailError",
    }
}

/// Converts a core error into the matching `mailwire.errors` exception, with the server's
/// text and codes as attributes ([`mailwire::ErrorFields`], nothing added) and the
/// underlying cause as `__cause__`.
pub(crate) fn to_py_err(py: Python<'_>, e: Error) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        // Only when `mailwire.errors` cannot be imported: still say what went wrong.
        Err(import_failure) => {
            let err = PyException::new_err(e.to_string());
            err.set_cause(py, Some(import_failure));
            err
        }
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let f = e.fields();
    let module = py.import(pyo3::intern!(py, "mailwire.errors"))?;
    let class = module.getattr(class_name(f.kind))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", f.kind.as_str())?;
    kwargs.set_item("server_text", &f.server_text)?;
    kwargs.set_item("response_code", &f.response_code)?;
    kwargs.set_item("smtp_code", f.smtp_code)?;
    kwargs.set_item("enhanced_code", &f.enhanced_code)?;
    kwargs.set_item("description", &f.description)?;
    kwargs.set_item("permanent", f.permanent)?;
    kwargs.set_item("transient", f.transient)?;
    kwargs.set_item("cause", &f.cause)?;
    let value = class.call((&f.message,), Some(&kwargs))?;
    let err = PyErr::from_value(value);
    if let Some(cause) = f.cause {
        err.set_cause(py, Some(PyException::new_err(cause)));
    }
    Ok(err)
}

/// Runs a sync entry point; a panic inside it becomes a `ProtocolError` with the panic's
/// text. pyo3 alone would raise `PanicException`, a `BaseException` that escapes
/// `except Exception` and usually ends the program.
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    mailwire::panic::catch(f).unwrap_or_else(|e| Err(to_py_err(py, e)))
}

/// An `InvalidInputError` (also a `ValueError`) for bad arguments found in the glue.
pub(crate) fn invalid_input(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_py_err(py, Error::new(ErrorKind::InvalidInput, message))
}
