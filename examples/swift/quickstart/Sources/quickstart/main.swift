// The mailwire quickstart in Swift: send a message with an attachment over SMTP, watch it
// arrive over IMAP, look at it before downloading, fetch just the attachment, then flag and
// move it. Reads the server settings from the MAILWIRE_* variables that `devserver env`
// prints. Mirrors examples/rust/src/quickstart.rs. The first argument picks the user
// (default alice); swift/run-tests.sh builds it and runs it as t99.
import Foundation
import Mailwire

func env(_ name: String) -> String {
    guard let v = ProcessInfo.processInfo.environment[name] else {
        fatalError("\(name) is not set: run `eval \"$(devserver/devserver env)\"`")
    }
    return v
}

let host = env("MAILWIRE_HOST")
let ca = FileManager.default.contents(atPath: env("MAILWIRE_CA"))!
let user = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "alice"
let password = env("MAILWIRE_PASSWORD_PATTERN").replacingOccurrences(of: "{user}", with: user)
let me = "\(user)@\(env("MAILWIRE_DOMAIN"))"

// Connect to both servers: IMAP over implicit TLS, SMTP submission over STARTTLS.
let imap = try await ImapClient.connect(config: ImapConfig(
    host: host, auth: Auth.password(username: user, password: password),
    port: UInt16(env("MAILWIRE_IMAPS_PORT"))!, caPem: ca))
let smtp = try await SmtpClient.connect(config: SmtpConfig(
    host: host, auth: Auth.password(username: user, password: password),
    port: UInt16(env("MAILWIRE_SMTP_PORT"))!, security: .startTls, caPem: ca))

// 1. Send a message with a PDF attachment.
let subject = "Quarterly report \(ProcessInfo.processInfo.processIdentifier)"
let pdf = Data(String(repeating: "%PDF-1.4\n% a tiny pretend PDF\n", count: 200).utf8)
let sent = try await smtp.send(message: OutgoingMessage(
    from: Address(address: me, name: "Alice Example"), to: [Address(address: me)],
    subject: subject, text: "Hello! The report is attached.",
    html: "<p>Hello! The report is <b>attached</b>.</p>",
    attachments: [Attachment(filename: "report.pdf", contentType: "application/pdf", data: pdf)]))
print("sent       \(sent.messageId ?? "?") to \(sent.accepted)")

// 2. Wait for it to arrive (IDLE wakes up when the server delivers it).
var uid: UInt32
while true {
    if let found = try await imap.search(mailbox: "INBOX", query: SearchQuery(subject: subject)).last {
        uid = found
        break
    }
    _ = try await imap.idle(mailbox: "INBOX", timeout: 5)
}
print("arrived    INBOX uid \(uid)")

// 3. Mailboxes with unread counts.
print("mailboxes")
let mailboxes = try await imap.listMailboxes()
for mailbox in mailboxes {
    let status = try await imap.mailboxStatus(name: mailbox.name)
    let role = mailbox.role.map { "\($0)" } ?? ""
    print("  \(mailbox.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(role) \(status.messages) messages, \(status.unseen) unread")
}

// 4. Look before downloading: envelope, size and the attachment list.
var summary: MessageSummary?
for try await s in try await imap.fetchStream(mailbox: "INBOX", uids: .of(uid)) { summary = s }
print("summary    \"\(summary!.envelope.subject ?? "")\" from \(summary!.envelope.from.first?.address ?? "?") (\(summary!.size) bytes)")
for a in summary!.attachments {
    print("  part \(a.part) \(a.filename ?? "-") \(a.contentType) (\(a.size) bytes encoded)")
}

// 5. Download just the attachment.
let path = NSTemporaryDirectory() + "mailwire-report-swift.pdf"
let written = try await imap.saveAttachment(mailbox: "INBOX", uid: uid, part: summary!.attachments[0].part, path: path)
precondition(FileManager.default.contents(atPath: path) == pdf, "the saved attachment differs")
print("saved      \(path) (\(written) bytes, identical to what was sent)")

// 6. Flag it and move it to the archive.
try await imap.addFlags(mailbox: "INBOX", uids: .of(uid), flags: [.flagged, .seen])
let archive = mailboxes.first { $0.role == .archive }?.name ?? "Archive"
let moved = try await imap.moveMessages(mailbox: "INBOX", uids: .of(uid), dest: archive)
print("moved      to \(archive) as uid \(moved.pairs.first.map { String($0.destination) } ?? "?")")

try await smtp.close()
try await imap.logout()
