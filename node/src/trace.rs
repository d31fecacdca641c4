//! Protocol traces: the core's `tracing` events (targets `mailwire::imap`,
//! `mailwire::smtp`; credentials already redacted) forwarded to a JavaScript function set
//! with `setTraceHook`. While no hook is set an event costs one atomic load.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

use napi::bindgen_prelude::{FnArgs, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use tracing::field::{Field, Visit};
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// `(target, message) => void`.
pub type TraceFn = ThreadsafeFunction<
    FnArgs<(String, String)>,
    Unknown<'static>,
    FnArgs<(String, String)>,
    Status,
    false,
    true,
>;

static ENABLED: AtomicBool = AtomicBool::new(false);
static HOOK: Mutex<Option<TraceFn>> = Mutex::new(None);
static INSTALL: Once = Once::new();

struct Text(String);

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }
}

struct JsTraces;

impl Subscriber for JsTraces {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.target().starts_with("mailwire") && meta.is_event() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ENABLED.load(Ordering::Relaxed) && meta.target().starts_with("mailwire")
    }

    fn new_span(&self, _span: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _span: &span::Id, _values: &span::Record<'_>) {}

    fn record_follows_from(&self, _span: &span::Id, _follows: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut text = Text(String::new());
        event.record(&mut text);
        let target = event.metadata().target().replace("::", ".");
        if let Ok(hook) = HOOK.lock() {
            if let Some(f) = hook.as_ref() {
                f.call(
                    (target, text.0).into(),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        }
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}

/// Sends protocol traces (`target` like `mailwire.imap`, and the line, passwords and tokens
/// redacted) to `hook`, or stops them with `null`. The hook does not keep the process alive.
#[napi(
    js_name = "setTraceHook",
    ts_args_type = "hook: ((target: string, message: string) => void) | null"
)]
pub fn set_trace_hook(hook: Option<TraceFn>) {
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(JsTraces);
    });
    let on = hook.is_some();
    if let Ok(mut h) = HOOK.lock() {
        *h = hook;
    }
    ENABLED.store(on, Ordering::Relaxed);
    tracing_core::callsite::rebuild_interest_cache();
}
