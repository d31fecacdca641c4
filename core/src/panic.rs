//! Turning panics into text, for the boundaries that catch them.

use std::any::Any;

/// The message of a caught panic (`&str` and `String` payloads; anything else is named
/// generically).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
