package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration

/**
 * What the servers say of themselves (IMAP capabilities and ID, SMTP extensions and SASL
 * mechanisms), the raw-command escape hatch, events that wait under their mailbox until
 * taken, and labels on a server that is not Gmail — against the real Dovecot and Postfix
 * (user carol).
 */
class IntrospectionTest {
    private val user = "carol"
    private fun connect(config: ImapConfig = Dev.imap(user)) = runBlocking { ImapClient.connect(config) }

    // conformance: imap.capabilities
    @Test
    fun capabilitiesAreListedSortedAndUpperCase() = runBlocking {
        val c = connect()
        val caps = c.capabilities()
        for (cap in listOf("IMAP4REV1", "IDLE", "ID", "UIDPLUS")) assertTrue(cap in caps, "$caps")
        assertEquals(caps.sorted(), caps)
        assertTrue(caps.all { it == it.uppercase() }, "$caps")
        assertTrue(c.hasCapability("idle"))
        c.logout()
    }

    // conformance: imap.id
    @Test
    fun theClientSendsItsIdAndReadsTheServers() = runBlocking {
        val c = connect()
        assertEquals("Dovecot", c.serverId()?.get("name"), "${c.serverId()}")
        c.logout()
        // An ID of the caller's own is sent instead of mailwire's.
        val own = connect(Dev.imap(user).copy(clientId = mapOf("name" to "tests", "version" to "1")))
        assertNotNull(own.serverId())
        own.logout()
        // With no client ID, nothing is sent and nothing is known.
        val none = connect(Dev.imap(user).copy(clientId = emptyMap()))
        assertNull(none.serverId())
        none.logout()
        // RFC 2971's limits (field names of at most 30 octets) are checked before anything is sent.
        val e = runCatching { connect(Dev.imap(user).copy(clientId = mapOf("x".repeat(31) to "1"))) }.exceptionOrNull()
        assertTrue(e is MailException.InvalidInput, "$e")
    }

    // conformance: imap.raw-command
    @Test
    fun aRawCommandReturnsItsUntaggedLinesAndStatus() = runBlocking {
        val c = connect()
        val box = Dev.unique("KtRaw")
        c.createMailbox(box)
        val uid = c.append(box, Dev.rawMessage("raw"), listOf(Flag.Flagged))!!
        val ns = c.rawCommand("NAMESPACE")
        assertEquals("OK", ns.status, "$ns")
        assertEquals(1, ns.untagged.size, "$ns")
        assertTrue(ns.untagged[0].startsWith("* NAMESPACE (("), "$ns")
        assertEquals(ns, RawResponse(ns.status, ns.text, ns.untagged))

        // With a mailbox, it is selected first; the answers are returned, not taken as events.
        val fetched = c.rawCommand("UID FETCH $uid (FLAGS)", mailbox = box)
        assertEquals("OK", fetched.status, "$fetched")
        assertTrue(fetched.untagged.any { "UID $uid" in it && "\\Flagged" in it }, "$fetched")
        assertEquals(emptyList<MailboxEvent>(), c.pendingEvents(box))

        // A command the server refuses is a status, not an exception.
        val bad = c.rawCommand("XNOSUCHCOMMAND")
        assertEquals("BAD", bad.status, "$bad")

        // A raw SELECT of another mailbox: the client selects its own again.
        val sel = c.rawCommand("SELECT INBOX")
        assertTrue(sel.untagged.any { it.endsWith(" EXISTS") }, "$sel")
        assertEquals(listOf(uid), c.search(box, SearchQuery()))

        // Line breaks, literals and commands the client must manage itself are refused before
        // anything is sent; the client goes on.
        for (refused in listOf("NOOP\r\nA9 LOGOUT", "IDLE", "SEARCH TEXT {3}", "LOGOUT")) {
            val e = runCatching { c.rawCommand(refused) }.exceptionOrNull()
            assertTrue(e is MailException.InvalidInput, "$refused: $e")
        }
        c.noop()
        c.deleteMailbox(box)
        c.logout()
    }

    // conformance: imap.events.pending
    @Test
    fun eventsSeenDuringOtherCallsWaitUnderTheirMailboxUntilTaken() = runBlocking {
        val c = connect()
        val other = connect()
        val box = Dev.unique("KtPending")
        val elsewhere = Dev.unique("KtElsewhere")
        c.createMailbox(box)
        c.createMailbox(elsewhere)
        val u1 = other.append(box, Dev.rawMessage("1"))!!
        c.search(box, SearchQuery())
        other.append(box, Dev.rawMessage("2"))
        other.addFlags(box, UidSet.of(u1), listOf(Flag.Flagged))
        // The NOOP brings both changes; then the client works in another mailbox.
        c.noop()
        c.search(elsewhere, SearchQuery())
        assertEquals(emptyList<MailboxEvent>(), c.pendingEvents(elsewhere))
        // Both changes, in the order the server sent them.
        val events = c.pendingEvents(box)
        assertEquals(2, events.size, "$events")
        assertTrue(events.any { it is MailboxEvent.Exists && it.count == 2u }, "$events")
        assertTrue(events.any { it is MailboxEvent.Flags && it.uid == u1 && Flag.Flagged in it.flags }, "$events")
        assertEquals(emptyList<MailboxEvent>(), c.pendingEvents(box), "taken once")

        // What arrives during another call is the next idle's first answer, not lost when IDLE starts.
        c.search(box, SearchQuery())
        other.addFlags(box, UidSet.of(u1), listOf(Flag.Seen))
        c.noop()
        val idle = c.idle(box, Duration.ofSeconds(20))
        assertEquals(1, idle.size, "$idle")
        val event = idle[0]
        assertTrue(event is MailboxEvent.Flags && event.uid == u1 && Flag.Seen in event.flags, "$event")
        other.logout()
        c.deleteMailbox(box)
        c.deleteMailbox(elsewhere)
        c.logout()
    }

    // conformance: smtp.capabilities
    @Test
    fun theEhloExtensionsAndAuthMechanismsAreReadable() = runBlocking {
        val smtp = SmtpClient.connect(Dev.smtp(user))
        val extensions = smtp.extensions()
        // Postfix's submission service after STARTTLS (see devserver's master.cf).
        for (keyword in listOf("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES")) {
            assertTrue(keyword in extensions, "$extensions")
        }
        assertTrue(extensions.any { it.startsWith("SIZE ") }, "$extensions")
        assertFalse("STARTTLS" in extensions, "not offered again inside TLS")
        assertTrue("PLAIN" in smtp.authMechanisms(), "${smtp.authMechanisms()}")
        assertTrue(extensions.any { it.startsWith("AUTH ") && "PLAIN" in it }, "$extensions")
        smtp.close()
    }

    // conformance: imap.gmail
    @Test
    fun labelsOnAServerWithoutXGmExt1AreInvalidInputAndSummariesHaveNoGmailFields() = runBlocking {
        val c = connect()
        for (call in listOf<suspend () -> Unit>(
            { c.addLabels("INBOX", UidSet.of(1u), listOf("Work")) },
            { c.removeLabels("INBOX", UidSet.of(1u), listOf("Work")) },
        )) {
            val e = runCatching { call() }.exceptionOrNull()
            assertTrue(e is MailException.InvalidInput, "$e")
        }
        val box = Dev.unique("KtPlain")
        c.createMailbox(box)
        c.append(box, Dev.rawMessage("plain"))
        val s = c.fetchAll(box, UidSet.all(), FetchOptions()).single()
        assertEquals(Triple(null, null, emptyList<String>()), Triple(s.gmailMessageId, s.gmailThreadId, s.gmailLabels))
        c.deleteMailbox(box)
        c.logout()
    }
}
