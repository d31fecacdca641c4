import Foundation
import XCTest
@testable import Mailwire

/// `sync` on the devserver's capability profiles (devserver/README.md): the same Dovecot and
/// mail, advertising QRESYNC (main address), CONDSTORE without QRESYNC (gmail-like) or
/// IMAP4rev1 alone (bare). The same scenario gives the same answers on each (user user9).
final class SyncProfilesTests: XCTestCase {
    private let user = "user9"

    /// Initial sync; another client adds 2 messages, changes the flags of 1, expunges 1; the
    /// next sync reports exactly that, the one after nothing; a recreated mailbox is a full
    /// resync.
    private func scenario(_ hostVar: String, _ fallback: String, mode: String) async throws {
        var config = Dev.imap(user)
        config.host = ProcessInfo.processInfo.environment[hostVar] ?? fallback
        let phone = try await ImapClient.connect(config: config)
        let other = try await ImapClient.connect(config: Dev.imap(user))
        let mb = Dev.unique("SwProfile")
        try await other.createMailbox(name: mb)
        do {
            var old: [UInt32] = []
            for flags in [[], [Flag.seen], [], []] as [[Flag]] {
                old.append(try await other.append(mailbox: mb, data: Dev.rawMessage(Dev.unique("old")), flags: flags)!)
            }
            let first = try await phone.sync(mailbox: mb)
            XCTAssertTrue(first.fullResync)
            XCTAssertEqual(first.new, old)
            XCTAssertTrue(first.changed.isEmpty && first.vanished.isEmpty)
            XCTAssertTrue(first.state.hasPrefix("v2:\(mode):"), first.state)

            // Another device: two new messages, new flags on one, one expunged.
            var added: [UInt32] = []
            for _ in 0..<2 {
                added.append(try await other.append(mailbox: mb, data: Dev.rawMessage(Dev.unique("new")))!)
            }
            try await other.addFlags(mailbox: mb, uids: .of(old[1]), flags: [.flagged, .keyword("$Later")])
            try await other.deleteMessages(mailbox: mb, uids: .of(old[2]))
            let second = try await phone.sync(mailbox: mb, state: first.state)
            XCTAssertFalse(second.fullResync)
            XCTAssertEqual(second.new, added)
            XCTAssertEqual(second.changed.map { $0.uid }, [old[1]])
            let flags = second.changed.first?.flags ?? []
            for f in [Flag.seen, .flagged, .keyword("$Later")] {
                XCTAssertTrue(flags.contains(f), "\(f) missing from \(flags)")
            }
            XCTAssertEqual(second.changed.first?.modseq == nil, mode == "basic")
            XCTAssertEqual(second.vanished, [UidRange(first: old[2], last: old[2])])
            XCTAssertTrue(second.state.hasPrefix("v2:\(mode):"), second.state)

            let third = try await phone.sync(mailbox: mb, state: second.state)
            XCTAssertFalse(third.fullResync)
            XCTAssertTrue(third.new.isEmpty && third.changed.isEmpty && third.vanished.isEmpty, "\(third)")

            // Deleted and created again: a new UIDVALIDITY, and only then a full resync.
            let before = try await other.mailboxStatus(name: mb).uidValidity
            try await other.deleteMailbox(name: mb)
            try await other.createMailbox(name: mb)
            let again = try await other.append(mailbox: mb, data: Dev.rawMessage(Dev.unique("again")))!
            let after = try await other.mailboxStatus(name: mb).uidValidity
            XCTAssertNotEqual(before, after)
            let fourth = try await phone.sync(mailbox: mb, state: third.state)
            XCTAssertTrue(fourth.fullResync)
            XCTAssertEqual(fourth.new, [again])
            XCTAssertTrue(fourth.changed.isEmpty && fourth.vanished.isEmpty)
        } catch {
            _ = try? await other.deleteMailbox(name: mb)
            throw error
        }
        _ = try? await other.deleteMailbox(name: mb)
        try await phone.logout()
        try await other.logout()
    }

    // conformance: imap.sync.profiles
    func testSyncOnAQresyncServerReportsExactlyTheChanges() async throws {
        try await scenario("MAILWIRE_HOST", "127.0.0.1", mode: "qresync")
    }

    // conformance: imap.sync.profiles
    func testSyncOnAGmailLikeServerWithoutQresyncGivesTheSameAnswers() async throws {
        try await scenario("MAILWIRE_GMAILLIKE_HOST", "127.0.0.3", mode: "condstore")
    }

    // conformance: imap.sync.profiles
    func testSyncOnABareImap4rev1ServerGivesTheSameAnswers() async throws {
        try await scenario("MAILWIRE_BARE_HOST", "127.0.0.4", mode: "basic")
    }
}
