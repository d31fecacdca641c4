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

    /** Runs `devserver kill-sessions USER`: SIGKILLs that user's IMAP processes. */
    fun killSessions(user: String) {
        val p = ProcessBuilder(v("MAILWIRE_DEVSERVER"), "kill-sessions", user).inheritIO().start()
        check(p.waitFor() == 0) { "devserver kill-sessions $user failed" }
    }
}
