//! mailwire from Rust: the same work as every other runner, through the public API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mailwire::imap::{FetchOptions, SearchQuery, UidSet};
use mailwire::{
    Address, Attachment, Auth, ImapClient, ImapConfig, Message, OutgoingMessage, Security,
    SmtpClient, SmtpConfig,
};

use crate::common::{emit, rss_mb, Config, Probe};
use crate::{corpus, idle_result, raw::Res, send_spec, send_text, unsupported};

const R: &str = "mailwire-rust";

pub fn imap_config(cfg: &Config, role: &str) -> ImapConfig {
    let user = cfg.user(role);
    let tls = cfg.s("imap_security") == "tls";
    let c = ImapConfig::new(cfg.s("host"), Auth::password(&user, cfg.password(&user)))
        .ca_pem(cfg.ca_pem());
    if tls {
        c.port(cfg.port("imaps_port")).security(Security::Tls)
    } else {
        // The benchmark's own loopback server: credentials in the clear are acceptable there.
        c.port(cfg.port("imap_port"))
            .security(Security::Plain)
            .allow_plaintext_auth(true)
    }
}

pub async fn run(scenario: &str, cfg: &Config) -> Res<()> {
    match scenario {
        "summaries" => {
            let imap = ImapClient::connect(imap_config(cfg, "mail")).await?;
            let p = Probe::start();
            let mut stream = imap
                .fetch("INBOX", UidSet::all(), FetchOptions::default())
                .await?;
            let (mut n, mut bytes, mut atts) = (0u64, 0u64, 0usize);
            loop {
                let batch = stream.next_batch(512).await?;
                if batch.is_empty() {
                    break;
                }
                for s in batch {
                    n += 1;
                    bytes += u64::from(s.size);
                    atts += s.attachments.len() + s.envelope.subject.map_or(0, |x| x.len() & 1);
                }
            }
            let mut v = p.finish(R, scenario, n, bytes);
            v["check"] = atts.into();
            emit(v);
        }
        "bodies" => {
            let imap = ImapClient::connect(imap_config(cfg, "mail")).await?;
            let p = Probe::start();
            let (n, bytes) = bodies(&imap).await?;
            emit(p.finish(R, scenario, n, bytes));
        }
        "search_flag" => {
            let imap = ImapClient::connect(imap_config(cfg, "mail")).await?;
            let p = Probe::start();
            let unseen = imap.search("INBOX", &SearchQuery::Unseen).await?;
            let take: Vec<u32> = unseen
                .into_iter()
                .take(cfg.n("flag_count") as usize)
                .collect();
            imap.add_flags("INBOX", &take, &[mailwire::imap::Flag::Seen])
                .await?;
            imap.remove_flags("INBOX", &take, &[mailwire::imap::Flag::Seen])
                .await?;
            emit(p.finish(R, scenario, take.len() as u64, 0));
        }
        "send_small" | "send_large" => {
            let (count, att) = send_spec(cfg, scenario);
            let user = cfg.user("send");
            let domain = cfg.domain();
            let from = format!("{user}@{domain}");
            let to = format!("{}@{domain}", cfg.user("rcpt"));
            let mut sc = SmtpConfig::new(cfg.s("host"), Auth::password(&user, cfg.password(&user)))
                .port(cfg.port("smtps_port"))
                .security(Security::Tls)
                .ca_pem(cfg.ca_pem());
            sc.pool_size = cfg.n("send_concurrency") as usize;
            let smtp = SmtpClient::connect(sc).await?;
            let p = Probe::start();
            let att = att.map(Arc::new);
            let mut tasks = Vec::with_capacity(count);
            // A few messages per connection in flight: enough to keep the pool busy.
            let sem = Arc::new(tokio::sync::Semaphore::new(
                2 * cfg.n("send_concurrency") as usize,
            ));
            for i in 0..count {
                let smtp = smtp.clone();
                let (from, to, att) = (from.clone(), to.clone(), att.clone());
                let permit = sem.clone().acquire_owned().await?;
                tasks.push(tokio::spawn(async move {
                    let _permit = permit;
                    let mut m = OutgoingMessage::new()
                        .from(Address::new(None::<String>, from))
                        .to(Address::new(None::<String>, to))
                        .subject(format!("bench mailwire {i}"))
                        .text(send_text());
                    if let Some(a) = att {
                        m = m.attach(Attachment::new(
                            "file.bin",
                            "application/octet-stream",
                            a.to_vec(),
                        ));
                    }
                    smtp.send(&m).await.map(|_| ())
                }));
            }
            for t in tasks {
                t.await??;
            }
            let mut v = p.finish(R, scenario, count as u64, 0);
            v["per_second"] = (count as f64 / v["seconds"].as_f64().unwrap()).into();
            v["connections"] = smtp.connections_opened().into();
            emit(v);
            smtp.close().await?;
        }
        s if s.starts_with("idle_") => {
            let n: usize = s[5..].parse()?;
            let counter = install_idle_counter();
            let base = rss_mb();
            let start = std::time::Instant::now();
            let sem = Arc::new(tokio::sync::Semaphore::new(100));
            let config = imap_config(cfg, "idle");
            let mut clients = Vec::with_capacity(n);
            let mut connects = Vec::with_capacity(n);
            for _ in 0..n {
                let sem = sem.clone();
                let config = config.clone();
                connects.push(tokio::spawn(async move {
                    let _p = sem.acquire().await.unwrap();
                    ImapClient::connect(config).await
                }));
            }
            for c in connects {
                clients.push(c.await??);
            }
            for c in &clients {
                let c = c.clone();
                tokio::spawn(async move { c.idle("INBOX", Duration::from_secs(600)).await });
            }
            while counter.load(Ordering::Relaxed) < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
                if start.elapsed() > Duration::from_secs(300) {
                    return Err("not all sessions reached IDLE in 300 s".into());
                }
            }
            let secs = start.elapsed().as_secs_f64();
            tokio::time::sleep(Duration::from_millis(500)).await;
            emit(idle_result(R, s, n, secs, base, rss_mb()));
        }
        "parse" => {
            let (data, ranges) = corpus::read(&cfg.s("corpus"));
            let p = Probe::start();
            let mut check = 0usize;
            for &(o, l) in &ranges {
                let m = Message::parse(&data[o..o + l])?;
                check += m.attachments.len()
                    + m.text.map_or(0, |t| t.len())
                    + m.html.map_or(0, |t| t.len());
            }
            let mut v = p.finish(R, scenario, ranges.len() as u64, data.len() as u64);
            v["check"] = check.into();
            emit(v);
        }
        "big_attachment" => {
            let imap = ImapClient::connect(imap_config(cfg, "big")).await?;
            let uids = imap.search("INBOX", &SearchQuery::All).await?;
            let uid = *uids.first().ok_or("big mailbox is empty")?;
            let path = format!("{}/mw-rust-big.bin", cfg.s("tmpdir"));
            let p = Probe::start();
            let n = imap.save_attachment("INBOX", uid, "2", &path, None).await?;
            emit(p.finish(R, scenario, 1, n));
            let _ = std::fs::remove_file(&path);
        }
        _ => return unsupported(scenario),
    }
    Ok(())
}

/// Full source of every message in INBOX.
async fn bodies(imap: &ImapClient) -> Res<(u64, u64)> {
    let mut stream = imap.fetch_raw_many("INBOX", UidSet::all()).await?;
    let (mut n, mut bytes) = (0u64, 0u64);
    while let Some(m) = stream.next().await? {
        n += 1;
        bytes += m.data.len() as u64;
    }
    Ok((n, bytes))
}

/// Counts IDLE continuations seen by mailwire (its `S: Continue` trace lines).
fn install_idle_counter() -> Arc<AtomicUsize> {
    use tracing_subscriber::layer::SubscriberExt;
    struct Count(Arc<AtomicUsize>);
    struct V(bool);
    impl tracing::field::Visit for V {
        fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
            if f.name() == "message" && format!("{v:?}").starts_with("S: Continue") {
                self.0 = true;
            }
        }
    }
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Count {
        fn enabled(
            &self,
            m: &tracing::Metadata<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) -> bool {
            m.target() == "mailwire::imap"
        }
        fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            let mut v = V(false);
            e.record(&mut v);
            if v.0 {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let n = Arc::new(AtomicUsize::new(0));
    let sub = tracing_subscriber::registry().with(Count(n.clone()));
    tracing::subscriber::set_global_default(sub).expect("subscriber");
    n
}
