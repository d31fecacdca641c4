import Foundation
import XCTest
@testable import Mailwire

/// The IMAP surface against the real Dovecot of devserver/ (users t90…t94).
final class ImapTests: XCTestCase {
    private func richMessage(_ subject: String, _ pdf: Data) throws -> Data {
        try messageToBytes(message: OutgoingMessage(
            from: Address(address: "t91@localhost", name: "Tee Ninety-One"),
            to: [Address(address: "t91@localhost")],
            subject: subject, text: "see attached", html: "<p>see <b>attached</b></p>",
            attachments: [Attachment(filename: "report.pdf", contentType: "application/pdf", data: pdf)]))
    }

    // conformance: imap.connect.tls, imap.connect.starttls
    func testConnectsOverTlsAndStartTlsWithTheTestCa() async throws {
        let tls = try await ImapClient.connect(config: Dev.imap("t90"))
        let idle = try await tls.hasCapability(capability: "IDLE")
        XCTAssertTrue(idle)
        try await tls.logout()
        var cfg = Dev.imap("t90")
        cfg.port = UInt16(Dev.v("MAILWIRE_IMAP_PORT"))!
        cfg.security = .startTls
        let starttls = try await ImapClient.connect(config: cfg)
        try await starttls.noop()
        try await starttls.logout()
        let e = await mailError { try await starttls.noop() }
        guard case .Closed = e else { return XCTFail("\(String(describing: e))") }
    }

    // conformance: imap.mailboxes.list, imap.mailboxes.status, imap.mailboxes.manage, imap.mailboxes.utf8
    func testMailboxesCreateListStatusRenameSubscribeDelete() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t90"))
        let name = Dev.unique("Sw Ordner ä")
        try await c.createMailbox(name: name)
        var list = try await c.listMailboxes()
        XCTAssertTrue(list.contains { $0.name == name })
        XCTAssertEqual(list.first { $0.name == "INBOX" }?.role, .inbox)
        _ = try await c.append(mailbox: name, data: Dev.rawMessage("one"))
        let st = try await c.mailboxStatus(name: name)
        XCTAssertEqual(st.messages, 1)
        XCTAssertEqual(st.unseen, 1)
        try await c.subscribe(name: name)
        list = try await c.listMailboxes()
        XCTAssertEqual(list.first { $0.name == name }?.subscribed, true)
        try await c.unsubscribe(name: name)
        list = try await c.listMailboxes()
        XCTAssertEqual(list.first { $0.name == name }?.subscribed, false)
        try await c.renameMailbox(from: name, to: name + "-renamed")
        list = try await c.listMailboxes()
        XCTAssertFalse(list.contains { $0.name == name })
        try await c.deleteMailbox(name: name + "-renamed")
        list = try await c.listMailboxes()
        XCTAssertFalse(list.contains { $0.name == name + "-renamed" })
        try await c.logout()
    }

    // conformance: imap.search.fields
    func testSearchByFlagsTextSizeAndRawKeys() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let mb = Dev.unique("SwSearch")
        try await c.createMailbox(name: mb)
        let a = try await c.append(mailbox: mb, data: Dev.rawMessage("alpha report", from: "alice@localhost"))!
        let b = try await c.append(mailbox: mb, data: Dev.rawMessage("beta", body: String(repeating: "x", count: 5000)), flags: [.seen])!
        let d = try await c.append(mailbox: mb, data: Dev.rawMessage("gamma"), flags: [.flagged, .keyword(name: "$Work")])!
        var r = try await c.search(mailbox: mb, query: SearchQuery())
        XCTAssertEqual(r, [a, b, d])
        r = try await c.search(mailbox: mb, query: SearchQuery(seen: false))
        XCTAssertEqual(r, [a, d])
        r = try await c.search(mailbox: mb, query: SearchQuery(from: "alice", subject: "ALPHA"))
        XCTAssertEqual(r, [a])
        r = try await c.search(mailbox: mb, query: SearchQuery(larger: 4000))
        XCTAssertEqual(r, [b])
        r = try await c.search(mailbox: mb, query: SearchQuery(keyword: "$Work"))
        XCTAssertEqual(r, [d])
        r = try await c.search(mailbox: mb, query: SearchQuery(raw: "OR SEEN FLAGGED"))
        XCTAssertEqual(r, [b, d])
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.fetch.summaries
    func testFetchStreamYieldsSummariesWithEnvelopeAndAttachments() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let mb = Dev.unique("SwFetch")
        try await c.createMailbox(name: mb)
        let pdf = Data((0..<30_000).map { UInt8($0 % 251) })
        var uids: [UInt32] = []
        for i in 1...40 { uids.append(try await c.append(mailbox: mb, data: try richMessage("report \(i)", pdf))!) }
        var summaries: [MessageSummary] = []
        for try await s in try await c.fetchStream(mailbox: mb, uids: uids, batchSize: 7) { summaries.append(s) }
        XCTAssertEqual(summaries.map { $0.uid }, uids)
        let s = summaries[3]
        XCTAssertEqual(s.envelope.subject, "report 4")
        XCTAssertEqual(s.envelope.from.first?.address, "t91@localhost")
        XCTAssertEqual(s.envelope.from.first?.name, "Tee Ninety-One")
        XCTAssertNotNil(s.internalDate)
        XCTAssertEqual(s.attachments.first?.filename, "report.pdf")
        XCTAssertEqual(s.attachments.first?.contentType, "application/pdf")
        XCTAssertFalse(summaries.contains { $0.flags.contains(.seen) })
        // The pull object directly, and fetchAll.
        let stream = try await c.fetch(mailbox: mb, uids: Array(uids.prefix(3)), options: FetchOptions(attachments: false))
        let first = try await stream.next()
        XCTAssertEqual(first?.uid, uids[0])
        let rest = try await stream.nextBatch(max: 10)
        XCTAssertEqual(rest.count, 2)
        let end = try await stream.next()
        XCTAssertNil(end)
        let all = try await c.fetchAll(mailbox: mb, uids: uids, options: FetchOptions())
        XCTAssertEqual(all.map { $0.uid }, uids)
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.download.part, imap.save-attachment, imap.fetch.message, imap.fetch.range, message.build
    func testDownloadPartSaveAttachmentAndFetchMessage() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let mb = Dev.unique("SwDownload")
        try await c.createMailbox(name: mb)
        let pdf = Data((0..<300_000).map { UInt8($0 * 7 % 256) })
        let uid = try await c.append(mailbox: mb, data: try richMessage("with pdf", pdf))!
        let part = try await c.fetchAll(mailbox: mb, uids: [uid], options: FetchOptions())[0].attachments[0].part
        let downloaded = try await c.download(mailbox: mb, uid: uid, part: part)
        XCTAssertEqual(downloaded, pdf)
        let path = NSTemporaryDirectory() + Dev.unique("mailwire-sw") + ".pdf"
        let progress = Progress()
        let written = try await c.saveAttachment(mailbox: mb, uid: uid, part: part, path: path, progress: progress)
        XCTAssertEqual(written, UInt64(pdf.count))
        XCTAssertEqual(FileManager.default.contents(atPath: path), pdf)
        XCTAssertGreaterThan(progress.done, 0)
        try? FileManager.default.removeItem(atPath: path)
        let m = try await c.fetchMessage(mailbox: mb, uid: uid)
        XCTAssertEqual(m.subject, "with pdf")
        XCTAssertEqual(m.attachments.first?.data, pdf)
        let raw = try await c.fetchRaw(mailbox: mb, uid: uid)
        let range = try await c.fetchRange(mailbox: mb, uid: uid, part: nil, offset: 0, len: 10)
        XCTAssertEqual(range, raw.prefix(10))
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.flags
    func testFlagsAddRemoveAndSet() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let mb = Dev.unique("SwFlags")
        try await c.createMailbox(name: mb)
        let uid = try await c.append(mailbox: mb, data: Dev.rawMessage("flags"))!
        func flags() async throws -> Set<Flag> {
            let s = try await c.fetchAll(mailbox: mb, uids: [uid], options: FetchOptions(envelope: false, attachments: false))
            return Set(s[0].flags.filter { $0 != .recent })
        }
        try await c.addFlags(mailbox: mb, uids: [uid], flags: [.seen, .flagged, .keyword(name: "$Label1")])
        var f = try await flags()
        XCTAssertEqual(f, [.seen, .flagged, .keyword(name: "$Label1")])
        try await c.removeFlags(mailbox: mb, uids: [uid], flags: [.flagged])
        f = try await flags()
        XCTAssertEqual(f, [.seen, .keyword(name: "$Label1")])
        try await c.setFlags(mailbox: mb, uids: [uid], flags: [.answered])
        f = try await flags()
        XCTAssertEqual(f, [.answered])
        let other = try await ImapClient.connect(config: Dev.imap("t91"))
        let found = try await other.search(mailbox: mb, query: SearchQuery(answered: true))
        XCTAssertEqual(found, [uid])
        try await other.logout()
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.copy-move, imap.delete-expunge, imap.append
    func testCopyMoveDeleteExpungeAndAppend() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let src = Dev.unique("SwSrc"), dst = Dev.unique("SwDst")
        try await c.createMailbox(name: src)
        try await c.createMailbox(name: dst)
        var u: [UInt32] = []
        for i in 1...4 { u.append(try await c.append(mailbox: src, data: Dev.rawMessage("m\(i)"))!) }
        let copied = try await c.copyMessages(mailbox: src, uids: [u[0]], dest: dst)
        XCTAssertEqual(copied.pairs.map { $0.source }, [u[0]])
        let moved = try await c.moveMessages(mailbox: src, uids: [u[1], u[2]], dest: dst)
        XCTAssertEqual(moved.pairs.map { $0.source }, [u[1], u[2]])
        XCTAssertNotNil(moved.uidValidity)
        var r = try await c.search(mailbox: src, query: SearchQuery())
        XCTAssertEqual(r, [u[0], u[3]])
        r = try await c.search(mailbox: dst, query: SearchQuery())
        XCTAssertEqual(r, (copied.pairs + moved.pairs).map { $0.destination }.sorted())
        try await c.deleteMessages(mailbox: src, uids: [u[0]])
        r = try await c.search(mailbox: src, query: SearchQuery())
        XCTAssertEqual(r, [u[3]])
        try await c.addFlags(mailbox: src, uids: [u[3]], flags: [.deleted])
        try await c.expunge(mailbox: src)
        r = try await c.search(mailbox: src, query: SearchQuery())
        XCTAssertEqual(r, [])
        let date = Date(timeIntervalSince1970: 1_715_000_000)
        let uid = try await c.append(mailbox: dst, data: Dev.rawMessage("appended"), flags: [.draft], date: date)!
        let s = try await c.fetchAll(mailbox: dst, uids: [uid], options: FetchOptions())[0]
        XCTAssertTrue(s.flags.contains(.draft))
        XCTAssertEqual(s.internalDate, date)
        try await c.deleteMailbox(name: src)
        try await c.deleteMailbox(name: dst)
        try await c.logout()
    }

    // conformance: imap.idle, imap.watch
    func testIdleAndWatchStreamReportNewMail() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t92"))
        let other = try await ImapClient.connect(config: Dev.imap("t92"))
        let mb = Dev.unique("SwIdle")
        try await c.createMailbox(name: mb)
        let none = try await c.idle(mailbox: mb, timeout: 0.3)
        XCTAssertEqual(none, [])
        let watcher = Task { () -> MailboxEvent? in
            for try await ev in c.watchStream(mailbox: mb) { return ev }
            return nil
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        _ = try await other.append(mailbox: mb, data: Dev.rawMessage("wake up"))
        let ev = try await watcher.value
        XCTAssertEqual(ev, .exists(count: 1))
        let idle = Task { try await c.idle(mailbox: mb, timeout: 20) }
        try await Task.sleep(nanoseconds: 500_000_000)
        _ = try await other.append(mailbox: mb, data: Dev.rawMessage("again"))
        let events = try await idle.value
        XCTAssertTrue(events.contains(.exists(count: 2)), "\(events)")
        try await other.logout()
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.sync, imap.uids.ranges
    func testSyncReportsNewChangedAndVanished() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t92"))
        let mb = Dev.unique("SwSync")
        try await c.createMailbox(name: mb)
        let u1 = try await c.append(mailbox: mb, data: Dev.rawMessage("s1"))!
        let u2 = try await c.append(mailbox: mb, data: Dev.rawMessage("s2"))!
        let first = try await c.sync(mailbox: mb)
        XCTAssertTrue(first.fullResync)
        XCTAssertEqual(first.new, [u1, u2])
        try await c.addFlags(mailbox: mb, uids: [u1], flags: [.seen])
        try await c.deleteMessages(mailbox: mb, uids: [u2])
        let u3 = try await c.append(mailbox: mb, data: Dev.rawMessage("s3"))!
        let next = try await c.sync(mailbox: mb, state: first.state)
        XCTAssertFalse(next.fullResync)
        XCTAssertEqual(next.new, [u3])
        XCTAssertEqual(next.vanished, [UidRange(first: u2, last: u2)])
        XCTAssertTrue(next.vanished.containsUid(u2) && !next.vanished.containsUid(u1))
        XCTAssertEqual(Array(next.vanished.uidSequence), [u2])
        XCTAssertEqual(next.changed.map { $0.uid }, [u1])
        XCTAssertTrue(next.changed[0].flags.contains(.seen))
        let bad = await mailError { _ = try await c.sync(mailbox: mb, state: "not a state") }
        guard case .InvalidInput = bad else { return XCTFail("\(String(describing: bad))") }
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.uids.ranges
    func testUidRangesStayRanges() {
        // What a hostile server can announce (VANISHED 1:4294967295): counted, tested and
        // iterated without building an array.
        let all = [UidRange(first: 1, last: UInt32.max)]
        XCTAssertEqual(all.uidCount, 4_294_967_295)
        XCTAssertTrue(all.containsUid(UInt32.max) && !all.containsUid(0))
        XCTAssertEqual(Array(all.uidSequence.prefix(3)), [1, 2, 3])
        let some = [UidRange(first: 1, last: 3), UidRange(first: 7, last: 7)]
        XCTAssertEqual(some.uidCount, 4)
        XCTAssertEqual(Array(some.uidSequence), [1, 2, 3, 7])
        XCTAssertFalse(some.containsUid(5))
    }

    // conformance: imap.limits, auth.plaintext-opt-in
    func testResponseSizeLimitAndPlaintextLoginReachTheCore() async throws {
        // Dovecot's greeting with its capabilities is longer than 20 bytes.
        var small = Dev.imap("t90")
        small.maxResponseSize = 20
        let tooBig = await mailError { _ = try await ImapClient.connect(config: small) }
        guard case .Protocol = tooBig else { return XCTFail("\(String(describing: tooBig))") }
        var t = defaultTimeouts()
        t.noProgress = 30
        var sane = Dev.imap("t90", timeouts: t)
        sane.maxResponseSize = 1 << 20
        try await ImapClient.connect(config: sane).logout()
        var plain = Dev.imap("t90")
        plain.port = UInt16(Dev.v("MAILWIRE_IMAP_PORT"))!
        plain.security = .plain
        let refused = await mailError { _ = try await ImapClient.connect(config: plain) }
        guard case .InvalidInput(let text, _, _, _, _, _) = refused else {
            return XCTFail("\(String(describing: refused))")
        }
        XCTAssertFalse(text.contains(Dev.password("t90")))
        plain.allowPlaintextAuth = true
        let c = try await ImapClient.connect(config: plain)
        let boxes = try await c.listMailboxes()
        XCTAssertTrue(boxes.contains { $0.name == "INBOX" })
        try await c.logout()
    }

    // conformance: imap.cancel
    func testCancellingStreamsStopsRustWorkAndLeavesClientUsable() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t93"))
        let mb = Dev.unique("SwCancel")
        try await c.createMailbox(name: mb)
        var uids: [UInt32] = []
        for i in 1...300 { uids.append(try await c.append(mailbox: mb, data: Dev.rawMessage("c\(i)"))!) }
        // Breaking out after five items ends the fetch; the connection is handed back.
        var got: [UInt32] = []
        for try await s in try await c.fetchStream(mailbox: mb, uids: uids, batchSize: 1) {
            got.append(s.uid)
            if got.count == 5 { break }
        }
        XCTAssertEqual(got, Array(uids.prefix(5)))
        var st = try await c.mailboxStatus(name: mb)
        XCTAssertEqual(st.messages, 300)
        // Cancelling the Task consuming a watch in IDLE: the next call runs at once.
        let watching = Task {
            for try await _ in c.watchStream(mailbox: mb) {}
        }
        try await Task.sleep(nanoseconds: 700_000_000)
        watching.cancel()
        let outcome = await watching.result
        if case .failure(let e) = outcome { XCTAssertTrue(e is CancellationError, "\(e)") }
        let t0 = Date()
        st = try await c.mailboxStatus(name: mb)
        XCTAssertEqual(st.messages, 300)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 3)
        // Cancelling the Task consuming a fetch mid-way.
        let fetching = Task { () -> Int in
            var n = 0
            for try await _ in try await c.fetchStream(mailbox: mb, uids: uids, batchSize: 1) {
                n += 1
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            return n
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        fetching.cancel()
        if case .success(let n) = await fetching.result { XCTAssertLessThan(n, 300) }
        try await c.noop()
        // cancel() on the pull object: the stream ends.
        let stream = try await c.fetch(mailbox: mb, uids: uids, options: FetchOptions())
        stream.cancel()
        let none = try await stream.next()
        XCTAssertNil(none)
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }
}
