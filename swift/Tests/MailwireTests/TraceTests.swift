import Foundation
import XCTest
@testable import Mailwire

final class Lines: TraceListener, @unchecked Sendable {
    private var all: [(String, String)] = []
    private let lock = NSLock()
    func onTrace(target: String, line: String) { lock.lock(); all.append((target, line)); lock.unlock() }
    var lines: [(target: String, line: String)] { lock.lock(); defer { lock.unlock() }; return all }
}

/// The trace listener: protocol lines of both clients, credentials redacted (users t90, t95).
final class TraceTests: XCTestCase {
    // conformance: trace.redacted
    func testTraceListenerSeesProtocolLinesWithCredentialsRedacted() async throws {
        let got = Lines()
        setTraceListener(listener: got)
        do {
            let imap = try await ImapClient.connect(config: Dev.imap("t90"))
            try await imap.noop()
            try await imap.logout()
            let smtp = try await SmtpClient.connect(config: Dev.smtp("t95"))
            try await smtp.close()
        } catch {
            setTraceListener(listener: nil)
            throw error
        }
        setTraceListener(listener: nil)
        let imap = got.lines.filter { $0.target == "mailwire.imap" }.map { $0.line }
        let smtp = got.lines.filter { $0.target == "mailwire.smtp" }.map { $0.line }
        XCTAssertTrue(imap.contains { $0.hasPrefix("C: ") && $0.contains("NOOP") }, "\(imap)")
        XCTAssertTrue(smtp.contains { $0.hasPrefix("S: 2") }, "\(smtp)")
        XCTAssertTrue(imap.contains { $0.contains("LOGIN") && $0.contains("<redacted>") }, "\(imap)")
        XCTAssertTrue(smtp.contains { $0.hasPrefix("C: EHLO") }, "\(smtp)")
        XCTAssertTrue(smtp.contains { $0.contains("AUTH") && $0.contains("<redacted>") }, "\(smtp)")
        // No form of either password appears (AUTH PLAIN would carry it in base64).
        let secrets = ["t90", "t95"].flatMap { u -> [String] in
            let pw = Dev.password(u)
            return [pw, Data("\0\(u)\0\(pw)".utf8).base64EncodedString()]
        }
        XCTAssertFalse(got.lines.contains { l in secrets.contains { l.line.contains($0) } })
        // Removed: nothing more arrives.
        let before = got.lines.count
        try await ImapClient.connect(config: Dev.imap("t90")).logout()
        XCTAssertEqual(got.lines.count, before)
    }
}
