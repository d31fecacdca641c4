//! Email messages: parsing received mail ([`Message`]), building new mail
//! ([`OutgoingMessage`]), addresses ([`Address`]) and attachments ([`Attachment`]).

pub(crate) mod address;
mod attachment;
pub(crate) mod encoding;
mod envelope;
pub(crate) mod headers;
mod outgoing;
mod parsed;

pub use address::Address;
pub use attachment::Attachment;
pub use envelope::RawEnvelope;
pub use outgoing::OutgoingMessage;
pub use parsed::Message;
