//! Email messages: parsing received mail ([`Message`]), building new mail
//! ([`OutgoingMessage`]), addresses ([`Address`]) and attachments ([`Attachment`]).

mod address;
mod attachment;
// The IMAP module (another branch) is the main user of these helpers; drop this allow once
// it is merged.
#[allow(dead_code)]
pub(crate) mod encoding;
mod outgoing;
mod parsed;

pub use address::Address;
pub use attachment::Attachment;
pub use outgoing::OutgoingMessage;
pub use parsed::Message;
