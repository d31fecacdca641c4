package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The last line of defence: a panic inside Rust (a bug; no input is meant to cause one) is
 * MailException.Protocol carrying the panic's text, from blocking and suspending calls
 * alike, and the JVM and the library's runtime carry on.
 */
class PanicTest {
    private fun protocol(text: String, block: () -> Unit) {
        val e = runCatching(block).exceptionOrNull()
        assertTrue(e is MailException.Protocol, "expected MailException.Protocol, got $e")
        assertTrue(e!!.message!!.contains(text), e.message)
    }

    // conformance: errors.no-panic
    @Test
    fun aPanicInABlockingCallIsProtocol() {
        protocol("boom sync 7") { debugPanic("boom sync 7") }
        // The library still works after the panic.
        assertEquals("after", parseMessage("Subject: after\r\n\r\nbody\r\n".toByteArray()).subject)
    }

    // conformance: errors.no-panic
    @Test
    fun aPanicInASuspendingCallIsProtocol() = runBlocking {
        // Twice: the runtime survived the first panicking future.
        for (n in 1..2) protocol("boom async $n") { runBlocking { debugPanicAsync("boom async $n") } }
    }
}
