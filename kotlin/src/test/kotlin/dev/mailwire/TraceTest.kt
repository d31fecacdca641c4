package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.Base64
import java.util.concurrent.ConcurrentLinkedQueue

/** The trace listener: protocol lines of both clients, credentials redacted (users t80, t85). */
class TraceTest {
    // conformance: trace.redacted
    @Test
    fun traceListenerSeesProtocolLinesWithCredentialsRedacted() = runBlocking {
        val lines = ConcurrentLinkedQueue<Pair<String, String>>()
        setTraceListener(object : TraceListener {
            override fun onTrace(target: String, line: String) { lines.add(target to line) }
        })
        try {
            val imap = ImapClient.connect(Dev.imap("t80"))
            imap.noop()
            imap.logout()
            val smtp = SmtpClient.connect(Dev.smtp("t85"))
            smtp.close()
        } finally {
            setTraceListener(null)
        }
        val imap = lines.filter { it.first == "mailwire.imap" }.map { it.second }
        val smtp = lines.filter { it.first == "mailwire.smtp" }.map { it.second }
        assertTrue(imap.any { it.startsWith("C: ") && it.contains("NOOP") }, "$imap")
        assertTrue(smtp.any { it.startsWith("S: 2") }, "$smtp")
        assertTrue(imap.any { it.contains("LOGIN") && it.contains("<redacted>") }, "$imap")
        assertTrue(smtp.any { it.startsWith("C: EHLO") }, "$smtp")
        assertTrue(smtp.any { it.contains("AUTH") && it.contains("<redacted>") }, "$smtp")
        // No form of either password appears (AUTH PLAIN would carry it in base64).
        val secrets = listOf("t80", "t85").flatMap { u ->
            val pw = Dev.password(u)
            listOf(pw, Base64.getEncoder().encodeToString("\u0000$u\u0000$pw".toByteArray()))
        }
        assertTrue(lines.none { (_, l) -> secrets.any { l.contains(it) } })
        // Removed: nothing more arrives.
        val before = lines.size
        ImapClient.connect(Dev.imap("t80")).logout()
        assertEquals(before, lines.size)
    }
}
