// swift-tools-version:5.9
// The mailwire quickstart in Swift (see Sources/quickstart/main.swift).
import PackageDescription

let package = Package(
    name: "MailwireExamples",
    platforms: [.macOS(.v12)],
    dependencies: [.package(path: "../../../swift")],
    targets: [
        .executableTarget(
            name: "quickstart", dependencies: [.product(name: "Mailwire", package: "swift")],
            path: "Sources/quickstart"),
    ]
)
