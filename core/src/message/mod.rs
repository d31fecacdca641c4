//! TEMP
mod address;
pub(crate) mod encoding;
pub use address::Address;
/// temp
#[derive(Debug)]
pub struct Message;
impl Message {
    /// temp
    pub fn parse(_b: &[u8]) -> crate::Result<Message> { Ok(Message) }
}
