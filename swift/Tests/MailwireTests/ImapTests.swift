import Foundation
import XCTest
@testable import Mailwire

/// The IMAP surface against the real Dovecot of devserver/ (users t90…t94, user18).
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

    // conformance: imap.close
    func testCloseEndsBothClientsAndTheWorkInFlight() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t90"))
        let mb = Dev.unique("SwClose")
        try await c.createMailbox(name: mb)
        for i in 1...3 { _ = try await c.append(mailbox: mb, data: Dev.rawMessage("close \(i)")) }
        // A fetch stream holds the connection; close() ends it instead of waiting for it.
        let stream = try await c.fetch(mailbox: mb, uids: .all(), options: FetchOptions())
        try await c.close()
        var e = await mailError { _ = try await stream.nextBatch(max: 10) }
        guard case .Closed = e else { return XCTFail("\(String(describing: e))") }
        e = await mailError { try await c.noop() }
        guard case .Closed = e else { return XCTFail("\(String(describing: e))") }
        try await c.close() // harmless twice
        let smtp = try await SmtpClient.connect(config: Dev.smtp("t95"))
        try await smtp.close()
        e = await mailError {
            _ = try await smtp.sendRaw(from: Dev.address("t95"), recipients: [Dev.address("t95")], data: Dev.rawMessage("never"))
        }
        guard case .Closed = e else { return XCTFail("\(String(describing: e))") }
        let other = try await ImapClient.connect(config: Dev.imap("t90"))
        let st = try await other.mailboxStatus(name: mb)
        XCTAssertEqual(st.messages, 3)
        try await other.deleteMailbox(name: mb)
        try await other.close()
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
        let d = try await c.append(mailbox: mb, data: Dev.rawMessage("gamma"), flags: [.flagged, .keyword("$Work")])!
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

    // conformance: imap.search.or-not
    func testSearchWithOrNotAndOnADay() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let mb = Dev.unique("SwSearchOr")
        try await c.createMailbox(name: mb)
        let a = try await c.append(mailbox: mb, data: Dev.rawMessage("alpha report", from: "alice@localhost"))!
        let b = try await c.append(mailbox: mb, data: Dev.rawMessage("beta", body: String(repeating: "x", count: 5000)), flags: [.seen])!
        let d = try await c.append(mailbox: mb, data: Dev.rawMessage("gamma"), flags: [.flagged, .keyword("$Work")])!
        let dated = Data("From: a@localhost\r\nTo: b@localhost\r\nSubject: dated\r\nDate: Mon, 06 May 2024 10:00:00 +0000\r\n\r\nold\r\n".utf8)
        let received = ISO8601DateFormatter().date(from: "2024-05-08T07:08:09Z")!
        let e = try await c.append(mailbox: mb, data: dated, date: received)!
        func find(_ q: SearchQuery) async throws -> [UInt32] { try await c.search(mailbox: mb, query: q) }
        let seen = SearchQuery(seen: true)
        let flagged = SearchQuery(flagged: true)
        var r = try await find(SearchQuery(or: [seen, flagged]))
        XCTAssertEqual(r, [b, d])
        r = try await find(SearchQuery(or: [SearchQuery(from: "alice"), seen, flagged]))
        XCTAssertEqual(r, [a, b, d])
        r = try await find(SearchQuery(not: [SearchQuery(subject: "alpha")]))
        XCTAssertEqual(r, [b, d, e])
        r = try await find(SearchQuery(seen: false, not: [SearchQuery(keyword: "$Work")]))
        XCTAssertEqual(r, [a, e])
        // Nested: from alice, or seen and not larger than 4000 bytes (b is larger).
        r = try await find(SearchQuery(or: [SearchQuery(from: "alice"), SearchQuery(seen: true, not: [SearchQuery(larger: 4000)])]))
        XCTAssertEqual(r, [a])
        // `on` compares the day received, `sentOn` the day of the Date header.
        func noon(_ day: String) -> Date { ISO8601DateFormatter().date(from: "\(day)T12:00:00Z")! }
        r = try await find(SearchQuery(on: noon("2024-05-08")))
        XCTAssertEqual(r, [e])
        r = try await find(SearchQuery(on: noon("2024-05-06")))
        XCTAssertEqual(r, [])
        r = try await find(SearchQuery(sentOn: noon("2024-05-06")))
        XCTAssertEqual(r, [e])
        // `or` with a single query is a mistake, refused before anything is sent.
        let one = await mailError { _ = try await find(SearchQuery(or: [seen])) }
        guard case .InvalidInput = one else { return XCTFail("\(String(describing: one))") }
        try await c.deleteMailbox(name: mb)
        try await c.close()
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
        for try await s in try await c.fetchStream(mailbox: mb, uids: .of(uids: uids), batchSize: 7) { summaries.append(s) }
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
        let stream = try await c.fetch(mailbox: mb, uids: .of(uids: Array(uids.prefix(3))), options: FetchOptions(attachments: false))
        let first = try await stream.next()
        XCTAssertEqual(first?.uid, uids[0])
        let rest = try await stream.nextBatch(max: 10)
        XCTAssertEqual(rest.count, 2)
        let end = try await stream.next()
        XCTAssertNil(end)
        let all = try await c.fetchAll(mailbox: mb, uids: .of(uids: uids), options: FetchOptions())
        XCTAssertEqual(all.map { $0.uid }, uids)
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.fetch.raw-many
    func testFetchRawManyStreamsWholeMessagesWithoutMarkingThemSeen() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("t91"))
        let mb = Dev.unique("SwRawMany")
        try await c.createMailbox(name: mb)
        let sent = (1...6).map { Dev.rawMessage("raw \($0)", body: String(repeating: "body \($0) ", count: $0 * 500)) }
        var u: [UInt32] = []
        for m in sent { u.append(try await c.append(mailbox: mb, data: m)!) }
        var got: [RawMessage] = []
        for try await m in try await c.fetchRawStream(mailbox: mb, uids: .all(), batchSize: 4) { got.append(m) }
        XCTAssertEqual(got.map { $0.uid }, u)
        XCTAssertEqual(got.map { $0.data }, sent)
        var unseen = try await c.search(mailbox: mb, query: SearchQuery(seen: false))
        XCTAssertEqual(unseen, u)
        // The pull object directly; UIDs that do not exist are skipped.
        let stream = try await c.fetchRawMany(mailbox: mb, uids: .parse(text: "\(u[1]):\(u[2]),4000000"))
        let first = try await stream.next()
        XCTAssertEqual(first?.uid, u[1])
        let rest = try await stream.nextBatch(max: 10)
        XCTAssertEqual(rest.map { $0.uid }, [u[2]])
        let end = try await stream.next()
        XCTAssertNil(end)
        // Breaking out after two cancels the rest; the connection is free for the next call.
        var two: [UInt32] = []
        for try await m in try await c.fetchRawStream(mailbox: mb, uids: .all(), batchSize: 1) {
            two.append(m.uid)
            if two.count == 2 { break }
        }
        XCTAssertEqual(two, Array(u.prefix(2)))
        unseen = try await c.search(mailbox: mb, query: SearchQuery(seen: false))
        XCTAssertEqual(unseen, u)
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
        let part = try await c.fetchAll(mailbox: mb, uids: .of(uid), options: FetchOptions())[0].attachments[0].part
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
            let s = try await c.fetchAll(mailbox: mb, uids: .of(uid), options: FetchOptions(envelope: false, attachments: false))
            return Set(s[0].flags.filter { $0 != .recent })
        }
        try await c.addFlags(mailbox: mb, uids: .of(uid), flags: [.seen, .flagged, .keyword("$Label1")])
        var f = try await flags()
        XCTAssertEqual(f, [.seen, .flagged, .keyword("$Label1")])
        try await c.removeFlags(mailbox: mb, uids: .of(uid), flags: [.flagged])
        f = try await flags()
        XCTAssertEqual(f, [.seen, .keyword("$Label1")])
        try await c.setFlags(mailbox: mb, uids: .of(uid), flags: [.answered])
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
        let copied = try await c.copyMessages(mailbox: src, uids: .of(u[0]), dest: dst)
        XCTAssertEqual(copied.pairs.map { $0.source }, [u[0]])
        let moved = try await c.moveMessages(mailbox: src, uids: .of(u[1], u[2]), dest: dst)
        XCTAssertEqual(moved.pairs.map { $0.source }, [u[1], u[2]])
        XCTAssertNotNil(moved.uidValidity)
        var r = try await c.search(mailbox: src, query: SearchQuery())
        XCTAssertEqual(r, [u[0], u[3]])
        r = try await c.search(mailbox: dst, query: SearchQuery())
        XCTAssertEqual(r, (copied.pairs + moved.pairs).map { $0.destination }.sorted())
        try await c.deleteMessages(mailbox: src, uids: .of(u[0]))
        r = try await c.search(mailbox: src, query: SearchQuery())
        XCTAssertEqual(r, [u[3]])
        try await c.addFlags(mailbox: src, uids: .of(u[3]), flags: [.deleted])
        try await c.expunge(mailbox: src)
        r = try await c.search(mailbox: src, query: SearchQuery())
        XCTAssertEqual(r, [])
        let date = Date(timeIntervalSince1970: 1_715_000_000)
        let uid = try await c.append(mailbox: dst, data: Dev.rawMessage("appended"), flags: [.draft], date: date)!
        let s = try await c.fetchAll(mailbox: dst, uids: .of(uid), options: FetchOptions())[0]
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
        XCTAssertEqual(ev, .exists(count: 1, prevCount: 0))
        let idle = Task { try await c.idle(mailbox: mb, timeout: 20) }
        try await Task.sleep(nanoseconds: 500_000_000)
        _ = try await other.append(mailbox: mb, data: Dev.rawMessage("again"))
        let events = try await idle.value
        XCTAssertTrue(events.contains(.exists(count: 2, prevCount: 1)), "\(events)")
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
        try await c.addFlags(mailbox: mb, uids: .of(u1), flags: [.seen])
        try await c.deleteMessages(mailbox: mb, uids: .of(u2))
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

    // conformance: imap.uids.grammar, imap.uids.zero-invalid
    func testUidSetsFromTextListsRangesAndAllReachTheServer() async throws {
        // The IMAP grammar, parsed by the core: printed back compressed and sorted.
        XCTAssertEqual(try UidSet.parse(text: "7,1:5,10:*").description, "1:5,7,10:*")
        XCTAssertEqual(try UidSet.parse(text: "1:3,5"), UidSet.of(5, 3, 2, 1))
        XCTAssertEqual(
            try UidSet.parse(text: "7,1:5,10:*").ranges(),
            [UidRange(first: 1, last: 5), UidRange(first: 7, last: 7), UidRange(first: 10, last: UInt32.max)])
        XCTAssertEqual(UidSet.all().description, "1:*")
        XCTAssertEqual(UidSet.fromUid(first: 4).description, "4:*")
        XCTAssertEqual(UidSet.range(first: 9, last: 2).description, "2:9")
        // Malformed text and UID 0 in text are refused at once.
        for bad in ["0", "1,0:3", "1, 2", "", "1:"] {
            let e = await mailError { _ = try UidSet.parse(text: bad) }
            guard case .InvalidInput = e else { return XCTFail("\(bad): \(String(describing: e))") }
        }
        // UID 0 from a list or range is kept, never dropped, and refused by the call.
        XCTAssertEqual(UidSet.of(3, 0).description, "0,3")
        let c = try await ImapClient.connect(config: Dev.imap("t90"))
        let mb = Dev.unique("SwUidSet")
        try await c.createMailbox(name: mb)
        var u: [UInt32] = []
        for i in 1...5 { u.append(try await c.append(mailbox: mb, data: Dev.rawMessage("u\(i)"))!) }
        func fetched(_ set: UidSet) async throws -> [UInt32] {
            try await c.fetchAll(mailbox: mb, uids: set, options: FetchOptions(envelope: false, attachments: false)).map { $0.uid }
        }
        var got = try await fetched(.all())
        XCTAssertEqual(got, u)
        got = try await fetched(.parse(text: "\(u[3]):*"))
        XCTAssertEqual(got, Array(u[3...]))
        got = try await fetched(.fromUid(first: u[3]))
        XCTAssertEqual(got, Array(u[3...]))
        got = try await fetched(.parse(text: "\(u[3]):\(u[2]),\(u[0])"))
        XCTAssertEqual(got, [u[0], u[2], u[3]])
        try await c.addFlags(mailbox: mb, uids: .range(first: u[0], last: u[1]), flags: [.seen])
        got = try await c.search(mailbox: mb, query: SearchQuery(seen: true))
        XCTAssertEqual(got, [u[0], u[1]])
        got = try await c.search(mailbox: mb, query: SearchQuery(seen: true, uids: .parse(text: "\(u[1]):*")))
        XCTAssertEqual(got, [u[1]])
        for zero in [UidSet.of(0), .of(u[2], 0), .range(first: 0, last: u[2]), .fromUid(first: 0)] {
            var e = await mailError { try await c.addFlags(mailbox: mb, uids: zero, flags: [.seen]) }
            guard case .InvalidInput = e else { return XCTFail("\(zero): \(String(describing: e))") }
            e = await mailError { _ = try await c.search(mailbox: mb, query: SearchQuery(uids: zero)) }
            guard case .InvalidInput = e else { return XCTFail("\(zero): \(String(describing: e))") }
        }
        got = try await c.search(mailbox: mb, query: SearchQuery(seen: true))
        XCTAssertEqual(got, [u[0], u[1]])
        // `*` is the highest UID in the mailbox.
        try await c.deleteMessages(mailbox: mb, uids: .parse(text: "*"))
        got = try await c.search(mailbox: mb, query: SearchQuery())
        XCTAssertEqual(got, Array(u.dropLast()))
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
        guard case .InvalidInput(let text, _, _, _, _, _, _, _, _) = refused else {
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
        for try await s in try await c.fetchStream(mailbox: mb, uids: .of(uids: uids), batchSize: 1) {
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
            for try await _ in try await c.fetchStream(mailbox: mb, uids: .of(uids: uids), batchSize: 1) {
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
        let stream = try await c.fetch(mailbox: mb, uids: .of(uids: uids), options: FetchOptions())
        stream.cancel()
        let none = try await stream.next()
        XCTAssertNil(none)
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.auth.xoauth2
    func testAnOAuth2TokenLogsInAndABadTokenIsPermanentAuth() async throws {
        var cfg = Dev.imap("user18")
        cfg.auth = Auth.oauth2(username: "user18", accessToken: Dev.token("user18"))
        let c = try await ImapClient.connect(config: cfg)
        let boxes = try await c.listMailboxes()
        XCTAssertTrue(boxes.contains { $0.name == "INBOX" })
        try await c.logout()
        cfg.auth = Auth.oauth2(username: "user18", accessToken: "not-the-token-7q")
        let bad = await mailError { _ = try await ImapClient.connect(config: cfg) }
        guard case let .Auth(text, _, _, _, _, _, permanent, transient, _) = bad else { return XCTFail("\(String(describing: bad))") }
        XCTAssertTrue(permanent)
        XCTAssertFalse(transient)
        for shown in [text, bad!.localizedDescription, String(describing: bad!), String(reflecting: bad!)] {
            XCTAssertFalse(shown.contains("not-the-token-7q"), shown)
        }
    }

    // conformance: imap.fetch.raw
    func testFetchRawGivesExactlyTheAppendedBytesAndAMissingUidIsNotFound() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("user18"))
        let mb = Dev.unique("SwRaw")
        try await c.createMailbox(name: mb)
        // Every byte value but NUL, CR and LF in the body (8-bit), a long line, and a message
        // without a final CRLF.
        let bytes: [UInt8] = (0..<4096).map { (n: Int) -> UInt8 in UInt8(n % 256) }
        let binary = Data(bytes.filter { (b: UInt8) -> Bool in b != 0 && b != 13 && b != 10 })
        let sent: [Data] = [
            Dev.rawMessage("raw one", body: String(repeating: "x", count: 20_000)),
            Data("From: a@localhost\r\nSubject: raw two\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".utf8) + binary + Data("\r\n".utf8),
            Data("Subject: raw three\r\n\r\nno final line break".utf8),
        ]
        var uids: [UInt32] = []
        for m in sent { uids.append(try await c.append(mailbox: mb, data: m)!) }
        for (i, uid) in uids.enumerated() {
            let raw = try await c.fetchRaw(mailbox: mb, uid: uid)
            XCTAssertEqual(raw, sent[i], "message \(i + 1)")
        }
        let missing = await mailError { _ = try await c.fetchRaw(mailbox: mb, uid: uids.last! + 1000) }
        guard case .NotFound = missing else { return XCTFail("\(String(describing: missing))") }
        // Fetching the whole message does not mark it seen.
        let unseen = try await c.search(mailbox: mb, query: SearchQuery(seen: false))
        XCTAssertEqual(unseen, uids)
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }

    // conformance: imap.concurrency
    func testOneClientServesManyConcurrentTasksAcrossMailboxes() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("user18"))
        // Three mailboxes holding different numbers of messages, each message its own subject
        // and body, so an answer given to the wrong call cannot pass.
        let boxes = (1...3).map { Dev.unique("SwConc\($0)") }
        var sent: [String: Data] = [:]
        for (b, mb) in boxes.enumerated() {
            try await c.createMailbox(name: mb)
            for i in 0..<(b + 2) {
                let raw = Dev.rawMessage("conc \(b)-\(i)", body: String(repeating: "body \(b)-\(i) ", count: 50 * (i + 1)))
                sent["\(mb)/\(try await c.append(mailbox: mb, data: raw)!)"] = raw
            }
        }
        let expected = sent
        let finished = try await withThrowingTaskGroup(of: Int.self) { group -> [Int] in
            for n in 0..<24 {
                group.addTask {
                    let b = n % 3, mb = boxes[b], i = n % (b + 2)
                    for _ in 0..<4 {
                        let found = try await c.search(mailbox: mb, query: SearchQuery(subject: "conc \(b)-\(i)"))
                        XCTAssertEqual(found.count, 1, "\(mb) conc \(b)-\(i): \(found)")
                        guard let uid = found.first else { return -1 }
                        let raw = try await c.fetchRaw(mailbox: mb, uid: uid)
                        XCTAssertEqual(raw, expected["\(mb)/\(uid)"])
                        let s = try await c.fetchAll(mailbox: mb, uids: .of(uid), options: FetchOptions())
                        XCTAssertEqual(s.first?.envelope.subject, "conc \(b)-\(i)")
                        let st = try await c.mailboxStatus(name: mb)
                        XCTAssertEqual(st.messages, UInt32(b + 2))
                    }
                    return n
                }
            }
            var all: [Int] = []
            for try await n in group { all.append(n) }
            return all.sorted()
        }
        XCTAssertEqual(finished, Array(0..<24))
        for mb in boxes { try await c.deleteMailbox(name: mb) }
        try await c.logout()
    }

    /// Runs `step` (with a short pause) until `done` holds; fails after 30 seconds.
    /// Waits up to 20 s for `done`.
    private func waitUntil(_ what: String, _ done: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(20)
        while !done() {
            guard Date() < deadline else { return XCTFail("\(what) never arrived") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    // conformance: imap.events.flags-expunge
    func testFlagChangesAndExpungesByAnotherClientArriveAsEventsWithTheirUids() async throws {
        let c = try await ImapClient.connect(config: Dev.imap("user18"))
        let other = try await ImapClient.connect(config: Dev.imap("user18"))
        let mb = Dev.unique("SwEvents")
        try await c.createMailbox(name: mb)
        let u1 = try await other.append(mailbox: mb, data: Dev.rawMessage("watched"))!
        let u2 = try await other.append(mailbox: mb, data: Dev.rawMessage("doomed"))!
        // The watching client selects the mailbox first, so it knows both messages: the
        // server reports changes to them whenever they happen, during a round of IDLE or at
        // the start of the next.
        let known = try await c.search(mailbox: mb, query: SearchQuery())
        XCTAssertEqual(known, [u1, u2])
        struct Seen { var flagsUid: UInt32?; var expunged: [UInt32]?; var events: [MailboxEvent] = [] }
        let seen = Locked(Seen())
        let watching = Task {
            for try await ev in c.watchStream(mailbox: mb) {
                seen.with { s in
                    s.events.append(ev)
                    switch ev {
                    case let .flags(uid, _, flags, _) where uid == u1 && flags.contains(.flagged):
                        s.flagsUid = uid
                    case let .expunge(uids, _) where s.expunged == nil:
                        s.expunged = Array(uids.uidSequence)
                    default: break
                    }
                }
            }
        }
        try await other.addFlags(mailbox: mb, uids: .of(u1), flags: [.flagged])
        try await waitUntil("a flags event") { seen.with { $0.flagsUid != nil } }
        XCTAssertEqual(seen.with { $0.flagsUid }, u1, "\(seen.with { $0.events })")
        try await other.deleteMessages(mailbox: mb, uids: .of(u2))
        try await waitUntil("an expunge event") { seen.with { $0.expunged != nil } }
        // The event names the expunged UID (QRESYNC's VANISHED), and only it.
        XCTAssertEqual(seen.with { $0.expunged }, [u2], "\(seen.with { $0.events })")
        watching.cancel()
        _ = await watching.result
        let left = try await other.search(mailbox: mb, query: SearchQuery())
        XCTAssertEqual(left, [u1])
        try await other.logout()
        try await c.deleteMailbox(name: mb)
        try await c.logout()
    }
}
