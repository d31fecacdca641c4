// Hand-written adapters over the generated bindings (mailwire.kt): Flows over the pull
// objects. Cancelling the collecting coroutine drops the Rust call in flight and cancels
// the native stream, so the client's connection is free for the next call.
package dev.mailwire

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/** Emits the summaries of this stream, pulling [batchSize] at a time; cancels it at the end. */
fun FetchStream.asFlow(batchSize: UInt = 256u): Flow<MessageSummary> = flow {
    try {
        while (true) {
            val batch = nextBatch(batchSize)
            if (batch.isEmpty()) break
            for (summary in batch) emit(summary)
        }
    } finally {
        cancel()
        close()
    }
}

/**
 * Summaries (envelope, flags, size, attachment list) of [uids] in [mailbox] as a cold
 * [Flow]: the fetch starts when collected. Never sets `\Seen`.
 */
fun ImapClient.fetchFlow(
    mailbox: String,
    uids: UidSet,
    options: FetchOptions = FetchOptions(),
    batchSize: UInt = 256u,
): Flow<MessageSummary> = flow {
    val stream = fetch(mailbox, uids, options)
    stream.asFlow(batchSize).collect { emit(it) }
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

/** `UidSet.of(uid)`, `UidSet.of(a, b, c)`: these UIDs. [MailException.InvalidInput] when one is 0. */
fun UidSet.Companion.of(vararg uids: UInt): UidSet = of(uids.toList())
