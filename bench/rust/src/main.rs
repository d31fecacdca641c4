//! mailwire-bench: the Rust runners of bench/run.
//!
//! ```text
//! mailwire-bench seed CONFIG                   # corpus file + devserver mailboxes (cached)
//! mailwire-bench clear CONFIG ROLE             # delete every message of a user's INBOX
//! mailwire-bench wait-count CONFIG ROLE N      # wait until a user's INBOX has N messages
//! mailwire-bench mailwire SCENARIO CONFIG      # one repetition with mailwire
//! mailwire-bench raw SCENARIO CONFIG           # one repetition of the physical limit
//! ```
//!
//! A repetition prints one JSON line (see common::Probe); an unsupported scenario prints
//! `{"unsupported": ...}` and exits with 3.

mod common;
mod corpus;
mod mw;
mod raw;

use common::{emit, Config, Probe};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if args.get(1).map(String::as_str) == Some("check") {
        return; // availability probe of the driver
    }
    let r = match args.first().map(String::as_str) {
        Some("seed") => rt.block_on(seed(&Config::load(&args[1]))),
        Some("clear") => rt.block_on(clear(&Config::load(&args[1]), &args[2])),
        Some("wait-count") => rt.block_on(wait_count(
            &Config::load(&args[1]),
            &args[2],
            args[3].parse().unwrap(),
        )),
        Some("mailwire") => rt.block_on(mw::run(&args[1], &Config::load(&args[2]))),
        Some("raw") => rt.block_on(run_raw(&args[1], &Config::load(&args[2]))),
        _ => {
            eprintln!("usage: see the top of bench/rust/src/main.rs");
            std::process::exit(2);
        }
    };
    if let Err(e) = r {
        if e.to_string().starts_with("unsupported") {
            emit(json!({"unsupported": e.to_string()}));
            std::process::exit(3);
        }
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    // Do not wait for hundreds of sessions to log out.
    std::process::exit(0);
}

pub fn unsupported<T>(what: &str) -> raw::Res<T> {
    Err(format!("unsupported: {what}").into())
}

async fn seed(cfg: &Config) -> raw::Res<()> {
    let n = cfg.n("messages");
    let path = cfg.s("corpus");
    let domain = cfg.domain();
    let mail_user = cfg.user("mail");
    if std::fs::metadata(&path).is_err() || std::fs::metadata(format!("{path}.idx")).is_err() {
        eprintln!("seed: writing corpus {path} ({n} messages)");
        if let Some(dir) = std::path::Path::new(&path).parent() {
            std::fs::create_dir_all(dir)?;
        }
        corpus::write(&path, n, &domain, &mail_user)?;
    }
    let (data, ranges) = corpus::read(&path);
    let mut c = raw::Imap::login(cfg, &mail_user).await?;
    let have = raw::count(&mut c, "INBOX").await?;
    if have == n {
        eprintln!("seed: {mail_user} INBOX already has {n} messages");
    } else {
        eprintln!("seed: {mail_user} INBOX has {have}; appending {n}");
        if have > 0 {
            c.cmd("SELECT INBOX").await?;
            c.cmd("UID STORE 1:* +FLAGS.SILENT (\\Deleted)").await?;
            c.cmd("EXPUNGE").await?;
            c.cmd("CLOSE").await?;
        }
        let t = std::time::Instant::now();
        let msgs: Vec<(Vec<u8>, &'static str)> = ranges
            .iter()
            .enumerate()
            .map(|(i, &(o, l))| (data[o..o + l].to_vec(), corpus::flags(i as u64)))
            .collect();
        let mut c2 = c.append_all("INBOX", msgs).await?;
        let now = raw::count(&mut c2, "INBOX").await?;
        eprintln!(
            "seed: appended in {:.1}s; INBOX has {now}",
            t.elapsed().as_secs_f64()
        );
        if now != n {
            return Err(format!("seeding left {now} messages, wanted {n}").into());
        }
    }
    // The big-attachment mailbox: one message.
    let big_user = cfg.user("big");
    let mut c = raw::Imap::login(cfg, &big_user).await?;
    let have = raw::count(&mut c, "INBOX").await?;
    if have != 1 {
        eprintln!(
            "seed: {big_user} INBOX: appending one message with a {} MB attachment",
            cfg.n("big_mb")
        );
        if have > 0 {
            c.cmd("SELECT INBOX").await?;
            c.cmd("UID STORE 1:* +FLAGS.SILENT (\\Deleted)").await?;
            c.cmd("EXPUNGE").await?;
            c.cmd("CLOSE").await?;
        }
        let m = corpus::big_message(cfg.n("big_mb"), &domain, &big_user);
        c.append_all("INBOX", vec![(m, "()")]).await?;
    }
    Ok(())
}

async fn clear(cfg: &Config, role: &str) -> raw::Res<()> {
    let user = cfg.user(role);
    let mut c = raw::Imap::login(cfg, &user).await?;
    c.cmd("SELECT INBOX").await?;
    c.cmd("UID STORE 1:* +FLAGS.SILENT (\\Deleted)").await?;
    c.cmd("EXPUNGE").await?;
    Ok(())
}

async fn wait_count(cfg: &Config, role: &str, n: u64) -> raw::Res<()> {
    let user = cfg.user(role);
    let mut c = raw::Imap::login(cfg, &user).await?;
    let start = std::time::Instant::now();
    loop {
        let have = raw::count(&mut c, "INBOX").await?;
        if have >= n {
            return Ok(());
        }
        if start.elapsed().as_secs() > 120 {
            return Err(format!("{user} has {have} of {n} messages after 120 s").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The send scenarios' messages, the same in every runner: a 1 KB text, and for
/// `send_large` an attachment of `large_kb` KB whose byte i is (i*31+7) mod 256.
pub fn send_spec(cfg: &Config, scenario: &str) -> (usize, Option<Vec<u8>>) {
    match scenario {
        "send_small" => (cfg.n("send_small") as usize, None),
        "send_large" => {
            let n = (cfg.n("large_kb") * 1024) as usize;
            (
                cfg.n("send_large") as usize,
                Some((0..n).map(|i| ((i * 31 + 7) % 256) as u8).collect()),
            )
        }
        _ => unreachable!(),
    }
}

pub fn send_text() -> String {
    "Hello from the mailwire benchmark. ".repeat(30)
}

async fn run_raw(scenario: &str, cfg: &Config) -> raw::Res<()> {
    let r = "raw";
    match scenario {
        "summaries" | "bodies" => {
            let mut c = raw::Imap::login(cfg, &cfg.user("mail")).await?;
            let items = if scenario == "summaries" {
                "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE MODSEQ)"
            } else {
                "(UID BODY.PEEK[])"
            };
            let p = Probe::start();
            c.cmd("SELECT INBOX").await?;
            let bytes = c.drain(&format!("UID FETCH 1:* {items}")).await?;
            emit(p.finish(r, scenario, cfg.n("messages"), bytes));
        }
        "search_flag" => {
            let mut c = raw::Imap::login(cfg, &cfg.user("mail")).await?;
            let p = Probe::start();
            c.cmd("SELECT INBOX").await?;
            let lines = c.cmd("UID SEARCH UNSEEN").await?;
            let uids: Vec<u32> = lines
                .iter()
                .filter(|l| l.starts_with("* SEARCH"))
                .flat_map(|l| l.split_whitespace().skip(2).filter_map(|x| x.parse().ok()))
                .take(cfg.n("flag_count") as usize)
                .collect();
            let set = compress(&uids);
            c.cmd(&format!("UID STORE {set} +FLAGS.SILENT (\\Seen)"))
                .await?;
            c.cmd(&format!("UID STORE {set} -FLAGS.SILENT (\\Seen)"))
                .await?;
            emit(p.finish(r, scenario, uids.len() as u64, 0));
        }
        "send_small" | "send_large" => {
            let (count, att) = send_spec(cfg, scenario);
            let domain = cfg.domain();
            let from = format!("{}@{domain}", cfg.user("send"));
            let to = format!("{}@{domain}", cfg.user("rcpt"));
            // Pre-built message, CRLF, nothing to dot-stuff.
            let mut msg = format!(
                "From: <{from}>\r\nTo: <{to}>\r\nSubject: bench raw\r\nMessage-ID: <raw@bench>\r\nMIME-Version: 1.0\r\n"
            )
            .into_bytes();
            match &att {
                None => msg.extend_from_slice(
                    format!("Content-Type: text/plain\r\n\r\n{}\r\n", send_text()).as_bytes(),
                ),
                Some(a) => {
                    msg.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{}\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=file.bin\r\n\r\n", send_text()).as_bytes());
                    msg.extend_from_slice(&corpus::b64_lines(a));
                    msg.extend_from_slice(b"--b--\r\n");
                }
            }
            let conc = cfg.n("send_concurrency") as usize;
            let user = cfg.user("send");
            let mut conns = Vec::new();
            for _ in 0..conc {
                conns.push(raw::Smtp::login(cfg, &user).await?);
            }
            let p = Probe::start();
            let msg = std::sync::Arc::new(msg);
            let mut tasks = Vec::new();
            for (k, mut c) in conns.into_iter().enumerate() {
                let share = count / conc + usize::from(k < count % conc);
                let (from, to, msg) = (from.clone(), to.clone(), msg.clone());
                tasks.push(tokio::spawn(async move {
                    c.send_many(&from, &to, &msg, share).await
                }));
            }
            for t in tasks {
                t.await??;
            }
            let mut v = p.finish(r, scenario, count as u64, (msg.len() * count) as u64);
            v["per_second"] = json!(count as f64 / v["seconds"].as_f64().unwrap());
            emit(v);
        }
        s if s.starts_with("idle_") => {
            let n: usize = s[5..].parse()?;
            let user = cfg.user("idle");
            let base = common::rss_mb();
            let start = std::time::Instant::now();
            let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(100));
            let mut tasks = Vec::new();
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(), String>>(n);
            for _ in 0..n {
                let sem = sem.clone();
                let tx = tx.clone();
                let user = user.clone();
                let cfg = Config { v: cfg.v.clone() };
                tasks.push(tokio::spawn(async move {
                    let tx2 = tx.clone();
                    let r = async move {
                        let permit = sem.acquire().await.unwrap();
                        let mut c = raw::Imap::login(&cfg, &user).await?;
                        c.cmd("SELECT INBOX").await?;
                        let tag = c.next_tag();
                        c.s.write_all(format!("{tag} IDLE\r\n").as_bytes()).await?;
                        c.s.flush().await?;
                        let mut b = [0u8; 512];
                        let k = c.s.read(&mut b).await?;
                        if !b[..k].starts_with(b"+") {
                            return Err::<(), Box<dyn std::error::Error + Send + Sync>>(
                                "no IDLE continuation".into(),
                            );
                        }
                        drop(permit);
                        tx.send(Ok(())).await.ok();
                        // Hold the session.
                        let _ = c.s.read(&mut b).await;
                        Ok(())
                    }
                    .await;
                    if let Err(e) = r {
                        tx2.send(Err(e.to_string())).await.ok();
                    }
                }));
            }
            for _ in 0..n {
                rx.recv().await.ok_or("an IDLE session failed")??;
            }
            let secs = start.elapsed().as_secs_f64();
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let rss = common::rss_mb();
            emit(idle_result(r, s, n, secs, base, rss));
        }
        "big_attachment" => {
            let mut c = raw::Imap::login(cfg, &cfg.user("big")).await?;
            c.cmd("SELECT INBOX").await?;
            let p = Probe::start();
            let bytes = c.drain("UID FETCH 1:* (UID BODY.PEEK[2])").await?;
            emit(p.finish(r, scenario, 1, bytes));
        }
        _ => return unsupported(scenario),
    }
    Ok(())
}

pub fn idle_result(
    runner: &str,
    scenario: &str,
    n: usize,
    secs: f64,
    base: f64,
    rss: f64,
) -> serde_json::Value {
    json!({
        "runner": runner, "scenario": scenario, "seconds": secs, "items": n,
        "rss_base_mb": base, "rss_peak_mb": rss, "rss_growth_mb": (rss - base).max(0.0),
        "kb_per_session": (rss - base).max(0.0) * 1024.0 / n as f64,
    })
}

/// UIDs as a compressed IMAP set.
pub fn compress(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let mut j = i;
        while j + 1 < uids.len() && uids[j + 1] == uids[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if i == j {
            out.push_str(&uids[i].to_string());
        } else {
            out.push_str(&format!("{}:{}", uids[i], uids[j]));
        }
        i = j + 1;
    }
    out
}
