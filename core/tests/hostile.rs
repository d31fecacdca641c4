//! The hostile-server suite of the Rust core (issue 11): every scenario of
//! `tests/hostile/scenarios.json`, served by `tests/hostile/peer.py` (bytes no real server
//! sends), run through the public API, judged by `tests/hostile/run.py`: the outcome is one
//! the scenario allows, within its time and memory bounds, with the process alive and the
//! peer's facts as required.
//!
//! Without `MAILWIRE_HOSTILE_SPEC` this binary runs the driver with itself as the child;
//! with it, it is that child: one connect + call, one `HOSTILE-RESULT` line. A scenario
//! runs in a process of its own so that one that aborts cannot hide the others. Needs
//! `python3` and the devserver's certificate (`devserver/devserver start`).
//! `MAILWIRE_HOSTILE_ONLY=name,name` runs only those scenarios.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mailwire::imap::FetchOptions;
use mailwire::{Auth, ErrorKind, ImapClient, ImapConfig, Security, Timeouts};
use serde_json::{json, Value};

// conformance: hostile.server
fn main() {
    if std::env::args().any(|a| a == "--list") {
        // What test tools ask a test binary for; running the suite is not what they want.
        println!("hostile_servers: test");
        return;
    }
    match std::env::var("MAILWIRE_HOSTILE_SPEC") {
        Ok(spec) => child(&spec),
        Err(_) => driver(),
    }
}

fn driver() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let me = std::env::current_exe().expect("the path of this test binary");
    let status = Command::new("python3")
        .arg(root.join("tests/hostile/run.py"))
        .arg("--")
        .arg(me)
        .status()
        .expect("python3 tests/hostile/run.py (python3 is needed for the hostile peer)");
    if !status.success() {
        eprintln!("hostile: the core failed scenarios of tests/hostile/scenarios.json (above)");
        std::process::exit(1);
    }
}

/// `VmRSS` and `VmHWM` of this process, in kB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn child(spec: &str) {
    let spec: Value = serde_json::from_str(spec).expect("MAILWIRE_HOSTILE_SPEC is JSON");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let limit = Duration::from_secs_f64(spec["limit"].as_f64().unwrap_or(30.0));
    let (rss_before, _) = memory();
    // Resets VmHWM to the current RSS, so that it measures the peak of this call.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let start = Instant::now();
    let task = rt.spawn(call(spec));
    let joined = rt.block_on(async { tokio::time::timeout(limit, task).await });
    let elapsed = start.elapsed().as_secs_f64();
    let (_, peak) = memory();
    let (outcome, message, result) = match joined {
        Err(_) => (
            "hung".to_string(),
            format!("no answer in {limit:?}"),
            json!({}),
        ),
        Ok(Err(join)) if join.is_panic() => {
            let payload = join.into_panic();
            (
                "panic".to_string(),
                mailwire::panic::panic_message(&*payload),
                json!({}),
            )
        }
        Ok(Err(join)) => ("other".to_string(), join.to_string(), json!({})),
        Ok(Ok(Ok(result))) => ("ok".to_string(), String::new(), result),
        Ok(Ok(Err(e))) => (kind_name(e.kind()), e.to_string(), json!({})),
    };
    let report = json!({
        "outcome": outcome,
        "message": message,
        "elapsed": elapsed,
        "rss_growth_mb": peak.saturating_sub(rss_before) as f64 / 1024.0,
        "result": result,
        "error_type": "mailwire::Error",
    });
    println!("HOSTILE-RESULT {report}");
    // The runtime may hold a task stuck on the hostile server: do not wait for it.
    std::process::exit(0);
}

fn kind_name(kind: ErrorKind) -> String {
    kind.as_str().to_string()
}

/// Connects as the scenario says and makes its call.
async fn call(spec: Value) -> mailwire::Result<Value> {
    let client = &spec["client"];
    let security = Security::parse(client["security"].as_str().unwrap_or("tls"))?;
    let ca = std::fs::read(spec["ca"].as_str().unwrap_or_default())
        .map_err(|e| mailwire::Error::new(ErrorKind::InvalidInput, e.to_string()))?;
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        greeting: Duration::from_secs(5),
        command: Duration::from_secs_f64(client["timeout"].as_f64().unwrap_or(5.0)),
        ..Timeouts::default()
    };
    let mut config = ImapConfig::new("127.0.0.1", Auth::password("hostile", "not-a-secret"))
        .security(security)
        .port(spec["port"].as_u64().unwrap_or(0) as u16)
        .ca_pem(ca)
        .timeouts(timeouts);
    config.allow_plaintext_auth = client["allow_plaintext_auth"].as_bool().unwrap_or(false);
    let imap = ImapClient::connect(config).await?;
    let words: Vec<&str> = spec["call"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .collect();
    let uid = |i: usize| {
        words
            .get(i)
            .and_then(|w| w.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let result = match words[0] {
        "login_plain" | "starttls" => json!({}),
        "noop" => {
            imap.noop().await?;
            json!({})
        }
        "fetch" => {
            let list = imap
                .fetch_all("INBOX", uid(1), FetchOptions::default())
                .await?;
            uids_json(list.iter().map(|s| s.uid))
        }
        "fetch_raw" => json!({"body_bytes": imap.fetch_raw("INBOX", uid(1)).await?.len()}),
        "copy" => {
            let map = imap
                .copy_messages("INBOX", uid(1), words.get(2).copied().unwrap_or("Dest"))
                .await?;
            uids_json(map.pairs.iter().map(|(src, _)| *src))
        }
        "append" => {
            let raw = b"From: a@example.com\r\nSubject: hostile\r\n\r\nhello\r\n";
            let uid = imap.append("INBOX", raw, &[], None).await?;
            json!({"uid": uid})
        }
        "idle" => {
            let secs: f64 = words
                .get(1)
                .and_then(|w| w.trim_end_matches('s').parse().ok())
                .unwrap_or(2.0);
            let events = imap.idle("INBOX", Duration::from_secs_f64(secs)).await?;
            json!({"count": events.len()})
        }
        "list" => json!({"count": imap.list_mailboxes().await?.len()}),
        "save_attachment" => {
            let part = words.get(2).copied().unwrap_or("2");
            let path = Path::new(spec["dir"].as_str().unwrap_or(".")).join("attachment.bin");
            let n = imap
                .save_attachment("INBOX", uid(1), part, &path, None)
                .await?;
            json!({"written": n})
        }
        other => {
            return Err(mailwire::Error::new(
                ErrorKind::InvalidInput,
                format!("unknown call {other:?} in scenarios.json"),
            ))
        }
    };
    Ok(result)
}

/// `{"uids": [...]}` with at most 1,000 UIDs (and the count of all of them).
fn uids_json(uids: impl Iterator<Item = u32>) -> Value {
    let mut shown = Vec::new();
    let mut count = 0_u64;
    for u in uids {
        if shown.len() < 1000 {
            shown.push(u);
        }
        count += 1;
    }
    json!({"uids": shown, "uids_count": count})
}
