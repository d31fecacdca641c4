//! Email messages: parsing received mail ([`Message`]), building new mail
//! ([`OutgoingMessage`]), addresses ([`Address`]) and attachments ([`Attachment`]).

mod address;
// The IMAP module (another branch) is the main user of these helpers; drop this allow once
// it is merged.
#[allow(dead_code)]
pub(crate) mod encoding;

pub use address::Address;
