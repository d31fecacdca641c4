// The child of the Swift face's hostile-server suite (HostileTests): one connect + call
// through the public Swift API, as tests/hostile/run.py asks for in MAILWIRE_HOSTILE_SPEC,
// and one `HOSTILE-RESULT {json}` line. run-tests.sh builds it (`swift build --product
// HostileChild`) and hands its path to the tests in MAILWIRE_HOSTILE_CHILD.
import Foundation
import Mailwire

#if canImport(Glibc)
    import Glibc
#endif

let mark = "HOSTILE-RESULT "
let message = Data("From: a@example.com\r\nSubject: hostile\r\n\r\nhello\r\n".utf8)
/// The text the FFI layer gives a panic it caught (mailwire::panic::panic_error).
let panicPrefix = "internal error (a bug in mailwire"

struct BadSpec: Error, CustomStringConvertible {
    let description: String
}

/// VmRSS and VmHWM of this process, in kB; nil when /proc does not tell (then run.py
/// fails the memory bound instead of taking a zero for a measurement).
func memory() -> (rss: Int, hwm: Int)? {
    guard let data = FileHandle(forReadingAtPath: "/proc/self/status")?.readDataToEndOfFile() else { return nil }
    let status = String(decoding: data, as: UTF8.self)
    func field(_ name: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            // "VmRSS:\t   12345 kB"
            return Int(line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
    guard let rss = field("VmRSS"), let hwm = field("VmHWM") else { return nil }
    return (rss, hwm)
}

func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

func uidsResult(_ uids: [UInt32]) -> [String: Any] {
    ["uids": uids.prefix(1000).map { Int($0) }, "uids_count": uids.count]
}

func config(_ spec: [String: Any]) throws -> ImapConfig {
    let client = spec["client"] as? [String: Any] ?? [:]
    let security: Security
    switch client["security"] as? String ?? "tls" {
    case "tls": security = .tls
    case "starttls": security = .startTls
    case "plain": security = .plain
    case let other: throw BadSpec(description: "unknown security \(other) in scenarios.json")
    }
    var timeouts = defaultTimeouts()
    timeouts.connect = 5
    timeouts.greeting = 5
    timeouts.command = number(client["timeout"]) ?? 5
    guard let port = number(spec["port"]), let ca = FileManager.default.contents(atPath: spec["ca"] as? String ?? "") else {
        throw BadSpec(description: "the spec has no port or no readable ca")
    }
    return ImapConfig(
        host: "127.0.0.1", auth: Auth.password(username: "hostile", password: "not-a-secret"),
        port: UInt16(port), security: security, caPem: ca, timeouts: timeouts,
        allowPlaintextAuth: client["allow_plaintext_auth"] as? Bool ?? false)
}

/// Connects as the scenario says and makes its call; the result checks of run.py.
func call(_ spec: [String: Any]) async throws -> [String: Any] {
    let imap = try await ImapClient.connect(config: config(spec))
    let words = (spec["call"] as? String ?? "").split(separator: " ").map(String.init)
    let args = Array(words.dropFirst())
    func uid(_ i: Int) throws -> UInt32 {
        guard i < args.count, let u = UInt32(args[i]) else { throw BadSpec(description: "no UID in \(words)") }
        return u
    }
    switch words.first ?? "" {
    case "login_plain", "starttls":
        return [:]
    case "noop":
        try await imap.noop()
        return [:]
    case "fetch":
        var uids: [UInt32] = []
        for try await s in try await imap.fetchStream(mailbox: "INBOX", uids: .of(uid(0))) { uids.append(s.uid) }
        return uidsResult(uids)
    case "fetch_raw":
        return ["body_bytes": try await imap.fetchRaw(mailbox: "INBOX", uid: uid(0)).count]
    case "copy":
        let map = try await imap.copyMessages(mailbox: "INBOX", uids: .of(uid(0)), dest: args[1])
        return uidsResult(map.pairs.map { $0.source })
    case "append":
        let u = try await imap.append(mailbox: "INBOX", data: message)
        return ["uid": u.map { Int($0) as Any } ?? NSNull()]
    case "idle":
        let seconds = Double(args[0].hasSuffix("s") ? String(args[0].dropLast()) : args[0]) ?? 2
        return ["count": try await imap.idle(mailbox: "INBOX", timeout: seconds).count]
    case "list":
        return ["count": try await imap.listMailboxes().count]
    case "save_attachment":
        let path = URL(fileURLWithPath: spec["dir"] as? String ?? ".").appendingPathComponent("attachment.bin").path
        return ["written": Int(try await imap.saveAttachment(mailbox: "INBOX", uid: uid(0), part: args[1], path: path))]
    default:
        throw BadSpec(description: "unknown call \(words)")
    }
}

/// The error kind in the spelling of run.py and scenarios.json (the core's ErrorKind::as_str).
func kind(_ e: MailError) -> String {
    switch e {
    case .Connect: return "connect"
    case .Tls: return "tls"
    case .Auth: return "auth"
    case .Timeout: return "timeout"
    case .NotFound: return "not_found"
    case .AlreadyExists: return "already_exists"
    case .Rejected: return "rejected"
    // A panic inside Rust arrives as Protocol carrying the panic's text: report it as one.
    case .Protocol: return e.text.hasPrefix(panicPrefix) ? "panic" : "protocol"
    case .InvalidInput: return "invalid_input"
    case .Closed: return "closed"
    }
}

/// What the call ended with, handed from its Task to the main thread.
final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<[String: Any], Error>?
    let done = DispatchSemaphore(value: 0)

    func set(_ r: Result<[String: Any], Error>) {
        lock.lock()
        value = r
        lock.unlock()
        done.signal()
    }

    func get() -> Result<[String: Any], Error>? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// One connect + call; prints the HOSTILE-RESULT line (see tests/hostile/run.py).
func child() throws {
    guard let text = ProcessInfo.processInfo.environment["MAILWIRE_HOSTILE_SPEC"],
        let spec = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
        let limit = number(spec["limit"])
    else { throw BadSpec(description: "MAILWIRE_HOSTILE_SPEC is not a spec") }
    // Initialises the library (as the other children import their module) before measuring.
    _ = defaultTimeouts()
    var outcome = "ok", errorText = "", errorType = ""
    var result: [String: Any] = [:]
    let before = memory()?.rss
    // Resets VmHWM to the current RSS, so that it measures the peak of this call.
    let refs = open("/proc/self/clear_refs", O_WRONLY)
    if refs >= 0 {
        _ = write(refs, "5", 1)
        close(refs)
    }
    let start = DispatchTime.now()
    // A detached Task, so that a call stuck on the hostile server cannot keep this thread
    // from reporting `hung`.
    let box = Outcome()
    Task.detached {
        do { box.set(.success(try await call(spec))) } catch { box.set(.failure(error)) }
    }
    if box.done.wait(timeout: .now() + limit) == .timedOut {
        outcome = "hung"
        errorText = "no answer in \(limit) s"
    } else {
        switch box.get()! {
        case let .success(r):
            result = r
        case let .failure(e as MailError):
            outcome = kind(e)
            errorText = e.text
            errorType = "MailError"
        case let .failure(e):
            outcome = "other"
            errorType = "\(type(of: e))"
            errorText = "\(errorType): \(e)"
        }
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let peak = memory()?.hwm
    let growth: Any = before.flatMap { b in peak.map { Double(max(0, $0 - b)) / 1024 } } ?? NSNull()
    let report: [String: Any] = [
        "outcome": outcome,
        "message": errorText,
        "elapsed": elapsed,
        "rss_growth_mb": growth,
        "result": result,
        "error_type": errorType,
    ]
    let json = try JSONSerialization.data(withJSONObject: report)
    print(mark + String(decoding: json, as: UTF8.self))
    fflush(stdout)
}

do {
    try child()
} catch {
    FileHandle.standardError.write(Data("hostile child: \(error)\n".utf8))
    exit(2)
}
// The runtime may hold a call stuck on the hostile server: do not wait for it.
_exit(0)
