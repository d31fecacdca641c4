import Foundation
import XCTest
@testable import Mailwire

/// What the servers say of themselves (IMAP capabilities and ID, SMTP extensions and SASL
/// mechanisms), the raw-command escape hatch, events that wait under their mailbox until
/// taken, and labels on a server that is not Gmail — against the real Dovecot and Postfix
/// (user dave, also ReconnectTests').
final class IntrospectionTests: XCTestCase {
    private let user = "dave"

    // conformance: imap.capabilities
    func testCapabilitiesAreListedSortedAndUpperCase() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let caps = try await c.capabilities()
        for cap in ["IMAP4REV1", "IDLE", "ID", "UIDPLUS"] { XCTAssertTrue(caps.contains(cap), "\(caps)") }
        XCTAssertEqual(caps.sorted(), caps)
        XCTAssertTrue(caps.allSatisfy { $0 == $0.uppercased() }, "\(caps)")
        let idle = try await c.hasCapability(capability: "idle")
        XCTAssertTrue(idle)
        try await c.logout()
    }

    // conformance: imap.id
    func testTheClientSendsItsIdAndReadsTheServers() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let server = try await c.serverId()
        XCTAssertEqual(server?["name"], "Dovecot", "\(String(describing: server))")
        try await c.logout()
        // An ID of the caller's own is sent instead of mailwire's.
        var config = Dev.imap(user)
        config.clientId = ["name": "tests", "version": "1"]
        let own = try await ImapClient.connect(config: config)
        let ownServer = try await own.serverId()
        XCTAssertNotNil(ownServer)
        try await own.logout()
        // With no client ID, nothing is sent and nothing is known.
        config.clientId = [:]
        let none = try await ImapClient.connect(config: config)
        let noServer = try await none.serverId()
        XCTAssertNil(noServer)
        try await none.logout()
        // RFC 2971's limits (field names of at most 30 octets) are checked before anything is sent.
        config.clientId = [String(repeating: "x", count: 31): "1"]
        let e = await mailError { _ = try await ImapClient.connect(config: config) }
        guard case .InvalidInput = e else { return XCTFail("\(String(describing: e))") }
    }

    // conformance: imap.raw-command
    func testARawCommandReturnsItsUntaggedLinesAndStatus() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let box = Dev.unique("SwRaw")
        try await c.createMailbox(name: box)
        let uid = try present(try await c.append(mailbox: box, data: Dev.rawMessage("raw"), flags: [.flagged]))
        let ns = try await c.rawCommand(command: "NAMESPACE")
        XCTAssertEqual(ns.status, "OK", "\(ns)")
        XCTAssertEqual(ns.untagged.count, 1, "\(ns)")
        XCTAssertTrue(ns.untagged[0].hasPrefix("* NAMESPACE (("), "\(ns)")
        XCTAssertEqual(ns, RawResponse(status: ns.status, text: ns.text, untagged: ns.untagged))

        // With a mailbox, it is selected first; the answers are returned, not taken as events.
        let fetched = try await c.rawCommand(command: "UID FETCH \(uid) (FLAGS)", mailbox: box)
        XCTAssertEqual(fetched.status, "OK", "\(fetched)")
        XCTAssertTrue(fetched.untagged.contains { $0.contains("UID \(uid)") && $0.contains("\\Flagged") }, "\(fetched)")
        let pending = try await c.pendingEvents(mailbox: box)
        XCTAssertEqual(pending, [])

        // A command the server refuses is a status, not an error.
        let bad = try await c.rawCommand(command: "XNOSUCHCOMMAND")
        XCTAssertEqual(bad.status, "BAD", "\(bad)")

        // A raw SELECT of another mailbox: the client selects its own again.
        let sel = try await c.rawCommand(command: "SELECT INBOX")
        XCTAssertTrue(sel.untagged.contains { $0.hasSuffix(" EXISTS") }, "\(sel)")
        let found = try await c.search(mailbox: box, query: SearchQuery())
        XCTAssertEqual(found, [uid])

        // Line breaks, literals and commands the client must manage itself are refused before
        // anything is sent; the client goes on.
        for refused in ["NOOP\r\nA9 LOGOUT", "IDLE", "SEARCH TEXT {3}", "LOGOUT"] {
            let e = await mailError { _ = try await c.rawCommand(command: refused) }
            guard case .InvalidInput = e else { return XCTFail("\(refused): \(String(describing: e))") }
        }
        try await c.noop()
        try await c.deleteMailbox(name: box)
        try await c.logout()
    }

    // conformance: imap.events.pending
    func testEventsSeenDuringOtherCallsWaitUnderTheirMailboxUntilTaken() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let other = try await ImapClient.connect(config: Dev.imap(user))
        let box = Dev.unique("SwPending"), elsewhere = Dev.unique("SwElsewhere")
        try await c.createMailbox(name: box)
        try await c.createMailbox(name: elsewhere)
        let u1 = try present(try await other.append(mailbox: box, data: Dev.rawMessage("1")))
        _ = try await c.search(mailbox: box, query: SearchQuery())
        _ = try await other.append(mailbox: box, data: Dev.rawMessage("2"))
        try await other.addFlags(mailbox: box, uids: .of(u1), flags: [.flagged])
        // The NOOP brings both changes; then the client works in another mailbox.
        try await c.noop()
        _ = try await c.search(mailbox: elsewhere, query: SearchQuery())
        let none = try await c.pendingEvents(mailbox: elsewhere)
        XCTAssertEqual(none, [])
        // Both changes, in the order the server sent them.
        let events = try await c.pendingEvents(mailbox: box)
        XCTAssertEqual(events.count, 2, "\(events)")
        XCTAssertTrue(events.contains { if case .exists(2, _) = $0 { return true } else { return false } }, "\(events)")
        XCTAssertTrue(events.contains {
            if case let .flags(uid, _, flags, _) = $0 { return uid == u1 && flags.contains(.flagged) } else { return false }
        }, "\(events)")
        let again = try await c.pendingEvents(mailbox: box)
        XCTAssertEqual(again, [], "taken once")

        // What arrives during another call is the next idle's first answer, not lost when IDLE starts.
        _ = try await c.search(mailbox: box, query: SearchQuery())
        try await other.addFlags(mailbox: box, uids: .of(u1), flags: [.seen])
        try await c.noop()
        let idle = try await c.idle(mailbox: box, timeout: 20)
        XCTAssertEqual(idle.count, 1, "\(idle)")
        guard case let .flags(uid, _, flags, _)? = idle.first, uid == u1, flags.contains(.seen) else {
            return XCTFail("\(idle)")
        }
        try await other.logout()
        try await c.deleteMailbox(name: box)
        try await c.deleteMailbox(name: elsewhere)
        try await c.logout()
    }

    // conformance: smtp.capabilities
    func testTheEhloExtensionsAndAuthMechanismsAreReadable() async throws {
        let smtp = try await SmtpClient.connect(config: Dev.smtp(user))
        let extensions = smtp.extensions()
        // Postfix's submission service after STARTTLS (see devserver's master.cf).
        for keyword in ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"] {
            XCTAssertTrue(extensions.contains(keyword), "\(extensions)")
        }
        XCTAssertTrue(extensions.contains { $0.hasPrefix("SIZE ") }, "\(extensions)")
        XCTAssertFalse(extensions.contains("STARTTLS"), "not offered again inside TLS")
        XCTAssertTrue(smtp.authMechanisms().contains("PLAIN"), "\(smtp.authMechanisms())")
        XCTAssertTrue(extensions.contains { $0.hasPrefix("AUTH ") && $0.contains("PLAIN") }, "\(extensions)")
        try await smtp.close()
    }

    // conformance: imap.gmail
    func testLabelsOnAServerWithoutXGmExt1AreInvalidInputAndSummariesHaveNoGmailFields() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        var e = await mailError { try await c.addLabels(mailbox: "INBOX", uids: .of(1), labels: ["Work"]) }
        guard case .InvalidInput = e else { return XCTFail("\(String(describing: e))") }
        e = await mailError { try await c.removeLabels(mailbox: "INBOX", uids: .of(1), labels: ["Work"]) }
        guard case .InvalidInput = e else { return XCTFail("\(String(describing: e))") }
        let box = Dev.unique("SwPlain")
        try await c.createMailbox(name: box)
        _ = try await c.append(mailbox: box, data: Dev.rawMessage("plain"))
        let all = try await c.fetchAll(mailbox: box, uids: .all(), options: FetchOptions())
        XCTAssertEqual(all.count, 1)
        XCTAssertNil(all[0].gmailMessageId)
        XCTAssertNil(all[0].gmailThreadId)
        XCTAssertEqual(all[0].gmailLabels, [])
        try await c.deleteMailbox(name: box)
        try await c.logout()
    }
}
