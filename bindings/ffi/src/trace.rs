//! Protocol traces: the core's trace lines ([`mailwire::trace`]; credentials already
//! redacted) handed to a listener set with `setTraceListener`. While none is set an event
//! costs one atomic load.

use std::sync::{Arc, Once, RwLock};

/// Receives mailwire's protocol traces: the commands sent (`C: A3 SELECT "INBOX"`), the
/// replies (`S: 250 2.0.0 Ok`), connects and reconnects. Passwords, tokens and AUTH payloads
/// appear as `<redacted>`. Called on a background thread, synchronously with the protocol
/// work: keep it quick, and call no mailwire client from it.
#[uniffi::export(with_foreign)]
pub trait TraceListener: Send + Sync {
    /// One line; `target` is `mailwire.imap` or `mailwire.smtp`.
    fn on_trace(&self, target: String, line: String);
}

static LISTENER: RwLock<Option<Arc<dyn TraceListener>>> = RwLock::new(None);
static INSTALL: Once = Once::new();

/// Hands one trace line to the listener, if one is set; a listener that fails is ignored.
fn to_listener(target: &str, line: String) {
    let listener = LISTENER.read().ok().and_then(|l| l.clone());
    if let Some(l) = listener {
        let _ = mailwire::panic::catch(|| l.on_trace(target.to_string(), line));
    }
}

/// Sends protocol traces of every client in this process to `listener`, or stops them with
/// null (the default).
#[uniffi::export]
pub fn set_trace_listener(listener: Option<Arc<dyn TraceListener>>) {
    INSTALL.call_once(|| {
        mailwire::trace::forward_traces(to_listener);
    });
    let on = listener.is_some();
    if let Ok(mut l) = LISTENER.write() {
        *l = listener;
    }
    mailwire::trace::set_forwarding(on);
}
