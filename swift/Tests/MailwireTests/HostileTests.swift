import Foundation
import XCTest

/// The hostile-server suite of the Swift face (issue 11): every scenario of
/// tests/hostile/scenarios.json. tests/hostile/peer.py serves bytes no real server sends;
/// tests/hostile/run.py runs the HostileChild executable (one connect + call in a process of
/// its own, so a scenario that kills its process cannot take the test runner with it) and
/// judges it: the outcome is one the scenario allows (a MailError of that kind), within its
/// time and memory bounds, with the process alive and the peer's facts as required.
/// MAILWIRE_HOSTILE_ONLY=name,name runs only those scenarios.
final class HostileTests: XCTestCase {
    /// The repository (bind-mounted at the same path inside run-tests.sh's root).
    private let repo = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The HostileChild executable: $MAILWIRE_HOSTILE_CHILD (run-tests.sh builds it), else
    /// the one `swift build` left beside this test bundle.
    private func child() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let path = env["MAILWIRE_HOSTILE_CHILD"]
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("HostileChild").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("no HostileChild at \(path): `swift build --product HostileChild` first, or set MAILWIRE_HOSTILE_CHILD")
            throw CocoaError(.fileNoSuchFile)
        }
        return path
    }

    private func scenarios() throws -> [(name: String, kind: String)] {
        let data = try Data(contentsOf: repo.appendingPathComponent("tests/hostile/scenarios.json"))
        let catalogue = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try XCTUnwrap(catalogue["scenarios"] as? [[String: Any]])
        let only = (ProcessInfo.processInfo.environment["MAILWIRE_HOSTILE_ONLY"] ?? "").split(separator: ",").map(String.init)
        return list.compactMap { s in
            guard let name = s["name"] as? String, only.isEmpty || only.contains(name) else { return nil }
            return (name, s["class"] as? String ?? "")
        }
    }

    /// `python3 tests/hostile/run.py --scenario NAME -- CHILD`: its exit status and output.
    private func run(_ name: String, child: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repo.appendingPathComponent("tests/hostile/run.py").path, "--scenario", name, "--", child]
        p.currentDirectoryURL = repo
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, output)
    }

    // conformance: hostile.server
    func testEveryScenarioOfTheHostileServerSuite() throws {
        let child = try child()
        let all = try scenarios()
        XCTAssertFalse(all.isEmpty, "no scenario selected")
        for s in all {
            let (status, output) = try run(s.name, child: child)
            XCTAssertEqual(status, 0, "hostile server: \(s.name) (\(s.kind))\n\(output)")
        }
    }
}
