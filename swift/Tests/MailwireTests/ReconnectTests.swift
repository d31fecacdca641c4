import Foundation
import XCTest
@testable import Mailwire

/// Answers `expired-<user>` until asked to refresh (or always); records each `forceRefresh`.
private final class RecordingProvider: TokenProvider, @unchecked Sendable {
    private let calls = Locked<[Bool]>([])
    private let user: String
    private let alwaysExpired: Bool

    init(_ user: String, alwaysExpired: Bool = false) {
        self.user = user
        self.alwaysExpired = alwaysExpired
    }

    var seen: [Bool] { calls.with { $0 } }

    func token(forceRefresh: Bool) async throws -> String {
        calls.with { $0.append(forceRefresh) }
        await Task.yield() // a provider may suspend (ask an identity provider)
        return forceRefresh && !alwaysExpired ? Dev.token(user) : "expired-\(user)"
    }
}

private struct IdentityProviderDown: Error, CustomStringConvertible {
    var description: String { "IdentityProviderDown: the identity provider is down" }
}

private final class ThrowingProvider: TokenProvider, @unchecked Sendable {
    func token(forceRefresh: Bool) async throws -> String { throw IdentityProviderDown() }
}

/// What lives across connections the server drops: OAuth tokens asked of a `TokenProvider`
/// at every login (the devserver's introspection accepts `token-<user>`, not
/// `expired-<user>`), and `MultiWatcher` reconnecting and catching up. Its sessions are
/// killed (user dave, also IntrospectionTests'; XCTest runs them one at a time).
final class ReconnectTests: XCTestCase {
    private let user = "dave"

    private func imap(_ provider: TokenProvider) -> ImapConfig {
        var config = Dev.imap(user)
        config.auth = Auth.oauth2Provider(username: user, provider: provider)
        return config
    }

    // conformance: auth.token-provider
    func testImapAsksTheProviderAtEachLoginAndRefreshesARefusedTokenOnce() async throws {
        let p = RecordingProvider(user)
        let c = try await ImapClient.connect(config: imap(p))
        XCTAssertEqual(p.seen, [false, true])
        _ = try await c.mailboxStatus(name: "INBOX")
        // The server ends the session: the transparent reconnect asks the provider again.
        try Dev.killSessions(user, signal: "TERM")
        for _ in 0..<3 {
            // The call that finds the connection gone fails; the next one reconnects.
            if (try? await c.mailboxStatus(name: "INBOX")) != nil, p.seen.count > 2 { break }
        }
        XCTAssertEqual(Array(p.seen.dropFirst(2)), [false, true], "\(p.seen)")
        try await c.logout()
    }

    // conformance: auth.token-provider
    func testATokenRefusedTwiceOrAThrowingProviderIsAnAuthError() async throws {
        let p = RecordingProvider(user, alwaysExpired: true)
        let e = await mailError { _ = try await ImapClient.connect(config: self.imap(p)) }
        guard case let .Auth(text, serverText, _, _, _, _, _, _, cause) = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(p.seen, [false, true], "asked twice, then given up")
        // The SASL failure JSON, decoded from base64 (RFC 7628 §3.2.2).
        XCTAssertTrue((serverText ?? "").contains("\"status\""), text)
        XCTAssertFalse("\(text) \(serverText ?? "") \(cause ?? "") \(String(reflecting: e!))".contains("expired-\(user)"))

        // A provider that throws fails the login as Auth, naming what it threw.
        let thrown = await mailError { _ = try await ImapClient.connect(config: self.imap(ThrowingProvider())) }
        guard case let .Auth(_, _, _, _, _, _, _, _, why) = thrown else { return XCTFail("\(String(describing: thrown))") }
        XCTAssertTrue((why ?? "").contains("IdentityProviderDown: the identity provider is down"), "\(String(describing: thrown))")
    }

    // conformance: auth.token-provider
    func testSmtpAsksTheProviderForEachNewConnectionAndRefreshesOnce() async throws {
        let p = RecordingProvider(user)
        var config = Dev.smtp(user)
        config.auth = Auth.oauth2Provider(username: user, provider: p)
        let smtp = try await SmtpClient.connect(config: config)
        XCTAssertEqual(p.seen, [false, true])
        // Offered with XOAUTH2 on this port, so OAUTHBEARER (RFC 7628) was the one used.
        XCTAssertTrue(smtp.authMechanisms().contains("OAUTHBEARER"), "\(smtp.authMechanisms())")
        let subject = Dev.unique("sw provider")
        let me = Address(address: Dev.address(user))
        let r = try await smtp.send(message: OutgoingMessage(from: me, to: [me], subject: subject, text: "tokens"))
        XCTAssertEqual(r.accepted, [me.address])
        try await smtp.close()
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let deadline = Date().addingTimeInterval(20)
        while try await c.search(mailbox: "INBOX", query: SearchQuery(subject: subject)).isEmpty {
            XCTAssertLessThan(Date(), deadline, "\(subject) did not arrive")
            _ = try await c.idle(mailbox: "INBOX", timeout: 1)
        }
        try await c.logout()

        let refused = RecordingProvider(user, alwaysExpired: true)
        config.auth = Auth.oauth2Provider(username: user, provider: refused)
        let e = await mailError { _ = try await SmtpClient.connect(config: config) }
        guard case .Auth = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(refused.seen, [false, true])
        XCTAssertFalse(String(reflecting: e!).contains("expired-\(user)"))
    }

    private func newUids(_ events: [WatchEvent], _ mailbox: String) -> [UInt32] {
        events.flatMap { e -> [UInt32] in
            if case let .changed(m, changes) = e, m == mailbox { return changes.new }
            return []
        }
    }

    private func reconnects(_ events: [WatchEvent], _ mailbox: String) -> [UInt32] {
        events.compactMap { e in
            if case let .reconnected(m, attempts) = e, m == mailbox { return attempts }
            return nil
        }
    }

    /// Waits (at most 10 s) until `w` watches on `count` connections (or at least one).
    private func waitForConnections(_ w: MultiWatcher, _ count: UInt32? = nil) async throws {
        let deadline = Date().addingTimeInterval(10)
        while count.map({ w.connections() != $0 }) ?? (w.connections() < 1) {
            guard Date() < deadline else { return XCTFail("\(w.connections()) connections") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// Pulls reports into `events` until `done` holds for them; a watchdog cancels the watch
    /// (failing the pull with Closed) after 30 s.
    private func collect(_ w: MultiWatcher, _ events: inout [WatchEvent], until done: ([WatchEvent]) -> Bool) async throws {
        let watchdog = Task { try await Task.sleep(nanoseconds: 30_000_000_000); w.cancel() }
        defer { watchdog.cancel() }
        while !done(events) { events += try await w.next() }
    }

    /// Changes in three mailboxes, made once the watch stands on `expected` connections.
    private func threeMailboxes(_ options: WatchOptions, expected: UInt32) async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let boxes = (0..<3).map { Dev.unique("SwMany\($0)") }
        for b in boxes { try await c.createMailbox(name: b) }
        let u0 = try present(try await c.append(mailbox: boxes[0], data: Dev.rawMessage("old")))
        let w = try await c.watchMany(mailboxes: boxes, options: options)
        // The watch starts from the content it finds: wait until its connections stand there.
        try await waitForConnections(w, expected)
        var uids: [UInt32] = []
        for b in boxes { uids.append(try present(try await c.append(mailbox: b, data: Dev.rawMessage("new")))) }
        try await c.addFlags(mailbox: boxes[0], uids: .of(u0), flags: [.flagged])
        var events: [WatchEvent] = []
        try await collect(w, &events) { ev in
            let flagged = ev.contains { e in
                guard case let .changed(m, changes) = e, m == boxes[0] else { return false }
                return changes.changed.contains { $0.uid == u0 && $0.flags.contains(.flagged) }
            }
            return flagged && zip(boxes, uids).allSatisfy { self.newUids(ev, $0.0).contains($0.1) }
        }
        // Nothing reported twice, nor the starting content.
        for (b, u) in zip(boxes, uids) { XCTAssertEqual(newUids(events, b), [u], "\(events)") }
        XCTAssertTrue(events.allSatisfy { if case .changed = $0 { return true } else { return false } }, "\(events)")
        XCTAssertEqual(w.connections(), expected)
        w.cancel()
        XCTAssertTrue(w.isCancelled())
        let e = await mailError { _ = try await w.next() }
        guard case .Closed = e else { return XCTFail("\(String(describing: e))") }
        for b in boxes { try await c.deleteMailbox(name: b) }
        try await c.logout()
    }

    // conformance: imap.watch.many
    func testWithNotifyOneConnectionReportsChangesInThreeMailboxes() async throws {
        try await threeMailboxes(WatchOptions(), expected: 1)
    }

    // conformance: imap.watch.many
    func testWithoutNotifyThreeMailboxesAreWatchedUnderACapOfTwoConnections() async throws {
        // One IDLE connection for the first mailbox, one polling the other two.
        try await threeMailboxes(WatchOptions(maxConnections: 2, pollInterval: 0.3, useNotify: false), expected: 2)
    }

    // conformance: imap.watch.many
    func testAfterTheServerDropsTheConnectionTheWatchReconnectsAndCatchesUp() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        let mb = Dev.unique("SwManyReconnect")
        try await c.createMailbox(name: mb)
        let w = try await c.watchMany(mailboxes: [mb], options: WatchOptions(backoffMin: 0.1, backoffMax: 0.4))
        var events: [WatchEvent] = []
        try await waitForConnections(w)
        let first = try present(try await c.append(mailbox: mb, data: Dev.rawMessage("1")))
        try await collect(w, &events) { self.newUids($0, mb).contains(first) }

        try Dev.killSessions(user, signal: "TERM")
        // Appended while the watch is down or coming back: either way it is reported. (The
        // client lost its connection too: a new one appends.)
        let other = try await ImapClient.connect(config: Dev.imap(user))
        let second = try present(try await other.append(mailbox: mb, data: Dev.rawMessage("2")))
        try await collect(w, &events) { self.newUids($0, mb).contains(second) && !self.reconnects($0, mb).isEmpty }
        XCTAssertTrue(reconnects(events, mb).allSatisfy { $0 >= 1 }, "\(events)")
        XCTAssertEqual(newUids(events, mb), [first, second], "\(events)")
        w.cancel()
        let e = await mailError { _ = try await w.next() }
        guard case .Closed = e else { return XCTFail("\(String(describing: e))") }
        try await other.deleteMailbox(name: mb)
        try await other.logout()
    }

    // conformance: imap.watch.many
    func testTheStreamEndsAtCancelAndBadListsOrAMissingMailboxAreErrors() async throws {
        let c = try await ImapClient.connect(config: Dev.imap(user))
        for bad in [[], ["INBOX", "INBOX"]] as [[String]] {
            let e = await mailError { _ = try await c.watchMany(mailboxes: bad) }
            guard case .InvalidInput = e else { return XCTFail("\(bad): \(String(describing: e))") }
        }
        let zero = await mailError { _ = try await c.watchMany(mailboxes: ["INBOX"], options: WatchOptions(maxConnections: 0)) }
        guard case .InvalidInput = zero else { return XCTFail("\(String(describing: zero))") }

        // Cancelling the watch (from anywhere) ends its stream.
        let mb = Dev.unique("SwManyCancel")
        try await c.createMailbox(name: mb)
        let w = try await c.watchMany(mailboxes: [mb])
        try await waitForConnections(w)
        let consumer = Task { () -> [WatchEvent] in
            var got: [WatchEvent] = []
            for try await e in w.events() { got.append(e) }
            return got
        }
        w.cancel()
        let got = try await consumer.value
        XCTAssertEqual(got, [])
        XCTAssertTrue(w.isCancelled())
        try await c.deleteMailbox(name: mb)

        // A mailbox that does not exist ends the watch with its error, once; then Closed.
        let missing = try await c.watchMany(mailboxes: [Dev.unique("SwMissing")], options: WatchOptions(backoffMin: 0.1))
        let watchdog = Task { try await Task.sleep(nanoseconds: 30_000_000_000); missing.cancel() }
        let e = await mailError { for try await _ in missing.events() {} }
        watchdog.cancel()
        guard case .NotFound = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertTrue(missing.isCancelled())
        let later = await mailError { _ = try await missing.next() }
        guard case .Closed = later else { return XCTFail("\(String(describing: later))") }
        try await c.logout()
    }
}
