//! Glue for `mailwire::SmtpClient`: the blocking `SmtpClient` and the asyncio
//! `AsyncSmtpClient`, generated from one list of methods.

use mailwire::message::OutgoingMessage as CoreOutgoing;
use mailwire::smtp::{RecipientError as CoreRecipientError, SendResult as CoreSendResult};
use mailwire::Progress;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString, PyTuple, PyType};

use crate::config::{describe, read_ca, Common, Session};
use crate::error::{invalid_input, to_py_err};
use crate::message::{email_bytes, OutgoingMessage};
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

/// What ``send`` was given, ready for the core.
enum Outgoing {
    Message(Box<CoreOutgoing>),
    Mime(Vec<u8>),
    Raw(String, Vec<String>, Vec<u8>),
}

impl Outgoing {
    /// ``send(message, from_addr=, to_addrs=)``: an OutgoingMessage, a stdlib email message
    /// or bytes, with the envelope from its headers or given explicitly.
    fn new(
        message: &Bound<'_, PyAny>,
        from_addr: Option<String>,
        to_addrs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = message.py();
        let to_addrs: Option<Vec<String>> = match to_addrs.filter(|t| !t.is_none()) {
            None => None,
            Some(t) if t.is_instance_of::<PyString>() => Some(vec![t.extract()?]),
            Some(t) => Some(t.extract()?),
        };
        let envelope = match (from_addr, to_addrs) {
            (Some(from), Some(to)) => Some((from, to)),
            (None, None) => None,
            _ => {
                return Err(invalid_input(
                    py,
                    "give both from_addr= and to_addrs= (or neither)",
                ))
            }
        };
        let (data, mime) = if let Ok(m) = message.cast::<OutgoingMessage>() {
            let m = &m.get().inner;
            match envelope {
                None => return Ok(Outgoing::Message(Box::new(m.clone()))),
                Some(_) => (m.to_bytes().map_err(|e| to_py_err(py, e))?, false),
            }
        } else if let Some(b) = email_bytes(message, envelope.is_some())? {
            (b, true)
        } else if message.is_instance_of::<PyBytes>()
            || message.is_instance_of::<PyByteArray>()
            || message.is_instance_of::<PyMemoryView>()
        {
            let bytes = py.get_type::<PyBytes>().call1((message,))?;
            (bytes.cast::<PyBytes>()?.as_bytes().to_vec(), true)
        } else {
            return Err(invalid_input(
                py,
                "send() takes an OutgoingMessage, an email.message.EmailMessage or bytes",
            ));
        };
        Ok(match envelope {
            Some((from, to)) => Outgoing::Raw(from, to, data),
            None if mime => Outgoing::Mime(data),
            None => unreachable!("an OutgoingMessage without envelope returned above"),
        })
    }

    async fn send(
        self,
        c: &mailwire::SmtpClient,
        progress: Option<Progress>,
    ) -> mailwire::Result<CoreSendResult> {
        match (self, progress) {
            (Outgoing::Message(m), Some(p)) => c.send_with_progress(&m, p).await,
            (Outgoing::Message(m), None) => c.send(&m).await,
            (Outgoing::Mime(d), Some(p)) => c.send_mime_with_progress(&d, p).await,
            (Outgoing::Mime(d), None) => c.send_mime(&d).await,
            (Outgoing::Raw(f, t, d), Some(p)) => c.send_raw_with_progress(&f, &t, &d, p).await,
            (Outgoing::Raw(f, t, d), None) => c.send_raw(&f, &t, &d).await,
        }
    }
}

macro_rules! smtp_client_class {
    ($name:ident, $pyname:literal, $mode:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, subclass, module = "mailwire._core", name = $pyname)]
        pub struct $name {
            session: Session<mailwire::SmtpClient, mailwire::SmtpConfig>,
        }

        #[pymethods]
        impl $name {
            /// Opens and authenticates the first pooled connection (asyncio classes: on
            /// ``await``). ``security`` is ``"tls"``, ``"starttls"`` or ``"plain"``; without
            /// it the port decides (587 and 25: starttls, others: tls), and without a port
            /// the security does (465 for tls, 587 otherwise); ``ca_pem`` holds extra trusted CA certificates (PEM bytes or
            /// text, or the path of a PEM file). At most ``pool_size`` (default 4)
            /// connections are open at once; one left idle longer than
            /// ``pool_idle_timeout`` seconds (default 60) is closed instead of reused.
            /// ``allow_plaintext_auth=True`` permits sending the password or token over
            /// ``"plain"`` security, unencrypted (dangerous: only for a test server you
            /// trust); without it, credentials with ``"plain"`` raise ``InvalidInputError``.
            /// ``access_token`` is an OAuth 2.0 token, or a callable ``(force_refresh: bool)
            /// -> str`` asked for one for each new connection and once more with
            /// ``force_refresh=True`` when the server refuses it (asyncio class: it runs on
            /// the event loop and may return an awaitable).
            #[new]
            #[pyo3(signature = (host, port = None, *, security = None, username = None,
                password = None, access_token = None, ca_pem = None, accept_invalid_certs = false,
                server_name = None, timeout = None, connect_timeout = None, hello_name = None,
                pool_size = None, pool_idle_timeout = None, allow_plaintext_auth = false))]
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
                hello_name: Option<String>,
                pool_size: Option<u32>,
                pool_idle_timeout: Option<f64>,
                allow_plaintext_auth: bool,
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
                    .smtp(py, hello_name, pool_size, pool_idle_timeout)?;
                    let description =
                        describe(&config.host, config.port, config.security, &config.auth);
                    let me = $name { session: Session::new(config, description) };
                    if crate::runtime::blocks!($mode) {
                        if let Some(config) = me.session.pending() {
                            crate::logging::sync(py)?;
                            let client = crate::runtime::block_on(py, mailwire::SmtpClient::connect(config))?;
                            me.session.connected(client);
                        }
                    }
                    Ok(me)
                })
            }

            /// Connects: the same as calling the class (and awaiting it, for the asyncio
            /// class).
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
                            let client = mailwire::SmtpClient::connect(config).await?;
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

            /// The extensions the server announced in its EHLO reply (of the connection opened
            /// last), one per line as sent, keyword upper case: ``["PIPELINING", "SIZE
            /// 10240000", "AUTH PLAIN LOGIN", …]``. No round trip.
            #[getter]
            fn extensions(&self, py: Python<'_>) -> PyResult<Vec<String>> {
                crate::error::guard(py, || Ok(self.session.client(py, $pyname)?.extensions()))
            }

            /// The SASL mechanisms the server offers (``["PLAIN", "LOGIN"]``), upper case;
            /// empty when it offers none. No round trip.
            #[getter]
            fn auth_mechanisms(&self, py: Python<'_>) -> PyResult<Vec<String>> {
                crate::error::guard(py, || Ok(self.session.client(py, $pyname)?.auth_mechanisms()))
            }

            /// Sends ``message``: an ``OutgoingMessage`` (to its To, Cc and Bcc), a stdlib
            /// ``email.message.EmailMessage`` or raw ``bytes`` (envelope from the headers,
            /// Bcc never transmitted). With ``from_addr`` and ``to_addrs`` the envelope is
            /// given explicitly instead. ``progress(done, total)`` is called as the message
            /// is written (bytes done and the message size, per piece of at least 64 KiB).
            ///
            /// Returns the accepted and the refused recipients; raises RejectedError only
            /// when all were refused.
            #[pyo3(signature = (message, *, from_addr = None, to_addrs = None, progress = None))]
            fn send<'py>(&self, py: Python<'py>, message: &Bound<'py, PyAny>, from_addr: Option<String>, to_addrs: Option<&Bound<'py, PyAny>>, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let outgoing = Outgoing::new(message, from_addr, to_addrs)?;
                    let progress = crate::config::progress(progress);
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move {
                        Ok(SendResult::from(outgoing.send(&c, progress).await?))
                    })
                })
            }

            /// Sends ``data`` (a complete RFC 5322 message) from ``from_addr`` to ``to_addrs``
            /// (the envelope; the headers are not looked at).
            #[pyo3(signature = (from_addr, to_addrs, data, *, progress = None))]
            fn send_raw<'py>(&self, py: Python<'py>, from_addr: String, to_addrs: Vec<String>, data: Vec<u8>, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                crate::error::guard(py, || {
                    let progress = crate::config::progress(progress);
                    let c = self.session.client(py, $pyname)?;
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
                    let c = self.session.client(py, $pyname)?;
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
                    let c = self.session.client(py, $pyname)?;
                    run!($mode, py, async move { c.close().await })
                })
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                Ok(format!("{}({})", slf.get_type().name()?, slf.get().session.description))
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
