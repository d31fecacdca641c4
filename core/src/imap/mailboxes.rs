//! Listing and managing mailboxes.

use imap_proto::{MailboxDatum, Response};

use super::client::ImapClient;
use super::command::{check_mailbox_name, Command};
use super::parse;
use super::types::{Mailbox, MailboxStatus};
use crate::error::{Error, ErrorKind, Result};

impl ImapClient {
    /// Lists every mailbox with its special-use role and subscription.
    pub async fn list_mailboxes(&self) -> Result<Vec<Mailbox>> {
        let mut s = self.session().await?;
        let c = s.conn()?;
        let mut out: Vec<Mailbox> = Vec::new();
        let extended = c.has_cap("LIST-EXTENDED");
        let mut cmd = Command::new("LIST").raw("\"\"").raw("\"*\"");
        if extended {
            let ret = if c.has_cap("SPECIAL-USE") {
                "RETURN (SUBSCRIBED SPECIAL-USE)"
            } else {
                "RETURN (SUBSCRIBED)"
            };
            cmd = cmd.raw(ret);
        }
        c.run(cmd, |r| {
            if let Response::MailboxData(MailboxDatum::List(l)) = r {
                out.push(parse::mailbox(l));
                return Ok(true);
            }
            Ok(false)
        })
        .await?;
        // A subscription to a mailbox that does not exist is not a mailbox.
        out.retain(|m| {
            !m.attributes
                .iter()
                .any(|a| a.eq_ignore_ascii_case("\\NonExistent"))
        });
        if !extended {
            let mut subscribed = std::collections::HashSet::new();
            c.run(Command::new("LSUB").raw("\"\"").raw("\"*\""), |r| {
                if let Response::MailboxData(MailboxDatum::List(l)) = r {
                    subscribed.insert(parse::mailbox(l).name);
                    return Ok(true);
                }
                Ok(false)
            })
            .await?;
            for m in &mut out {
                m.subscribed = subscribed.contains(&m.name);
            }
        }
        Ok(out)
    }

    /// Counters of a mailbox (messages, unseen, recent, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ),
    /// without selecting it.
    pub async fn mailbox_status(&self, name: &str) -> Result<MailboxStatus> {
        check_mailbox_name(name)?;
        let mut s = self.session().await?;
        let c = s.conn()?;
        let items = if c.has_cap("CONDSTORE") {
            "(MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY HIGHESTMODSEQ)"
        } else {
            "(MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY)"
        };
        let mut status = None;
        c.run(Command::new("STATUS").mailbox(name)?.raw(items), |r| {
            if let Response::MailboxData(MailboxDatum::Status { status: attrs, .. }) = r {
                status = Some(parse::status(attrs));
                return Ok(true);
            }
            Ok(false)
        })
        .await
        .map_err(|e| not_found_as(e, name))?;
        status.ok_or_else(|| Error::protocol(format!("the server sent no STATUS for {name:?}")))
    }

    /// Creates a mailbox. Fails with `AlreadyExists` when it exists.
    pub async fn create_mailbox(&self, name: &str) -> Result<()> {
        check_mailbox_name(name)?;
        let mut s = self.session().await?;
        let r = s
            .conn()?
            .run(Command::new("CREATE").mailbox(name)?, |_| Ok(false))
            .await;
        match r {
            Ok(_) => Ok(()),
            // Servers without [ALREADYEXISTS] only say NO: check whether it exists now.
            Err(e) if e.kind() == ErrorKind::Rejected && e.response_code().is_none() => {
                drop(s);
                if self.mailbox_status(name).await.is_ok() {
                    Err(Error::new(
                        ErrorKind::AlreadyExists,
                        format!("mailbox {name:?} already exists"),
                    ))
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Renames a mailbox (and its children).
    pub async fn rename_mailbox(&self, from: &str, to: &str) -> Result<()> {
        check_mailbox_name(from)?;
        check_mailbox_name(to)?;
        let mut s = self.session().await?;
        let c = s.conn()?;
        c.unselect_if(from).await?;
        c.run(Command::new("RENAME").mailbox(from)?.mailbox(to)?, |_| {
            Ok(false)
        })
        .await
        .map_err(|e| not_found_as(e, from))?;
        Ok(())
    }

    /// Deletes a mailbox and its messages.
    pub async fn delete_mailbox(&self, name: &str) -> Result<()> {
        check_mailbox_name(name)?;
        let mut s = self.session().await?;
        let c = s.conn()?;
        c.unselect_if(name).await?;
        c.run(Command::new("DELETE").mailbox(name)?, |_| Ok(false))
            .await
            .map_err(|e| not_found_as(e, name))?;
        Ok(())
    }

    /// Subscribes to a mailbox.
    pub async fn subscribe(&self, name: &str) -> Result<()> {
        check_mailbox_name(name)?;
        let mut s = self.session().await?;
        s.conn()?
            .run(Command::new("SUBSCRIBE").mailbox(name)?, |_| Ok(false))
            .await?;
        Ok(())
    }

    /// Unsubscribes from a mailbox.
    pub async fn unsubscribe(&self, name: &str) -> Result<()> {
        check_mailbox_name(name)?;
        let mut s = self.session().await?;
        s.conn()?
            .run(Command::new("UNSUBSCRIBE").mailbox(name)?, |_| Ok(false))
            .await?;
        Ok(())
    }
}

/// Names the mailbox in a NotFound error.
///
/// Servers do not always send `[NONEXISTENT]` (Dovecot omits it on SELECT and STATUS), so a
/// codeless NO whose text says the mailbox does not exist counts as NotFound too.
pub(crate) fn not_found_as(e: Error, name: &str) -> Error {
    let says_missing = e.kind() == ErrorKind::Rejected && e.response_code().is_none() && {
        let t = e.server_text().unwrap_or_default().to_ascii_lowercase();
        t.contains("doesn't exist") || t.contains("does not exist") || t.contains("not found")
    };
    if e.kind() == ErrorKind::NotFound || says_missing {
        let text = e.server_text().unwrap_or_default().to_string();
        Error::new(
            ErrorKind::NotFound,
            format!("mailbox {name:?} does not exist"),
        )
        .with_server_text(text)
        .with_response_code(e.response_code().unwrap_or("NONEXISTENT"))
    } else {
        e
    }
}
