package dev.mailwire

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * The hostile-server suite of the Kotlin face (issue 11): every scenario of
 * tests/hostile/scenarios.json. tests/hostile/peer.py serves bytes no real server sends;
 * tests/hostile/run.py runs the child of HostileChild.kt in a JVM of its own (one connect + call,
 * so a scenario that kills its process cannot take the test JVM with it) and judges it: the
 * outcome is one the scenario allows (a MailException of that kind), within its time and
 * memory bounds, with the process alive and the peer's facts as required.
 * MAILWIRE_HOSTILE_ONLY=name,name runs only those scenarios.
 */
class HostileTest {
    private val repo: File = generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
        .firstOrNull { File(it, "tests/hostile/run.py").isFile }
        ?: error("tests/hostile/run.py not found above ${System.getProperty("user.dir")}")

    /**
     * The child's JVM: this test JVM's java and classpath, the native library where the
     * tests find it, and a small heap, metaspace and code cache (run.py limits the child's
     * data to 2 GiB; the JVM reserves address space up front) with a quick start.
     */
    private fun child(): List<String> = listOf(
        ProcessHandle.current().info().command().orElseThrow(),
        "-cp", System.getProperty("java.class.path"),
        "-Djna.library.path=${System.getProperty("jna.library.path")}",
        "-Xss1m", "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:MaxMetaspaceSize=128m", "-XX:CompressedClassSpaceSize=64m",
        "-XX:ReservedCodeCacheSize=64m", "-XX:TieredStopAtLevel=1",
        "dev.mailwire.HostileChildKt",
    )

    private fun run(name: String) {
        val command = listOf("python3", File(repo, "tests/hostile/run.py").path, "--scenario", name, "--") + child()
        val p = ProcessBuilder(command).directory(repo).redirectErrorStream(true).start()
        val output = p.inputStream.bufferedReader().readText()
        check(p.waitFor(10, TimeUnit.SECONDS)) { "run.py did not end after its output closed" }
        assertEquals(0, p.exitValue(), output)
    }

    // conformance: hostile.server
    @TestFactory
    fun everyScenarioOfTheHostileServerSuite(): List<DynamicTest> {
        @Suppress("UNCHECKED_CAST")
        val scenarios = (Json.parse(File(repo, "tests/hostile/scenarios.json").readText()) as Map<String, Any?>)["scenarios"] as List<Map<String, Any?>>
        val only = System.getenv("MAILWIRE_HOSTILE_ONLY").orEmpty().split(",").filter { it.isNotEmpty() }
        return scenarios
            .filter { only.isEmpty() || it["name"] in only }
            .map { s -> DynamicTest.dynamicTest("hostile server: ${s["name"]} (${s["class"]})") { run(s["name"] as String) } }
    }
}
