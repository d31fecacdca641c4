// Hand-written adapters over the generated bindings (Mailwire.swift): readable errors and
// AsyncThrowingStreams over the pull objects. Cancelling the consuming Task cancels the
// native stream (uniffi's Swift calls do not propagate Task cancellation by themselves), so
// the client's connection is free for the next call.
import Foundation

extension MailError: LocalizedError {
    /// The readable description of the failure, with the server's codes and text.
    public var text: String {
        switch self {
        case let .Connect(text, _, _, _, _, _, _, _, _), let .Tls(text, _, _, _, _, _, _, _, _),
            let .Auth(text, _, _, _, _, _, _, _, _), let .Timeout(text, _, _, _, _, _, _, _, _),
            let .NotFound(text, _, _, _, _, _, _, _, _), let .AlreadyExists(text, _, _, _, _, _, _, _, _),
            let .Rejected(text, _, _, _, _, _, _, _, _), let .Protocol(text, _, _, _, _, _, _, _, _),
            let .InvalidInput(text, _, _, _, _, _, _, _, _), let .Closed(text, _, _, _, _, _, _, _, _):
            return text
        }
    }

    public var errorDescription: String? { text }
}

extension MailError: CustomStringConvertible {
    public var description: String { text }
}

/// Items pulled in batches, handed out one at a time.
private final class Batches<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var index = 0
    private let lock = NSLock()

    func pop() -> Element? {
        lock.lock()
        defer { lock.unlock() }
        guard index < items.count else { return nil }
        index += 1
        return items[index - 1]
    }

    func refill(_ batch: [Element]) {
        lock.lock()
        defer { lock.unlock() }
        items = batch
        index = 0
    }
}

/// What `nextBatch` pulls, one item at a time, until it returns nothing. Cancelling the
/// consuming Task calls `cancel` and throws `CancellationError`.
private func pulled<Element>(
    _ nextBatch: @escaping () async throws -> [Element], cancel: @escaping @Sendable () -> Void
) -> AsyncThrowingStream<Element, Error> {
    let buffer = Batches<Element>()
    return AsyncThrowingStream(unfolding: {
        if let next = buffer.pop() { return next }
        do {
            let batch = try await withTaskCancellationHandler {
                try await nextBatch()
            } onCancel: {
                cancel()
            }
            try Task.checkCancellation()
            buffer.refill(batch)
            return buffer.pop()
        } catch {
            cancel()
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    })
}

extension FetchStream {
    /// The summaries of this stream, pulled `batchSize` at a time (memory stays bounded by
    /// the batch). Cancelling the consuming Task cancels the stream and throws
    /// `CancellationError`.
    public func values(batchSize: UInt32 = defaultFetchBatch()) -> AsyncThrowingStream<MessageSummary, Error> {
        pulled({ try await self.nextBatch(max: batchSize) }, cancel: { self.cancel() })
    }
}

extension RawFetchStream {
    /// The whole messages of this stream, pulled `batchSize` at a time (memory stays bounded
    /// by the batch). Cancelling the consuming Task cancels the stream and throws
    /// `CancellationError`.
    public func values(batchSize: UInt32 = defaultRawFetchBatch()) -> AsyncThrowingStream<RawMessage, Error> {
        pulled({ try await self.nextBatch(max: batchSize) }, cancel: { self.cancel() })
    }
}

extension IdleWatcher {
    /// The changes of the watched mailbox as the server pushes them. Cancelling the
    /// consuming Task ends IDLE and throws `CancellationError`.
    public func events() -> AsyncThrowingStream<MailboxEvent, Error> {
        let buffer = Batches<MailboxEvent>()
        return AsyncThrowingStream(unfolding: {
            while true {
                if let next = buffer.pop() { return next }
                do {
                    let batch = try await withTaskCancellationHandler {
                        try await self.next()
                    } onCancel: {
                        self.cancel()
                    }
                    try Task.checkCancellation()
                    buffer.refill(batch)
                } catch {
                    self.cancel()
                    if Task.isCancelled { throw CancellationError() }
                    throw error
                }
            }
        })
    }
}

extension MultiWatcher {
    /// The reports of this watch of several mailboxes as they come. Ends when the watch is
    /// cancelled (`cancel()`, from anywhere); throws the error that ended it otherwise.
    /// Cancelling the consuming Task cancels the watch and throws `CancellationError`.
    public func events() -> AsyncThrowingStream<WatchEvent, Error> {
        let buffer = Batches<WatchEvent>()
        return AsyncThrowingStream(unfolding: {
            while true {
                if let next = buffer.pop() { return next }
                do {
                    let batch = try await withTaskCancellationHandler {
                        try await self.next()
                    } onCancel: {
                        self.cancel()
                    }
                    try Task.checkCancellation()
                    buffer.refill(batch)
                } catch MailError.Closed where !Task.isCancelled && self.isCancelled() {
                    return nil
                } catch {
                    self.cancel()
                    if Task.isCancelled { throw CancellationError() }
                    throw error
                }
            }
        })
    }
}

extension ImapClient {
    /// Summaries (envelope, flags, size, attachment list) of `uids` in `mailbox` as an
    /// `AsyncThrowingStream`. Never sets `\Seen`.
    public func fetchStream(
        mailbox: String, uids: UidSet,
        options: FetchOptions = FetchOptions(envelope: true, attachments: true, changedSince: nil),
        batchSize: UInt32 = defaultFetchBatch()
    ) async throws -> AsyncThrowingStream<MessageSummary, Error> {
        try await fetch(mailbox: mailbox, uids: uids, options: options).values(batchSize: batchSize)
    }

    /// The whole source of each message of `uids` in `mailbox` as an `AsyncThrowingStream`,
    /// many messages per command. Never sets `\Seen`.
    public func fetchRawStream(
        mailbox: String, uids: UidSet, batchSize: UInt32 = defaultRawFetchBatch()
    ) async throws -> AsyncThrowingStream<RawMessage, Error> {
        try await fetchRawMany(mailbox: mailbox, uids: uids).values(batchSize: batchSize)
    }

    /// Changes of `mailbox` pushed by the server with IDLE. The client's connection is busy
    /// while the stream is consumed.
    public func watchStream(mailbox: String) -> AsyncThrowingStream<MailboxEvent, Error> {
        watch(mailbox: mailbox).events()
    }
}

extension UidRange {
    /// The UIDs of this range as a `ClosedRange` (`range.uids.contains(uid)`,
    /// `for uid in range.uids`): a view, nothing is expanded.
    public var uids: ClosedRange<UInt32> { Swift.min(first, last)...Swift.max(first, last) }
}

extension Array where Element == UidRange {
    /// Whether `uid` is in one of these ranges (as `SyncResult.vanished` and expunge events
    /// hold them).
    public func containsUid(_ uid: UInt32) -> Bool { contains { $0.uids.contains(uid) } }

    /// How many UIDs these ranges hold, counted from the bounds (nothing is expanded).
    public var uidCount: UInt64 { reduce(0) { $0 + UInt64($1.uids.count) } }

    /// The UIDs of these ranges one at a time, in order; lazy, so a server-sized range
    /// costs nothing until iterated.
    public var uidSequence: AnySequence<UInt32> { AnySequence(lazy.flatMap { $0.uids }) }
}

extension UidSet {
    /// `.of(uid)`, `.of(a, b, c)`: these UIDs.
    public static func of(_ uids: UInt32...) -> UidSet { of(uids: uids) }
}
