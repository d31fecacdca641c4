//! The mailwire quickstart: send a message with an attachment over SMTP, watch it arrive
//! over IMAP, look at it before downloading, fetch just the attachment, then flag and move
//! it. Reads the server settings from the `MAILWIRE_*` variables that `devserver env`
//! prints.

use std::time::Duration;

use mailwire::imap::{FetchOptions, Flag, SearchQuery};
use mailwire::message::{Address, Attachment};
use mailwire::{Auth, ImapClient, ImapConfig, OutgoingMessage, SmtpClient, SmtpConfig};

fn var(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run `eval \"$(devserver/devserver env)\"`"))
}

#[tokio::main]
async fn main() -> Result<(), mailwire::Error> {
    let host = var("MAILWIRE_HOST");
    let ca = std::fs::read(var("MAILWIRE_CA")).expect("read the devserver CA");
    let (user, password) = (
        "alice",
        var("MAILWIRE_PASSWORD_PATTERN").replace("{user}", "alice"),
    );
    let me = format!("{user}@{}", var("MAILWIRE_DOMAIN"));

    // Connect to both servers: IMAP over implicit TLS, SMTP submission over STARTTLS.
    let imap = ImapClient::connect(
        ImapConfig::new(&host, Auth::password(user, &password))
            .port(var("MAILWIRE_IMAPS_PORT").parse().expect("port"))
            .ca_pem(ca.clone()),
    )
    .await?;
    let smtp = SmtpClient::connect(
        SmtpConfig::new(&host, Auth::password(user, &password))
            .security(mailwire::Security::StartTls)
            .port(var("MAILWIRE_SMTP_PORT").parse().expect("port"))
            .ca_pem(ca),
    )
    .await?;

    // 1. Send a message with a PDF attachment.
    let subject = format!("Quarterly report {}", std::process::id());
    let pdf = b"%PDF-1.4\n% a tiny pretend PDF\n".repeat(200);
    let message = OutgoingMessage::new()
        .from(Address::new(Some("Alice Example"), me.clone()))
        .to(Address::new(None::<String>, me.clone()))
        .subject(&subject)
        .text("Hello! The report is attached.")
        .html("<p>Hello! The report is <b>attached</b>.</p>")
        .attach(Attachment::new(
            "report.pdf",
            "application/pdf",
            pdf.clone(),
        ));
    let sent = smtp.send(&message).await?;
    println!(
        "sent       {} to {:?}",
        sent.message_id.as_deref().unwrap_or("?"),
        sent.accepted
    );

    // 2. Wait for it to arrive (IDLE wakes up when the server delivers it).
    let query = SearchQuery::subject(&subject);
    let uid = loop {
        if let Some(uid) = imap.search("INBOX", &query).await?.last().copied() {
            break uid;
        }
        imap.idle("INBOX", Duration::from_secs(5)).await?;
    };
    println!("arrived    INBOX uid {uid}");

    // 3. Mailboxes with unread counts.
    println!("mailboxes");
    for mailbox in imap.list_mailboxes().await? {
        let status = imap.mailbox_status(&mailbox.name).await?;
        let role = mailbox.role.map(|r| r.as_str()).unwrap_or("");
        println!(
            "  {:<10} {:>8} {:>4} messages, {:>4} unread",
            mailbox.name, role, status.messages, status.unseen
        );
    }

    // 4. Look before downloading: envelope, size and the attachment list.
    let summary = imap
        .fetch_all("INBOX", uid, FetchOptions::default())
        .await?
        .remove(0);
    println!(
        "summary    {:?} from {} ({} bytes)",
        summary.envelope.subject.as_deref().unwrap_or(""),
        summary
            .envelope
            .from
            .first()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        summary.size
    );
    for a in &summary.attachments {
        println!(
            "  part {} {} {} ({} bytes encoded)",
            a.part,
            a.filename.as_deref().unwrap_or("-"),
            a.content_type,
            a.size
        );
    }

    // 5. Download just the attachment.
    let part = &summary.attachments[0].part;
    let path = std::env::temp_dir().join("mailwire-report.pdf");
    let written = imap
        .save_attachment("INBOX", uid, part, &path, None)
        .await?;
    assert_eq!(std::fs::read(&path).expect("read back"), pdf);
    println!(
        "saved      {} ({written} bytes, identical to what was sent)",
        path.display()
    );

    // 6. Flag it and move it to the archive.
    imap.add_flags("INBOX", uid, &[Flag::Flagged, Flag::Seen])
        .await?;
    let archive = imap
        .list_mailboxes()
        .await?
        .into_iter()
        .find(|m| m.role == Some(mailwire::imap::MailboxRole::Archive))
        .map(|m| m.name)
        .unwrap_or_else(|| "Archive".into());
    let moved = imap.move_messages("INBOX", uid, &archive).await?;
    println!("moved      to {archive} as uid {:?}", moved.get(uid));

    smtp.close().await?;
    imap.logout().await?;
    Ok(())
}
