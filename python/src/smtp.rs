//! Glue for `mailwire::SmtpClient`: the blocking `SmtpClient` and the asyncio
//! `AsyncSmtpClient`, generated from one list of methods.

use mailwire::smtp::{RecipientError as CoreRecipientError, SendResult as CoreSendResult};
use pyo3::prelude::*;

use crate::config::Common;
use crate::message::OutgoingMessage;
use crate::record::record;
use crate::runtime::run;

record! {
    /// One recipient the server refused at ``RCPT TO``.
    #[pyclass(frozen, from_py_object, module = "mailwire._core")]
    #[derive(Clone)]
    pub struct RecipientError {
        /// The recipient address, as given.
        address: String,
        /// The SMTP reply code (``550``, ``452``…).
        code: u16,
        /// The enhanced status code (``"5.1.1"``), when sent.
        enhanced_code: Option<String>,
        /// The server's text, without the codes.
        message: String,
        /// True for a 5xx reply (sending again fails the same way).
        permanent: bool,
    }
}

impl From<CoreRecipientError> for RecipientError {
    fn from(r: CoreRecipientError) -> Self {
        RecipientError {
            permanent: r.is_permanent(),
            address: r.address,
            code: r.code,
            enhanced_code: r.enhanced_code,
            message: r.message,
        }
    }
}

record! {
    /// The outcome of a send that reached at least one recipient.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct SendResult {
        /// The Message-ID, without angle brackets.
        message_id: Option<String>,
        /// Recipients the server accepted.
        accepted: Vec<String>,
        /// Recipients the server refused, with its reply.
        rejected: Vec<RecipientError>,
    }
}

impl From<CoreSendResult> for SendResult {
    fn from(r: CoreSendResult) -> Self {
        SendResult {
            message_id: r.message_id,
            accepted: r.accepted,
            rejected: r.rejected.into_iter().map(RecipientError::from).collect(),
        }
    }
}

macro_rules! smtp_client_class {
    ($name:ident, $pyname:literal, $mode:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "mailwire._core", name = $pyname)]
        pub struct $name {
            inner: mailwire::SmtpClient,
            description: String,
        }

        #[pymethods]
        impl $name {
            /// Opens and authenticates the first pooled connection. ``security`` is
            /// ``"tls"`` (port 465), ``"starttls"`` (587) or ``"plain"``. At most
            /// ``pool_size`` (default 4) connections are open at once; one left idle longer
            /// than ``pool_idle_timeout`` seconds (default 60) is closed instead of reused.
            /// ``allow_plaintext_auth=True`` permits sending the password or token over
            /// ``"plain"`` security, unencrypted (dangerous: only for a test server you
            /// trust); without it, credentials with ``"plain"`` raise ``InvalidInputError``.
            #[staticmethod]
            #[pyo3(signature = (host, port = None, *, security = "tls", username = None,
                password = None, access_token = None, ca_pem = None, accept_invalid_certs = false,
                server_name = None, timeout = None, connect_timeout = None, hello_name = None,
                pool_size = None, pool_idle_timeout = None, allow_plaintext_auth = false))]
            #[allow(clippy::too_many_arguments)]
            fn connect<'py>(
                py: Python<'py>,
                host: String,
                port: Option<u16>,
                security: &str,
                username: Option<String>,
                password: Option<String>,
                access_token: Option<String>,
                ca_pem: Option<Vec<u8>>,
                accept_invalid_certs: bool,
                server_name: Option<String>,
                timeout: Option<f64>,
                connect_timeout: Option<f64>,
                hello_name: Option<String>,
                pool_size: Option<usize>,
                pool_idle_timeout: Option<f64>,
                allow_plaintext_auth: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let config = Common {
                        host,
                        port,
                        security: security.to_string(),
                        username,
                        password,
                        access_token,
                        ca_pem,
                        accept_invalid_certs,
                        server_name,
                        timeout,
                        connect_timeout,
                        allow_plaintext_auth,
                    }
                    .smtp(py, hello_name, pool_size, pool_idle_timeout)?;
                    let description = format!(
                        "host={:?}, port={}, security={:?}, username={:?}",
                        config.host,
                        config.port,
                        config.security.as_str(),
                        config.auth.username().unwrap_or("")
                    );
                    run!($mode, py, async move {
                        let inner = mailwire::SmtpClient::connect(config).await?;
                        Ok($name { inner, description })
                    })
                })
            }

            /// Sends an OutgoingMessage to its To, Cc and Bcc recipients. Refused
            /// recipients are listed in ``rejected``; RejectedError only when all are.
            #[pyo3(signature = (message, *, progress = None))]
            fn send<'py>(&self, py: Python<'py>, message: &Bound<'py, OutgoingMessage>, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let progress = crate::config::progress(progress);
                    let message = message.get().inner.clone();
                    let c = self.inner.clone();
                    run!($mode, py, async move {
                        let r = match progress {
                            Some(p) => c.send_with_progress(&message, p).await?,
                            None => c.send(&message).await?,
                        };
                        Ok(SendResult::from(r))
                    })
                })
            }

            /// Sends ``data`` (a complete RFC 5322 message) from ``from_addr`` to ``to_addrs``
            /// (the envelope; the headers are not looked at).
            #[pyo3(signature = (from_addr, to_addrs, data, *, progress = None))]
            fn send_raw<'py>(&self, py: Python<'py>, from_addr: String, to_addrs: Vec<String>, data: Vec<u8>, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let progress = crate::config::progress(progress);
                    let c = self.inner.clone();
                    run!($mode, py, async move {
                        let r = match progress {
                            Some(p) => c.send_raw_with_progress(&from_addr, &to_addrs, &data, p).await?,
                            None => c.send_raw(&from_addr, &to_addrs, &data).await?,
                        };
                        Ok(SendResult::from(r))
                    })
                })
            }

            /// Sends a complete message with the envelope taken from its Sender/From, To,
            /// Cc and Bcc headers; the Bcc header is removed before transmission.
            #[pyo3(signature = (data, *, progress = None))]
            fn send_mime<'py>(&self, py: Python<'py>, data: Vec<u8>, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let progress = crate::config::progress(progress);
                    let c = self.inner.clone();
                    run!($mode, py, async move {
                        let r = match progress {
                            Some(p) => c.send_mime_with_progress(&data, p).await?,
                            None => c.send_mime(&data).await?,
                        };
                        Ok(SendResult::from(r))
                    })
                })
            }

            /// Sends QUIT on idle connections and closes the pool; later sends raise
            /// ClosedError.
            fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let c = self.inner.clone();
                    run!($mode, py, async move { c.close().await })
                })
            }

            fn __repr__(&self) -> String {
                format!("{}({})", $pyname, self.description)
            }
        }
    };
}

smtp_client_class!(
    SmtpClient,
    "SmtpClient",
    sync,
    "Blocking, pooled SMTP submission client over the Rust core."
);
smtp_client_class!(
    AsyncSmtpClient,
    "AsyncSmtpClient",
    async,
    "asyncio, pooled SMTP submission client over the Rust core."
);
