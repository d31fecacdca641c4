//! Sending through Postfix and reading through Dovecot: rich messages, Bcc, IDLE woken by
//! real delivery, reply and forward built from a fetched message.

use std::time::{Duration, Instant};

use crate::common::*;
use mailwire::imap::{FetchOptions, MailboxEvent, SearchQuery};
use mailwire::{Address, Attachment, ImapClient, Message, OutgoingMessage, Security, SmtpClient};

fn addr(name: &str) -> Address {
    Address::new(None::<String>, user(name).address)
}

async fn wait_for(c: &ImapClient, subject: &str) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(uid) = c
            .search("INBOX", &SearchQuery::subject(subject))
            .await
            .unwrap()
            .last()
        {
            return *uid;
        }
        assert!(Instant::now() < deadline, "{subject} never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// conformance: smtp.send, smtp.bcc-hidden, imap.fetch.message, message.build
#[tokio::test]
async fn a_rich_message_arrives_whole_and_bcc_stays_hidden() {
    let smtp = SmtpClient::connect(smtp_config(&user("t30"), Security::Tls))
        .await
        .unwrap();
    let subject = format!("Grüße 📎 {}", unique("rich"));
    let video = random_bytes(3 * 1024 * 1024, 11);
    let audio = random_bytes(40_000, 12);
    let logo = random_bytes(2_000, 13);
    let msg = OutgoingMessage::new()
        .from(Address::new(Some("Zoë Sender, Esq."), user("t30").address))
        .to(addr("t31"))
        .cc(addr("t32"))
        .bcc(addr("t33"))
        .subject(&subject)
        .text("Plain text körper")
        .html("<p>HTML <img src=\"cid:logo1\"></p>")
        .attach(Attachment::new("clip.mp4", "video/mp4", video.clone()))
        .attach(Attachment::new(
            "voice ñote.wav",
            "audio/wav",
            audio.clone(),
        ))
        .attach(Attachment::inline("logo1", "image/png", logo.clone()));
    let sent = smtp.send(&msg).await.unwrap();
    assert_eq!(sent.accepted.len(), 3);
    assert!(sent.rejected.is_empty());
    assert!(sent.message_id.is_some());

    for user in ["t31", "t32", "t33"] {
        let c = imap(user).await;
        let uid = wait_for(&c, &subject).await;
        let summary = &c
            .fetch_all("INBOX", uid, FetchOptions::default())
            .await
            .unwrap()[0];
        assert_eq!(summary.envelope.subject.as_deref(), Some(subject.as_str()));
        assert_eq!(
            summary.envelope.from[0].name.as_deref(),
            Some("Zoë Sender, Esq.")
        );
        assert!(summary.envelope.bcc.is_empty(), "Bcc leaked to {user}");
        let names: Vec<_> = summary
            .attachments
            .iter()
            .map(|a| a.filename.clone().unwrap_or_default())
            .collect();
        assert!(
            names.contains(&"clip.mp4".to_string())
                && names.contains(&"voice ñote.wav".to_string()),
            "{names:?}"
        );
        let raw = c.fetch_raw("INBOX", uid).await.unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            !text
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "Bcc header delivered"
        );
        let m: Message = c.fetch_message("INBOX", uid).await.unwrap();
        assert!(m.text.as_deref().unwrap().contains("Plain text körper"));
        assert!(m.html.as_deref().unwrap().contains("cid:logo1"));
        let get = |name: &str| {
            m.attachments
                .iter()
                .find(|a| a.filename.as_deref() == Some(name))
                .unwrap()
                .data
                .clone()
        };
        assert_eq!(get("clip.mp4"), video);
        assert_eq!(get("voice ñote.wav"), audio);
        let inline = m
            .attachments
            .iter()
            .find(|a| a.content_id.as_deref() == Some("logo1"))
            .unwrap();
        assert!(inline.inline);
        assert_eq!(inline.data, logo);
        // The video downloaded as one part, without the rest of the message.
        let part = summary
            .attachments
            .iter()
            .find(|a| a.filename.as_deref() == Some("clip.mp4"))
            .unwrap()
            .part
            .clone();
        assert_eq!(c.download("INBOX", uid, &part).await.unwrap(), video);
    }
}

// conformance: smtp.per-recipient
#[tokio::test]
async fn one_refused_recipient_does_not_stop_the_others() {
    let smtp = SmtpClient::connect(smtp_config(&user("t34"), Security::StartTls))
        .await
        .unwrap();
    let subject = unique("partial");
    let msg = OutgoingMessage::new()
        .from(addr("t34"))
        .to(addr("t35"))
        .to(Address::new(None::<String>, "nobody@localhost"))
        .cc(addr("t36"))
        .subject(&subject)
        .text("two of three");
    let r = smtp.send(&msg).await.unwrap();
    assert_eq!(r.accepted, vec![user("t35").address, user("t36").address]);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].address, "nobody@localhost");
    assert_eq!(r.rejected[0].code, 550);
    assert_eq!(r.rejected[0].enhanced_code.as_deref(), Some("5.1.1"));
    assert!(r.rejected[0].is_permanent());
    wait_for(&imap("t35").await, &subject).await;
    wait_for(&imap("t36").await, &subject).await;
}

// conformance: imap.idle
#[tokio::test]
async fn idle_wakes_within_a_second_of_smtp_delivery() {
    let c = imap("t37").await;
    c.mailbox_status("INBOX").await.unwrap();
    let smtp = SmtpClient::connect(smtp_config(&user("t38"), Security::Tls))
        .await
        .unwrap();
    let subject = unique("push");
    let msg = OutgoingMessage::new()
        .from(addr("t38"))
        .to(addr("t37"))
        .subject(&subject)
        .text("wake up");
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        smtp.send(&msg).await.unwrap();
        Instant::now()
    });
    let events = c.idle("INBOX", Duration::from_secs(15)).await.unwrap();
    let woke = Instant::now();
    let sent_at = sender.await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, MailboxEvent::Exists { .. })),
        "{events:?}"
    );
    let delay = woke.saturating_duration_since(sent_at);
    assert!(
        delay < Duration::from_secs(1),
        "IDLE woke {delay:?} after the send returned"
    );
    wait_for(&c, &subject).await;
}

// conformance: message.reply-forward, imap.fetch.message
#[tokio::test]
async fn reply_and_forward_from_a_fetched_message() {
    let (a, b, c_user) = ("t39", "t40", "t41");
    let smtp_a = SmtpClient::connect(smtp_config(&user(a), Security::Tls))
        .await
        .unwrap();
    let subject = unique("Plans");
    let original = OutgoingMessage::new()
        .from(addr(a))
        .to(addr(b))
        .subject(&subject)
        .text("Shall we meet on Friday?\nBring the slides.")
        .attach(Attachment::new(
            "slides.pdf",
            "application/pdf",
            b"%PDF-1.4 slides".to_vec(),
        ));
    smtp_a.send(&original).await.unwrap();

    let inbox_b = imap(b).await;
    let uid = wait_for(&inbox_b, &subject).await;
    let fetched = inbox_b.fetch_message("INBOX", uid).await.unwrap();

    let smtp_b = SmtpClient::connect(smtp_config(&user(b), Security::Tls))
        .await
        .unwrap();
    // The reply comes with the quote; the answer goes on top of it.
    let mut reply = OutgoingMessage::reply(&fetched, false, addr(b));
    reply.text = Some(format!(
        "Friday works.\n\n{}",
        reply.text.unwrap_or_default()
    ));
    smtp_b.send(&reply).await.unwrap();
    let forward = OutgoingMessage::forward(&fetched, addr(b)).to(addr(c_user));
    smtp_b.send(&forward).await.unwrap();

    let inbox_a = imap(a).await;
    let r_uid = wait_for(&inbox_a, &format!("Re: {subject}")).await;
    let r = inbox_a.fetch_message("INBOX", r_uid).await.unwrap();
    let orig_id = fetched.message_id.clone().unwrap();
    assert_eq!(r.in_reply_to, vec![orig_id.clone()]);
    assert!(r.references.contains(&orig_id));
    let text = r.text.as_deref().unwrap();
    assert!(text.starts_with("Friday works."), "{text}");
    assert!(text.contains("> Shall we meet on Friday?"), "{text}");

    let inbox_c = imap(c_user).await;
    let f_uid = wait_for(&inbox_c, &format!("Fwd: {subject}")).await;
    let f = inbox_c.fetch_message("INBOX", f_uid).await.unwrap();
    assert!(f
        .text
        .as_deref()
        .unwrap()
        .contains("Shall we meet on Friday?"));
    let slides = f
        .attachments
        .iter()
        .find(|x| x.filename.as_deref() == Some("slides.pdf"))
        .unwrap();
    assert_eq!(slides.data, b"%PDF-1.4 slides");
}

// conformance: input.line-breaks
#[tokio::test]
async fn crlf_in_a_header_is_refused_before_sending() {
    let smtp = SmtpClient::connect(smtp_config(&user("t42"), Security::Tls))
        .await
        .unwrap();
    let msg = OutgoingMessage::new()
        .from(addr("t42"))
        .to(addr("t43"))
        .subject("hi\r\nBcc: victim@x")
        .text("x");
    let err = smtp.send(&msg).await.unwrap_err();
    assert_eq!(err.kind(), mailwire::ErrorKind::InvalidInput);
}

// conformance: smtp.send-raw, smtp.bcc-hidden
#[tokio::test]
async fn send_mime_takes_the_envelope_from_headers_and_hides_bcc() {
    let smtp = SmtpClient::connect(smtp_config(&user("t44"), Security::Tls))
        .await
        .unwrap();
    let subject = unique("mime");
    let raw = format!(
        "From: {}\r\nTo: {}\r\nBcc: {}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@test>\r\n\r\nhello\r\n",
        user("t44").address,
        user("t45").address,
        user("t46").address
    );
    let r = smtp.send_mime(raw.as_bytes()).await.unwrap();
    assert_eq!(r.accepted, vec![user("t45").address, user("t46").address]);
    assert_eq!(
        r.message_id.as_deref(),
        Some(format!("{subject}@test").as_str())
    );
    for name in ["t45", "t46"] {
        let c = imap(name).await;
        let uid = wait_for(&c, &subject).await;
        let got = String::from_utf8(c.fetch_raw("INBOX", uid).await.unwrap()).unwrap();
        assert!(!got.to_ascii_lowercase().contains("\nbcc:"));
    }
}
