//! The escape hatch for the long tail: one IMAP command written by the caller, its untagged
//! responses and tagged status handed back as text ([`ImapClient::raw_command`]).

use super::client::ImapClient;
use super::command::Command;
use crate::error::{Error, Result};

/// What the server answered to a raw command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[non_exhaustive]
pub struct RawResponse {
    /// The tagged status: `"OK"`, `"NO"` or `"BAD"`.
    pub status: String,
    /// The rest of the tagged line (a `[CODE]` first, when the server sent one).
    pub text: String,
    /// Every untagged response (`* …`) in the order received, each without its final CRLF
    /// (a literal inside one keeps its own line breaks).
    pub untagged: Vec<String>,
}

impl RawResponse {
    /// Whether the status is `OK`.
    pub fn is_ok(&self) -> bool {
        self.status == "OK"
    }
}

/// Commands a raw command may not be: they change the connection's state or framing in
/// ways the client must manage itself.
const REFUSED: &[&str] = &[
    "IDLE",
    "AUTHENTICATE",
    "LOGIN",
    "LOGOUT",
    "STARTTLS",
    "COMPRESS",
    "APPEND",
    "NOTIFY",
];

/// Commands after which the client no longer knows what is selected.
const SELECTION_CHANGING: &[&str] = &["SELECT", "EXAMINE", "CLOSE", "UNSELECT"];

/// The command's first word, upper case, once `command` is known to be sendable.
fn check(command: &str) -> Result<String> {
    let verb = command
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if command.trim().is_empty() {
        return Err(Error::invalid_input("a raw command cannot be empty"));
    }
    if command.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Error::invalid_input(
            "a raw command is one line: CR, LF and NUL are refused",
        ));
    }
    if ends_with_literal(command) {
        return Err(Error::invalid_input(
            "a raw command cannot announce a literal ({n}): it could not send its data",
        ));
    }
    if REFUSED.contains(&verb.as_str()) {
        return Err(Error::invalid_input(format!(
            "{verb} cannot be sent as a raw command: use the client's own method for it"
        )));
    }
    Ok(verb)
}

/// Whether `s` ends with a literal announcement (`{12}` or `{12+}`).
fn ends_with_literal(s: &str) -> bool {
    let Some(inner) = s.strip_suffix('}') else {
        return false;
    };
    let Some(open) = inner.rfind('{') else {
        return false;
    };
    let n = inner[open + 1..]
        .strip_suffix('+')
        .unwrap_or(&inner[open + 1..]);
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

impl ImapClient {
    /// Sends `command` (without tag or CRLF, e.g. `"GETQUOTAROOT INBOX"`) as it is, with
    /// `mailbox` selected first when given, and returns the server's answer uninterpreted:
    /// a `NO` or `BAD` is in [`RawResponse::status`], not an error. For what the client has
    /// no method for; quote arguments yourself.
    ///
    /// Refused with `InvalidInput`: CR, LF or NUL; a literal; and commands that would take
    /// the connection out of the client's hands (IDLE, AUTHENTICATE, LOGIN, LOGOUT,
    /// STARTTLS, COMPRESS, APPEND, NOTIFY). After SELECT, EXAMINE, CLOSE or UNSELECT the
    /// client selects again before its next mailbox call. Untagged responses are returned,
    /// not reported as mailbox events.
    pub async fn raw_command(&self, mailbox: Option<&str>, command: &str) -> Result<RawResponse> {
        let verb = check(command)?;
        let mut s = match mailbox {
            Some(m) => self.selected(m).await?,
            None => self.session().await?,
        };
        let c = s.conn()?;
        if SELECTION_CHANGING.contains(&verb.as_str()) {
            c.selected = None;
        }
        c.run_raw(&Command::new(command)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_plain_line_passes_and_its_verb_is_returned() {
        assert_eq!(check("getquotaroot INBOX").unwrap(), "GETQUOTAROOT");
        assert_eq!(
            check("UID SEARCH X-GM-RAW \"has:attachment\"").unwrap(),
            "UID"
        );
        assert_eq!(check("ID NIL").unwrap(), "ID");
    }

    #[test]
    fn line_breaks_literals_and_state_changing_commands_are_refused() {
        for bad in [
            "",
            "  ",
            "NOOP\r\nA2 LOGOUT",
            "NOOP\n",
            "NOOP\0",
            "SEARCH TEXT {5}",
            "SEARCH TEXT {5+}",
            "idle",
            "LOGOUT",
            "AUTHENTICATE PLAIN",
            "STARTTLS",
            "COMPRESS DEFLATE",
            "APPEND INBOX (\\Seen) {10}",
            "APPEND INBOX x",
        ] {
            let e = check(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
        }
        // Braces that are not a literal announcement pass.
        assert!(check("SEARCH SUBJECT \"{x}\"").is_ok());
        assert!(check("SEARCH SUBJECT {}").is_ok());
    }
}
