//! Messages: parse received mail, compose new mail, reply and forward. The records
//! (`Message`, `OutgoingMessage`, `Address`, `Attachment`, `Header`) are the core's own,
//! derived with its `uniffi` feature.

use mailwire::{Address, Message, OutgoingMessage};

use crate::error::{guard, Result};

/// Parses a raw RFC 5322 message (as fetched or read from an `.eml` file). Lenient; fails
/// with `InvalidInput` only when the input has no header at all.
#[uniffi::export]
pub fn parse_message(data: Vec<u8>) -> Result<Message> {
    guard(|| Ok(Message::parse(&data)?))
}

/// Parses `jane@example.com` or `Jane Doe <jane@example.com>`; `InvalidInput` otherwise.
#[uniffi::export]
pub fn parse_address(text: String) -> Result<Address> {
    guard(|| Ok(Address::parse(&text)?))
}

/// Serialises a message to RFC 5322 bytes (for `append`, drafts, `.eml` files).
#[uniffi::export]
pub fn message_to_bytes(message: OutgoingMessage) -> Result<Vec<u8>> {
    guard(|| Ok(message.to_bytes()?))
}

/// A reply to `original` from `from`: addressed, `Re: ` subject, threaded, text quoted,
/// with `text` (the answer) above the quote. With `reply_all` the original To and Cc go to
/// Cc. Fails only with `Protocol`, when mailwire itself has a bug.
#[uniffi::export(default(text = None))]
pub fn reply_to_message(
    original: Message,
    reply_all: bool,
    from: Address,
    text: Option<String>,
) -> Result<OutgoingMessage> {
    guard(|| {
        Ok(above(
            OutgoingMessage::reply(&original, reply_all, from),
            text,
        ))
    })
}

/// A forward of `original` from `from` (recipients still to be set), with `text` above
/// the forwarded message. Fails only with `Protocol`, when mailwire itself has a bug.
#[uniffi::export(default(text = None))]
pub fn forward_message(
    original: Message,
    from: Address,
    text: Option<String>,
) -> Result<OutgoingMessage> {
    guard(|| Ok(above(OutgoingMessage::forward(&original, from), text)))
}

fn above(m: OutgoingMessage, text: Option<String>) -> OutgoingMessage {
    match text {
        Some(t) => m.with_text_above(&t),
        None => m,
    }
}
