//! Glue for `mailwire::token`: ``access_token=`` as a string or as a Python callable
//! ``(force_refresh: bool) -> str`` that becomes the core's `TokenProvider` (when it is
//! called, and what a refusal does, is the core's contract).
//!
//! Where the callable runs: a blocking client calls it on the thread that made the call
//! (which waits anyway); an asyncio client runs it on the event loop of the call that needs a
//! login, and awaits what it returns when that is awaitable — the loop stays free meanwhile,
//! and the runtime thread waits without the GIL. A callable that raises, or returns
//! something other than a string, fails the login with the core's `AuthError`, whose cause
//! names the exception type.

use std::sync::{Arc, Mutex};

use mailwire::{Error, ErrorKind, TokenFuture, TokenProvider, TokenSource};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;
use tokio::sync::oneshot;

use crate::error::invalid_input;
use crate::runtime::with_python;

tokio::task_local! {
    /// The asyncio event loop awaiting the core future being run (set by the runtime for
    /// every call of an asyncio class).
    pub(crate) static EVENT_LOOP: Arc<Py<PyAny>>;
}

/// ``access_token=``: a token (string) or a provider (callable).
pub(crate) fn access_token(
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Option<String>, Option<TokenSource>)> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok((None, None));
    };
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok((Some(s.to_str()?.to_string()), None));
    }
    if obj.is_callable() {
        let provider = PyTokenProvider {
            callable: obj.clone().unbind(),
        };
        return Ok((None, Some(TokenSource::new(provider))));
    }
    Err(invalid_input(
        obj.py(),
        "access_token is a string or a callable (force_refresh: bool) -> str",
    ))
}

/// A Python callable as a token provider.
struct PyTokenProvider {
    callable: Py<PyAny>,
}

impl TokenProvider for PyTokenProvider {
    fn token(&self, force_refresh: bool) -> TokenFuture {
        match EVENT_LOOP.try_with(Arc::clone) {
            Ok(event_loop) => self.on_loop(&event_loop, force_refresh),
            Err(_) => {
                let token = self.here(force_refresh);
                Box::pin(async move { token })
            }
        }
    }
}

impl PyTokenProvider {
    /// Calls the provider on this thread (a blocking client's call); it must return a str.
    fn here(&self, force_refresh: bool) -> mailwire::Result<String> {
        with_python(|py| {
            let value = self
                .callable
                .call1(py, (force_refresh,))
                .map_err(|e| failed(py, &e))?;
            let value = value.bind(py);
            if value.hasattr("__await__").unwrap_or(false) {
                // Not awaited: close a coroutine so that Python does not warn about it.
                let _ = value.call_method0("close");
                return Err(Error::new(
                    ErrorKind::Auth,
                    "the access token provider returned an awaitable: a blocking client needs \
                     one that returns a str (an async provider goes with AsyncImapClient or \
                     AsyncSmtpClient)",
                ));
            }
            token(value)
        })
        .unwrap_or_else(|| Err(shutting_down()))
    }

    /// Runs the provider on `event_loop` (awaiting its result when awaitable) and waits for
    /// the token without holding the GIL. Dropping the future cancels the provider's task.
    fn on_loop(&self, event_loop: &Py<PyAny>, force_refresh: bool) -> TokenFuture {
        let (tx, rx) = oneshot::channel();
        let started = with_python(|py| -> PyResult<Py<PyAny>> {
            let helper = CALL.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
                let module = pyo3::types::PyModule::from_code(
                    py,
                    c"import inspect\n\
                      async def call(provider, force_refresh):\n    \
                          token = provider(force_refresh)\n    \
                          if inspect.isawaitable(token):\n        \
                              token = await token\n    \
                          return token\n",
                    c"mailwire/_token.py",
                    c"mailwire._token",
                )?;
                Ok(module.getattr("call")?.unbind())
            })?;
            let coro = helper.call1(py, (self.callable.clone_ref(py), force_refresh))?;
            let task = py
                .import("asyncio")?
                .call_method1("run_coroutine_threadsafe", (coro, event_loop.bind(py)))?;
            task.call_method1(
                "add_done_callback",
                (TokenDone {
                    tx: Mutex::new(Some(tx)),
                },),
            )?;
            Ok(task.unbind())
        });
        Box::pin(async move {
            let task = match started {
                None => return Err(shutting_down()),
                Some(Err(e)) => {
                    return Err(with_python(|py| failed(py, &e)).unwrap_or_else(shutting_down))
                }
                Some(Ok(task)) => CancelOnDrop(Some(task)),
            };
            let token = rx.await.unwrap_or_else(|_| {
                Err(Error::new(
                    ErrorKind::Auth,
                    "the access token provider's task ended without a result",
                ))
            });
            task.disarm();
            token
        })
    }
}

static CALL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The token in `value`, which must be a str.
fn token(value: &Bound<'_, PyAny>) -> mailwire::Result<String> {
    match value.cast::<PyString>() {
        Ok(s) => s
            .to_str()
            .map(str::to_string)
            .map_err(|e| failed(value.py(), &e)),
        Err(_) => Err(Error::new(
            ErrorKind::Auth,
            format!(
                "TypeError: the access token provider returned {}, not str",
                value
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "an object".into())
            ),
        )),
    }
}

/// The error a provider raised, as text naming its type (``ValueError: idp down``); the
/// core makes it the cause of its `Auth` error.
fn failed(py: Python<'_>, e: &PyErr) -> Error {
    let name = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    let text = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    let message = if text.is_empty() {
        name
    } else {
        format!("{name}: {text}")
    };
    Error::new(ErrorKind::Auth, message)
}

fn shutting_down() -> Error {
    Error::new(
        ErrorKind::Auth,
        "the access token provider cannot run: the interpreter is shutting down",
    )
}

/// Sends the outcome of the provider's task to the waiting core future; runs on the event
/// loop's thread when the task finishes.
#[pyclass(frozen)]
struct TokenDone {
    tx: Mutex<Option<oneshot::Sender<mailwire::Result<String>>>>,
}

#[pymethods]
impl TokenDone {
    fn __call__(&self, task: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(tx) = self.tx.lock().ok().and_then(|mut tx| tx.take()) else {
            return Ok(());
        };
        let py = task.py();
        let outcome = if task.call_method0("cancelled")?.is_truthy()? {
            Err(Error::new(
                ErrorKind::Auth,
                "the access token provider's task was cancelled",
            ))
        } else {
            match task.call_method0("result") {
                Ok(value) => token(&value),
                Err(e) => Err(failed(py, &e)),
            }
        };
        // The waiting future may be gone (the call was cancelled): nobody needs the token.
        let _ = tx.send(outcome);
        Ok(())
    }
}

/// Cancels the provider's task unless disarmed (the call needing the token was dropped).
struct CancelOnDrop(Option<Py<PyAny>>);

impl CancelOnDrop {
    fn disarm(mut self) {
        if let Some(task) = self.0.take() {
            // Dropped with the GIL, as everything here that touches Python.
            with_python(move |_| drop(task));
        }
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            with_python(|py| {
                let _ = task.call_method0(py, "cancel");
                drop(task);
            });
        }
    }
}
