//! Glue for `mailwire::discover`: ``discover`` (blocking) and ``async_discover`` (asyncio)
//! and the settings they find.

use std::net::SocketAddr;

use mailwire::discover as core;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::config::{read_ca, seconds};
use crate::error::invalid_input;
use crate::record::record;
use crate::runtime::run;

record! {
    /// One server found by ``discover``: pass its fields to ``ImapClient`` /
    /// ``SmtpClient`` (``host``, ``port``, ``security=``, ``username=``).
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct ServerSettings {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
        /// ``"tls"``, ``"starttls"`` or ``"plain"``.
        security: String,
        /// The user name to log in with (the address, or what the provider says).
        username: String,
    }
}

impl From<core::ServerSettings> for ServerSettings {
    fn from(s: core::ServerSettings) -> Self {
        ServerSettings {
            host: s.host,
            port: s.port,
            security: s.security.as_str().to_string(),
            username: s.username,
        }
    }
}

record! {
    /// What ``discover`` found for an address: at least one of the two servers.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct Discovered {
        /// The IMAP server, if found.
        imap: Option<Py<ServerSettings>>,
        /// The SMTP submission server, if found.
        smtp: Option<Py<ServerSettings>>,
        /// Where they were found: ``"built_in"`` (the table of big providers),
        /// ``"autoconfig"``, ``"srv"`` (DNS SRV records) or ``"mx"`` (the domain's mail
        /// exchanger belongs to a provider of the table).
        source: String,
    }
}

/// A `Discovered` when it crosses into Python.
struct Found(core::Discovered);

impl<'py> IntoPyObject<'py> for Found {
    type Target = Discovered;
    type Output = Bound<'py, Discovered>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let server = |s: Option<core::ServerSettings>| {
            s.map(|s| Py::new(py, ServerSettings::from(s))).transpose()
        };
        Bound::new(
            py,
            Discovered {
                imap: server(self.0.imap)?,
                smtp: server(self.0.smtp)?,
                source: self.0.source.as_str().to_string(),
            },
        )
    }
}

/// ``resolver=``: ``"ip:port"`` (``"[::1]:53"``) or an ``(ip, port)`` tuple.
fn resolver(obj: &Bound<'_, PyAny>) -> PyResult<SocketAddr> {
    let py = obj.py();
    let wrong = || invalid_input(py, "resolver is \"ip:port\" or an (ip, port) tuple");
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_str()?.parse().map_err(|_| wrong());
    }
    let (ip, port): (String, u16) = obj.extract().map_err(|_| wrong())?;
    let ip: std::net::IpAddr = ip.parse().map_err(|_| wrong())?;
    Ok(SocketAddr::new(ip, port))
}

/// The core's options: its defaults, with the keyword arguments given.
fn options(
    py: Python<'_>,
    timeout: Option<f64>,
    resolver_addr: Option<&Bound<'_, PyAny>>,
    https_port: Option<u16>,
    ca_pem: Option<&Bound<'_, PyAny>>,
) -> PyResult<core::DiscoverOptions> {
    let mut o = core::DiscoverOptions::default();
    if let Some(t) = timeout {
        o.timeout = seconds(py, "timeout", t)?;
    }
    o.resolver = resolver_addr
        .filter(|r| !r.is_none())
        .map(resolver)
        .transpose()?;
    if let Some(p) = https_port {
        o.https_port = p;
    }
    o.ca_pem = read_ca(ca_pem)?;
    Ok(o)
}

macro_rules! discover_fn {
    ($name:ident, $mode:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// In order: a built-in table of the big providers (no network), autoconfig over
        /// HTTPS (``autoconfig.<domain>``, then ``<domain>/.well-known/autoconfig/``), DNS
        /// SRV records (RFC 6186), then the domain's MX host if it belongs to a provider of
        /// the table. ``timeout`` (seconds, default 15) bounds the whole search;
        /// ``resolver`` is the DNS server to ask (``"ip:port"`` or ``(ip, port)``; default
        /// the system's); ``https_port`` the autoconfig servers' port (default 443);
        /// ``ca_pem`` extra CA certificates trusted for them (PEM bytes or text, or a path).
        ///
        /// Raises InvalidInputError for something that is not an address, NotFoundError
        /// when no method found settings, TimeoutError when the deadline passed first.
        #[pyfunction]
        #[pyo3(signature = (address, *, timeout = None, resolver = None, https_port = None, ca_pem = None))]
        pub(crate) fn $name<'py>(
            py: Python<'py>,
            address: String,
            timeout: Option<f64>,
            resolver: Option<&Bound<'py, PyAny>>,
            https_port: Option<u16>,
            ca_pem: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            crate::error::guard(py, || {
                let o = options(py, timeout, resolver, https_port, ca_pem)?;
                run!($mode, py, async move {
                    core::discover(&address, &o).await.map(Found)
                })
            })
        }
    };
}

discover_fn!(
    discover,
    sync,
    "The IMAP and SMTP settings of ``address`` (``Discovered``), found the way mail apps do."
);
discover_fn!(
    async_discover,
    async,
    "The asyncio ``discover``: an awaitable of the settings of ``address`` (``Discovered``)."
);
