package dev.mailwire

import java.io.File
import java.util.concurrent.atomic.AtomicLong

/** Settings of the devserver from the `MAILWIRE_*` variables (`eval "$(devserver env)"`). */
object Dev {
    fun v(name: String): String =
        System.getenv(name) ?: error("$name is not set: eval \"\$(devserver/devserver env)\"")

    val host get() = v("MAILWIRE_HOST")
    val domain get() = v("MAILWIRE_DOMAIN")
    val ca: ByteArray by lazy { File(v("MAILWIRE_CA")).readBytes() }
    fun password(user: String) = v("MAILWIRE_PASSWORD_PATTERN").replace("{user}", user)
    fun address(user: String) = "$user@$domain"
    /** The OAuth2 access token the devserver's introspection accepts for `user`. */
    fun token(user: String) = v("MAILWIRE_OAUTH_TOKEN_PATTERN").replace("{user}", user)

    fun imap(user: String, password: String = password(user), timeouts: Timeouts? = null) = ImapConfig(
        host = host,
        auth = Auth.password(user, password),
        port = v("MAILWIRE_IMAPS_PORT").toUShort(),
        caPem = ca,
        timeouts = timeouts,
    )

    fun smtp(user: String, password: String = password(user)) = SmtpConfig(
        host = host,
        auth = Auth.password(user, password),
        port = v("MAILWIRE_SMTP_PORT").toUShort(),
        security = Security.START_TLS,
        caPem = ca,
    )

    private val counter = AtomicLong()
    fun unique(tag: String) = "$tag-${ProcessHandle.current().pid()}-${System.nanoTime() % 1_000_000}-${counter.incrementAndGet()}"

    /** A small RFC 5322 message. */
    fun rawMessage(subject: String, body: String = "hello", from: String = "a@localhost") =
        ("From: $from\r\nTo: b@localhost\r\nSubject: $subject\r\n" +
            "Message-ID: <${unique("m")}@localhost>\r\n\r\n$body\r\n").toByteArray()

    /** Runs `devserver kill-sessions USER [SIGNAL]`: signals (default KILL) that user's IMAP processes. */
    fun killSessions(user: String, signal: String? = null) {
        val p = ProcessBuilder(listOfNotNull(v("MAILWIRE_DEVSERVER"), "kill-sessions", user, signal)).inheritIO().start()
        check(p.waitFor() == 0) { "devserver kill-sessions $user failed" }
    }
}

/** The repository: the first folder above the working directory holding tests/. */
val repo: File = generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
    .firstOrNull { File(it, "tests/gmail/peer.py").isFile }
    ?: error("tests/gmail/peer.py not found above ${System.getProperty("user.dir")}")

/**
 * A helper server of tests/ run with python3 (tests/gmail/peer.py, tests/discover/serve.py):
 * [firstLine] is what it prints when ready; it exits when its stdin closes ([close]).
 */
class Script(private val path: String, vararg args: String) : AutoCloseable {
    private val process = ProcessBuilder(listOf("python3", File(repo, path).path) + args)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start()
    val firstLine: String = process.inputStream.bufferedReader().readLine() ?: error("$path printed nothing")

    override fun close() {
        process.outputStream.close()
        check(process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) { "$path did not exit" }
    }
}
