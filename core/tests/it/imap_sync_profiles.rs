//! `sync` on the three capability profiles of the same Dovecot (devserver/README.md): the main
//! address (QRESYNC), the gmail-like one (CONDSTORE and ESEARCH, no QRESYNC) and the bare one
//! (IMAP4rev1 only). The same scenario gives the same answers on each; the bytes on the wire
//! (recorded by a transparent relay in front of the real server) show that each profile's
//! client sent only what that profile advertises (Dovecot itself would accept more).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::*;
use mailwire::imap::{Flag, SyncMode, SyncResult, SyncState, UidSet};
use mailwire::ImapClient;

struct Profile {
    name: &'static str,
    /// The env var of the profile's address; `None` for the main one.
    host_var: Option<&'static str>,
    mode: SyncMode,
    /// Words the client must never send there.
    never: &'static [&'static str],
    /// Words the client must send there.
    uses: &'static [&'static str],
}

const QRESYNC: Profile = Profile {
    name: "qresync (main)",
    host_var: None,
    mode: SyncMode::Qresync,
    never: &["CHANGEDSINCE"],
    uses: &["ENABLE QRESYNC", "(QRESYNC ("],
};

const GMAIL_LIKE: Profile = Profile {
    name: "gmail-like",
    host_var: Some("MAILWIRE_GMAILLIKE_HOST"),
    mode: SyncMode::Condstore,
    never: &["QRESYNC"],
    uses: &["ENABLE CONDSTORE", "RETURN (ALL) ALL", "(CHANGEDSINCE "],
};

const BARE: Profile = Profile {
    name: "bare",
    host_var: Some("MAILWIRE_BARE_HOST"),
    mode: SyncMode::Basic,
    never: &[
        "QRESYNC",
        "CONDSTORE",
        "CHANGEDSINCE",
        "MODSEQ",
        "RETURN",
        "ENABLE",
    ],
    uses: &["UID FETCH 1:* (FLAGS)"],
};

fn profile_host(p: &Profile) -> String {
    p.host_var.map_or_else(host, var)
}

fn profile_config(p: &Profile, user: &str) -> mailwire::ImapConfig {
    let mut c = imap_config(user);
    c.host = profile_host(p);
    c
}

/// A transparent TCP relay on loopback in front of `target`: what the client sends is kept,
/// what the server sends is counted. A recorder, not a scripted peer: every answer is the
/// real server's.
struct Wire {
    port: u16,
    sent: Arc<Mutex<Vec<u8>>>,
    received: Arc<AtomicU64>,
}

impl Wire {
    async fn relay(target: (String, u16)) -> Wire {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let received = Arc::new(AtomicU64::new(0));
        let (s, r) = (sent.clone(), received.clone());
        tokio::spawn(async move {
            let (client, _) = listener.accept().await.unwrap();
            let server = tokio::net::TcpStream::connect(target).await.unwrap();
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = server.into_split();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = cr.read(&mut buf).await {
                    s.lock().unwrap().extend_from_slice(&buf[..n]);
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n @ 1..) = sr.read(&mut buf).await {
                r.fetch_add(n as u64, Ordering::SeqCst);
                if cw.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
        Wire {
            port,
            sent,
            received,
        }
    }

    /// Bytes sent and received so far.
    fn mark(&self) -> (usize, u64) {
        (
            self.sent.lock().unwrap().len(),
            self.received.load(Ordering::SeqCst),
        )
    }

    /// The command lines sent since `from` (a [`Wire::mark`]; LOGIN's arguments left out),
    /// and the bytes received.
    fn since(&self, from: (usize, u64)) -> (Vec<String>, u64) {
        let sent = self.sent.lock().unwrap();
        let lines = String::from_utf8_lossy(&sent[from.0..])
            .lines()
            .map(|l| match l.split_once(' ') {
                Some((tag, rest)) if rest.starts_with("LOGIN ") => format!("{tag} LOGIN …"),
                _ => l.to_string(),
            })
            .collect();
        (lines, self.received.load(Ordering::SeqCst) - from.1)
    }
}

fn uids(r: &SyncResult) -> Vec<u32> {
    r.changed.iter().map(|c| c.uid).collect()
}

async fn append(c: &ImapClient, mb: &str, subject: &str, flags: &[Flag]) -> u32 {
    c.append(mb, &simple_message("a@x", "b@y", subject, "x"), flags, None)
        .await
        .unwrap()
        .expect("APPENDUID")
}

/// Initial sync; another client adds 2 messages, changes the flags of 1 and expunges 1; the
/// next sync reports exactly that; nothing more the time after; a recreated mailbox (new
/// UIDVALIDITY) is a full resync.
async fn scenario(p: &Profile, user: &str) {
    // The phone speaks through the recorder, in plaintext on loopback so that its commands
    // can be read (LOGIN included: only the relay sees it).
    let wire = Wire::relay((profile_host(p), port("MAILWIRE_IMAP_PORT"))).await;
    let mut config = imap_config_on_plain_port(user, mailwire::Security::Plain);
    config.host = "127.0.0.1".into();
    config.port = wire.port;
    let phone = ImapClient::connect(config).await.unwrap();
    let other = imap(user).await;
    let mb = unique("Profile");
    other.create_mailbox(&mb).await.unwrap();
    let mut old = Vec::new();
    for (i, flags) in [vec![], vec![Flag::Seen], vec![], vec![Flag::Seen]]
        .into_iter()
        .enumerate()
    {
        old.push(append(&other, &mb, &format!("old{i}"), &flags).await);
    }

    let mark = wire.mark();
    let first = phone.sync(&mb, None).await.unwrap();
    let first_cmds = wire.since(mark);
    assert!(first.full_resync, "{}: {first:?}", p.name);
    assert_eq!(first.new, old, "{}", p.name);
    assert!(first.changed.is_empty() && first.vanished.is_empty());
    assert_eq!(first.state.mode(), p.mode, "{}", p.name);
    // The state goes through a string, as an app stores it.
    let stored = first.state.to_string();
    assert!(stored.starts_with(&format!("v2:{}:", p.mode)), "{stored}");
    let state: SyncState = stored.parse().unwrap();

    // Another device: two new messages, new flags on one, one expunged.
    let added = vec![
        append(&other, &mb, "new0", &[]).await,
        append(&other, &mb, "new1", &[Flag::Seen]).await,
    ];
    other
        .add_flags(
            &mb,
            old[1],
            &[Flag::Flagged, Flag::Keyword("$Later".into())],
        )
        .await
        .unwrap();
    other.delete_messages(&mb, old[2]).await.unwrap();

    let mark = wire.mark();
    let second = phone.sync(&mb, Some(state)).await.unwrap();
    let second_cmds = wire.since(mark);
    assert!(!second.full_resync, "{}: {second:?}", p.name);
    assert_eq!(second.new, added, "{}", p.name);
    assert_eq!(uids(&second), vec![old[1]], "{}: {second:?}", p.name);
    let flags = &second.changed[0].flags;
    for f in [Flag::Seen, Flag::Flagged, Flag::Keyword("$Later".into())] {
        assert!(flags.contains(&f), "{}: {f} missing from {flags:?}", p.name);
    }
    assert_eq!(
        second.changed[0].modseq.is_some(),
        p.mode != SyncMode::Basic
    );
    assert_eq!(second.vanished, UidSet::from(old[2]), "{}", p.name);
    assert_eq!(second.state.mode(), p.mode);

    let mark = wire.mark();
    let third = phone.sync(&mb, Some(second.state.clone())).await.unwrap();
    let third_cmds = wire.since(mark);
    assert!(
        !third.full_resync
            && third.new.is_empty()
            && third.changed.is_empty()
            && third.vanished.is_empty(),
        "{}: {third:?}",
        p.name
    );

    // The mailbox is deleted and created again: a new UIDVALIDITY, a full resync.
    other.delete_mailbox(&mb).await.unwrap();
    other.create_mailbox(&mb).await.unwrap();
    let again = append(&other, &mb, "again", &[]).await;
    let status = other.mailbox_status(&mb).await.unwrap();
    assert_ne!(status.uid_validity, third.state.uid_validity);
    let stale = third.state.to_string();
    let fourth = phone.sync(&mb, Some(stale.parse().unwrap())).await.unwrap();
    assert!(fourth.full_resync, "{}: {fourth:?}", p.name);
    assert_eq!(fourth.new, vec![again]);
    assert!(fourth.changed.is_empty() && fourth.vanished.is_empty());
    assert_eq!(fourth.state.uid_validity, status.uid_validity);

    // Only what the profile advertises went over the wire.
    let (sent, _) = wire.since((0, 0));
    for word in p.never {
        let bad: Vec<&String> = sent.iter().filter(|c| c.contains(word)).collect();
        assert!(bad.is_empty(), "{}: sent {word}: {bad:?}", p.name);
    }
    for word in p.uses {
        assert!(
            sent.iter().any(|c| c.contains(word)),
            "{}: never sent {word}: {sent:?}",
            p.name
        );
    }
    other.delete_mailbox(&mb).await.unwrap();
    // For the side-by-side table of docs/SYNC.md (shown with --nocapture): the commands of
    // each sync and the bytes the server sent for it.
    eprintln!(
        "sync profile {}: first {:?}; second {:?} -> new {:?} changed {:?} vanished {} state {} bytes; unchanged {:?}",
        p.name,
        first_cmds,
        second_cmds,
        second.new,
        uids(&second),
        second.vanished,
        second.state.to_string().len(),
        third_cmds,
    );
}

// conformance: imap.sync.profiles
#[tokio::test]
async fn sync_on_a_qresync_server() {
    scenario(&QRESYNC, "t49").await;
}

// conformance: imap.sync.profiles
#[tokio::test]
async fn sync_on_a_gmail_like_server_without_qresync() {
    scenario(&GMAIL_LIKE, "t49").await;
}

// conformance: imap.sync.profiles
#[tokio::test]
async fn sync_on_a_bare_imap4rev1_server() {
    scenario(&BARE, "t49").await;
}

/// A state carries on when the server's capabilities change (a provider turning QRESYNC off,
/// an account moved), and a `v1` state from an older mailwire is still read: never a full
/// resync while UIDVALIDITY holds.
// conformance: imap.sync.profiles
#[tokio::test]
async fn a_state_carries_on_across_profiles() {
    let user = "t49";
    let main = imap(user).await;
    let gmail = ImapClient::connect(profile_config(&GMAIL_LIKE, user))
        .await
        .unwrap();
    let bare = ImapClient::connect(profile_config(&BARE, user))
        .await
        .unwrap();
    let mb = unique("Carry");
    main.create_mailbox(&mb).await.unwrap();
    let a = append(&main, &mb, "a", &[]).await;
    let b = append(&main, &mb, "b", &[]).await;
    let c = append(&main, &mb, "c", &[]).await;

    // QRESYNC state (no known UIDs) on the bare server: what is missing below its UIDNEXT
    // is vanished, and with no flag record every message known is reported.
    let q = main.sync(&mb, None).await.unwrap().state;
    main.delete_messages(&mb, b).await.unwrap();
    let r = bare.sync(&mb, Some(q.clone())).await.unwrap();
    assert!(!r.full_resync);
    assert_eq!(r.vanished, UidSet::from(b));
    assert_eq!(uids(&r), vec![a, c]);
    assert_eq!(r.state.mode(), SyncMode::Basic);

    // The basic state back on the main server: exact, and QRESYNC from then on.
    main.add_flags(&mb, c, &[Flag::Seen]).await.unwrap();
    let d = append(&main, &mb, "d", &[]).await;
    let r = main.sync(&mb, Some(r.state)).await.unwrap();
    assert!(!r.full_resync);
    assert_eq!((r.new.clone(), uids(&r)), (vec![d], vec![c]));
    assert!(r.vanished.is_empty());
    assert_eq!(r.state.mode(), SyncMode::Qresync);

    // A v1 string from an older mailwire, on the gmail-like server.
    let v1 = format!(
        "v1:{}:{}:{}",
        r.state.uid_validity, r.state.highest_modseq, r.state.uid_next
    );
    main.delete_messages(&mb, a).await.unwrap();
    let r = gmail.sync(&mb, Some(v1.parse().unwrap())).await.unwrap();
    assert!(!r.full_resync);
    assert!(r.new.is_empty() && r.changed.is_empty());
    assert!(r.vanished.contains(a) && !r.vanished.contains(c) && !r.vanished.contains(d));
    assert_eq!(r.state.mode(), SyncMode::Condstore);
    assert_eq!(
        r.state.known_uids(),
        Some(&UidSet::from(vec![c, d])),
        "the condstore state knows the UIDs"
    );
    main.delete_mailbox(&mb).await.unwrap();
}

/// Bytes no real server sends: an ESEARCH answer claiming every UID there is, in a mailbox
/// of 3 messages. The range is never expanded: the sync fails at once with `Protocol`.
#[tokio::test]
async fn a_server_listing_more_uids_than_messages_is_a_protocol_error() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"* OK hostile\r\n").await.unwrap();
        while let Ok(Some(line)) = lines.next_line().await {
            let (tag, cmd) = line.split_once(' ').unwrap_or((&line, ""));
            let verb = cmd
                .split(' ')
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase();
            let data = match verb.as_str() {
                v if v.starts_with("CAPABILITY") => {
                    "* CAPABILITY IMAP4rev1 CONDSTORE ESEARCH\r\n".to_string()
                }
                v if v.starts_with("SELECT") => "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n\
                     * OK [UIDNEXT 4] n\r\n* OK [HIGHESTMODSEQ 9] m\r\n"
                    .to_string(),
                "UID SEARCH" => format!("* ESEARCH (TAG \"{tag}\") UID ALL 1:4294967295\r\n"),
                _ => String::new(),
            };
            let reply = format!("{data}{tag} OK done\r\n");
            if w.write_all(reply.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let mut cfg = imap_config("t49").port(port).allow_plaintext_auth(true);
    cfg.host = "127.0.0.1".into();
    cfg.security = mailwire::Security::Plain;
    let c = ImapClient::connect(cfg).await.unwrap();
    let err = c.sync("INBOX", None).await.unwrap_err();
    assert_eq!(err.kind(), mailwire::ErrorKind::Protocol, "{err}");
    assert!(err.to_string().contains("4294967295 UIDs"), "{err}");
    peer.abort();
}
