//! Glue for `mailwire::config`: keyword arguments → `ImapConfig` / `SmtpConfig`, and Python
//! callables → `Progress`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use mailwire::{
    Auth, Error, ErrorKind, ImapConfig, Progress, Security, SmtpConfig, Timeouts, TlsOptions,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::error::{invalid_input, to_py_err};

/// Connection keyword arguments shared by IMAP and SMTP.
pub(crate) struct Common {
    pub host: String,
    pub port: Option<u16>,
    pub security: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub access_token: Option<String>,
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
}

pub(crate) fn seconds(py: Python<'_>, what: &str, s: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        invalid_input(
            py,
            format!("{what} must be a non-negative number of seconds"),
        )
    })
}

impl Common {
    fn auth(&self, py: Python<'_>) -> PyResult<Auth> {
        match (&self.username, &self.password, &self.access_token) {
            (_, Some(_), Some(_)) => Err(invalid_input(
                py,
                "give either password= or access_token=, not both",
            )),
            (Some(u), Some(p), None) => Ok(Auth::password(u, p)),
            (Some(u), None, Some(t)) => Ok(Auth::oauth2(u, t)),
            (None, Some(_), _) | (None, _, Some(_)) => Err(invalid_input(
                py,
                "username= is required with a password or token",
            )),
            (_, None, None) => Ok(Auth::None),
        }
    }

    fn parts(&self, py: Python<'_>) -> PyResult<(Security, Auth, TlsOptions, Timeouts)> {
        let security = Security::parse(&self.security).map_err(|e| to_py_err(py, e))?;
        let tls = TlsOptions {
            ca_pem: self.ca_pem.clone(),
            accept_invalid_certs: self.accept_invalid_certs,
            server_name: self.server_name.clone(),
        };
        let mut timeouts = Timeouts::default();
        if let Some(t) = self.timeout {
            timeouts.command = seconds(py, "timeout", t)?;
            timeouts.connect = timeouts.command;
            timeouts.greeting = timeouts.command;
        }
        if let Some(t) = self.connect_timeout {
            timeouts.connect = seconds(py, "connect_timeout", t)?;
            timeouts.greeting = timeouts.connect;
        }
        Ok((security, self.auth(py)?, tls, timeouts))
    }

    pub(crate) fn imap(&self, py: Python<'_>, options: ImapOptions) -> PyResult<ImapConfig> {
        let (security, auth, tls, mut timeouts) = self.parts(py)?;
        if let Some(t) = options.idle_reissue {
            timeouts.idle_reissue = seconds(py, "idle_reissue", t)?;
        }
        if let Some(t) = options.no_progress_timeout {
            timeouts.no_progress = Some(seconds(py, "no_progress_timeout", t)?);
        }
        let mut cfg = ImapConfig::new(self.host.clone(), auth)
            .security(security)
            .timeouts(timeouts)
            .allow_plaintext_auth(self.allow_plaintext_auth);
        if let Some(p) = self.port {
            cfg = cfg.port(p);
        }
        if let Some(n) = options.max_response_size {
            cfg.max_response_size =
                usize::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| {
                    invalid_input(py, "max_response_size must be a positive number of bytes")
                })?;
        }
        cfg.tls = tls;
        Ok(cfg)
    }

    pub(crate) fn smtp(
        &self,
        py: Python<'_>,
        hello_name: Option<String>,
        pool_size: Option<usize>,
        pool_idle_timeout: Option<f64>,
    ) -> PyResult<SmtpConfig> {
        let (security, auth, tls, timeouts) = self.parts(py)?;
        let mut cfg = SmtpConfig::new(self.host.clone(), auth)
            .security(security)
            .timeouts(timeouts)
            .allow_plaintext_auth(self.allow_plaintext_auth);
        if let Some(p) = self.port {
            cfg = cfg.port(p);
        }
        cfg.tls = tls;
        cfg.hello_name = hello_name;
        if let Some(n) = pool_size {
            cfg.pool_size = n;
        }
        if let Some(t) = pool_idle_timeout {
            cfg.pool_idle_timeout = seconds(py, "pool_idle_timeout", t)?;
        }
        Ok(cfg)
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
