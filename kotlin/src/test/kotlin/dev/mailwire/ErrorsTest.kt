package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration

/** Bad inputs and failures raise the MailException case of DESIGN §4 (users t84, t86, t87, user17). */
class ErrorsTest {
    private inline fun <reified E : MailException> raises(block: () -> Unit): E {
        val e = runCatching(block).exceptionOrNull()
        assertTrue(e is E, "expected ${E::class.simpleName}, got $e")
        // The message is the readable text, not a field dump.
        assertFalse(e!!.message!!.contains("text="), e.message)
        return e as E
    }

    // conformance: auth.refused, errors.fields, errors.no-secrets
    @Test
    fun wrongPasswordIsAuth() = runBlocking {
        val e = raises<MailException.Auth> { runBlocking { ImapClient.connect(Dev.imap("t86", password = "wrong")) } }
        assertEquals(e.text, e.message)
        assertFalse(e.message!!.contains("wrong"))
        // The core's error fields: a refused login is permanent, as in SMTP.
        assertEquals("AUTHENTICATIONFAILED", e.responseCode)
        assertTrue(e.permanent)
        assertFalse(e.transient)
        assertTrue(e.text.startsWith(e.description), "${e.text} / ${e.description}")
    }

    // conformance: errors.no-secrets
    @Test
    fun secretsWithLineBreaksOrNulAreInvalidInputAndNeverShown() = runBlocking {
        // A password read from a file often ends in a newline (issue 12).
        for (tail in listOf("\n", "\r\n", "\u0000", "\r")) {
            val secret = "Zq-unusual-Secret-9$tail"
            val errors = listOf(
                raises<MailException.InvalidInput> { runBlocking { ImapClient.connect(Dev.imap("t86", password = secret)) } },
                raises<MailException.InvalidInput> { runBlocking { SmtpClient.connect(Dev.smtp("t86", password = secret)) } },
            )
            for (e in errors) {
                for (text in listOf(e.message ?: "", e.toString(), e.stackTraceToString())) {
                    assertFalse(text.contains("Zq-unusual-Secret-9"), text)
                }
            }
        }
    }

    // conformance: tls.verify
    @Test
    fun untrustedCertificateIsTls() = runBlocking {
        raises<MailException.Tls> { runBlocking { ImapClient.connect(Dev.imap("t87").copy(caPem = null)) } }
        Unit
    }

    // conformance: tls.starttls-required
    @Test
    fun starttlsThatTheServerDoesNotOfferIsTlsNeverPlaintext() = runBlocking {
        // The devserver's legacy address runs Dovecot and Postfix with TLS off: no STARTTLS.
        val legacy = Dev.v("MAILWIRE_LEGACY_HOST")
        val imap = raises<MailException.Tls> {
            runBlocking { ImapClient.connect(Dev.imap("user17").copy(host = legacy, port = Dev.v("MAILWIRE_IMAP_PORT").toUShort(), security = Security.START_TLS)) }
        }
        assertTrue(imap.message!!.contains("STARTTLS"), imap.message)
        val smtp = raises<MailException.Tls> {
            runBlocking { SmtpClient.connect(Dev.smtp("user17").copy(host = legacy, port = Dev.v("MAILWIRE_SMTP_PLAIN_PORT").toUShort(), security = Security.START_TLS)) }
        }
        assertTrue(smtp.message!!.contains("STARTTLS"), smtp.message)
        // Proof that the servers are there and would talk in plaintext: nothing fell back to it.
        val plain = ImapClient.connect(Dev.imap("user17").copy(host = legacy, port = Dev.v("MAILWIRE_IMAP_PORT").toUShort(), security = Security.PLAIN, allowPlaintextAuth = true))
        plain.noop()
        plain.logout()
    }

    // conformance: imap.mailboxes.manage, errors.fields
    @Test
    fun missingMailboxIsNotFoundAndExistingIsAlreadyExists() = runBlocking {
        val c = ImapClient.connect(Dev.imap("t87"))
        val missing = raises<MailException.NotFound> { runBlocking { c.mailboxStatus(Dev.unique("Nope")) } }
        assertTrue(missing.message!!.isNotBlank())
        raises<MailException.NotFound> { runBlocking { c.search(Dev.unique("Nope"), SearchQuery()) } }
        val name = Dev.unique("KtExists")
        c.createMailbox(name)
        val e = raises<MailException.AlreadyExists> { runBlocking { c.createMailbox(name) } }
        assertEquals("ALREADYEXISTS", e.responseCode)
        assertTrue(e.serverText != null)
        c.deleteMailbox(name)
        c.logout()
    }

    // conformance: input.line-breaks
    @Test
    fun crlfInANameIsInvalidInput() = runBlocking {
        val c = ImapClient.connect(Dev.imap("t87"))
        raises<MailException.InvalidInput> { runBlocking { c.createMailbox("evil\r\nA1 LOGOUT") } }
        raises<MailException.InvalidInput> { runBlocking { c.download("INBOX", 1u, "1;2") } }
        raises<MailException.InvalidInput> { runBlocking { c.search("INBOX", SearchQuery(subject = "a\nb")) } }
        raises<MailException.InvalidInput> { parseAddress("not an address") }
        // The connection is still fine after refused input.
        c.noop()
        c.logout()
    }

    // conformance: imap.outage
    @Test
    fun serverKilledMidFetchFailsWithConnectThenNextCallWorks() = runBlocking {
        val timeouts = defaultTimeouts().copy(command = Duration.ofSeconds(5))
        val c = ImapClient.connect(Dev.imap("t84", timeouts = timeouts))
        val mb = Dev.unique("KtOutage")
        c.createMailbox(mb)
        // 4096 messages (one appended, then doubled by COPY); every other UID makes a UID set
        // too long for one command, so the fetch runs as several commands in turn and the
        // kill lands between them, whatever the socket buffers hold.
        c.append(mb, Dev.rawMessage("outage"))
        repeat(12) { c.copyMessages(mb, UidSet.all(), mb) }
        val all = c.search(mb, SearchQuery())
        assertEquals(4096, all.size)
        val uids = all.filterIndexed { i, _ -> i % 2 == 0 }
        val stream = c.fetch(mb, UidSet.of(uids), FetchOptions())
        assertEquals(1, stream.nextBatch(1u).size)
        Dev.killSessions("t84")
        val start = System.nanoTime()
        val e = runCatching {
            while (stream.nextBatch(50u).isNotEmpty()) { }
        }.exceptionOrNull()
        stream.close()
        assertTrue(e is MailException.Connect || e is MailException.Timeout, "expected Connect/Timeout, got $e")
        assertTrue(System.nanoTime() - start < 15_000_000_000L)
        // The next call reconnects; nothing was lost.
        assertEquals(4096u, c.mailboxStatus(mb).messages)
        c.deleteMailbox(mb)
        c.logout()
    }
}
