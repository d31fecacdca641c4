package dev.mailwire

import org.junit.jupiter.api.Test

/** Runs examples/kotlin/Quickstart.kt as user t89. */
class QuickstartTest {
    @Test
    fun quickstartExampleRuns() {
        dev.mailwire.examples.main(arrayOf("t89"))
    }
}
