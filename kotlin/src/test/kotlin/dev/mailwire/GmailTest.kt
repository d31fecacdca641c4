package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Gmail's IMAP extensions (X-GM-EXT-1): message and thread ids and labels in summaries, adding
 * and removing labels, X-GM-RAW search. Against tests/gmail/peer.py, which replays the replies
 * of Google's published documentation (there is no Gmail here and Dovecot has no
 * X-GM-EXT-1); no devserver user. (Labels on Dovecot: IntrospectionTest.)
 */
class GmailTest {
    private val firstMsgId = 1278455344230334865uL // above 2**53: must arrive exactly
    private val thread = 1266894439832287888uL

    /** The peer with the devserver's certificate; it logs in `ya29.good` and refuses other tokens. */
    private fun <T> withPeer(mechanisms: String = "XOAUTH2,OAUTHBEARER", body: suspend (ImapConfig) -> T): T =
        Script("tests/gmail/peer.py", "--mechanisms", mechanisms).use { peer ->
            val port = peer.firstLine.removePrefix("PORT ").trim().toUShort()
            val config = ImapConfig(
                host = Dev.host,
                auth = Auth.oauth2("user@gmail.test", "ya29.good"),
                port = port,
                caPem = Dev.ca,
            )
            runBlocking { body(config) }
        }

    // conformance: imap.gmail
    @Test
    fun gmailIdsAndLabelsComeWithSummariesAndLabelsCanChange() = withPeer { config ->
        val c = ImapClient.connect(config)
        val (first, reply, notes, _) = c.fetchAll("INBOX", UidSet.range(1u, 4u), FetchOptions())
        assertEquals(firstMsgId, first.gmailMessageId)
        assertEquals(thread, first.gmailThreadId)
        assertEquals(listOf("\\Inbox", "\\Sent", "Important", "Muy Importante"), first.gmailLabels)
        // The reply is in the same thread; the third message has no labels.
        assertEquals(thread, reply.gmailThreadId)
        assertEquals(emptyList<String>(), notes.gmailLabels)

        c.addLabels("INBOX", UidSet.of(3u), listOf("\\Important", "Work/2026"))
        c.removeLabels("INBOX", UidSet.of(1u), listOf("Muy Importante"))
        val after = c.fetchAll("INBOX", UidSet.of(1u, 3u), FetchOptions())
        assertEquals(
            listOf(listOf("\\Inbox", "\\Sent", "Important"), listOf("\\Important", "Work/2026")),
            after.map { it.gmailLabels },
        )

        // X-GM-RAW: Gmail's own search syntax, the documentation's examples.
        assertEquals(listOf(2u), c.search("INBOX", SearchQuery(gmailRaw = "has:attachment in:unread")))
        assertEquals(listOf(2u, 4u), c.search("INBOX", SearchQuery(gmailRaw = "has:attachment")))
        assertEquals(listOf(1u), c.search("INBOX", SearchQuery(gmailRaw = "in:sent")))

        // Labels are checked before anything is sent.
        for (bad in listOf(emptyList(), listOf("a\r\nb"), listOf("\\In box"))) {
            val e = runCatching { c.addLabels("INBOX", UidSet.of(1u), bad) }.exceptionOrNull()
            assertTrue(e is MailException.InvalidInput, "$bad: $e")
        }
        c.logout()
    }

    // conformance: imap.gmail, auth.token-provider
    @Test
    fun anExpiredTokenGetsGmailsErrorJsonThenOneRefreshLogsIn() {
        // XOAUTH2 only (as Outlook offers it), then both (as Gmail does: OAUTHBEARER is chosen).
        for (mechanisms in listOf("XOAUTH2", "XOAUTH2,OAUTHBEARER")) withPeer(mechanisms) { config ->
            val calls = mutableListOf<Boolean>()
            val provider = object : TokenProvider {
                override suspend fun token(forceRefresh: Boolean): String {
                    synchronized(calls) { calls.add(forceRefresh) }
                    return if (forceRefresh) "ya29.good" else "ya29.expired"
                }
            }
            val c = ImapClient.connect(config.copy(auth = Auth.oauth2Provider("user@gmail.test", provider)))
            assertEquals(listOf(false, true), synchronized(calls) { calls.toList() }, mechanisms)
            assertEquals("GImap", c.serverId()?.get("name"))
            c.logout()

            val e = runCatching { ImapClient.connect(config.copy(auth = Auth.oauth2("user@gmail.test", "ya29.old"))) }.exceptionOrNull()
            assertTrue(e is MailException.Auth, "$e")
            val text = (e as MailException.Auth).serverText ?: ""
            assertTrue("Invalid credentials" in text && "\"status\": \"401\"" in text, "$mechanisms: $text")
            assertTrue("ya29.old" !in "$e ${e.message}")
        }
    }
}
