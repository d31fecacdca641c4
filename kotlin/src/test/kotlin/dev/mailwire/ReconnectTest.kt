package dev.mailwire

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.util.Collections

/**
 * What lives across connections the server drops: OAuth tokens asked of a [TokenProvider]
 * at every login (the devserver's introspection accepts `token-<user>`, not
 * `expired-<user>`), and [MultiWatcher] reconnecting and catching up. Its sessions are
 * killed, so its user is no other test's (user20).
 */
class ReconnectTest {
    private val user = "user20"

    /** Answers `expired-<user>` until asked to refresh (or always); records each `forceRefresh`. */
    private class Provider(private val alwaysExpired: Boolean = false) : TokenProvider {
        val calls: MutableList<Boolean> = Collections.synchronizedList(mutableListOf())

        override suspend fun token(forceRefresh: Boolean): String {
            calls.add(forceRefresh)
            yield() // a provider may suspend (ask an identity provider)
            return if (forceRefresh && !alwaysExpired) Dev.token("user20") else "expired-user20"
        }
    }

    private fun imap(provider: TokenProvider) = Dev.imap(user).copy(auth = Auth.oauth2Provider(user, provider))
    private fun smtp(provider: TokenProvider) = Dev.smtp(user).copy(auth = Auth.oauth2Provider(user, provider))

    // conformance: auth.token-provider
    @Test
    fun imapAsksTheProviderAtEachLoginAndRefreshesARefusedTokenOnce() = runBlocking {
        val p = Provider()
        val c = ImapClient.connect(imap(p))
        assertEquals(listOf(false, true), p.calls.toList())
        c.mailboxStatus("INBOX")
        // The server ends the session: the transparent reconnect asks the provider again.
        Dev.killSessions(user, "TERM")
        for (attempt in 1..3) {
            // The call that finds the connection gone fails; the next one reconnects.
            if (runCatching { c.mailboxStatus("INBOX") }.isSuccess && p.calls.size > 2) break
        }
        assertEquals(listOf(false, true), p.calls.drop(2), "${p.calls}")
        c.logout()
        c.destroy()
        assertTrue(Auth.oauth2Provider(user, p).toString().contains(user))
    }

    // conformance: auth.token-provider
    @Test
    fun aTokenRefusedTwiceOrAThrowingProviderIsAnAuthError() = runBlocking {
        val p = Provider(alwaysExpired = true)
        val e = runCatching { ImapClient.connect(imap(p)) }.exceptionOrNull()
        assertTrue(e is MailException.Auth, "$e")
        e as MailException.Auth
        assertEquals(listOf(false, true), p.calls.toList(), "asked twice, then given up")
        // The SASL failure JSON, decoded from base64 (RFC 7628 §3.2.2).
        assertTrue("\"status\"" in (e.serverText ?: ""), "$e")
        assertFalse("expired-$user" in "$e ${e.message} ${e.serverText} ${e.causeText}")

        // A provider that throws fails the login as Auth, naming what it threw.
        val broken = object : TokenProvider {
            override suspend fun token(forceRefresh: Boolean): String =
                throw IllegalStateException("the identity provider is down")
        }
        val thrown = runCatching { ImapClient.connect(imap(broken)) }.exceptionOrNull()
        assertTrue(thrown is MailException.Auth, "$thrown")
        thrown as MailException.Auth
        assertTrue("IllegalStateException: the identity provider is down" in (thrown.causeText ?: ""), "$thrown")
    }

    // conformance: auth.token-provider
    @Test
    fun cancellingAConnectCancelsTheProvidersCoroutine() = runBlocking {
        val started = CompletableDeferred<Unit>()
        val cancelled = CompletableDeferred<Unit>()
        val waiting = object : TokenProvider {
            override suspend fun token(forceRefresh: Boolean): String {
                started.complete(Unit)
                try {
                    awaitCancellation()
                } finally {
                    cancelled.complete(Unit)
                }
            }
        }
        val connect = launch { ImapClient.connect(imap(waiting)) }
        withTimeout(30_000) { started.await() }
        connect.cancel()
        connect.join()
        withTimeout(30_000) { cancelled.await() }
    }

    // conformance: auth.token-provider
    @Test
    fun smtpAsksTheProviderForEachNewConnectionAndRefreshesOnce() = runBlocking {
        val p = Provider()
        val subject = Dev.unique("kt provider")
        val s = SmtpClient.connect(smtp(p))
        assertEquals(listOf(false, true), p.calls.toList())
        // Offered with XOAUTH2 on this port, so OAUTHBEARER (RFC 7628) was the one used.
        assertTrue("OAUTHBEARER" in s.authMechanisms(), "${s.authMechanisms()}")
        val me = Address(Dev.address(user))
        assertEquals(listOf(me.address), s.send(OutgoingMessage(from = me, to = listOf(me), subject = subject, text = "tokens")).accepted)
        s.close()
        val imap = ImapClient.connect(Dev.imap(user))
        withTimeout(20_000) {
            while (imap.search("INBOX", SearchQuery(subject = subject)).isEmpty()) imap.idle("INBOX", Duration.ofSeconds(1))
        }
        imap.logout()

        val refused = Provider(alwaysExpired = true)
        val e = runCatching { SmtpClient.connect(smtp(refused)) }.exceptionOrNull()
        assertTrue(e is MailException.Auth, "$e")
        assertEquals(listOf(false, true), refused.calls.toList())
        assertFalse("expired-$user" in "$e ${e?.message}")
    }

    private fun newUids(events: List<WatchEvent>, mailbox: String): List<UInt> =
        events.filterIsInstance<WatchEvent.Changed>().filter { it.mailbox == mailbox }.flatMap { it.changes.new }

    private fun reconnected(events: List<WatchEvent>, mailbox: String) =
        events.filterIsInstance<WatchEvent.Reconnected>().filter { it.mailbox == mailbox }

    /** Waits (bounded) until [condition] holds; the watch's connections come up on their own. */
    private suspend fun waitUntil(what: String, condition: () -> Boolean) {
        try {
            withTimeout(10_000) { while (!condition()) delay(20) }
        } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
            throw AssertionError("not within 10 s: $what", e)
        }
    }

    /** Pulls reports into [events] until [done] holds for them (at most 30 s). */
    private suspend fun MultiWatcher.collect(events: MutableList<WatchEvent>, done: (List<WatchEvent>) -> Boolean) {
        withTimeout(30_000) { while (!done(events)) events += next() }
    }

    /** Changes in three mailboxes, made once the watch stands on [expected] connections. */
    private suspend fun threeMailboxes(options: WatchOptions, expected: UInt) {
        val c = ImapClient.connect(Dev.imap(user))
        val boxes = (0..2).map { Dev.unique("KtMany$it") }
        for (b in boxes) c.createMailbox(b)
        val u0 = c.append(boxes[0], Dev.rawMessage("old"))!!
        val w = c.watchMany(boxes, options)
        // The watch starts from the content it finds: wait until its connections stand there.
        waitUntil("$expected connections") { w.connections() == expected }
        val uids = boxes.map { c.append(it, Dev.rawMessage("new"))!! }
        c.addFlags(boxes[0], UidSet.of(u0), listOf(Flag.Flagged))
        val events = mutableListOf<WatchEvent>()
        w.collect(events) { ev ->
            val flagged = ev.filterIsInstance<WatchEvent.Changed>().any { e ->
                e.mailbox == boxes[0] && e.changes.changed.any { it.uid == u0 && Flag.Flagged in it.flags }
            }
            flagged && boxes.zip(uids).all { (b, u) -> u in newUids(ev, b) }
        }
        // Nothing reported twice, nor the starting content.
        for ((b, u) in boxes.zip(uids)) assertEquals(listOf(u), newUids(events, b), "$events")
        assertTrue(events.all { it is WatchEvent.Changed }, "$events")
        assertEquals(expected, w.connections())
        w.cancel()
        assertTrue(w.isCancelled())
        val e = runCatching { w.next() }.exceptionOrNull()
        assertTrue(e is MailException.Closed, "$e")
        for (b in boxes) c.deleteMailbox(b)
        c.logout()
    }

    // conformance: imap.watch.many
    @Test
    fun withNotifyOneConnectionReportsChangesInThreeMailboxes() = runBlocking {
        threeMailboxes(WatchOptions(), 1u)
    }

    // conformance: imap.watch.many
    @Test
    fun withoutNotifyThreeMailboxesAreWatchedUnderACapOfTwoConnections() = runBlocking {
        // One IDLE connection for the first mailbox, one polling the other two.
        threeMailboxes(WatchOptions(maxConnections = 2u, pollInterval = Duration.ofMillis(300), useNotify = false), 2u)
    }

    // conformance: imap.watch.many
    @Test
    fun afterTheServerDropsTheConnectionTheWatchReconnectsAndCatchesUp() = runBlocking {
        val c = ImapClient.connect(Dev.imap(user))
        val mb = Dev.unique("KtManyReconnect")
        c.createMailbox(mb)
        val w = c.watchMany(listOf(mb), WatchOptions(backoffMin = Duration.ofMillis(100), backoffMax = Duration.ofMillis(400)))
        val events = mutableListOf<WatchEvent>()
        waitUntil("one connection") { w.connections() >= 1u }
        val first = c.append(mb, Dev.rawMessage("1"))!!
        w.collect(events) { first in newUids(it, mb) }

        Dev.killSessions(user, "TERM")
        // Appended while the watch is down or coming back: either way it is reported. (The
        // client lost its connection too: a new one appends.)
        val other = ImapClient.connect(Dev.imap(user))
        val second = other.append(mb, Dev.rawMessage("2"))!!
        w.collect(events) { second in newUids(it, mb) && reconnected(it, mb).isNotEmpty() }
        assertTrue(reconnected(events, mb).all { it.attempts >= 1u }, "$events")
        assertEquals(listOf(first, second), newUids(events, mb), "$events")
        w.cancel()
        val e = runCatching { w.next() }.exceptionOrNull()
        assertTrue(e is MailException.Closed, "$e")
        other.deleteMailbox(mb)
        other.logout()
    }

    // conformance: imap.watch.many
    @Test
    fun theFlowEndsAtCancelAndBadListsOrAMissingMailboxAreErrors() = runBlocking {
        val c = ImapClient.connect(Dev.imap(user))
        for (bad in listOf(emptyList(), listOf("INBOX", "INBOX"))) {
            val e = runCatching { c.watchMany(bad) }.exceptionOrNull()
            assertTrue(e is MailException.InvalidInput, "$bad: $e")
        }
        val zero = runCatching { c.watchMany(listOf("INBOX"), WatchOptions(maxConnections = 0u)) }.exceptionOrNull()
        assertTrue(zero is MailException.InvalidInput, "$zero")

        // Cancelling the watch (from anywhere) ends its Flow.
        val mb = Dev.unique("KtManyCancel")
        c.createMailbox(mb)
        val w = c.watchMany(listOf(mb))
        waitUntil("one connection") { w.connections() >= 1u }
        val got = async(start = CoroutineStart.UNDISPATCHED) { withTimeout(30_000) { w.asFlow().toList() } }
        w.cancel()
        assertEquals(emptyList<WatchEvent>(), got.await())
        assertTrue(w.isCancelled())
        c.deleteMailbox(mb)

        // A mailbox that does not exist ends the watch with its error, once; then Closed.
        val missing = c.watchMany(listOf(Dev.unique("KtMissing")), WatchOptions(backoffMin = Duration.ofMillis(100)))
        val e = runCatching { withTimeout(30_000) { missing.asFlow().toList() } }.exceptionOrNull()
        assertTrue(e is MailException.NotFound, "$e")
        assertTrue(missing.isCancelled())
        val later = runCatching { missing.next() }.exceptionOrNull()
        assertTrue(later is MailException.Closed, "$later")
        c.logout()
    }
}
