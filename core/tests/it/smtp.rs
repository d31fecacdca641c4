//! SMTP against the real devserver (Postfix submission → LMTP → Dovecot). Delivery is checked
//! with an independent IMAP client (async-imap), never through mailwire's own code.
//!
//! Run: `devserver/devserver start && eval "$(devserver/devserver env)" && cargo test -p mailwire --test smtp`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{
    host, port, smtp_config, unique, user, var, wait_for_message, wait_for_messages,
};
use mailwire::smtp::Progress;
use mailwire::{Auth, ErrorKind, Security, SmtpClient, SmtpConfig, Timeouts};

fn body_text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

// conformance: smtp.connect.tls, smtp.send-raw
#[tokio::test]
async fn implicit_tls_with_password_delivers_and_returns_message_id() {
    let (from, to) = (user("t01"), user("t02"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("tls");
    let raw = crate::common::simple_message(
        &from.address,
        &to.address,
        &subject,
        "over implicit TLS\r\n",
    );
    let res = client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    assert_eq!(res.accepted, std::slice::from_ref(&to.address));
    assert!(res.rejected.is_empty());
    assert_eq!(res.message_id, Some(format!("{subject}@mailwire.test")));
    // Postfix's final reply, code and enhanced code first, with its queue id.
    assert!(
        res.response.starts_with("250 2.0.0 ") && res.response.contains("queued as"),
        "{}",
        res.response
    );
    let got = wait_for_message(&to, &subject).await;
    assert!(body_text(&got).contains("over implicit TLS"));
    client.close().await.unwrap();
}

// conformance: smtp.connect.starttls
#[tokio::test]
async fn starttls_with_password_delivers() {
    let (from, to) = (user("t03"), user("t04"));
    let client = SmtpClient::connect(smtp_config(&from, Security::StartTls))
        .await
        .unwrap();
    let subject = unique("starttls");
    let raw =
        crate::common::simple_message(&from.address, &to.address, &subject, "over STARTTLS\r\n");
    client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    assert!(body_text(&wait_for_message(&to, &subject).await).contains("over STARTTLS"));
}

// conformance: smtp.auth.xoauth2
#[tokio::test]
async fn xoauth2_good_token_delivers() {
    let (from, to) = (user("t05"), user("t06"));
    // The devserver's port 465 offers XOAUTH2 but not OAUTHBEARER (587 offers both, and
    // OAUTHBEARER is then chosen: see oauth_provider.rs).
    let mut cfg = smtp_config(&from, Security::Tls);
    cfg.auth = from.oauth2_auth();
    let client = SmtpClient::connect(cfg).await.unwrap();
    let mechs = client.auth_mechanisms();
    assert!(
        mechs.iter().any(|m| m == "XOAUTH2") && !mechs.iter().any(|m| m == "OAUTHBEARER"),
        "{mechs:?}"
    );
    let subject = unique("xoauth2");
    let raw = crate::common::simple_message(
        &from.address,
        &to.address,
        &subject,
        "sent with a token\r\n",
    );
    client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    wait_for_message(&to, &subject).await;
}

// conformance: auth.refused
#[tokio::test]
async fn xoauth2_bad_token_is_auth_error() {
    let from = user("t07");
    let mut cfg = smtp_config(&from, Security::Tls);
    cfg.auth = Auth::oauth2(&from.name, "token-definitely-wrong-xyz");
    let err = SmtpClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    assert_eq!(err.smtp_code(), Some(535), "{err:?}");
    assert!(err.is_permanent());
    assert!(!format!("{err} {err:?}").contains("token-definitely-wrong-xyz"));
}

// conformance: auth.refused, errors.no-secrets
#[tokio::test]
async fn wrong_password_is_auth_error_and_never_shows_the_password() {
    // Its own connection: failed AUTH may slow the next AUTH from this client.
    let from = user("t08");
    let secret = "Wrong-Secret-Pa55word-7731";
    let mut cfg = smtp_config(&from, Security::Tls);
    cfg.auth = Auth::password(&from.name, secret);
    let err = SmtpClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    assert_eq!(err.smtp_code(), Some(535));
    assert_eq!(err.enhanced_code(), Some("5.7.8"));
    let mut shown = format!("{err}\n{err:?}\n{err:#?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        shown.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    assert!(!shown.contains(secret), "password leaked: {shown}");
    assert!(shown.contains("t08"), "the user name helps: {shown}");
}

// conformance: tls.verify
#[tokio::test]
async fn untrusted_certificate_is_tls_error() {
    let from = user("t09");
    for security in [Security::Tls, Security::StartTls] {
        let mut cfg = smtp_config(&from, security);
        cfg.tls.ca_pem = None;
        let err = SmtpClient::connect(cfg).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls, "{security:?}: {err:?}");
    }
}

// conformance: tls.starttls-required
#[tokio::test]
async fn starttls_not_offered_is_tls_error_never_plaintext() {
    // The devserver's legacy address runs Postfix with TLS off: it offers no STARTTLS.
    let from = user("t10");
    let mut cfg = SmtpConfig::new(var("MAILWIRE_LEGACY_HOST"), from.password_auth())
        .port(port("MAILWIRE_SMTP_PLAIN_PORT"));
    cfg.security = Security::StartTls;
    let err = SmtpClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
    assert!(err.to_string().contains("STARTTLS"), "{err}");
}

#[tokio::test]
async fn silent_server_hits_the_greeting_deadline() {
    // A real TCP peer that accepts and never speaks: the only way to see the greeting deadline.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let conn = listener.accept().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(conn);
    });
    let mut cfg = SmtpConfig::new("127.0.0.1", Auth::None).port(port);
    cfg.security = Security::Plain;
    cfg.timeouts = Timeouts {
        greeting: Duration::from_millis(300),
        ..Timeouts::default()
    };
    let start = Instant::now();
    let err = SmtpClient::connect(cfg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    hold.abort();
}

// conformance: smtp.per-recipient
#[tokio::test]
async fn one_unknown_recipient_is_reported_and_the_others_get_the_message() {
    let (from, a, b) = (user("t11"), user("t12"), user("t13"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("partial");
    let raw =
        crate::common::simple_message(&from.address, &a.address, &subject, "two of three\r\n");
    let rcpts = [a.address.as_str(), "nobody@localhost", b.address.as_str()];
    let res = client.send_raw(&from.address, rcpts, &raw).await.unwrap();
    assert_eq!(res.accepted, [a.address.clone(), b.address.clone()]);
    assert_eq!(res.rejected.len(), 1);
    let r = &res.rejected[0];
    assert_eq!(r.address, "nobody@localhost");
    assert_eq!(r.code, 550);
    assert_eq!(r.enhanced_code.as_deref(), Some("5.1.1"));
    assert!(r.is_permanent() && !r.is_transient());
    assert!(!r.message.is_empty());
    wait_for_message(&a, &subject).await;
    wait_for_message(&b, &subject).await;
    // The connection is still good for the next message.
    let subject2 = unique("after-partial");
    let raw2 = crate::common::simple_message(&from.address, &a.address, &subject2, "next\r\n");
    client
        .send_raw(&from.address, [&a.address], &raw2)
        .await
        .unwrap();
    wait_for_message(&a, &subject2).await;
    assert_eq!(client.connections_opened(), 1);
}

// conformance: smtp.per-recipient, errors.fields
#[tokio::test]
async fn all_recipients_refused_is_permanent_rejection() {
    let from = user("t14");
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("nobody");
    let raw =
        crate::common::simple_message(&from.address, "nobody@localhost", &subject, "nobody\r\n");
    let err = client
        .send_raw(
            &from.address,
            ["nobody@localhost", "nobody2@localhost"],
            &raw,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err:?}");
    assert_eq!(err.smtp_code(), Some(550));
    assert_eq!(err.enhanced_code(), Some("5.1.1"));
    assert!(err.is_permanent() && !err.is_transient());
    // RSET left the connection usable: the next send reuses it.
    let to = user("t15");
    let subject2 = unique("after-reject");
    let raw2 = crate::common::simple_message(&from.address, &to.address, &subject2, "ok\r\n");
    client
        .send_raw(&from.address, [&to.address], &raw2)
        .await
        .unwrap();
    wait_for_message(&to, &subject2).await;
    assert_eq!(client.connections_opened(), 1);
}

// conformance: smtp.pool
#[tokio::test]
async fn pool_of_four_serves_twenty_concurrent_sends() {
    let (from, to) = (user("t16"), user("t17"));
    let mut cfg = smtp_config(&from, Security::Tls);
    cfg.pool_size = 4;
    let client = SmtpClient::connect(cfg).await.unwrap();
    let subject = unique("pool");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (client, from, to, subject) =
            (client.clone(), from.clone(), to.clone(), subject.clone());
        tasks.push(tokio::spawn(async move {
            let raw = crate::common::simple_message(
                &from.address,
                &to.address,
                &format!("{subject} #{i}"),
                "pooled\r\n",
            );
            client.send_raw(&from.address, [&to.address], &raw).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let opened = client.connections_opened();
    assert!((1..=4).contains(&opened), "opened {opened} connections");
    assert_eq!(wait_for_messages(&to, &subject, 20).await.len(), 20);
    client.close().await.unwrap();
}

// conformance: smtp.progress
#[tokio::test]
async fn five_megabyte_message_goes_through_with_progress() {
    let (from, to) = (user("t18"), user("t19"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("big");
    let mut raw = crate::common::simple_message(&from.address, &to.address, &subject, "");
    let line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-=+/\r\n";
    while raw.len() < 5 * 1024 * 1024 {
        raw.extend_from_slice(line.as_bytes());
    }
    raw.extend_from_slice(b"THE END\r\n");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    let progress: Progress = Arc::new(move |done, total| log.lock().unwrap().push((done, total)));
    let start = Instant::now();
    client
        .send_raw_with_progress(&from.address, [&to.address], &raw, progress)
        .await
        .unwrap();
    eprintln!("5 MB message sent in {:?}", start.elapsed());
    let calls = calls.lock().unwrap().clone();
    let total = raw.len() as u64;
    assert_eq!(calls.last(), Some(&(total, Some(total))));
    assert!(
        calls
            .windows(2)
            .all(|w| w[1].0 >= w[0].0 + 64 * 1024 || w[1].0 == total),
        "bounded rate"
    );
    assert!(calls.len() as u64 <= total / (64 * 1024) + 1);
    let got = wait_for_message(&to, &subject).await;
    assert!(got.len() >= raw.len(), "{} < {}", got.len(), raw.len());
    assert!(body_text(&got).trim_end().ends_with("THE END"));
}

#[tokio::test]
async fn send_mime_reports_progress_of_the_message_sent_without_bcc() {
    let (from, to) = (user("t18"), user("t19"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("mime progress");
    let bcc = "Bcc: hidden@localhost\r\n";
    let raw = format!(
        "From: {}\r\nTo: {}\r\n{bcc}Subject: {subject}\r\n\r\n{}\r\n",
        from.address,
        to.address,
        "x".repeat(300_000)
    );
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    let progress: Progress = Arc::new(move |done, total| log.lock().unwrap().push((done, total)));
    let r = client
        .send_mime_with_progress(raw.as_bytes(), progress)
        .await
        .unwrap();
    assert_eq!(r.accepted, std::slice::from_ref(&to.address));
    let calls = calls.lock().unwrap().clone();
    assert!(calls.len() >= 2, "{calls:?}");
    let &(done, total) = calls.last().unwrap();
    assert_eq!(Some(done), total);
    assert!(
        done > 300_000 && done <= (raw.len() - bcc.len()) as u64,
        "{done}"
    );
    let got = wait_for_message(&to, &subject).await;
    assert!(!String::from_utf8_lossy(&got).contains("hidden@localhost"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn leading_dots_and_bare_line_feeds_arrive_intact() {
    let (from, to) = (user("t20"), user("t21"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("dots");
    // Bare LF line ends on purpose; one line is a lone "." that would end DATA unstuffed.
    let body = "first\n.hidden line\n..two dots\n.\nafter the dot\n";
    let raw = crate::common::simple_message(&from.address, &to.address, &subject, body);
    client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    let got = body_text(&wait_for_message(&to, &subject).await);
    let body_got = got
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    assert_eq!(
        body_got,
        "first\r\n.hidden line\r\n..two dots\r\n.\r\nafter the dot\r\n"
    );
}

// conformance: input.line-breaks
#[tokio::test]
async fn line_break_in_an_address_is_invalid_input_before_anything_is_sent() {
    let (from, to) = (user("t22"), user("t23"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    // Checked before the pool is even asked: a closed client still says InvalidInput.
    let injected = format!("{}\r\nRCPT TO:<nobody@localhost>", to.address);
    let raw = crate::common::simple_message(&from.address, &to.address, "x", "x\r\n");
    for (sender, rcpt) in [
        (from.address.as_str(), injected.as_str()),
        ("evil\r\n@localhost", to.address.as_str()),
        (from.address.as_str(), "a\0b@localhost"),
        (from.address.as_str(), "<t23@localhost>"),
    ] {
        let err = client.send_raw(sender, [rcpt], &raw).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidInput,
            "{sender:?} {rcpt:?}: {err:?}"
        );
    }
    let err = client
        .send_raw(&from.address, Vec::<String>::new(), &raw)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    client.close().await.unwrap();
    let err = client
        .send_raw(&from.address, [&injected], &raw)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

// conformance: smtp.close
#[tokio::test]
async fn close_makes_later_sends_fail_with_closed() {
    let (from, to) = (user("t24"), user("t25"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let other = client.clone();
    client.close().await.unwrap();
    let raw = crate::common::simple_message(&from.address, &to.address, "closed", "x\r\n");
    let err = other
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
    client.close().await.unwrap();
}

#[tokio::test]
async fn cancelled_send_does_not_poison_the_pool() {
    let (from, to) = (user("t26"), user("t27"));
    let mut cfg = smtp_config(&from, Security::Tls);
    cfg.pool_size = 1;
    let client = SmtpClient::connect(cfg).await.unwrap();
    let mut raw =
        crate::common::simple_message(&from.address, &to.address, &unique("cancelled"), "");
    raw.resize(raw.len() + 8 * 1024 * 1024, b'x');
    // Drop the send mid-body.
    let _ = tokio::time::timeout(
        Duration::from_millis(30),
        client.send_raw(&from.address, [&to.address], &raw),
    )
    .await;
    let subject = unique("after-cancel");
    let small = crate::common::simple_message(&from.address, &to.address, &subject, "fine\r\n");
    client
        .send_raw(&from.address, [&to.address], &small)
        .await
        .unwrap();
    let got = wait_for_message(&to, &subject).await;
    assert!(body_text(&got).contains("fine"));
}

#[tokio::test]
async fn plain_port_without_tls_delivers() {
    let (from, to) = (user("t28"), user("t29"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Plain))
        .await
        .unwrap();
    let subject = unique("plain");
    let raw = crate::common::simple_message(
        &from.address,
        &to.address,
        &subject,
        "cleartext on loopback\r\n",
    );
    client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    wait_for_message(&to, &subject).await;
}

#[tokio::test]
async fn utf8_headers_and_8bit_body_arrive_intact() {
    let (from, to) = (user("t34"), user("t35"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let subject = unique("utf8");
    // An 8-bit body goes with BODY=8BITMIME; raw UTF-8 headers add SMTPUTF8 when the server
    // offers it and otherwise pass as 8BITMIME.
    let raw = format!(
        "From: Jörg <{}>\r\nTo: <{}>\r\nSubject: {subject} grüße\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Ünïcödé bödy ✓\r\n",
        from.address, to.address
    );
    client
        .send_raw(&from.address, [&to.address], raw.as_bytes())
        .await
        .unwrap();
    let got = body_text(&wait_for_message(&to, &subject).await);
    assert!(got.contains("Ünïcödé bödy ✓"), "{got}");
    assert!(got.contains("grüße"), "{got}");
}

// conformance: smtp.auth.xoauth2
#[tokio::test]
async fn long_xoauth2_token_is_sent_after_the_challenge() {
    // Postfix cuts command lines at 2048 characters; a 4000-character token only works when it
    // is sent after the 334, not on the AUTH line. The devserver accepts `token-U-<anything>`.
    let (from, to) = (user("t36"), user("t37"));
    let mut cfg = smtp_config(&from, Security::StartTls);
    cfg.auth = Auth::oauth2(&from.name, format!("{}-{}", from.token, "x".repeat(4000)));
    let client = SmtpClient::connect(cfg).await.unwrap();
    let subject = unique("long-token");
    let raw = crate::common::simple_message(&from.address, &to.address, &subject, "long token\r\n");
    client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    wait_for_message(&to, &subject).await;
}

// conformance: trace.redacted
#[tokio::test(flavor = "current_thread")]
async fn traces_show_the_dialogue_pipelined_with_credentials_redacted() {
    let (capture, _guard) = crate::common::Capture::start();

    let (from, to) = (user("t32"), user("t33"));
    let subject = unique("trace");
    let raw = crate::common::simple_message(&from.address, &to.address, &subject, "traced\r\n");
    let client = SmtpClient::connect(smtp_config(&from, Security::StartTls))
        .await
        .unwrap();
    client
        .send_raw(&from.address, [&to.address, "nobody@localhost"], &raw)
        .await
        .unwrap();
    let mut cfg = smtp_config(&from, Security::Tls);
    cfg.auth = from.oauth2_auth();
    let oauth = SmtpClient::connect(cfg).await.unwrap();
    oauth
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    cfg = smtp_config(&from, Security::Tls);
    cfg.auth = Auth::oauth2(&from.name, "token-bad-for-trace");
    SmtpClient::connect(cfg).await.unwrap_err();

    let log = capture.text();
    for secret in [
        from.password.as_str(),
        from.token.as_str(),
        "token-bad-for-trace",
    ] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into the trace:\n{log}"
        );
    }
    assert!(log.contains("AUTH PLAIN <redacted>"), "{log}");
    assert!(log.contains("C: AUTH XOAUTH2"), "{log}");
    assert!(log.contains("S: 235"), "{log}");
    assert!(log.contains("S: 535 5.7.8"), "{log}");
    assert!(log.contains("S: 550 5.1.1"), "{log}");
    // Pipelined: DATA is written before the reply to MAIL FROM is read.
    let data = log.find("C: DATA").expect("DATA in trace");
    let mail_ok = log.find("S: 250 2.1.0").expect("MAIL reply in trace");
    assert!(data < mail_ok, "not pipelined:\n{log}");
    if std::env::var_os("SHOW_TRACE").is_some() {
        eprintln!("{log}");
    }
}

/// A TCP relay to the real Postfix that cuts its first connection right after the server
/// accepted the first message (a connection dying between two sends); later connections
/// are relayed untouched.
async fn relay_cutting_the_first_connection() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_port = listener.local_addr().unwrap().port();
    let upstream = (host(), port("MAILWIRE_SMTP_PLAIN_PORT"));
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((client, _)) = listener.accept().await {
            n += 1;
            let cut = n == 1;
            let server = tokio::net::TcpStream::connect(upstream.clone())
                .await
                .unwrap();
            tokio::spawn(async move {
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move { tokio::io::copy(&mut cr, &mut sw).await });
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(k) = sr.read(&mut buf).await {
                    if k == 0 || cw.write_all(&buf[..k]).await.is_err() {
                        break;
                    }
                    if cut && buf[..k].windows(9).any(|w| w == b"250 2.0.0") {
                        break; // the first message was queued: the connection dies now
                    }
                }
                up.abort();
            });
        }
    });
    relay_port
}

// conformance: smtp.pool
#[tokio::test]
async fn a_recently_used_connection_that_died_is_retried_on_a_new_one() {
    let (from, to) = (user("t47"), user("t48"));
    let mut cfg = smtp_config(&from, Security::Plain);
    cfg.host = "127.0.0.1".into();
    cfg.port = relay_cutting_the_first_connection().await;
    let client = SmtpClient::connect(cfg).await.unwrap();
    let first = unique("before-cut");
    let raw = crate::common::simple_message(&from.address, &to.address, &first, "one\r\n");
    client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Reused without a NOOP (it was used a moment ago), found dead, retried on a new one.
    let second = unique("after-cut");
    let raw = crate::common::simple_message(&from.address, &to.address, &second, "two\r\n");
    let r = client
        .send_raw(&from.address, [&to.address], &raw)
        .await
        .unwrap();
    assert_eq!(r.accepted, vec![to.address.clone()]);
    assert_eq!(client.connections_opened(), 2);
    wait_for_message(&to, &first).await;
    wait_for_message(&to, &second).await;
    client.close().await.unwrap();
}

/// The names of the header fields of `raw` as the most lenient reader sees them (lines split
/// at CR or LF, spaces and control characters dropped from names, lower case).
fn lenient_header_names(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut names = Vec::new();
    for line in text.split(['\r', '\n']).filter(|l| !l.is_empty()) {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        match line.split_once(':') {
            Some((name, _)) => names.push(
                name.chars()
                    .filter(|c| c.is_ascii_graphic())
                    .collect::<String>()
                    .to_ascii_lowercase(),
            ),
            None => break,
        }
    }
    names
}

// conformance: smtp.send-raw, smtp.bcc-hidden
#[tokio::test]
async fn send_mime_hides_bcc_in_every_spelling_python_line_endings_included() {
    let (from, to, blind, resent) = (user("t75"), user("t76"), user("t77"), user("t78"));
    let client = SmtpClient::connect(smtp_config(&from, Security::StartTls))
        .await
        .unwrap();
    let subject = unique("bcc-spellings");
    // LF line endings as Python's `email` writes them, the obsolete space before the colon,
    // a folded value, and Resent-Bcc.
    let raw = format!(
        "From: {}\nTo: {}\nbcc :\n {}\nResent-Bcc: {}\nSubject: {subject}\n\nhello\n",
        from.address, to.address, blind.address, resent.address
    );
    let r = client.send_mime(raw.as_bytes()).await.unwrap();
    assert_eq!(r.accepted, vec![to.address.clone(), blind.address.clone()]);
    for who in [&to, &blind] {
        let got = wait_for_message(who, &subject).await;
        let head_end = got
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header section");
        let head = &got[..head_end];
        let names = lenient_header_names(head);
        assert!(
            !names.iter().any(|n| n == "bcc" || n == "resent-bcc"),
            "{names:?}"
        );
        for hidden in [&blind.address, &resent.address] {
            // Dovecot adds Delivered-To for the blind recipient's own copy.
            let own_copy = who.address == *hidden;
            let text =
                String::from_utf8_lossy(head).replace(&format!("Delivered-To: {hidden}"), "");
            assert!(
                own_copy || !text.contains(hidden.as_str()),
                "{hidden} disclosed to {}:\n{text}",
                who.name
            );
        }
        assert!(String::from_utf8_lossy(&got).ends_with("hello\r\n"));
    }
}

// conformance: input.line-breaks
#[tokio::test(flavor = "current_thread")]
async fn send_mime_refuses_ambiguous_headers_before_any_command() {
    let (from, to, blind) = (user("t75"), user("t76"), user("t77"));
    let client = SmtpClient::connect(smtp_config(&from, Security::Tls))
        .await
        .unwrap();
    let (capture, _guard) = crate::common::Capture::start();
    for (n, head) in [
        format!("B\x0ccc: {}\r\n", blind.address),
        format!("B\rcc: {}\r\n", blind.address),
        format!("X-Note: y\rBcc: {}\r\n", blind.address),
        format!("Bcc\0: {}\r\n", blind.address),
    ]
    .iter()
    .enumerate()
    {
        let subject = unique(&format!("ambiguous-{n}"));
        let raw = format!(
            "From: {}\r\nTo: {}\r\n{head}Subject: {subject}\r\n\r\nhello\r\n",
            from.address, to.address
        );
        let err = client.send_mime(raw.as_bytes()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{n}: {err:?}");
        assert!(
            !format!("{err} {err:?}").contains(&blind.address),
            "{err:?}"
        );
    }
    let log = capture.text();
    assert!(
        !log.contains("MAIL FROM"),
        "a transaction was started:\n{log}"
    );
    // The connection is still good for a well-formed message.
    let subject = unique("after-ambiguous");
    let raw = format!(
        "From: {}\r\nTo: {}\r\nBcc: {}\r\nSubject: {subject}\r\n\r\nfine\r\n",
        from.address, to.address, blind.address
    );
    client.send_mime(raw.as_bytes()).await.unwrap();
    assert!(capture.text().contains("MAIL FROM"));
    wait_for_message(&blind, &subject).await;
}

/// Everything a user could print of an error: Display, Debug, pretty Debug, the fields, and
/// the chain of sources.
fn everything_shown(err: &mailwire::Error) -> String {
    let mut shown = format!(
        "{err}\n{err:?}\n{err:#?}\n{}\n{:?}",
        err.message(),
        err.server_text()
    );
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        shown.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    shown
}

// conformance: errors.no-secrets
#[tokio::test(flavor = "current_thread")]
async fn secrets_with_line_breaks_or_nul_are_refused_and_never_shown() {
    let (capture, _guard) = crate::common::Capture::start();
    let from = user("t79");
    for auth in [
        Auth::password(&from.name, "Secret-Pw-5521\n"),
        Auth::password(&from.name, "Secret-Pw-5521\r\n"),
        Auth::password(&from.name, "Secret\r\nPw-5521"),
        Auth::password(&from.name, "Secret\0Pw-5521"),
        Auth::oauth2(&from.name, "Secret-Tok-5521\n"),
        Auth::oauth2(&from.name, "Secret\x01Tok-5521"),
    ] {
        let mut cfg = smtp_config(&from, Security::Tls);
        cfg.auth = auth;
        assert!(!format!("{cfg:?}").contains("5521"));
        let err = SmtpClient::connect(cfg).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
        let shown = everything_shown(&err);
        assert!(
            !shown.contains("Secret") && !shown.contains("5521"),
            "leaked: {shown}"
        );
        assert!(err.to_string().contains("cannot be sent"), "{err}");
    }
    let log = capture.text();
    assert!(!log.contains("5521"), "leaked into the trace:\n{log}");
}

// conformance: errors.no-secrets
#[tokio::test(flavor = "current_thread")]
async fn short_wrong_password_gives_a_readable_auth_error() {
    let (capture, _guard) = crate::common::Capture::start();
    let from = user("t79");
    for secret in ["p", "a"] {
        let mut cfg = smtp_config(&from, Security::Tls);
        cfg.auth = Auth::password(&from.name, secret);
        let err = SmtpClient::connect(cfg).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
        assert_eq!(err.smtp_code(), Some(535));
        assert_eq!(err.enhanced_code(), Some("5.7.8"));
        // The description is never touched; the server's text is either Postfix's own or,
        // when it happens to contain the secret, withheld as a whole — never mangled.
        assert_eq!(err.message(), "authentication as \"t79\" with PLAIN failed");
        let text = err.server_text().unwrap_or_default();
        assert!(
            text == "<server text withheld: it contained the credentials>"
                || (text.contains("authentication failed") && !text.contains(secret)),
            "{secret:?}: {text:?}"
        );
        assert!(!everything_shown(&err).contains("redacted"), "{err:?}");
    }
    let log = capture.text();
    assert!(log.contains("S: 535 5.7.8"), "{log}");
}

// conformance: auth.plaintext-opt-in
#[tokio::test(flavor = "current_thread")]
async fn credentials_over_plain_need_allow_plaintext_auth_and_fail_before_connecting() {
    let (capture, _guard) = crate::common::Capture::start();
    let from = user("t79");
    let mut cfg = smtp_config(&from, Security::Plain).allow_plaintext_auth(false);
    let err = SmtpClient::connect(cfg.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert!(err.to_string().contains("allow_plaintext_auth"), "{err}");
    for auth in [from.oauth2_auth(), from.password_auth()] {
        cfg.auth = auth;
        let err = SmtpClient::connect(cfg.clone()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    }
    let log = capture.text();
    assert!(
        !log.contains("connected to"),
        "a connection was opened:\n{log}"
    );
    // Without credentials nothing secret crosses the wire: the session starts (Postfix then
    // refuses the unauthenticated relay, which is beside the point here).
    cfg.auth = Auth::None;
    SmtpClient::connect(cfg.clone()).await.unwrap();
    // The explicit opt-in sends them.
    cfg.auth = from.password_auth();
    SmtpClient::connect(cfg.allow_plaintext_auth(true))
        .await
        .unwrap();
    assert!(capture.text().contains("AUTH PLAIN <redacted>"));
}

// conformance: smtp.send-raw, smtp.bcc-hidden
#[tokio::test]
async fn send_raw_removes_bcc_fields_and_refuses_ambiguous_ones() {
    let (from, to, blind) = (user("t75"), user("t76"), user("t77"));
    let client = SmtpClient::connect(smtp_config(&from, Security::StartTls))
        .await
        .unwrap();
    let subject = unique("raw-bcc");
    let raw = format!(
        "From: {}\r\nTo: {}\r\nBcc: {}\r\nSubject: {subject}\r\n\r\nraw\r\n",
        from.address, to.address, blind.address
    );
    let r = client
        .send_raw(&from.address, [&to.address, &blind.address], raw.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.accepted, vec![to.address.clone(), blind.address.clone()]);
    let got = wait_for_message(&to, &subject).await;
    let text = String::from_utf8_lossy(&got);
    assert!(!text.contains(blind.address.as_str()), "{text}");
    assert!(!lenient_header_names(&got).iter().any(|n| n == "bcc"));
    wait_for_message(&blind, &subject).await;

    let odd = format!(
        "From: {}\r\nTo: {}\r\n:\x0cB cc : {}\r\n\r\nraw\r\n",
        from.address, to.address, blind.address
    );
    let err = client
        .send_raw(&from.address, [&to.address], odd.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
}

// conformance: smtp.capabilities
#[tokio::test]
async fn the_ehlo_extensions_and_auth_mechanisms_are_readable() {
    let from = user("t05");
    let client = SmtpClient::connect(smtp_config(&from, Security::StartTls))
        .await
        .unwrap();
    let ext = client.extensions();
    // Postfix's submission service after STARTTLS (see devserver's master.cf).
    for keyword in ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"] {
        assert!(
            ext.iter().any(|e| e == keyword),
            "{keyword} missing: {ext:?}"
        );
    }
    assert!(ext.iter().any(|e| e.starts_with("SIZE ")), "{ext:?}");
    assert!(
        !ext.iter().any(|e| e == "STARTTLS"),
        "not offered again inside TLS: {ext:?}"
    );
    let mechs = client.auth_mechanisms();
    assert!(mechs.iter().any(|m| m == "PLAIN"), "{mechs:?}");
    assert!(
        ext.iter()
            .any(|e| e.starts_with("AUTH ") && e.contains("PLAIN")),
        "{ext:?}"
    );
    client.close().await.unwrap();
}
