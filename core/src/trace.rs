//! Forwarding mailwire's protocol traces to a host's own logging (Python's `logging`, a
//! JavaScript hook, …) without a full `tracing` subscriber stack.
//!
//! The core emits its traces as `tracing` events with targets `mailwire::imap` and
//! `mailwire::smtp`, credentials already redacted. [`forward_traces`] installs one global
//! subscriber that turns each event into a line and hands it to a sink function; it forwards
//! nothing until [`set_forwarding`]`(true)`, and while off an event costs one atomic load.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Receives one trace: the target with dots (`mailwire.imap`, `mailwire.smtp`) and the
/// line (message first, then ` name=value` for other fields).
pub type TraceSink = fn(target: &str, line: String);

/// Installs the process-wide subscriber that sends mailwire's events to `sink`. Returns
/// false (and changes nothing) when a global subscriber was already installed.
pub fn forward_traces(sink: TraceSink) -> bool {
    tracing::subscriber::set_global_default(Forwarder(sink)).is_ok()
}

/// Turns forwarding on or off (off by default).
pub fn set_forwarding(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
    tracing::callsite::rebuild_interest_cache();
}

/// An event's fields as one line, the message first.
struct Line(String);

impl Visit for Line {
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

struct Forwarder(TraceSink);

impl Subscriber for Forwarder {
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
        let mut line = Line(String::new());
        event.record(&mut line);
        (self.0)(&event.metadata().target().replace("::", "."), line.0);
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}
