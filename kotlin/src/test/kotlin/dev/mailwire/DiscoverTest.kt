package dev.mailwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.time.Duration

/**
 * Settings from an address ([discover]) against real servers on loopback: dnsmasq as the DNS
 * server and an HTTPS autoconfig server (tests/discover/serve.py), for each way discovery can
 * succeed or fail. No devserver user.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiscoverTest {
    private lateinit var servers: Script
    private lateinit var options: DiscoverOptions

    @BeforeAll
    fun start() {
        servers = Script("tests/discover/serve.py")
        @Suppress("UNCHECKED_CAST")
        val info = Json.parse(servers.firstLine) as Map<String, Any?>
        options = DiscoverOptions(
            timeout = Duration.ofSeconds(10),
            resolver = "127.0.0.1:${(info["dns"] as Number).toInt()}",
            httpsPort = (info["https"] as Number).toInt().toUShort(),
            caPem = File(info["ca"] as String).readBytes(),
        )
    }

    @AfterAll
    fun stop() = servers.close()

    private fun failure(block: suspend () -> Unit): Throwable? = runCatching { runBlocking { block() } }.exceptionOrNull()

    // conformance: discover
    @Test
    fun eachMethodFindsTheSettingsItShouldAndNothingIsNotFound() = runBlocking {
        var d = discover("ann@auto.test", options)
        assertEquals(DiscoverySource.AUTOCONFIG, d.source)
        assertEquals(ServerSettings("imap.auto.test", 993u, Security.TLS, "ann@auto.test"), d.imap)
        assertEquals(ServerSettings("smtp.auto.test", 587u, Security.START_TLS, "ann"), d.smtp)

        d = discover("bob@wellknown.test", options)
        assertEquals(DiscoverySource.AUTOCONFIG, d.source)
        assertEquals(Security.START_TLS, d.imap?.security)

        d = discover("cy@srv.test", options)
        assertEquals(
            Discovered(
                ServerSettings("imap.srv.test", 993u, Security.TLS, "cy@srv.test"),
                ServerSettings("smtp.srv.test", 587u, Security.START_TLS, "cy@srv.test"),
                DiscoverySource.SRV,
            ),
            d,
        )

        d = discover("di@mx.test", options)
        assertEquals(DiscoverySource.MX, d.source)
        assertEquals("imap.gmail.com", d.imap?.host)

        val e = failure { discover("eve@nothing.test", options) }
        assertTrue(e is MailException.NotFound, "$e")
    }

    // conformance: discover
    @Test
    fun aServerThatNeverAnswersIsBoundedByTheDeadline() = runBlocking {
        val start = System.nanoTime()
        // The silent autoconfig server costs its step (a quarter of the deadline), then the
        // other methods find nothing: NotFound, well within the deadline.
        val slow = failure { discover("fay@slow.test", options.copy(timeout = Duration.ofSeconds(2))) }
        assertTrue(slow is MailException.NotFound, "$slow")
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "${(System.nanoTime() - start) / 1_000_000} ms")

        // An untrusted autoconfig certificate is not believed.
        val untrusted = failure { discover("ann@auto.test", options.copy(caPem = null)) }
        assertTrue(untrusted is MailException.NotFound, "$untrusted")
    }

    // conformance: discover
    @Test
    fun bigProvidersComeFromTheBuiltInTableAndBadInputIsRefused() = runBlocking {
        // No network: the resolver given is never asked.
        val d = discover("someone@gmail.com", DiscoverOptions(resolver = "127.0.0.1:9"))
        assertEquals(DiscoverySource.BUILT_IN, d.source)
        assertEquals(ServerSettings("imap.gmail.com", 993u, Security.TLS, "someone@gmail.com"), d.imap)
        for (bad in listOf("no-at-sign", "@example.com", "a@exa mple.com")) {
            val e = failure { discover(bad) }
            assertTrue(e is MailException.InvalidInput, "$bad: $e")
        }
        val e = failure { discover("a@b.test", DiscoverOptions(resolver = "not an address")) }
        assertTrue(e is MailException.InvalidInput, "$e")
    }
}
