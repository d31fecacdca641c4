import Foundation
import XCTest
@testable import Mailwire

/// Settings from an address (`discover`) against real servers on loopback: dnsmasq as the
/// DNS server and an HTTPS autoconfig server (tests/discover/serve.py, inside run-tests.sh's
/// root too), for each way discovery can succeed or fail. No devserver user.
final class DiscoverTests: XCTestCase {
    /// The servers, and options that point discovery at them.
    private func servers() throws -> (Script, DiscoverOptions) {
        let script = try Script("tests/discover/serve.py")
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(script.firstLine.utf8)) as? [String: Any])
        let dns = try XCTUnwrap(info["dns"] as? Int), https = try XCTUnwrap(info["https"] as? Int)
        let ca = try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(info["ca"] as? String)))
        return (script, DiscoverOptions(timeout: 10, resolver: "127.0.0.1:\(dns)", httpsPort: UInt16(https), caPem: ca))
    }

    // conformance: discover
    func testEachMethodFindsTheSettingsItShouldAndNothingIsNotFound() async throws {
        let (script, options) = try servers()
        defer { script.close() }
        var d = try await discover(address: "ann@auto.test", options: options)
        XCTAssertEqual(d.source, .autoconfig)
        XCTAssertEqual(d.imap, ServerSettings(host: "imap.auto.test", port: 993, security: .tls, username: "ann@auto.test"))
        XCTAssertEqual(d.smtp, ServerSettings(host: "smtp.auto.test", port: 587, security: .startTls, username: "ann"))

        d = try await discover(address: "bob@wellknown.test", options: options)
        XCTAssertEqual(d.source, .autoconfig)
        XCTAssertEqual(d.imap?.security, .startTls)

        d = try await discover(address: "cy@srv.test", options: options)
        XCTAssertEqual(d, Discovered(
            imap: ServerSettings(host: "imap.srv.test", port: 993, security: .tls, username: "cy@srv.test"),
            smtp: ServerSettings(host: "smtp.srv.test", port: 587, security: .startTls, username: "cy@srv.test"),
            source: .srv))

        d = try await discover(address: "di@mx.test", options: options)
        XCTAssertEqual(d.source, .mx)
        XCTAssertEqual(d.imap?.host, "imap.gmail.com")

        let e = await mailError { _ = try await discover(address: "eve@nothing.test", options: options) }
        guard case .NotFound = e else { return XCTFail("\(String(describing: e))") }
    }

    // conformance: discover
    func testAServerThatNeverAnswersIsBoundedByTheDeadline() async throws {
        let (script, options) = try servers()
        defer { script.close() }
        let start = Date()
        // The silent autoconfig server costs its step (a quarter of the deadline), then the
        // other methods find nothing: NotFound, well within the deadline.
        var short = options
        short.timeout = 2
        let slow = await mailError { _ = try await discover(address: "fay@slow.test", options: short) }
        guard case .NotFound = slow else { return XCTFail("\(String(describing: slow))") }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)

        // An untrusted autoconfig certificate is not believed.
        var untrusted = options
        untrusted.caPem = nil
        let e = await mailError { _ = try await discover(address: "ann@auto.test", options: untrusted) }
        guard case .NotFound = e else { return XCTFail("\(String(describing: e))") }
    }

    // conformance: discover
    func testBigProvidersComeFromTheBuiltInTableAndBadInputIsRefused() async throws {
        // No network: the resolver given is never asked.
        let d = try await discover(address: "someone@gmail.com", options: DiscoverOptions(resolver: "127.0.0.1:9"))
        XCTAssertEqual(d.source, .builtIn)
        XCTAssertEqual(d.imap, ServerSettings(host: "imap.gmail.com", port: 993, security: .tls, username: "someone@gmail.com"))
        for bad in ["no-at-sign", "@example.com", "a@exa mple.com"] {
            let e = await mailError { _ = try await discover(address: bad) }
            guard case .InvalidInput = e else { return XCTFail("\(bad): \(String(describing: e))") }
        }
        let e = await mailError { _ = try await discover(address: "a@b.test", options: DiscoverOptions(resolver: "not an address")) }
        guard case .InvalidInput = e else { return XCTFail("\(String(describing: e))") }
    }
}
