//! The one tokio runtime of the extension, and the two ways Python waits for core futures:
//! blocking with the GIL released (sync classes) or as an asyncio awaitable (async classes).
//!
//! Both catch panics (the last line of defence): a panic while a call runs, or while its
//! value is converted, becomes a `ProtocolError` carrying the panic's text, so the
//! interpreter never sees pyo3's `PanicException` (which escapes `except Exception`) and an
//! awaitable always resolves.
//!
//! Every time a runtime thread needs Python (to resolve an awaitable, call a progress
//! callback, log a trace) it goes through [`with_python`], which an `atexit` hook closes
//! before the interpreter finalizes: a thread still holding the GIL then would crash it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::BoundObject;
use tokio::sync::oneshot;

use crate::error::to_py_err;

/// How often a blocking call wakes up to let Python handle signals (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);
static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);

/// The multi-thread runtime shared by every client.
pub(crate) fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("mailwire")
                .build()
        })
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the tokio runtime: {e}")))
}

/// Runs `f` with the GIL from a thread that may not be a Python thread; `None` once the
/// interpreter is shutting down.
pub(crate) fn with_python<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    IN_PYTHON.fetch_add(1, Ordering::SeqCst);
    let result = if SHUTTING_DOWN.load(Ordering::SeqCst) {
        None
    } else {
        Python::try_attach(f)
    };
    IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
    result
}

/// Registered with `atexit`: stops runtime threads from entering Python and waits (up to
/// two seconds) for those inside to leave, so finalization never races them.
#[pyfunction]
pub fn _shutdown(py: Python<'_>) {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    py.detach(|| {
        let until = Instant::now() + Duration::from_secs(2);
        while IN_PYTHON.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// `fut`, with a panic in any of its polls turned into a `Protocol` error.
async fn guarded<F, T>(fut: F) -> mailwire::Result<T>
where
    F: Future<Output = mailwire::Result<T>>,
{
    mailwire::panic::catch_future(fut).await.and_then(|r| r)
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
    let rt = runtime()?;
    let mut fut = Box::pin(guarded(fut));
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
    crate::error::guard(py, || {
        Ok(value
            .into_pyobject(py)
            .map_err(Into::into)?
            .into_any()
            .into_bound())
    })
}

/// Cancels the Rust side when the asyncio future is cancelled.
#[pyclass(frozen)]
struct CancelOnDone {
    tx: std::sync::Mutex<Option<oneshot::Sender<()>>>,
}

#[pymethods]
impl CancelOnDone {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            if let Ok(mut tx) = self.tx.lock() {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            }
        }
        Ok(())
    }
}

/// Sets the result (or exception) of `fut` unless it was cancelled meanwhile; runs on the
/// event loop's thread.
#[pyfunction]
pub fn _resolve(fut: &Bound<'_, PyAny>, ok: bool, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if fut.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    let method = if ok { "set_result" } else { "set_exception" };
    fut.call_method1(method, (value,))?;
    Ok(())
}

static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static LAZY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A coroutine that runs `fut` when awaited (what an `async def` method returns): it can be
/// given to `asyncio.create_task` or `asyncio.run`, and does nothing unless awaited.
/// Cancelling it cancels the Rust future.
pub(crate) fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = mailwire::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let lazy = LAZY.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let module = PyModule::from_code(
            py,
            c"async def lazy(start):\n    return await start()\n",
            c"mailwire/_lazy.py",
            c"mailwire._lazy",
        )?;
        Ok(module.getattr("lazy")?.unbind())
    })?;
    let pending = std::sync::Mutex::new(Some(fut));
    let start = pyo3::types::PyCFunction::new_closure(py, None, None, move |args, _| {
        let fut = pending
            .lock()
            .ok()
            .and_then(|mut f| f.take())
            .ok_or_else(|| PyRuntimeError::new_err("cannot reuse an already awaited coroutine"))?;
        future(args.py(), fut).map(Bound::unbind)
    })?;
    lazy.bind(py).call1((start,))
}

/// Wraps `fut` in an asyncio future of the running loop. The Rust future runs on the
/// runtime; cancelling the asyncio future drops it (the core is cancel-safe).
fn future<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = mailwire::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let rt = runtime()?;
    let resolve = RESOLVE
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(wrap_pyfunction!(_resolve, py)?.into_any().unbind())
        })?
        .clone_ref(py);
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_fut = event_loop.call_method0("create_future")?;
    let (tx, rx) = oneshot::channel::<()>();
    py_fut.call_method1(
        "add_done_callback",
        (CancelOnDone {
            tx: std::sync::Mutex::new(Some(tx)),
        },),
    )?;
    // A token provider asked for during this call runs on this loop (see `token`).
    let task_loop = std::sync::Arc::new(event_loop.clone().unbind());
    let event_loop = event_loop.unbind();
    let target = py_fut.clone().unbind();
    let fut = crate::token::EVENT_LOOP.scope(task_loop, guarded(fut));
    rt.spawn(async move {
        let result = tokio::select! {
            r = fut => r,
            _ = rx => return,
        };
        with_python(|py| {
            let converted = mailwire::panic::catch(|| match result {
                Ok(v) => match v.into_pyobject(py) {
                    Ok(obj) => (true, obj.into_any().into_bound().unbind()),
                    Err(e) => (false, Into::<PyErr>::into(e).into_value(py).into_any()),
                },
                Err(e) => (false, to_py_err(py, e).into_value(py).into_any()),
            });
            let (ok, value) =
                converted.unwrap_or_else(|e| (false, to_py_err(py, e).into_value(py).into_any()));
            if let Err(e) =
                event_loop.call_method1(py, "call_soon_threadsafe", (resolve, target, ok, value))
            {
                // The loop is closed: nobody is waiting any more.
                drop(e);
            }
        });
    });
    Ok(py_fut)
}

/// Whether the class `$mode` blocks (`sync`) rather than returning coroutines (`async`).
macro_rules! blocks {
    (sync) => {
        true
    };
    (async) => {
        false
    };
}
pub(crate) use blocks;

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
