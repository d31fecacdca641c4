//! Searching, reading, flagging, copying, moving, deleting and appending messages.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode, Status};
use tokio::io::AsyncWriteExt;

use super::client::{ImapClient, Session};
use super::command::{check_keyword, Command, UidSet, MAX_SET_LEN};
use super::connection::Connection;
use super::mailboxes::not_found_as;
use super::parse;
use super::search::SearchQuery;
use super::types::{Flag, UidMap};
use crate::error::{Error, ErrorKind, Result};
use crate::message::encoding::TransferDecoder;
use crate::message::Message;

pub use crate::progress::Progress;

/// The size of each piece `save_attachment` fetches.
const CHUNK: u32 = 4 * 1024 * 1024;

fn flag_list(flags: &[Flag]) -> Result<String> {
    let mut parts = Vec::with_capacity(flags.len());
    for f in flags {
        match f {
            Flag::Recent => return Err(Error::invalid_input("\\Recent cannot be set by a client")),
            Flag::Keyword(k) => {
                check_keyword(k)?;
                parts.push(k.as_str());
            }
            other => parts.push(other.as_imap()),
        }
    }
    Ok(format!("({})", parts.join(" ")))
}

fn not_found_message(mailbox: &str, uid: u32) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("message UID {uid} not found in {mailbox:?}"),
    )
}

impl ImapClient {
    /// Takes the connection and selects `mailbox`.
    pub(crate) async fn selected(&self, mailbox: &str) -> Result<Session> {
        let mut s = self.session().await?;
        s.conn()?
            .select(mailbox)
            .await
            .map_err(|e| not_found_as(e, mailbox))?;
        Ok(s)
    }

    /// Searches `mailbox`; returns matching UIDs in ascending order.
    pub async fn search(&self, mailbox: &str, query: &SearchQuery) -> Result<Vec<u32>> {
        let probe = query.write(Command::new("UID SEARCH"))?;
        let cmd = if probe.has_literal() {
            query.write(Command::new("UID SEARCH CHARSET UTF-8"))?
        } else {
            probe
        };
        let mut s = self.selected(mailbox).await?;
        let mut uids = Vec::new();
        s.conn()?
            .run(cmd, |r| {
                if let Response::MailboxData(MailboxDatum::Search(list)) = r {
                    uids.extend_from_slice(list);
                    return Ok(true);
                }
                Ok(false)
            })
            .await?;
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// The whole message source, without setting `\Seen`.
    pub async fn fetch_raw(&self, mailbox: &str, uid: u32) -> Result<Vec<u8>> {
        let mut s = self.selected(mailbox).await?;
        let got = fetch_one(s.conn()?, uid, "BODY.PEEK[]", None).await?;
        got.found(mailbox, uid)?;
        Ok(got.body.unwrap_or_default())
    }

    /// Bytes `offset .. offset + len` of the raw message (`part = None`) or of one part, as
    /// stored (not transfer-decoded). Shorter at the end of the data; empty past it.
    pub async fn fetch_range(
        &self,
        mailbox: &str,
        uid: u32,
        part: Option<&str>,
        offset: u32,
        len: u32,
    ) -> Result<Vec<u8>> {
        if let Some(p) = part {
            check_part(p)?;
        }
        let items = format!("BODY.PEEK[{}]<{offset}.{len}>", part.unwrap_or(""));
        let mut s = self.selected(mailbox).await?;
        let got = fetch_one(s.conn()?, uid, &items, None).await?;
        got.found(mailbox, uid)?;
        Ok(got.body.unwrap_or_default())
    }

    /// The message, downloaded and parsed (text, HTML, attachments, decoded headers).
    pub async fn fetch_message(&self, mailbox: &str, uid: u32) -> Result<Message> {
        let raw = self.fetch_raw(mailbox, uid).await?;
        Message::parse(&raw)
    }

    /// One MIME part (`"2"`, `"1.3"`, as in [`AttachmentInfo::part`](super::AttachmentInfo)),
    /// transfer-decoded (base64 and quoted-printable undone).
    pub async fn download(&self, mailbox: &str, uid: u32, part: &str) -> Result<Vec<u8>> {
        check_part(part)?;
        let mut s = self.selected(mailbox).await?;
        let items = format!("BODYSTRUCTURE BODY.PEEK[{part}]");
        let got = fetch_one(s.conn()?, uid, &items, Some(part)).await?;
        let (encoding, _) = got.part_info(mailbox, uid, part)?;
        let raw = got.body.unwrap_or_default();
        let mut decoder = TransferDecoder::new(&encoding);
        let mut out = Vec::with_capacity(raw.len());
        decoder.push(&raw, &mut out);
        decoder.finish(&mut out);
        Ok(out)
    }

    /// Streams one part to `path`, transfer-decoded, fetching it in pieces so memory stays
    /// bounded whatever the size. Returns the number of bytes written. `progress` gets the
    /// encoded bytes fetched so far and the part's encoded size.
    ///
    /// The file is written under a temporary name and renamed when complete; on error
    /// nothing is left at `path`.
    pub async fn save_attachment(
        &self,
        mailbox: &str,
        uid: u32,
        part: &str,
        path: impl AsRef<Path>,
        progress: Option<Progress>,
    ) -> Result<u64> {
        check_part(part)?;
        let path = path.as_ref();
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        let (encoding, octets) = fetch_one(c, uid, "BODYSTRUCTURE", Some(part))
            .await?
            .part_info(mailbox, uid, part)?;
        let tmp = path.with_extension(match path.extension() {
            Some(e) => format!("{}.part", e.to_string_lossy()),
            None => "part".to_string(),
        });
        let write_err = |e: std::io::Error| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("cannot write {}", path.display()),
            )
            .with_source(e)
        };
        let mut file = tokio::fs::File::create(&tmp).await.map_err(write_err)?;
        let result = async {
            let mut decoder = TransferDecoder::new(&encoding);
            let mut out = Vec::new();
            let mut offset: u32 = 0;
            let mut written: u64 = 0;
            loop {
                let items = format!("BODY.PEEK[{part}]<{offset}.{CHUNK}>");
                let chunk = fetch_one(c, uid, &items, None)
                    .await?
                    .body
                    .unwrap_or_default();
                // The server decides neither the piece size nor the total: more than asked
                // for, or well past the size BODYSTRUCTURE declared, is not the part.
                if chunk.len() > CHUNK as usize
                    || u64::from(offset) + chunk.len() as u64 > part_limit(octets)
                {
                    return Err(Error::protocol(format!(
                        "the IMAP server sent more of part {part} than the {octets} bytes its \
                         BODYSTRUCTURE declared"
                    )));
                }
                out.clear();
                decoder.push(&chunk, &mut out);
                file.write_all(&out).await.map_err(write_err)?;
                written += out.len() as u64;
                offset = offset.saturating_add(chunk.len() as u32);
                if let Some(p) = &progress {
                    p(u64::from(offset), Some(u64::from(octets)));
                }
                if chunk.len() < CHUNK as usize {
                    break;
                }
            }
            out.clear();
            decoder.finish(&mut out);
            file.write_all(&out).await.map_err(write_err)?;
            written += out.len() as u64;
            file.flush().await.map_err(write_err)?;
            file.sync_all().await.map_err(write_err)?;
            Ok::<u64, Error>(written)
        }
        .await;
        match result {
            Ok(n) => {
                tokio::fs::rename(&tmp, path).await.map_err(write_err)?;
                Ok(n)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }

    async fn store(&self, mailbox: &str, uids: &UidSet, op: &str, flags: &[Flag]) -> Result<()> {
        let list = flag_list(flags)?;
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        for chunk in uids.to_imap_chunks(MAX_SET_LEN)? {
            let cmd = Command::new("UID STORE").raw(&chunk).raw(op).raw(&list);
            c.run(cmd, |_| Ok(false)).await?;
        }
        Ok(())
    }

    /// Adds flags or keywords to the messages.
    pub async fn add_flags(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        flags: &[Flag],
    ) -> Result<()> {
        self.store(mailbox, &uids.into(), "+FLAGS.SILENT", flags)
            .await
    }

    /// Removes flags or keywords from the messages.
    pub async fn remove_flags(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        flags: &[Flag],
    ) -> Result<()> {
        self.store(mailbox, &uids.into(), "-FLAGS.SILENT", flags)
            .await
    }

    /// Replaces the flags and keywords of the messages.
    pub async fn set_flags(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        flags: &[Flag],
    ) -> Result<()> {
        self.store(mailbox, &uids.into(), "FLAGS.SILENT", flags)
            .await
    }

    /// Copies messages to `dest`; returns the new UIDs (UIDPLUS).
    pub async fn copy_messages(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        dest: &str,
    ) -> Result<UidMap> {
        let uids = uids.into();
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        let mut map = UidMap::default();
        for chunk in uids.to_imap_chunks(MAX_SET_LEN)? {
            let t = c
                .run(Command::new("UID COPY").raw(&chunk).mailbox(dest)?, |_| {
                    Ok(false)
                })
                .await
                .map_err(|e| not_found_as(e, dest))?;
            if let Some(code) = &t.code {
                add_copyuid(&mut map, code, &uids, c.max_uid_pairs());
            }
        }
        Ok(map)
    }

    /// Moves messages to `dest`; returns the new UIDs. Uses MOVE, or COPY + `\Deleted` +
    /// UID EXPUNGE where the server lacks MOVE.
    pub async fn move_messages(
        &self,
        mailbox: &str,
        uids: impl Into<UidSet>,
        dest: &str,
    ) -> Result<UidMap> {
        let uids = uids.into();
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        let mut map = UidMap::default();
        let max_pairs = c.max_uid_pairs();
        if c.has_cap("MOVE") {
            for chunk in uids.to_imap_chunks(MAX_SET_LEN)? {
                let t = c
                    .run(Command::new("UID MOVE").raw(&chunk).mailbox(dest)?, |r| {
                        if let Response::Data {
                            status: Status::Ok,
                            outcome,
                        } = r
                        {
                            if let Some(code) = &outcome.code {
                                add_copyuid(&mut map, code, &uids, max_pairs);
                                return Ok(true);
                            }
                        }
                        Ok(false)
                    })
                    .await
                    .map_err(|e| not_found_as(e, dest))?;
                if let Some(code) = &t.code {
                    add_copyuid(&mut map, code, &uids, max_pairs);
                }
            }
            return Ok(map);
        }
        drop(s);
        let map = self.copy_messages(mailbox, uids.clone(), dest).await?;
        self.delete_messages(mailbox, uids).await?;
        Ok(map)
    }

    /// Deletes messages: sets `\Deleted` and expunges exactly these UIDs (UID EXPUNGE).
    /// Without UIDPLUS the server's plain EXPUNGE also removes other `\Deleted` messages.
    pub async fn delete_messages(&self, mailbox: &str, uids: impl Into<UidSet>) -> Result<()> {
        let uids = uids.into();
        self.store(mailbox, &uids, "+FLAGS.SILENT", &[Flag::Deleted])
            .await?;
        let mut s = self.selected(mailbox).await?;
        let c = s.conn()?;
        if c.has_cap("UIDPLUS") {
            for chunk in uids.to_imap_chunks(MAX_SET_LEN)? {
                c.run(Command::new("UID EXPUNGE").raw(&chunk), |_| Ok(false))
                    .await?;
            }
        } else {
            c.run(Command::new("EXPUNGE"), |_| Ok(false)).await?;
        }
        Ok(())
    }

    /// Removes every message flagged `\Deleted` from `mailbox`.
    pub async fn expunge(&self, mailbox: &str) -> Result<()> {
        let mut s = self.selected(mailbox).await?;
        s.conn()?
            .run(Command::new("EXPUNGE"), |_| Ok(false))
            .await?;
        Ok(())
    }

    /// Uploads a message; returns its UID when the server reports it (UIDPLUS).
    pub async fn append(
        &self,
        mailbox: &str,
        raw: &[u8],
        flags: &[Flag],
        date: Option<DateTime<FixedOffset>>,
    ) -> Result<Option<u32>> {
        if raw.is_empty() {
            return Err(Error::invalid_input("cannot append an empty message"));
        }
        let mut cmd = Command::new("APPEND")
            .mailbox(mailbox)?
            .raw(&flag_list(flags)?);
        if let Some(d) = date {
            cmd = cmd.raw(&format!("\"{}\"", d.format("%d-%b-%Y %H:%M:%S %z")));
        }
        cmd = cmd.literal(raw.to_vec());
        let mut s = self.session().await?;
        let t = s
            .conn()?
            .run(cmd, |_| Ok(false))
            .await
            .map_err(|e| not_found_as(e, mailbox))?;
        // One message was appended: anything but one UID is not an answer to it.
        Ok(match t.code {
            Some(ResponseCode::AppendUid(_, uids)) => {
                let set = parse::uid_set_members(&uids);
                (set.count() == 1).then(|| set.ranges()[0].0)
            }
            _ => None,
        })
    }
}

/// What one `UID FETCH` of a single message returned.
struct FetchedOne {
    /// Whether the server sent the message at all.
    seen: bool,
    /// The body section, when one was asked for.
    body: Option<Vec<u8>>,
    /// `(encoding, encoded size)` of the part looked up in BODYSTRUCTURE.
    part: Option<(String, u32)>,
}

impl FetchedOne {
    fn found(&self, mailbox: &str, uid: u32) -> Result<()> {
        if self.seen {
            Ok(())
        } else {
            Err(not_found_message(mailbox, uid))
        }
    }

    fn part_info(&self, mailbox: &str, uid: u32, part: &str) -> Result<(String, u32)> {
        self.found(mailbox, uid)?;
        self.part.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("message UID {uid} has no part {part}"),
            )
        })
    }
}

/// Runs `UID FETCH uid (UID <items>)` on the selected mailbox; looks `part` up in the
/// BODYSTRUCTURE when given.
async fn fetch_one(
    c: &mut Connection,
    uid: u32,
    items: &str,
    part: Option<&str>,
) -> Result<FetchedOne> {
    let mut got = FetchedOne {
        seen: false,
        body: None,
        part: None,
    };
    let cmd = Command::new("UID FETCH")
        .raw(&uid.to_string())
        .raw(&format!("(UID {items})"));
    c.run(cmd, |r| {
        let Response::Fetch(_, attrs) = r else {
            return Ok(false);
        };
        if !attrs
            .iter()
            .any(|a| matches!(a, AttributeValue::Uid(u) if *u == uid))
        {
            return Ok(false);
        }
        got.seen = true;
        for a in attrs {
            match a {
                AttributeValue::BodySection { data, .. } => {
                    got.body = Some(data.as_deref().unwrap_or_default().to_vec())
                }
                AttributeValue::BodyStructure(b) => {
                    if let Some(p) = part {
                        got.part = parse::part_encoding(b, p);
                    }
                }
                _ => {}
            }
        }
        Ok(true)
    })
    .await?;
    Ok(got)
}

/// Adds the pairs of a COPYUID code — only when it answers what was asked: its source UIDs
/// are among `requested`, both sides have as many UIDs, and no more than `max_pairs` in
/// all. A server claiming anything else is not believed (the map stays without them, as on
/// a server without UIDPLUS), so its numbers never size an allocation.
fn add_copyuid(map: &mut UidMap, code: &ResponseCode<'_>, requested: &UidSet, max_pairs: usize) {
    if let ResponseCode::CopyUid(validity, src, dst) = code {
        let src = parse::uid_set_members(src);
        let dst = parse::uid_set_members(dst);
        let n = src.count();
        let fits = n == dst.count()
            && src.is_subset(requested)
            && (map.pairs.len() as u64).saturating_add(n) <= max_pairs as u64;
        if !fits {
            tracing::debug!(
                target: "mailwire::imap",
                "ignoring a COPYUID that does not match the request ({n} UIDs)"
            );
            return;
        }
        map.uid_validity = Some(*validity);
        map.pairs.extend(src.iter().zip(dst.iter()));
    }
}

/// The most `save_attachment` accepts of a part whose BODYSTRUCTURE size is `octets`: the
/// size plus 1/64 and 64 KiB of slack, for servers that count line ends loosely.
fn part_limit(octets: u32) -> u64 {
    let octets = u64::from(octets);
    octets + octets / 64 + 64 * 1024
}

/// A part number is digits joined by dots (`1`, `2.1`).
fn check_part(part: &str) -> Result<()> {
    let ok = !part.is_empty()
        && part
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "{part:?} is not a MIME part number like \"2\" or \"1.3\""
        )))
    }
}
