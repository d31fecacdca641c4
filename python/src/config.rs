//! Glue for `mailwire::config`: keyword arguments → `ImapConfig` / `SmtpConfig`, and Python
//! callables → `Progress`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use mailwire::{
    Auth, ConnectOptions, Error, ErrorKind, ImapConfig, Progress, Security, SmtpConfig, TokenSource,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMapping, PyString};

use crate::error::{invalid_input, to_py_err};

/// Connection keyword arguments shared by IMAP and SMTP.
pub(crate) struct Common {
    pub host: String,
    pub port: Option<u16>,
    pub security: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub access_token: Option<String>,
    pub token_provider: Option<TokenSource>,
    pub ca_pem: Option<Vec<u8>>,
    pub accept_invalid_certs: bool,
    pub server_name: Option<String>,
    pub timeout: Option<f64>,
    pub connect_timeout: Option<f64>,
    pub allow_plaintext_auth: bool,
}

/// Keyword arguments only IMAP has.
pub(crate) struct ImapOptions {
    pub idle_reissue: Option<f64>,
    pub no_progress_timeout: Option<f64>,
    pub max_response_size: Option<i128>,
    pub client_id: Option<Vec<(String, String)>>,
}

/// `s` seconds as a `Duration`; `what` names the keyword argument in the error.
pub(crate) fn seconds(py: Python<'_>, what: &str, s: f64) -> PyResult<Duration> {
    mailwire::duration_from(what, s, 1.0, "seconds").map_err(|e| to_py_err(py, e))
}

fn optional_seconds(py: Python<'_>, what: &str, s: Option<f64>) -> PyResult<Option<Duration>> {
    s.map(|s| seconds(py, what, s)).transpose()
}

impl Common {
    /// The core's options (the core applies every default and check).
    fn options(self, py: Python<'_>) -> PyResult<ConnectOptions> {
        let mut o = ConnectOptions::new(self.host);
        o.port = self.port;
        o.security = self
            .security
            .map(|s| Security::parse(&s))
            .transpose()
            .map_err(|e| to_py_err(py, e))?;
        (o.username, o.password, o.access_token, o.token_provider) = (
            self.username,
            self.password,
            self.access_token,
            self.token_provider,
        );
        (o.ca_pem, o.accept_invalid_certs, o.server_name) =
            (self.ca_pem, self.accept_invalid_certs, self.server_name);
        o.timeout = optional_seconds(py, "timeout", self.timeout)?;
        o.connect_timeout = optional_seconds(py, "connect_timeout", self.connect_timeout)?;
        o.allow_plaintext_auth = self.allow_plaintext_auth;
        Ok(o)
    }

    pub(crate) fn imap(self, py: Python<'_>, extra: ImapOptions) -> PyResult<ImapConfig> {
        let mut o = self.options(py)?;
        o.idle_reissue = optional_seconds(py, "idle_reissue", extra.idle_reissue)?;
        o.no_progress_timeout =
            optional_seconds(py, "no_progress_timeout", extra.no_progress_timeout)?;
        o.max_response_size = extra
            .max_response_size
            .map(|n| {
                u64::try_from(n).map_err(|_| {
                    invalid_input(py, "max_response_size must be a positive number of bytes")
                })
            })
            .transpose()?;
        o.client_id = extra.client_id;
        o.imap().map_err(|e| to_py_err(py, e))
    }

    pub(crate) fn smtp(
        self,
        py: Python<'_>,
        hello_name: Option<String>,
        pool_size: Option<u32>,
        pool_idle_timeout: Option<f64>,
    ) -> PyResult<SmtpConfig> {
        let mut o = self.options(py)?;
        o.hello_name = hello_name;
        o.pool_size = pool_size;
        o.pool_idle_timeout = optional_seconds(py, "pool_idle_timeout", pool_idle_timeout)?;
        o.smtp().map_err(|e| to_py_err(py, e))
    }
}

/// A `Progress` that calls `callback(done, total)`; an exception it raises is reported as
/// unraisable (it cannot stop the transfer).
pub(crate) fn progress(callback: Option<Py<PyAny>>) -> Option<Progress> {
    let callback = callback?;
    Some(Arc::new(move |done: u64, total: Option<u64>| {
        crate::runtime::with_python(|py| {
            if let Err(e) = callback.call1(py, (done, total)) {
                e.write_unraisable(py, Some(callback.bind(py)));
            }
        });
    }))
}

/// ``client_id=``: a mapping of ID field names to values, in its order (empty: no ID is
/// sent; None: the core's default).
pub(crate) fn client_id(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<(String, String)>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let py = obj.py();
    let wrong = || {
        invalid_input(
            py,
            "client_id maps ID field names to strings ({\"name\": \"myapp\"})",
        )
    };
    let mapping = obj.cast::<PyMapping>().map_err(|_| wrong())?;
    let mut fields = Vec::new();
    for item in mapping.items()?.iter() {
        let (name, value): (String, String) = item.extract().map_err(|_| wrong())?;
        fields.push((name, value));
    }
    Ok(Some(fields))
}

/// ``ca_pem=``: PEM bytes, PEM text, or the path of a PEM file (read now).
pub(crate) fn read_ca(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Some(b.to_vec()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        if s.trim_start().starts_with("-----BEGIN") {
            return Ok(Some(s.as_bytes().to_vec()));
        }
    }
    let path: std::path::PathBuf = obj.extract()?;
    Ok(Some(std::fs::read(path)?))
}

/// A client's connection: made at construction (blocking classes) or on first ``await``
/// (asyncio classes), from the settings kept until then.
pub(crate) struct Session<C, Cfg> {
    client: OnceLock<C>,
    config: Mutex<Option<Cfg>>,
    /// ``host=…, port=…, security=…, username=…`` for ``repr`` (no secret).
    pub description: String,
}

impl<C: Clone, Cfg: Clone> Session<C, Cfg> {
    pub(crate) fn new(config: Cfg, description: String) -> Self {
        Session {
            client: OnceLock::new(),
            config: Mutex::new(Some(config)),
            description,
        }
    }

    /// The settings to connect with, while not connected.
    pub(crate) fn pending(&self) -> Option<Cfg> {
        if self.client.get().is_some() {
            return None;
        }
        self.config.lock().ok().and_then(|c| c.clone())
    }

    /// Keeps `client` and drops the settings (the core keeps the credentials).
    pub(crate) fn connected(&self, client: C) {
        let _ = self.client.set(client);
        if let Ok(mut config) = self.config.lock() {
            *config = None;
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.client.get().is_some()
    }

    /// The connected client, or ClosedError naming how to connect.
    pub(crate) fn client(&self, py: Python<'_>, class: &str) -> PyResult<C> {
        self.client.get().cloned().ok_or_else(|| {
            let message = format!(
                "not connected: use `await {class}.connect(...)`, `await {class}(...)` or `async with`"
            );
            to_py_err(py, Error::new(ErrorKind::Closed, message))
        })
    }
}

/// ``host=…, port=…, security=…, username=…``.
pub(crate) fn describe(host: &str, port: u16, security: Security, auth: &Auth) -> String {
    format!(
        "host={host:?}, port={port}, security={:?}, username={:?}",
        security.as_str(),
        auth.username().unwrap_or("")
    )
}
