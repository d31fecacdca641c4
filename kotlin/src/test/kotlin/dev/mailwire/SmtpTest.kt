package dev.mailwire

import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.atomic.AtomicLong

/** SMTP through the real Postfix, checked over IMAP (users t85, t86, t88, user17). */
class SmtpTest {
    private suspend fun waitFor(c: ImapClient, subject: String, count: Int = 1): List<UInt> {
        repeat(100) {
            val found = c.search("INBOX", SearchQuery(subject = subject))
            if (found.size >= count) return found
            delay(200)
        }
        error("$subject did not arrive")
    }

    // conformance: smtp.connect.starttls, smtp.send, smtp.per-recipient
    @Test
    fun sendWithAttachmentReportsEachRecipient() = runBlocking {
        val smtp = SmtpClient.connect(Dev.smtp("t85"))
        val imap = ImapClient.connect(Dev.imap("t88"))
        val subject = Dev.unique("kt send")
        val pdf = ByteArray(100_000) { (it % 13).toByte() }
        val progress = AtomicLong()
        val r = smtp.send(
            OutgoingMessage(
                from = Address(Dev.address("t85"), "Tee"),
                to = listOf(Address(Dev.address("t88")), Address("nobody@localhost")),
                subject = subject,
                text = "hello",
                attachments = listOf(Attachment("a.pdf", "application/pdf", pdf)),
            ),
            object : ProgressListener {
                override fun onProgress(done: ULong, total: ULong?) { progress.set(done.toLong()) }
            },
        )
        assertEquals(listOf(Dev.address("t88")), r.accepted)
        val refused = r.rejected.single()
        assertEquals("nobody@localhost", refused.address)
        assertEquals(550.toUShort(), refused.code)
        assertEquals("5.1.1", refused.enhancedCode)
        assertTrue(refused.permanent)
        assertTrue(progress.get() > 100_000)
        val uid = waitFor(imap, subject).single()
        val m = imap.fetchMessage("INBOX", uid)
        assertEquals(r.messageId, m.messageId)
        assertArrayEquals(pdf, m.attachments.single().data)
        smtp.close()
        imap.logout()
    }

    // conformance: smtp.per-recipient, errors.fields, smtp.close
    @Test
    fun allRecipientsRefusedIsRejectedWithCodes() = runBlocking {
        val smtp = SmtpClient.connect(Dev.smtp("t85"))
        val e = runCatching {
            smtp.sendRaw(Dev.address("t85"), listOf("nobody@localhost"), Dev.rawMessage("x"))
        }.exceptionOrNull()
        assertTrue(e is MailException.Rejected, "$e")
        e as MailException.Rejected
        assertEquals(550.toUShort(), e.smtpCode)
        assertEquals("5.1.1", e.enhancedCode)
        assertTrue(e.permanent)
        assertTrue(e.message!!.contains("550"), e.message)
        smtp.close()
        val closed = runCatching { smtp.sendMime(Dev.rawMessage("y")) }.exceptionOrNull()
        assertTrue(closed is MailException.Closed, "$closed")
    }

    // conformance: auth.refused
    @Test
    fun wrongPasswordIsAuth() = runBlocking {
        val e = runCatching { SmtpClient.connect(Dev.smtp("t86", password = "nope")) }.exceptionOrNull()
        assertTrue(e is MailException.Auth, "$e")
    }

    // conformance: smtp.send-raw, smtp.bcc-hidden, smtp.progress
    @Test
    fun sendRawAndSendMimeDeliver() = runBlocking {
        val smtp = SmtpClient.connect(Dev.smtp("t85"))
        val imap = ImapClient.connect(Dev.imap("t88"))
        // Both report progress: bytes of the message sent and its size, the last call complete.
        class Last : ProgressListener {
            @Volatile var done = 0uL
            @Volatile var total: ULong? = null
            override fun onProgress(done: ULong, total: ULong?) { this.done = done; this.total = total }
        }
        val s1 = Dev.unique("kt raw")
        val raw = Dev.rawMessage(s1, body = "r".repeat(200_000))
        val rawProgress = Last()
        smtp.sendRaw(Dev.address("t85"), listOf(Dev.address("t88")), raw, rawProgress)
        assertEquals(raw.size.toULong(), rawProgress.done)
        assertEquals(rawProgress.done, rawProgress.total)
        val s2 = Dev.unique("kt mime")
        val bcc = "Bcc: nobody-visible@localhost\r\n"
        val mime = "From: t85@localhost\r\nTo: t88@localhost\r\n${bcc}Subject: $s2\r\n\r\n${"m".repeat(200_000)}\r\n"
        val mimeProgress = Last()
        val r = smtp.sendMime(mime.toByteArray(), mimeProgress)
        assertEquals(listOf(Dev.address("t88")), r.accepted)
        assertEquals("nobody-visible@localhost", r.rejected.single().address)
        assertEquals(mimeProgress.done, mimeProgress.total)
        assertTrue(mimeProgress.done > 200_000uL && mimeProgress.done <= (mime.length - bcc.length).toULong(), "${mimeProgress.done}")
        waitFor(imap, s1)
        val uid = waitFor(imap, s2).single()
        assertTrue(!String(imap.fetchRaw("INBOX", uid)).contains("Bcc:"))
        smtp.close()
        imap.logout()
    }

    // conformance: message.parse, message.reply-forward
    @Test
    fun parseReplyAndForwardOffline() {
        val raw = "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Plans\r\n" +
            "Message-ID: <p1@example.com>\r\nDate: Tue, 1 Oct 2024 10:00:00 +0200\r\n\r\nSee you\r\n"
        val m = parseMessage(raw.toByteArray())
        assertEquals("Plans", m.subject)
        assertEquals(Address("ann@example.com", "Ann"), m.from.single())
        assertEquals(java.time.Instant.parse("2024-10-01T08:00:00Z"), m.date)
        val reply = replyToMessage(m, false, Address("bob@example.com"))
        assertEquals("Re: Plans", reply.subject)
        assertEquals("p1@example.com", reply.inReplyTo)
        assertEquals(listOf(Address("ann@example.com", "Ann")), reply.to)
        val fwd = forwardMessage(m, Address("bob@example.com"))
        assertTrue(fwd.subject!!.startsWith("Fwd"), fwd.subject)
        // The caller's text goes above the quote / the forwarded message (the core's layout).
        val answered = replyToMessage(m, false, Address("bob@example.com"), text = "Yes!")
        assertTrue(answered.text!!.startsWith("Yes!\n\nOn "), answered.text)
        assertTrue(answered.text!!.contains("> See you"), answered.text)
        val noted = forwardMessage(m, Address("bob@example.com"), text = "FYI")
        assertTrue(noted.text!!.startsWith("FYI\n\n") && noted.text!!.contains("Forwarded message"), noted.text)
        assertEquals(Address("jane@example.com", "Jane Doe"), parseAddress("Jane Doe <jane@example.com>"))
        assertTrue(String(messageToBytes(reply.copy(text = "ok"))).contains("In-Reply-To: <p1@example.com>"))
        assertTrue(Auth.password("u", "secret-pw").toString().let { "secret-pw" !in it && "u" in it })
    }

    // conformance: smtp.auth.xoauth2
    @Test
    fun anOAuth2TokenDeliversAndABadTokenIsPermanentAuth() = runBlocking {
        val cfg = Dev.smtp("user17").copy(auth = Auth.oauth2("user17", Dev.token("user17")))
        val smtp = SmtpClient.connect(cfg)
        val imap = ImapClient.connect(Dev.imap("user17"))
        val subject = Dev.unique("kt xoauth2")
        val r = smtp.send(OutgoingMessage(from = Address(Dev.address("user17")), to = listOf(Address(Dev.address("user17"))), subject = subject, text = "token"))
        assertEquals(listOf(Dev.address("user17")), r.accepted)
        val uid = waitFor(imap, subject).single()
        assertEquals(r.messageId, imap.fetchMessage("INBOX", uid).messageId)
        smtp.close()
        imap.logout()
        val bad = runCatching { SmtpClient.connect(cfg.copy(auth = Auth.oauth2("user17", "not-the-token-7q"))) }.exceptionOrNull()
        assertTrue(bad is MailException.Auth, "$bad")
        bad as MailException.Auth
        assertTrue(bad.permanent)
        assertFalse(bad.transient)
        for (text in listOf(bad.message ?: "", bad.toString(), bad.stackTraceToString())) {
            assertFalse(text.contains("not-the-token-7q"), text)
        }
    }

    // conformance: smtp.connect.tls
    @Test
    fun implicitTlsLogsInAndDelivers() = runBlocking {
        val cfg = Dev.smtp("user17").copy(port = Dev.v("MAILWIRE_SMTPS_PORT").toUShort(), security = Security.TLS)
        val smtp = SmtpClient.connect(cfg)
        val imap = ImapClient.connect(Dev.imap("user17"))
        val subject = Dev.unique("kt smtps")
        val raw = Dev.rawMessage(subject, body = "over implicit TLS", from = Dev.address("user17"))
        val r = smtp.sendRaw(Dev.address("user17"), listOf(Dev.address("user17")), raw)
        assertEquals(listOf(Dev.address("user17")), r.accepted)
        val uid = waitFor(imap, subject).single()
        assertTrue(String(imap.fetchRaw("INBOX", uid)).contains("over implicit TLS"))
        smtp.close()
        imap.logout()
        // The same port does not speak TLS without the test CA: the certificate is checked.
        val untrusted = runCatching { SmtpClient.connect(cfg.copy(caPem = null)) }.exceptionOrNull()
        assertTrue(untrusted is MailException.Tls, "$untrusted")
    }

    /**
     * Runs `work` on a new client built from `cfg` and counts the SMTP connections it opened,
     * from the trace (the listener is called before each call returns).
     */
    private suspend fun connectionsOpened(cfg: SmtpConfig, work: suspend (SmtpClient) -> Unit): Int {
        val lines = java.util.concurrent.ConcurrentLinkedQueue<String>()
        setTraceListener(object : TraceListener {
            override fun onTrace(target: String, line: String) { if (target == "mailwire.smtp") lines.add(line) }
        })
        try {
            val smtp = SmtpClient.connect(cfg)
            work(smtp)
            smtp.close()
        } finally {
            setTraceListener(null)
        }
        val opened = lines.count { it.startsWith("connected to") }
        // Every connection ends with QUIT, at the latest on close.
        assertEquals(opened, lines.count { it.startsWith("C: QUIT") }, "$lines")
        return opened
    }

    // conformance: smtp.pool
    @Test
    fun sendsSharePooledConnectionsReusedWhileFreshAndBoundedInNumber() = runBlocking {
        val me = Dev.address("t86")
        val mail = { i: Int -> OutgoingMessage(from = Address(me), to = listOf(Address(me)), subject = Dev.unique("kt pool $i"), text = "pooled") }
        val twoSends: suspend (SmtpClient) -> Unit = { smtp ->
            for (i in 1..2) assertEquals(listOf(me), smtp.send(mail(i)).accepted)
        }
        // The connection opened by connect() carries both sends.
        assertEquals(1, connectionsOpened(Dev.smtp("t86"), twoSends))
        // Idle for longer than zero: each send closes the pooled one and opens another.
        assertEquals(3, connectionsOpened(Dev.smtp("t86").copy(poolIdleTimeout = java.time.Duration.ZERO), twoSends))
        // Eight sends at once share at most two connections.
        val opened = connectionsOpened(Dev.smtp("t86").copy(poolSize = 2u)) { smtp ->
            val results = coroutineScope { (1..8).map { i -> async { smtp.send(mail(i)) } }.awaitAll() }
            assertTrue(results.all { it.accepted == listOf(me) }, "$results")
        }
        assertTrue(opened in 1..2, "$opened connections")
    }
}
