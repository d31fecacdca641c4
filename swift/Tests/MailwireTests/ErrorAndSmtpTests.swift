import Foundation
import XCTest
@testable import Mailwire

/// Bad inputs raise the MailError case of DESIGN §4; SMTP through the real Postfix
/// (users t94…t98, user19).
final class ErrorAndSmtpTests: XCTestCase {
    // conformance: auth.refused, errors.fields, errors.no-secrets
    func testWrongPasswordIsAuth() async throws {
        let e = await mailError { _ = try await ImapClient.connect(config: Dev.imap("t96", password: "wrong")) }
        guard case let .Auth(text, _, responseCode, _, _, description, permanent, transient, _) = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertFalse(text.contains("wrong"))
        // The core's error fields: a refused login is permanent, as in SMTP.
        XCTAssertEqual(responseCode, "AUTHENTICATIONFAILED")
        XCTAssertTrue(permanent)
        XCTAssertFalse(transient)
        XCTAssertTrue(text.hasPrefix(description), "\(text) / \(description)")
    }

    // conformance: errors.no-secrets
    func testSecretsWithLineBreaksOrNulAreInvalidInputAndNeverShown() async throws {
        // A password read from a file often ends in a newline (issue 12).
        for tail in ["\n", "\r\n", "\u{0}", "\r"] {
            let secret = "Zq-unusual-Secret-9" + tail
            let errors = [
                await mailError { _ = try await ImapClient.connect(config: Dev.imap("t96", password: secret)) },
                await mailError { _ = try await SmtpClient.connect(config: Dev.smtp("t96", password: secret)) },
            ]
            for e in errors {
                guard case .InvalidInput = e else { return XCTFail("\(String(describing: e))") }
                for text in [e!.text, e!.localizedDescription, String(describing: e!), String(reflecting: e!)] {
                    XCTAssertFalse(text.contains("Zq-unusual-Secret-9"), text)
                }
            }
        }
    }

    // conformance: tls.verify
    func testUntrustedCertificateIsTls() async throws {
        let e = await mailError { _ = try await ImapClient.connect(config: Dev.imap("t97", ca: nil)) }
        guard case .Tls = e else { return XCTFail("\(String(describing: e))") }
    }

    // conformance: tls.starttls-required
    func testStarttlsThatTheServerDoesNotOfferIsTlsNeverPlaintext() async throws {
        // The devserver's legacy address runs Dovecot and Postfix with TLS off: no STARTTLS.
        var imap = Dev.imap("user19")
        imap.host = Dev.v("MAILWIRE_LEGACY_HOST")
        imap.port = UInt16(Dev.v("MAILWIRE_IMAP_PORT"))!
        imap.security = .startTls
        let i = await mailError { _ = try await ImapClient.connect(config: imap) }
        guard case let .Tls(itext, _, _, _, _, _, _, _, _) = i else { return XCTFail("\(String(describing: i))") }
        XCTAssertTrue(itext.contains("STARTTLS"), itext)
        var smtp = Dev.smtp("user19")
        smtp.host = Dev.v("MAILWIRE_LEGACY_HOST")
        smtp.port = UInt16(Dev.v("MAILWIRE_SMTP_PLAIN_PORT"))!
        smtp.security = .startTls
        let s = await mailError { _ = try await SmtpClient.connect(config: smtp) }
        guard case let .Tls(stext, _, _, _, _, _, _, _, _) = s else { return XCTFail("\(String(describing: s))") }
        XCTAssertTrue(stext.contains("STARTTLS"), stext)
        // Proof that the server is there and would talk in plaintext: nothing fell back to it.
        imap.security = .plain
        imap.allowPlaintextAuth = true
        let plain = try await ImapClient.connect(config: imap)
        try await plain.noop()
        try await plain.logout()
    }

    // conformance: imap.mailboxes.manage, errors.fields
    func testMissingMailboxIsNotFoundAndExistingIsAlreadyExists() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t97"))
        let missing = await mailError { _ = try await c.mailboxStatus(name: Dev.unique("Nope")) }
        guard case .NotFound = missing else { return XCTFail("\(String(describing: missing))") }
        let name = Dev.unique("SwExists")
        try await c.createMailbox(name: name)
        let e = await mailError { try await c.createMailbox(name: name) }
        guard case let .AlreadyExists(_, serverText, responseCode, _, _, _, _, _, _) = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(responseCode, "ALREADYEXISTS")
        XCTAssertNotNil(serverText)
        try await c.deleteMailbox(name: name)
        try await c.logout()
    }

    // conformance: input.line-breaks
    func testCrlfInANameIsInvalidInput() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t97"))
        let e = await mailError { try await c.createMailbox(name: "evil\r\nA1 LOGOUT") }
        guard case .InvalidInput = e else { return XCTFail("\(String(describing: e))") }
        let p = await mailError { _ = try parseAddress(text: "not an address") }
        guard case .InvalidInput = p else { return XCTFail("\(String(describing: p))") }
        try await c.noop()
        try await c.logout()
    }

    // conformance: imap.outage
    func testServerKilledMidFetchFailsWithConnectThenNextCallWorks() async throws {
        var timeouts = defaultTimeouts()
        timeouts.command = 5
        let c = try await ImapClient.connect(config: Dev.imap("t94", timeouts: timeouts))
        let mb = Dev.unique("SwOutage")
        try await c.createMailbox(name: mb)
        // 4096 messages (one appended, then doubled by COPY); every other UID makes a UID set
        // too long for one command, so the kill lands between the fetch's commands.
        _ = try await c.append(mailbox: mb, data: Dev.rawMessage("outage"))
        for _ in 0..<12 {
            let all = try await c.search(mailbox: mb, query: SearchQuery())
            _ = try await c.copyMessages(mailbox: mb, uids: .of(uids: all), dest: mb)
        }
        let all = try await c.search(mailbox: mb, query: SearchQuery())
        XCTAssertEqual(all.count, 4096)
        let uids = all.enumerated().filter { $0.offset % 2 == 0 }.map { $0.element }
        let stream = try await c.fetch(mailbox: mb, uids: .of(uids: uids), options: FetchOptions())
        let first = try await stream.nextBatch(max: 1)
        XCTAssertEqual(first.count, 1)
        try Dev.killSessions("t94")
        let t0 = Date()
        let e = await mailError { while try await !stream.nextBatch(max: 50).isEmpty {} }
        switch e {
        case .Connect?, .Timeout?: break
        default: XCTFail("expected Connect or Timeout, got \(String(describing: e))")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 15)
        let st = try await c.mailboxStatus(name: mb)
        XCTAssertEqual(st.messages, 4096)
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    private func waitFor(_ c: ImapClient, _ subject: String) async throws -> [UInt32] {
        for _ in 0..<100 {
            let found = try await c.search(mailbox: "INBOX", query: SearchQuery(subject: subject))
            if !found.isEmpty { return found }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        XCTFail("\(subject) did not arrive")
        return []
    }

    // conformance: smtp.connect.starttls, smtp.send, smtp.per-recipient
    func testSendWithAttachmentReportsEachRecipient() async throws {
        let smtp = try await SmtpClient.connect(config: Dev.smtp("t95"))
        let imap = try await ImapClient.connect(config: Dev.imap("t98"))
        let subject = Dev.unique("sw send")
        let pdf = Data((0..<100_000).map { UInt8($0 % 13) })
        let progress = Progress()
        let r = try await smtp.send(message: OutgoingMessage(
            from: Address(address: Dev.address("t95"), name: "Tee"),
            to: [Address(address: Dev.address("t98")), Address(address: "nobody@localhost")],
            subject: subject, text: "hello",
            attachments: [Attachment(filename: "a.pdf", contentType: "application/pdf", data: pdf)]),
            progress: progress)
        XCTAssertEqual(r.accepted, [Dev.address("t98")])
        XCTAssertEqual(r.rejected.count, 1)
        XCTAssertEqual(r.rejected[0].address, "nobody@localhost")
        XCTAssertEqual(r.rejected[0].code, 550)
        XCTAssertEqual(r.rejected[0].enhancedCode, "5.1.1")
        XCTAssertTrue(r.rejected[0].permanent)
        XCTAssertGreaterThan(progress.done, 100_000)
        let uid = try await waitFor(imap, subject)[0]
        let m = try await imap.fetchMessage(mailbox: "INBOX", uid: uid)
        XCTAssertEqual(m.messageId, r.messageId)
        XCTAssertEqual(m.attachments.first?.data, pdf)
        try await smtp.close()
        try await imap.logout()
    }

    // conformance: smtp.per-recipient, errors.fields, smtp.close
    func testAllRecipientsRefusedIsRejectedWithCodes() async throws {
        let smtp = try await SmtpClient.connect(config: Dev.smtp("t95"))
        let e = await mailError {
            _ = try await smtp.sendRaw(from: Dev.address("t95"), recipients: ["nobody@localhost"], data: Dev.rawMessage("x"))
        }
        guard case let .Rejected(text, _, _, smtpCode, enhancedCode, _, permanent, transient, _) = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(smtpCode, 550)
        XCTAssertEqual(enhancedCode, "5.1.1")
        XCTAssertTrue(permanent)
        XCTAssertFalse(transient)
        XCTAssertTrue(text.contains("550"))
        try await smtp.close()
        let closed = await mailError { _ = try await smtp.sendMime(data: Dev.rawMessage("y")) }
        guard case .Closed = closed else { return XCTFail("\(String(describing: closed))") }
    }

    // conformance: auth.refused
    func testSmtpWrongPasswordIsAuth() async throws {
        let e = await mailError { _ = try await SmtpClient.connect(config: Dev.smtp("t96", password: "nope")) }
        guard case .Auth = e else { return XCTFail("\(String(describing: e))") }
    }

    // conformance: smtp.send-raw, smtp.bcc-hidden, smtp.progress
    func testSendRawAndSendMimeDeliver() async throws {
        let smtp = try await SmtpClient.connect(config: Dev.smtp("t95"))
        let imap = try await ImapClient.connect(config: Dev.imap("t98"))
        // Both report progress: bytes of the message sent and its size, the last call complete.
        let s1 = Dev.unique("sw raw")
        let sent = Dev.rawMessage(s1, body: String(repeating: "r", count: 200_000))
        let rawProgress = Progress()
        _ = try await smtp.sendRaw(from: Dev.address("t95"), recipients: [Dev.address("t98")], data: sent, progress: rawProgress)
        XCTAssertEqual(rawProgress.done, UInt64(sent.count))
        XCTAssertEqual(rawProgress.total, rawProgress.done)
        let s2 = Dev.unique("sw mime")
        let bcc = "Bcc: nobody-visible@localhost\r\n"
        let mime = "From: t95@localhost\r\nTo: t98@localhost\r\n\(bcc)Subject: \(s2)\r\n\r\n\(String(repeating: "m", count: 200_000))\r\n"
        let mimeProgress = Progress()
        let r = try await smtp.sendMime(data: Data(mime.utf8), progress: mimeProgress)
        XCTAssertEqual(r.accepted, [Dev.address("t98")])
        XCTAssertEqual(r.rejected.map { $0.address }, ["nobody-visible@localhost"])
        XCTAssertEqual(mimeProgress.total, mimeProgress.done)
        XCTAssertGreaterThan(mimeProgress.done, 200_000)
        XCTAssertLessThanOrEqual(mimeProgress.done, UInt64(mime.utf8.count - bcc.utf8.count))
        _ = try await waitFor(imap, s1)
        let uid = try await waitFor(imap, s2)[0]
        let raw = try await imap.fetchRaw(mailbox: "INBOX", uid: uid)
        XCTAssertFalse(String(decoding: raw, as: UTF8.self).contains("Bcc:"))
        try await smtp.close()
        try await imap.logout()
    }

    // conformance: message.parse, message.reply-forward
    func testParseReplyAndForwardOffline() throws {
        let raw = "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Plans\r\nMessage-ID: <p1@example.com>\r\nDate: Tue, 1 Oct 2024 10:00:00 +0200\r\n\r\nSee you\r\n"
        let m = try parseMessage(data: Data(raw.utf8))
        XCTAssertEqual(m.subject, "Plans")
        XCTAssertEqual(m.from, [Address(address: "ann@example.com", name: "Ann")])
        XCTAssertEqual(m.date, ISO8601DateFormatter().date(from: "2024-10-01T08:00:00Z"))
        let reply = try replyToMessage(original: m, replyAll: false, from: Address(address: "bob@example.com"))
        XCTAssertEqual(reply.subject, "Re: Plans")
        XCTAssertEqual(reply.inReplyTo, "p1@example.com")
        let fwd = try forwardMessage(original: m, from: Address(address: "bob@example.com"))
        XCTAssertTrue(fwd.subject?.hasPrefix("Fwd") ?? false)
        // The caller's text goes above the quote / the forwarded message (the core's layout).
        let answered = try replyToMessage(original: m, replyAll: false, from: Address(address: "bob@example.com"), text: "Yes!")
        XCTAssertTrue(answered.text?.hasPrefix("Yes!\n\nOn ") ?? false, "\(String(describing: answered.text))")
        XCTAssertTrue(answered.text?.contains("> See you") ?? false)
        let noted = try forwardMessage(original: m, from: Address(address: "bob@example.com"), text: "FYI")
        XCTAssertTrue(noted.text?.hasPrefix("FYI\n\n") ?? false)
        XCTAssertTrue(noted.text?.contains("Forwarded message") ?? false)
        let parsed = try parseAddress(text: "Jane Doe <jane@example.com>")
        XCTAssertEqual(parsed, Address(address: "jane@example.com", name: "Jane Doe"))
        let secret = Auth.password(username: "u", password: "secret-pw").description
        XCTAssertFalse(secret.contains("secret-pw"))
    }

    // conformance: smtp.auth.xoauth2
    func testAnOAuth2TokenDeliversAndABadTokenIsPermanentAuth() async throws {
        var cfg = Dev.smtp("user19")
        cfg.auth = Auth.oauth2(username: "user19", accessToken: Dev.token("user19"))
        let smtp = try await SmtpClient.connect(config: cfg)
        let imap = try await ImapClient.connect(config: Dev.imap("user19"))
        let subject = Dev.unique("sw xoauth2")
        let r = try await smtp.send(message: OutgoingMessage(
            from: Address(address: Dev.address("user19")), to: [Address(address: Dev.address("user19"))],
            subject: subject, text: "token"), progress: nil)
        XCTAssertEqual(r.accepted, [Dev.address("user19")])
        let found = try await waitFor(imap, subject)
        XCTAssertEqual(found.count, 1)
        let m = try await imap.fetchMessage(mailbox: "INBOX", uid: found[0])
        XCTAssertEqual(m.messageId, r.messageId)
        try await smtp.close()
        try await imap.logout()
        cfg.auth = Auth.oauth2(username: "user19", accessToken: "not-the-token-7q")
        let bad = await mailError { _ = try await SmtpClient.connect(config: cfg) }
        guard case let .Auth(text, _, _, _, _, _, permanent, transient, _) = bad else { return XCTFail("\(String(describing: bad))") }
        XCTAssertTrue(permanent)
        XCTAssertFalse(transient)
        for shown in [text, bad!.localizedDescription, String(describing: bad!), String(reflecting: bad!)] {
            XCTAssertFalse(shown.contains("not-the-token-7q"), shown)
        }
    }

    // conformance: smtp.connect.tls
    func testImplicitTlsLogsInAndDelivers() async throws {
        var cfg = Dev.smtp("user19")
        cfg.port = UInt16(Dev.v("MAILWIRE_SMTPS_PORT"))!
        cfg.security = .tls
        let smtp = try await SmtpClient.connect(config: cfg)
        let imap = try await ImapClient.connect(config: Dev.imap("user19"))
        let subject = Dev.unique("sw smtps")
        let raw = Dev.rawMessage(subject, body: "over implicit TLS", from: Dev.address("user19"))
        let r = try await smtp.sendRaw(from: Dev.address("user19"), recipients: [Dev.address("user19")], data: raw)
        XCTAssertEqual(r.accepted, [Dev.address("user19")])
        let found = try await waitFor(imap, subject)
        XCTAssertEqual(found.count, 1)
        let got = try await imap.fetchRaw(mailbox: "INBOX", uid: found[0])
        XCTAssertTrue(String(decoding: got, as: UTF8.self).contains("over implicit TLS"))
        try await smtp.close()
        try await imap.logout()
        // The certificate is checked on this port too: without the test CA it is a Tls error.
        cfg.caPem = nil
        let untrusted = await mailError { _ = try await SmtpClient.connect(config: cfg) }
        guard case .Tls = untrusted else { return XCTFail("\(String(describing: untrusted))") }
    }

    /// Runs `work` on a new client built from `config` and counts the SMTP connections it
    /// opened, from the trace (the listener is called before each call returns).
    private func connectionsOpened(_ config: SmtpConfig, _ work: (SmtpClient) async throws -> Void) async throws -> Int {
        let got = Lines()
        setTraceListener(listener: got)
        defer { setTraceListener(listener: nil) }
        let smtp = try await SmtpClient.connect(config: config)
        try await work(smtp)
        try await smtp.close()
        let lines = got.lines.filter { $0.target == "mailwire.smtp" }.map { $0.line }
        let opened = lines.filter { $0.hasPrefix("connected to") }.count
        // Every connection ends with QUIT, at the latest on close.
        XCTAssertEqual(opened, lines.filter { $0.hasPrefix("C: QUIT") }.count, "\(lines)")
        return opened
    }

    // conformance: smtp.pool
    func testSendsSharePooledConnectionsReusedWhileFreshAndBoundedInNumber() async throws {
        let me = Dev.address("t96")
        let mail = { (i: Int) in
            OutgoingMessage(from: Address(address: me), to: [Address(address: me)], subject: Dev.unique("sw pool \(i)"), text: "pooled")
        }
        let twoSends = { (smtp: SmtpClient) async throws in
            for i in 1...2 {
                let r = try await smtp.send(message: mail(i), progress: nil)
                XCTAssertEqual(r.accepted, [me])
            }
        }
        // The connection opened by connect() carries both sends.
        var opened = try await connectionsOpened(Dev.smtp("t96"), twoSends)
        XCTAssertEqual(opened, 1)
        // Idle for longer than zero: each send closes the pooled one and opens another.
        var fresh = Dev.smtp("t96")
        fresh.poolIdleTimeout = 0
        opened = try await connectionsOpened(fresh, twoSends)
        XCTAssertEqual(opened, 3)
        // Eight sends at once share at most two connections.
        var two = Dev.smtp("t96")
        two.poolSize = 2
        opened = try await connectionsOpened(two) { smtp in
            try await withThrowingTaskGroup(of: [String].self) { group in
                for i in 1...8 { group.addTask { try await smtp.send(message: mail(i), progress: nil).accepted } }
                for try await accepted in group { XCTAssertEqual(accepted, [me]) }
            }
        }
        XCTAssertTrue((1...2).contains(opened), "\(opened) connections")
    }
}
