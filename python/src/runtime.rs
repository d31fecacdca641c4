//! The one tokio runtime of the extension, and the two ways Python waits for core futures:
//! blocking with the GIL released (sync classes) or as an asyncio awaitable (async classes).

use std::future::Future;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::BoundObject;

use crate::error::{to_py_err, to_py_err_detached};

/// How often a blocking call wakes up to let Python handle signals (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// The multi-thread runtime shared by every client (the one pyo3-async-runtimes drives).
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// Runs `fut` to completion on the runtime with the GIL released, waking every 100 ms to
/// run Python's signal handlers. When a handler raises (Ctrl-C → `KeyboardInterrupt`) the
/// future is dropped, which cancels the call (the core is cancel-safe), and the exception
/// propagates.
pub(crate) fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = mailwire::Result<T>> + Send,
    T: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking mailwire call cannot run on mailwire's own runtime thread \
             (for example inside a progress callback); use the async client there",
        ));
    }
    let rt = runtime();
    let mut fut = Box::pin(fut);
    loop {
        let step = py.detach(|| {
            rt.block_on(async { tokio::time::timeout(SIGNAL_CHECK, fut.as_mut()).await })
        });
        match step {
            Ok(result) => return result.map_err(|e| to_py_err(py, e)),
            Err(_still_running) => {
                if let Err(interrupted) = py.check_signals() {
                    let _context = rt.enter();
                    drop(fut);
                    return Err(interrupted);
                }
            }
        }
    }
}

/// [`block_on`], then converts the value to a Python object.
pub(crate) fn blocking<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = mailwire::Result<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    let value = block_on(py, fut)?;
    Ok(value.into_pyobject(py).map_err(Into::into)?.into_any().into_bound())
}

/// Wraps `fut` in an asyncio awaitable. Cancelling the awaitable drops the future.
pub(crate) fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = mailwire::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        fut.await.map_err(to_py_err_detached)
    })
}

/// Runs a core future the way the class `$mode` (`sync` or `async`) does.
macro_rules! run {
    (sync, $py:expr, $fut:expr) => {
        $crate::runtime::blocking($py, $fut)
    };
    (async, $py:expr, $fut:expr) => {
        $crate::runtime::awaitable($py, $fut)
    };
}
pub(crate) use run;
