//! Protocol traces: the core's trace lines ([`mailwire::trace`]; credentials already
//! redacted) forwarded to a JavaScript function set with `setTraceHook`. While no hook is
//! set an event costs one atomic load.

use std::sync::{Mutex, Once};

use napi::bindgen_prelude::{FnArgs, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

/// `(target, message) => void`.
pub type TraceFn = ThreadsafeFunction<
    FnArgs<(String, String)>,
    Unknown<'static>,
    FnArgs<(String, String)>,
    Status,
    false,
    true,
>;

static HOOK: Mutex<Option<TraceFn>> = Mutex::new(None);
static INSTALL: Once = Once::new();

/// Queues one trace line for the hook, if one is set.
fn to_hook(target: &str, line: String) {
    if let Ok(hook) = HOOK.lock() {
        if let Some(f) = hook.as_ref() {
            f.call(
                (target.to_string(), line).into(),
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        }
    }
}

/// Sends protocol traces (`target` like `mailwire.imap`, and the line, passwords and tokens
/// redacted) to `hook`, or stops them with `null`. The hook does not keep the process alive.
#[napi(
    js_name = "setTraceHook",
    ts_args_type = "hook: ((target: string, message: string) => void) | null",
    catch_unwind
)]
pub fn set_trace_hook(hook: Option<TraceFn>) -> crate::error::Result<()> {
    crate::error::guard(|| {
        INSTALL.call_once(|| {
            mailwire::trace::forward_traces(to_hook);
        });
        let on = hook.is_some();
        if let Ok(mut h) = HOOK.lock() {
            *h = hook;
        }
        mailwire::trace::set_forwarding(on);
        Ok(())
    })
}
