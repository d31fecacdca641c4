import Foundation
import XCTest
@testable import Mailwire

/// The last line of defence: a panic inside Rust (a bug; no input is meant to cause one) is
/// MailError.Protocol carrying the panic's text, from blocking and async calls alike, and
/// the process and the library's runtime carry on.
final class PanicTests: XCTestCase {
    private func protocolText(_ e: MailError?) -> String? {
        guard case let .Protocol(text, _, _, _, _, _, _, _, _) = e else {
            XCTFail("expected MailError.Protocol, got \(String(describing: e))")
            return nil
        }
        return text
    }

    // conformance: errors.no-panic
    func testAPanicInABlockingCallIsProtocol() async throws {
        let e = await mailError { try debugPanic(msg: "boom sync 7") }
        let text = protocolText(e)
        XCTAssertTrue(text?.contains("boom sync 7") == true, "\(String(describing: text))")
        // The library still works after the panic.
        XCTAssertEqual(try parseMessage(data: Data("Subject: after\r\n\r\nbody\r\n".utf8)).subject, "after")
    }

    // conformance: errors.no-panic
    func testAPanicInAnAsyncCallIsProtocol() async throws {
        // Twice: the runtime survived the first panicking future.
        for n in 1...2 {
            let e = await mailError { try await debugPanicAsync(msg: "boom async \(n)") }
            let text = protocolText(e)
            XCTAssertTrue(text?.contains("boom async \(n)") == true, "\(String(describing: text))")
        }
        // And the runtime still serves real work.
        let c = try await ImapClient.connect(config: Dev.imap("user18"))
        try await c.noop()
        try await c.logout()
    }
}
