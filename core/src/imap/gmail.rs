//! Gmail's IMAP extensions (`X-GM-EXT-1`): labels. The message and thread ids and the labels
//! of each message come with every summary on such servers ([`MessageSummary`]), and
//! [`SearchQuery::GmailRaw`] searches with Gmail's own syntax.
//!
//! [`MessageSummary`]: super::MessageSummary
//! [`SearchQuery::GmailRaw`]: super::SearchQuery::GmailRaw

use super::client::ImapClient;
use super::command::{check_keyword, Command, UidSet, MAX_SET_LEN};
use crate::error::{Error, Result};

/// The parenthesised label list: system labels (`\Inbox`, `\Important`) as atoms, the
/// others as mailbox names (modified UTF-7, quoted), as Gmail reads them.
fn label_list(cmd: Command, labels: &[String]) -> Result<Command> {
    if labels.is_empty() {
        return Err(Error::invalid_input("give at least one label"));
    }
    let mut cmd = cmd.raw("(");
    for label in labels {
        cmd = match label.strip_prefix('\\') {
            Some(system) => {
                check_keyword(system)?;
                cmd.raw(label)
            }
            None => cmd.mailbox(label)?,
        };
    }
    Ok(cmd.raw(")"))
}

impl ImapClient {
    /// Adds Gmail labels to the messages (`\Important`, `\Starred` or a user label such
    /// as `Work/2026`). Fails with `InvalidInput` when the server is not Gmail
    /// (`X-GM-EXT-1` not offered).
    pub async fn add_labels(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        labels: &[String],
    ) -> Result<()> {
        self.store_labels(mailbox, &uids.into(), "+X-GM-LABELS", labels)
            .await
    }

    /// Removes Gmail labels from the messages (see [`add_labels`](Self::add_labels)).
    pub async fn remove_labels(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        labels: &[String],
    ) -> Result<()> {
        self.store_labels(mailbox, &uids.into(), "-X-GM-LABELS", labels)
            .await
    }

    async fn store_labels(
        &self,
        mailbox: &str,
        uids: &UidSet,
        op: &str,
        labels: &[String],
    ) -> Result<()> {
        label_list(Command::new("x"), labels)?;
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        if !c.has_cap("X-GM-EXT-1") {
            return Err(Error::invalid_input(
                "labels are Gmail's: this server does not offer X-GM-EXT-1",
            ));
        }
        for chunk in uids.to_imap_chunks(MAX_SET_LEN)? {
            let cmd = label_list(Command::new("UID STORE").raw(&chunk).raw(op), labels)?;
            c.run(cmd, |_| Ok(false)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(labels: &[&str]) -> Result<String> {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        let cmd = label_list(Command::new("UID STORE 1 +X-GM-LABELS"), &labels)?;
        Ok(cmd.log)
    }

    #[test]
    fn system_labels_are_atoms_and_user_labels_quoted_mailbox_names() {
        assert_eq!(
            line(&["\\Important", "Work/2026", "Büro"]).unwrap(),
            "UID STORE 1 +X-GM-LABELS (\\Important \"Work/2026\" \"B&APw-ro\")"
        );
    }

    #[test]
    fn bad_labels_are_refused() {
        for bad in [&[][..], &["\\In box"], &["a\r\nb"], &["\\"]] {
            assert_eq!(
                line(bad).unwrap_err().kind(),
                crate::ErrorKind::InvalidInput,
                "{bad:?}"
            );
        }
    }
}
