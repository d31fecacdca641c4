// swift-tools-version:5.9
// mailwire for Swift: the generated uniffi bindings (Sources/Mailwire/Mailwire.swift and the
// core's records, mailwire_core.swift), the hand-written adapters (Sources/Mailwire/Adapters.swift)
// and the C module of the cdylib (Sources/mailwireFFI, both components' headers). Link with
// `-L <folder of libmailwire_ffi>`; see run-tests.sh and bindings/ffi/PACKAGING.md for the
// XCFramework. HostileChild is a test tool: the child process of the hostile-server suite
// (Tests/MailwireTests/HostileTests.swift).
import PackageDescription

let package = Package(
    name: "Mailwire",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [.library(name: "Mailwire", targets: ["Mailwire"])],
    targets: [
        .systemLibrary(name: "mailwireFFI", path: "Sources/mailwireFFI"),
        .target(name: "Mailwire", dependencies: ["mailwireFFI"], path: "Sources/Mailwire"),
        .executableTarget(name: "HostileChild", dependencies: ["Mailwire"], path: "Tests/HostileChild"),
        .testTarget(name: "MailwireTests", dependencies: ["Mailwire"], path: "Tests/MailwireTests"),
    ]
)
