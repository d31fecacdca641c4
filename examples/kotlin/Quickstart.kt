// The mailwire quickstart in Kotlin: send a message with an attachment over SMTP, watch it
// arrive over IMAP, look at it before downloading, fetch just the attachment, then flag and
// move it. Reads the server settings from the MAILWIRE_* variables that `devserver env`
// prints. Mirrors examples/rust/src/quickstart.rs.
//
// Built (and run, as user t89) by kotlin/'s `mvn test` (QuickstartTest); the first argument
// picks the user (default alice).
package dev.mailwire.examples

import dev.mailwire.Address
import dev.mailwire.Attachment
import dev.mailwire.Auth
import dev.mailwire.Flag
import dev.mailwire.ImapClient
import dev.mailwire.ImapConfig
import dev.mailwire.MailboxRole
import dev.mailwire.OutgoingMessage
import dev.mailwire.SearchQuery
import dev.mailwire.Security
import dev.mailwire.SmtpClient
import dev.mailwire.SmtpConfig
import dev.mailwire.UidSet
import dev.mailwire.fetchFlow
import dev.mailwire.of
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import java.io.File
import java.time.Duration

private fun env(name: String) = System.getenv(name) ?: error("$name is not set: run `eval \"\$(devserver/devserver env)\"`")

fun main(args: Array<String>) = runBlocking {
    val host = env("MAILWIRE_HOST")
    val ca = File(env("MAILWIRE_CA")).readBytes()
    val user = args.firstOrNull() ?: "alice"
    val password = env("MAILWIRE_PASSWORD_PATTERN").replace("{user}", user)
    val me = "$user@${env("MAILWIRE_DOMAIN")}"

    // Connect to both servers: IMAP over implicit TLS, SMTP submission over STARTTLS.
    val imap = ImapClient.connect(
        ImapConfig(host = host, auth = Auth.password(user, password), port = env("MAILWIRE_IMAPS_PORT").toUShort(), caPem = ca),
    )
    val smtp = SmtpClient.connect(
        SmtpConfig(
            host = host, auth = Auth.password(user, password), port = env("MAILWIRE_SMTP_PORT").toUShort(),
            security = Security.START_TLS, caPem = ca,
        ),
    )

    // 1. Send a message with a PDF attachment.
    val subject = "Quarterly report ${ProcessHandle.current().pid()}"
    val pdf = "%PDF-1.4\n% a tiny pretend PDF\n".repeat(200).toByteArray()
    val sent = smtp.send(
        OutgoingMessage(
            from = Address(me, "Alice Example"),
            to = listOf(Address(me)),
            subject = subject,
            text = "Hello! The report is attached.",
            html = "<p>Hello! The report is <b>attached</b>.</p>",
            attachments = listOf(Attachment("report.pdf", "application/pdf", pdf)),
        ),
    )
    println("sent       ${sent.messageId} to ${sent.accepted}")

    // 2. Wait for it to arrive (IDLE wakes up when the server delivers it).
    var uid: UInt
    while (true) {
        val found = imap.search("INBOX", SearchQuery(subject = subject))
        if (found.isNotEmpty()) { uid = found.last(); break }
        imap.idle("INBOX", Duration.ofSeconds(5))
    }
    println("arrived    INBOX uid $uid")

    // 3. Mailboxes with unread counts.
    println("mailboxes")
    val mailboxes = imap.listMailboxes()
    for (mailbox in mailboxes) {
        val status = imap.mailboxStatus(mailbox.name)
        val role = mailbox.role?.name?.lowercase() ?: ""
        println("  %-10s %8s %4d messages, %4d unread".format(mailbox.name, role, status.messages.toInt(), status.unseen.toInt()))
    }

    // 4. Look before downloading: envelope, size and the attachment list.
    val summary = imap.fetchFlow("INBOX", UidSet.of(uid)).first()
    println("summary    \"${summary.envelope.subject}\" from ${summary.envelope.from.firstOrNull()?.address} (${summary.size} bytes)")
    for (a in summary.attachments) {
        println("  part ${a.part} ${a.filename ?: "-"} ${a.contentType} (${a.size} bytes encoded)")
    }

    // 5. Download just the attachment.
    val path = File(System.getProperty("java.io.tmpdir"), "mailwire-report-kt.pdf")
    val written = imap.saveAttachment("INBOX", uid, summary.attachments[0].part, path.path)
    check(path.readBytes().contentEquals(pdf)) { "the saved attachment differs" }
    println("saved      $path ($written bytes, identical to what was sent)")

    // 6. Flag it and move it to the archive.
    imap.addFlags("INBOX", UidSet.of(uid), listOf(Flag.Flagged, Flag.Seen))
    val archive = mailboxes.firstOrNull { it.role == MailboxRole.ARCHIVE }?.name ?: "Archive"
    val moved = imap.moveMessages("INBOX", UidSet.of(uid), archive)
    println("moved      to $archive as uid ${moved.pairs.firstOrNull()?.destination}")

    smtp.close()
    imap.logout()
}
