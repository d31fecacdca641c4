import Foundation
import XCTest
@testable import Mailwire

/// Settings of the devserver from the `MAILWIRE_*` variables (`eval "$(devserver env)"`).
enum Dev {
    static func v(_ name: String) -> String {
        guard let value = ProcessInfo.processInfo.environment[name] else {
            fatalError("\(name) is not set: eval \"$(devserver/devserver env)\"")
        }
        return value
    }

    static var host: String { v("MAILWIRE_HOST") }
    static var domain: String { v("MAILWIRE_DOMAIN") }
    static let ca: Data = FileManager.default.contents(atPath: v("MAILWIRE_CA"))!
    static func password(_ user: String) -> String { v("MAILWIRE_PASSWORD_PATTERN").replacingOccurrences(of: "{user}", with: user) }
    static func address(_ user: String) -> String { "\(user)@\(domain)" }
    /// The OAuth2 access token the devserver's introspection accepts for `user`.
    static func token(_ user: String) -> String { v("MAILWIRE_OAUTH_TOKEN_PATTERN").replacingOccurrences(of: "{user}", with: user) }

    static func imap(_ user: String, password: String? = nil, timeouts: Timeouts? = nil, ca: Data? = Dev.ca) -> ImapConfig {
        ImapConfig(
            host: host, auth: Auth.password(username: user, password: password ?? Dev.password(user)),
            port: UInt16(v("MAILWIRE_IMAPS_PORT"))!, caPem: ca, timeouts: timeouts)
    }

    static func smtp(_ user: String, password: String? = nil) -> SmtpConfig {
        SmtpConfig(
            host: host, auth: Auth.password(username: user, password: password ?? Dev.password(user)),
            port: UInt16(v("MAILWIRE_SMTP_PORT"))!, security: .startTls, caPem: ca)
    }

    private static let counter = Counter()
    static func unique(_ tag: String) -> String {
        "\(tag)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64(Date().timeIntervalSince1970 * 1000) % 1_000_000)-\(counter.next())"
    }

    static func rawMessage(_ subject: String, body: String = "hello", from: String = "a@localhost") -> Data {
        Data("From: \(from)\r\nTo: b@localhost\r\nSubject: \(subject)\r\nMessage-ID: <\(unique("m"))@localhost>\r\n\r\n\(body)\r\n".utf8)
    }

    /// Signals (default KILL) USER's IMAP processes with `devserver kill-sessions`. Inside the
    /// trixie root (no Dovecot tools there) the request goes to a relay that run-tests.sh
    /// runs on the host.
    static func killSessions(_ user: String, signal: String? = nil) throws {
        if let relay = ProcessInfo.processInfo.environment["MAILWIRE_KILL_RELAY"] {
            let done = relay + "/done"
            try? FileManager.default.removeItem(atPath: done)
            try Data(([user] + (signal.map { [$0] } ?? [])).joined(separator: " ").utf8)
                .write(to: URL(fileURLWithPath: relay + "/request.tmp"))
            try FileManager.default.moveItem(atPath: relay + "/request.tmp", toPath: relay + "/request")
            for _ in 0..<200 {
                if FileManager.default.fileExists(atPath: done) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            XCTFail("the kill-sessions relay did not answer")
        } else {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: v("MAILWIRE_DEVSERVER"))
            p.arguments = ["kill-sessions", user] + (signal.map { [$0] } ?? [])
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
        }
    }
}

/// A value shared between Tasks under a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func with<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}

final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

final class Progress: ProgressListener, @unchecked Sendable {
    private var last: (UInt64, UInt64?) = (0, nil)
    private let lock = NSLock()
    func onProgress(done: UInt64, total: UInt64?) { lock.lock(); last = (done, total); lock.unlock() }
    var done: UInt64 { lock.lock(); defer { lock.unlock() }; return last.0 }
    var total: UInt64? { lock.lock(); defer { lock.unlock() }; return last.1 }
}

/// Runs `body` and returns the MailError it throws (failing the test otherwise).
func mailError(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> MailError? {
    do {
        try await body()
        XCTFail("no error was thrown", file: file, line: line)
        return nil
    } catch let e as MailError {
        XCTAssertFalse(e.localizedDescription.contains("text:"), e.localizedDescription, file: file, line: line)
        XCTAssertEqual(e.localizedDescription, e.text, file: file, line: line)
        return e
    } catch {
        XCTFail("not a MailError: \(error)", file: file, line: line)
        return nil
    }
}

/// The repository (bind-mounted at the same path inside run-tests.sh's root).
let repo = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A helper server of tests/ run with python3 (tests/gmail/peer.py, tests/discover/serve.py):
/// `firstLine` is what it prints when ready; it exits when its stdin closes (`close()`).
final class Script {
    private let process = Process()
    private let stdin = Pipe()
    let firstLine: String

    init(_ path: String, _ args: String...) throws {
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repo.appendingPathComponent(path).path] + args
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        firstLine = String(decoding: line, as: UTF8.self)
        if firstLine.isEmpty { throw NSError(domain: "Script", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(path) printed nothing"]) }
    }

    /// Closes its stdin and waits (at most 10 s, then it is terminated) until it exits.
    func close() {
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            XCTFail("\(process.arguments ?? []) did not exit when its stdin closed")
            process.terminate()
        }
        process.waitUntilExit()
    }
}

/// `value`, failing the test when it is nil (`XCTUnwrap` without its autoclosure, so that the
/// value may come from an `await`).
func present<T>(_ value: T?, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    try XCTUnwrap(value, file: file, line: line)
}
