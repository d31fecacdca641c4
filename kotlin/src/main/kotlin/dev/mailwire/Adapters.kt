// Hand-written adapters over the generated bindings (mailwire.kt, mailwire_core.kt): Flows
// over the pull objects. Cancelling the collecting coroutine drops the Rust call in flight
// and cancels the native stream, so the client's connection is free for the next call.
package dev.mailwire

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow

/** Emits what [nextBatch] pulls, [batchSize] at a time, until it returns nothing; then [finish]. */
private fun <T> pulled(batchSize: UInt, nextBatch: suspend (UInt) -> List<T>, finish: () -> Unit): Flow<T> = flow {
    try {
        while (true) {
            val batch = nextBatch(batchSize)
            if (batch.isEmpty()) break
            for (item in batch) emit(item)
        }
    } finally {
        finish()
    }
}

/** Emits the summaries of this stream, pulling [batchSize] at a time; cancels it at the end. */
fun FetchStream.asFlow(batchSize: UInt = defaultFetchBatch()): Flow<MessageSummary> =
    pulled(batchSize, this::nextBatch) { cancel(); close() }

/**
 * Summaries (envelope, flags, size, attachment list) of [uids] in [mailbox] as a cold
 * [Flow]: the fetch starts when collected. Never sets `\Seen`.
 */
fun ImapClient.fetchFlow(
    mailbox: String,
    uids: UidSet,
    options: FetchOptions = FetchOptions(),
    batchSize: UInt = defaultFetchBatch(),
): Flow<MessageSummary> = flow {
    emitAll(fetch(mailbox, uids, options).asFlow(batchSize))
}

/** Emits the whole messages of this stream, pulling [batchSize] at a time; cancels it at the end. */
fun RawFetchStream.asFlow(batchSize: UInt = defaultRawFetchBatch()): Flow<RawMessage> =
    pulled(batchSize, this::nextBatch) { cancel(); close() }

/**
 * The whole source of each message of [uids] in [mailbox] as a cold [Flow], many messages
 * per command; memory stays bounded by [batchSize] messages. Never sets `\Seen`.
 */
fun ImapClient.fetchRawFlow(mailbox: String, uids: UidSet, batchSize: UInt = defaultRawFetchBatch()): Flow<RawMessage> = flow {
    emitAll(fetchRawMany(mailbox, uids).asFlow(batchSize))
}

/** Emits the events of this watcher as they come (IDLE); cancels it at the end. */
fun IdleWatcher.asFlow(): Flow<MailboxEvent> = flow {
    try {
        while (true) {
            for (event in next()) emit(event)
        }
    } finally {
        cancel()
        close()
    }
}

/**
 * Changes of [mailbox] (new mail, expunges, flag changes) pushed by the server with IDLE, as
 * a cold [Flow]. The client's connection is busy while it is collected.
 */
fun ImapClient.watchFlow(mailbox: String): Flow<MailboxEvent> = flow {
    watch(mailbox).asFlow().collect { emit(it) }
}

/**
 * Emits the reports of this watch of several mailboxes as they come. Ends when the watch is
 * cancelled ([MultiWatcher.cancel], from anywhere); fails with the error that ended it
 * otherwise. Cancelling the collecting coroutine cancels the watch.
 */
fun MultiWatcher.asFlow(): Flow<WatchEvent> = flow {
    try {
        while (true) {
            val batch = try {
                next()
            } catch (e: MailException.Closed) {
                if (isCancelled()) break else throw e
            }
            for (event in batch) emit(event)
        }
    } finally {
        cancel()
    }
}

/**
 * The UIDs of this range as a Kotlin [UIntRange] (`uid in range.uids`, `for (uid in
 * range.uids)`): a view, nothing is expanded.
 */
val UidRange.uids: UIntRange get() = first..last

/** Whether [uid] is in one of these ranges (as `SyncResult.vanished` and expunge events hold them). */
fun List<UidRange>.containsUid(uid: UInt): Boolean = any { uid in it.uids }

/** How many UIDs these ranges hold, counted from the bounds (nothing is expanded). */
fun List<UidRange>.uidCount(): Long = sumOf { it.last.toLong() - it.first.toLong() + 1 }

/** The UIDs of these ranges one at a time, in order; lazy, so a server-sized range costs nothing until iterated. */
fun List<UidRange>.uidSequence(): Sequence<UInt> = asSequence().flatMap { it.uids.asSequence() }

/** `UidSet.of(uid)`, `UidSet.of(a, b, c)`: these UIDs. */
fun UidSet.Companion.of(vararg uids: UInt): UidSet = of(uids.toList())
