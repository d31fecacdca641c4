// The child of the Kotlin face's hostile-server suite (HostileTest): one connect + call
// through the public Kotlin API, as tests/hostile/run.py asks for in MAILWIRE_HOSTILE_SPEC,
// and one `HOSTILE-RESULT {json}` line. Run as
// `java -cp <test classpath> -Djna.library.path=<dir> dev.mailwire.HostileChildKt`.
package dev.mailwire

import kotlinx.coroutines.runBlocking
import java.io.File
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

private const val MARK = "HOSTILE-RESULT "
private val MESSAGE = "From: a@example.com\r\nSubject: hostile\r\n\r\nhello\r\n".toByteArray()

/** The text the FFI layer gives a panic it caught (mailwire::panic::panic_error). */
private const val PANIC_PREFIX = "internal error (a bug in mailwire"

/** VmRSS and VmHWM of this process, in kB. */
private fun memory(): Pair<Long, Long> {
    val status = File("/proc/self/status").readText()
    fun field(name: String) = Regex("$name:\\s+(\\d+)").find(status)?.groupValues?.get(1)?.toLong()
        ?: error("no $name in /proc/self/status")
    return field("VmRSS") to field("VmHWM")
}

private fun uidsResult(uids: List<UInt>): Map<String, Any?> =
    mapOf("uids" to uids.take(1000).map { it.toLong() }, "uids_count" to uids.size)

private fun config(spec: Map<String, Any?>): ImapConfig {
    @Suppress("UNCHECKED_CAST")
    val client = spec["client"] as Map<String, Any?>
    val security = when (val s = client["security"] as String? ?: "tls") {
        "tls" -> Security.TLS
        "starttls" -> Security.START_TLS
        "plain" -> Security.PLAIN
        else -> error("unknown security $s in scenarios.json")
    }
    val timeout = (client["timeout"] as Number? ?: 5).toDouble()
    val timeouts = defaultTimeouts().copy(
        connect = Duration.ofSeconds(5),
        greeting = Duration.ofSeconds(5),
        command = Duration.ofMillis((timeout * 1000).toLong()),
    )
    return ImapConfig(
        host = "127.0.0.1",
        auth = Auth.password("hostile", "not-a-secret"),
        port = (spec["port"] as Number).toInt().toUShort(),
        security = security,
        caPem = File(spec["ca"] as String).readBytes(),
        timeouts = timeouts,
        allowPlaintextAuth = client["allow_plaintext_auth"] as Boolean? ?: false,
    )
}

/** Connects as the scenario says and makes its call; the result checks of run.py. */
private suspend fun call(spec: Map<String, Any?>): Map<String, Any?> {
    val imap = ImapClient.connect(config(spec))
    val words = (spec["call"] as String).split(" ")
    val args = words.drop(1)
    return when (words[0]) {
        "login_plain", "starttls" -> mapOf()
        "noop" -> {
            imap.noop()
            mapOf()
        }
        "fetch" -> {
            val uids = mutableListOf<UInt>()
            imap.fetchFlow("INBOX", UidSet.of(listOf(args[0].toUInt()))).collect { uids.add(it.uid) }
            uidsResult(uids)
        }
        "fetch_raw" -> mapOf("body_bytes" to imap.fetchRaw("INBOX", args[0].toUInt()).size)
        "copy" -> uidsResult(imap.copyMessages("INBOX", UidSet.of(listOf(args[0].toUInt())), args[1]).pairs.map { it.source })
        "append" -> mapOf("uid" to imap.append("INBOX", MESSAGE)?.toLong())
        "idle" -> {
            val seconds = args[0].trimEnd('s').toDouble()
            mapOf("count" to imap.idle("INBOX", Duration.ofMillis((seconds * 1000).toLong())).size)
        }
        "list" -> mapOf("count" to imap.listMailboxes().size)
        "save_attachment" -> {
            val path = File(spec["dir"] as String, "attachment.bin").path
            mapOf("written" to imap.saveAttachment("INBOX", args[0].toUInt(), args[1], path).toLong())
        }
        else -> error("unknown call ${spec["call"]}")
    }
}

/** The error kind in the spelling of run.py and scenarios.json (the core's ErrorKind::as_str). */
private fun kind(e: MailException): String = when (e) {
    is MailException.Connect -> "connect"
    is MailException.Tls -> "tls"
    is MailException.Auth -> "auth"
    is MailException.Timeout -> "timeout"
    is MailException.NotFound -> "not_found"
    is MailException.AlreadyExists -> "already_exists"
    is MailException.Rejected -> "rejected"
    // A panic inside Rust arrives as Protocol carrying the panic's text: report it as one.
    is MailException.Protocol -> if (e.message.orEmpty().startsWith(PANIC_PREFIX)) "panic" else "protocol"
    is MailException.InvalidInput -> "invalid_input"
    is MailException.Closed -> "closed"
}

/** One connect + call; prints the HOSTILE-RESULT line (see tests/hostile/run.py). */
fun main() {
    @Suppress("UNCHECKED_CAST")
    val spec = Json.parse(System.getenv("MAILWIRE_HOSTILE_SPEC") ?: error("MAILWIRE_HOSTILE_SPEC is not set")) as Map<String, Any?>
    val limit = (spec["limit"] as Number).toDouble()
    // Loads the native library (as the other children import their module) before measuring.
    defaultTimeouts()
    var outcome = "ok"
    var message = ""
    var errorType = ""
    var result: Map<String, Any?> = mapOf()
    val (before, _) = memory()
    // Resets VmHWM to the current RSS, so that it measures the peak of this call.
    File("/proc/self/clear_refs").writeText("5")
    val start = System.nanoTime()
    // On a thread of its own, so that a call stuck on the hostile server cannot keep this
    // one from reporting `hung`.
    val done = CompletableFuture<Map<String, Any?>>()
    Thread({
        try {
            done.complete(runBlocking { call(spec) })
        } catch (e: Throwable) {
            done.completeExceptionally(e)
        }
    }, "hostile-call").apply { isDaemon = true }.start()
    try {
        result = done.get((limit * 1000).toLong(), TimeUnit.MILLISECONDS)
    } catch (e: TimeoutException) {
        outcome = "hung"
        message = "no answer in $limit s"
        errorType = "TimeoutException"
    } catch (wrapped: ExecutionException) {
        val e = wrapped.cause ?: wrapped
        message = e.message.orEmpty()
        errorType = e.javaClass.name.removePrefix("dev.mailwire.").replace('$', '.')
        outcome = if (e is MailException) kind(e) else "other".also { message = "$errorType: $message" }
    }
    val elapsed = (System.nanoTime() - start) / 1e9
    val (_, peak) = memory()
    val report = mapOf(
        "outcome" to outcome,
        "message" to message,
        "elapsed" to elapsed,
        "rss_growth_mb" to maxOf(0L, peak - before) / 1024.0,
        "result" to result,
        "error_type" to errorType,
    )
    System.out.println(MARK + Json.write(report))
    System.out.flush()
    // The native side may hold a call stuck on the hostile server: do not wait for it.
    Runtime.getRuntime().halt(0)
}

/** Just enough JSON for the spec, the catalogue and the report (the tests have no JSON library). */
internal object Json {
    fun parse(text: String): Any? = Reader(text).run { value().also { space(); check(at == text.length) { "trailing text at $at" } } }

    private class Reader(val s: String) {
        var at = 0

        fun space() {
            while (at < s.length && s[at].isWhitespace()) at++
        }

        /** The next character after white space (not consumed). */
        fun next(): Char {
            space()
            check(at < s.length) { "unexpected end" }
            return s[at]
        }

        fun expect(c: Char) {
            space()
            check(at < s.length && s[at] == c) { "expected '$c' at $at" }
            at++
        }

        fun value(): Any? {
            space()
            check(at < s.length) { "unexpected end" }
            return when (val c = s[at]) {
                '{' -> {
                    at++
                    val map = LinkedHashMap<String, Any?>()
                    if (next() == '}') {
                        at++
                        return map
                    }
                    do {
                        space()
                        val key = string()
                        expect(':')
                        map[key] = value()
                        val sep = next()
                        at++
                    } while (sep == ',')
                    check(s[at - 1] == '}') { "expected '}' at ${at - 1}" }
                    map
                }
                '[' -> {
                    at++
                    val list = mutableListOf<Any?>()
                    if (next() == ']') {
                        at++
                        return list
                    }
                    do {
                        list.add(value())
                        val sep = next()
                        at++
                    } while (sep == ',')
                    check(s[at - 1] == ']') { "expected ']' at ${at - 1}" }
                    list
                }
                '"' -> string()
                't' -> word("true", true)
                'f' -> word("false", false)
                'n' -> word("null", null)
                else -> {
                    check(c == '-' || c.isDigit()) { "unexpected '$c' at $at" }
                    val from = at
                    while (at < s.length && (s[at].isDigit() || s[at] in "+-.eE")) at++
                    val n = s.substring(from, at)
                    n.toLongOrNull() ?: n.toDouble()
                }
            }
        }

        fun word(w: String, v: Any?): Any? {
            check(s.startsWith(w, at)) { "unexpected text at $at" }
            at += w.length
            return v
        }

        fun string(): String {
            check(s[at] == '"') { "expected a string at $at" }
            at++
            val out = StringBuilder()
            while (true) {
                val c = s[at++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> when (val e = s[at++]) {
                        'n' -> out.append('\n')
                        'r' -> out.append('\r')
                        't' -> out.append('\t')
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000c')
                        'u' -> { out.append(s.substring(at, at + 4).toInt(16).toChar()); at += 4 }
                        else -> out.append(e)
                    }
                    else -> out.append(c)
                }
            }
        }
    }

    fun write(v: Any?): String = StringBuilder().also { write(v, it) }.toString()

    private fun write(v: Any?, out: StringBuilder) {
        when (v) {
            null -> out.append("null")
            is Boolean, is Int, is Long -> out.append(v)
            is Double -> out.append(if (v.isFinite()) v.toString() else "null")
            is String -> {
                out.append('"')
                for (c in v) {
                    when {
                        c == '"' -> out.append("\\\"")
                        c == '\\' -> out.append("\\\\")
                        c < ' ' -> out.append("\\u%04x".format(c.code))
                        else -> out.append(c)
                    }
                }
                out.append('"')
            }
            is Map<*, *> -> {
                out.append('{')
                v.entries.forEachIndexed { i, (k, x) ->
                    if (i > 0) out.append(',')
                    write(k.toString(), out)
                    out.append(':')
                    write(x, out)
                }
                out.append('}')
            }
            is List<*> -> {
                out.append('[')
                v.forEachIndexed { i, x ->
                    if (i > 0) out.append(',')
                    write(x, out)
                }
                out.append(']')
            }
            else -> error("cannot write ${v::class} as JSON")
        }
    }
}
