package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * `sync` on the devserver's capability profiles (devserver/README.md): the same Dovecot and
 * mail, advertising QRESYNC (main address), CONDSTORE without QRESYNC (gmail-like) or
 * IMAP4rev1 alone (bare). The same scenario gives the same answers on each (user user8).
 */
class SyncProfilesTest {
    private val user = "user8"

    /**
     * Initial sync; another client adds 2 messages, changes the flags of 1, expunges 1; the
     * next sync reports exactly that, the one after nothing; a recreated mailbox is a full
     * resync.
     */
    private fun scenario(hostVar: String, fallback: String, mode: String) = runBlocking {
        val host = System.getenv(hostVar) ?: fallback
        val phone = ImapClient.connect(Dev.imap(user).copy(host = host))
        val other = ImapClient.connect(Dev.imap(user))
        val mb = Dev.unique("KtProfile")
        other.createMailbox(mb)
        try {
            val old = listOf(listOf(), listOf(Flag.Seen), listOf(), listOf<Flag>())
                .map { other.append(mb, Dev.rawMessage(Dev.unique("old")), it)!! }
            val first = phone.sync(mb)
            assertTrue(first.fullResync)
            assertEquals(old, first.new)
            assertTrue(first.changed.isEmpty() && first.vanished.isEmpty())
            assertTrue(first.state.startsWith("v2:$mode:"), first.state)

            // Another device: two new messages, new flags on one, one expunged.
            val added = (0..1).map { other.append(mb, Dev.rawMessage(Dev.unique("new")))!! }
            other.addFlags(mb, UidSet.of(old[1]), listOf(Flag.Flagged, Flag.Keyword("\$Later")))
            other.deleteMessages(mb, UidSet.of(old[2]))
            val second = phone.sync(mb, first.state)
            assertFalse(second.fullResync)
            assertEquals(added, second.new)
            assertEquals(listOf(old[1]), second.changed.map { it.uid })
            val flags = second.changed.single().flags
            assertTrue(flags.containsAll(listOf(Flag.Seen, Flag.Flagged, Flag.Keyword("\$Later"))), "$flags")
            assertEquals(mode == "basic", second.changed.single().modseq == null)
            assertEquals(listOf(UidRange(old[2], old[2])), second.vanished)
            assertTrue(second.state.startsWith("v2:$mode:"), second.state)

            val third = phone.sync(mb, second.state)
            assertFalse(third.fullResync)
            assertTrue(third.new.isEmpty() && third.changed.isEmpty() && third.vanished.isEmpty(), "$third")

            // Deleted and created again: a new UIDVALIDITY, and only then a full resync.
            val before = other.mailboxStatus(mb).uidValidity
            other.deleteMailbox(mb)
            other.createMailbox(mb)
            val again = other.append(mb, Dev.rawMessage(Dev.unique("again")))!!
            assertNotEquals(before, other.mailboxStatus(mb).uidValidity)
            val fourth = phone.sync(mb, third.state)
            assertTrue(fourth.fullResync)
            assertEquals(listOf(again), fourth.new)
            assertTrue(fourth.changed.isEmpty() && fourth.vanished.isEmpty())
        } finally {
            runCatching { other.deleteMailbox(mb) }
            phone.logout()
            other.logout()
        }
    }

    // conformance: imap.sync.profiles
    @Test
    fun syncOnAQresyncServerReportsExactlyTheChanges() = scenario("MAILWIRE_HOST", "127.0.0.1", "qresync")

    // conformance: imap.sync.profiles
    @Test
    fun syncOnAGmailLikeServerWithoutQresyncGivesTheSameAnswers() =
        scenario("MAILWIRE_GMAILLIKE_HOST", "127.0.0.3", "condstore")

    // conformance: imap.sync.profiles
    @Test
    fun syncOnABareImap4rev1ServerGivesTheSameAnswers() = scenario("MAILWIRE_BARE_HOST", "127.0.0.4", "basic")
}
