import Foundation
import XCTest
@testable import Mailwire

/// Gmail's IMAP extensions (X-GM-EXT-1): message and thread ids and labels in summaries,
/// adding and removing labels, X-GM-RAW search. Against tests/gmail/peer.py, which replays
/// the replies of Google's published documentation (there is no Gmail here and Dovecot has
/// no X-GM-EXT-1); no devserver user. (Labels on Dovecot: IntrospectionTests.)
final class GmailTests: XCTestCase {
    private let firstMsgId: UInt64 = 1_278_455_344_230_334_865 // above 2**53: must arrive exactly
    private let thread: UInt64 = 1_266_894_439_832_287_888

    /// The peer with the devserver's certificate, and settings that log in with `ya29.good`
    /// (it refuses other tokens).
    private func peer(_ mechanisms: String = "XOAUTH2,OAUTHBEARER") throws -> (Script, ImapConfig) {
        let script = try Script("tests/gmail/peer.py", "--mechanisms", mechanisms)
        let port = try XCTUnwrap(UInt16(script.firstLine.replacingOccurrences(of: "PORT ", with: "")), script.firstLine)
        let config = ImapConfig(
            host: Dev.host, auth: Auth.oauth2(username: "user@gmail.test", accessToken: "ya29.good"),
            port: port, caPem: Dev.ca)
        return (script, config)
    }

    // conformance: imap.gmail
    func testGmailIdsAndLabelsComeWithSummariesAndLabelsCanChange() async throws {
        let (script, config) = try peer()
        defer { script.close() }
        let c = try await ImapClient.connect(config: config)
        let all = try await c.fetchAll(mailbox: "INBOX", uids: .range(first: 1, last: 4), options: FetchOptions())
        XCTAssertEqual(all.count, 4)
        XCTAssertEqual(all[0].gmailMessageId, firstMsgId)
        XCTAssertEqual(all[0].gmailThreadId, thread)
        XCTAssertEqual(all[0].gmailLabels, ["\\Inbox", "\\Sent", "Important", "Muy Importante"])
        // The reply is in the same thread; the third message has no labels.
        XCTAssertEqual(all[1].gmailThreadId, thread)
        XCTAssertEqual(all[2].gmailLabels, [])

        try await c.addLabels(mailbox: "INBOX", uids: .of(3), labels: ["\\Important", "Work/2026"])
        try await c.removeLabels(mailbox: "INBOX", uids: .of(1), labels: ["Muy Importante"])
        let after = try await c.fetchAll(mailbox: "INBOX", uids: .of(1, 3), options: FetchOptions())
        XCTAssertEqual(after.map(\.gmailLabels), [["\\Inbox", "\\Sent", "Important"], ["\\Important", "Work/2026"]])

        // X-GM-RAW: Gmail's own search syntax, the documentation's examples.
        var found = try await c.search(mailbox: "INBOX", query: SearchQuery(gmailRaw: "has:attachment in:unread"))
        XCTAssertEqual(found, [2])
        found = try await c.search(mailbox: "INBOX", query: SearchQuery(gmailRaw: "has:attachment"))
        XCTAssertEqual(found, [2, 4])
        found = try await c.search(mailbox: "INBOX", query: SearchQuery(gmailRaw: "in:sent"))
        XCTAssertEqual(found, [1])

        // Labels are checked before anything is sent.
        for bad in [[], ["a\r\nb"], ["\\In box"]] as [[String]] {
            let e = await mailError { try await c.addLabels(mailbox: "INBOX", uids: .of(1), labels: bad) }
            guard case .InvalidInput = e else { return XCTFail("\(bad): \(String(describing: e))") }
        }
        try await c.logout()
    }

    private final class Provider: TokenProvider, @unchecked Sendable {
        let calls = Locked<[Bool]>([])
        func token(forceRefresh: Bool) async throws -> String {
            calls.with { $0.append(forceRefresh) }
            return forceRefresh ? "ya29.good" : "ya29.expired"
        }
    }

    // conformance: imap.gmail, auth.token-provider
    func testAnExpiredTokenGetsGmailsErrorJsonThenOneRefreshLogsIn() async throws {
        // XOAUTH2 only (as Outlook offers it), then both (as Gmail does: OAUTHBEARER is chosen).
        for mechanisms in ["XOAUTH2", "XOAUTH2,OAUTHBEARER"] {
            let (script, config) = try peer(mechanisms)
            defer { script.close() }
            let provider = Provider()
            var withProvider = config
            withProvider.auth = Auth.oauth2Provider(username: "user@gmail.test", provider: provider)
            let c = try await ImapClient.connect(config: withProvider)
            XCTAssertEqual(provider.calls.with { $0 }, [false, true], mechanisms)
            let server = try await c.serverId()
            XCTAssertEqual(server?["name"], "GImap")
            try await c.logout()

            var old = config
            old.auth = Auth.oauth2(username: "user@gmail.test", accessToken: "ya29.old")
            let e = await mailError { _ = try await ImapClient.connect(config: old) }
            guard case let .Auth(_, serverText, _, _, _, _, _, _, _) = e else { return XCTFail("\(String(describing: e))") }
            let text = serverText ?? ""
            XCTAssertTrue(text.contains("Invalid credentials") && text.contains("\"status\": \"401\""), "\(mechanisms): \(text)")
            XCTAssertFalse(String(reflecting: e!).contains("ya29.old"))
        }
    }
}
