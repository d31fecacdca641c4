package dev.mailwire

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.time.Duration
import java.util.concurrent.atomic.AtomicLong

/** The IMAP surface against the real Dovecot of devserver/ (users t80…t84, user16). */
class ImapTest {
    private fun connect(user: String) = runBlocking { ImapClient.connect(Dev.imap(user)) }

    private fun richMessage(subject: String, pdf: ByteArray): ByteArray = messageToBytes(
        OutgoingMessage(
            from = Address("t81@localhost", "Tee Eighty-One"),
            to = listOf(Address("t81@localhost")),
            subject = subject,
            text = "see attached",
            html = "<p>see <b>attached</b></p>",
            attachments = listOf(Attachment("report.pdf", "application/pdf", pdf)),
        ),
    )

    // conformance: imap.connect.tls, imap.connect.starttls
    @Test
    fun connectsOverTlsAndStartTlsWithTheTestCa() = runBlocking {
        val tls = ImapClient.connect(Dev.imap("t80"))
        assertTrue(tls.hasCapability("IDLE"))
        tls.logout()
        val starttls = ImapClient.connect(
            Dev.imap("t80").copy(port = Dev.v("MAILWIRE_IMAP_PORT").toUShort(), security = Security.START_TLS),
        )
        starttls.noop()
        starttls.logout()
        // After logout every call fails with Closed.
        val e = runCatching { starttls.noop() }.exceptionOrNull()
        assertTrue(e is MailException.Closed, "$e")
    }

    // conformance: imap.close
    @Test
    fun closeEndsBothClientsAndTheWorkInFlight() = runBlocking {
        val c = connect("t80")
        val mb = Dev.unique("KtClose")
        c.createMailbox(mb)
        repeat(3) { c.append(mb, Dev.rawMessage("close $it")) }
        // A fetch stream holds the connection; close() ends it instead of waiting for it.
        val stream = c.fetch(mb, UidSet.all(), FetchOptions())
        c.close()
        val inFlight = runCatching { stream.nextBatch(10u) }.exceptionOrNull()
        assertTrue(inFlight is MailException.Closed, "$inFlight")
        val later = runCatching { c.noop() }.exceptionOrNull()
        assertTrue(later is MailException.Closed, "$later")
        c.close() // harmless twice
        c.destroy()
        val smtp = SmtpClient.connect(Dev.smtp("t85"))
        smtp.close()
        val send = runCatching { smtp.sendRaw(Dev.address("t85"), listOf(Dev.address("t85")), Dev.rawMessage("never")) }.exceptionOrNull()
        assertTrue(send is MailException.Closed, "$send")
        smtp.destroy()
        val other = connect("t80")
        assertEquals(3u, other.mailboxStatus(mb).messages)
        other.deleteMailbox(mb)
        other.close()
    }

    // conformance: imap.mailboxes.list, imap.mailboxes.status, imap.mailboxes.manage, imap.mailboxes.utf8
    @Test
    fun mailboxesCreateListStatusRenameSubscribeDelete() = runBlocking {
        val c = ImapClient.connect(Dev.imap("t80"))
        val name = Dev.unique("Kt Ordner ä")
        c.createMailbox(name)
        assertTrue(c.listMailboxes().any { it.name == name })
        val inbox = c.listMailboxes().first { it.name == "INBOX" }
        assertEquals(MailboxRole.INBOX, inbox.role)
        c.append(name, Dev.rawMessage("one"))
        val st = c.mailboxStatus(name)
        assertEquals(1u, st.messages)
        assertEquals(1u, st.unseen)
        c.subscribe(name)
        assertTrue(c.listMailboxes().first { it.name == name }.subscribed)
        c.unsubscribe(name)
        assertFalse(c.listMailboxes().first { it.name == name }.subscribed)
        val renamed = "$name-renamed"
        c.renameMailbox(name, renamed)
        assertTrue(c.listMailboxes().none { it.name == name })
        c.deleteMailbox(renamed)
        assertTrue(c.listMailboxes().none { it.name == renamed })
        c.logout()
    }

    // conformance: imap.search.fields
    @Test
    fun searchByFlagsTextSizeAndRawKeys() = runBlocking {
        val c = connect("t81")
        val mb = Dev.unique("KtSearch")
        c.createMailbox(mb)
        val a = c.append(mb, Dev.rawMessage("alpha report", from = "alice@localhost"))!!
        val b = c.append(mb, Dev.rawMessage("beta", body = "x".repeat(5000)), listOf(Flag.Seen))!!
        val d = c.append(mb, Dev.rawMessage("gamma"), listOf(Flag.Flagged, Flag.Keyword("\$Work")))!!
        assertEquals(listOf(a, b, d), c.search(mb, SearchQuery()))
        assertEquals(listOf(a, d), c.search(mb, SearchQuery(seen = false)))
        assertEquals(listOf(a), c.search(mb, SearchQuery(subject = "ALPHA", from = "alice")))
        assertEquals(listOf(b), c.search(mb, SearchQuery(larger = 4000u)))
        assertEquals(listOf(d), c.search(mb, SearchQuery(keyword = "\$Work")))
        assertEquals(listOf(b, d), c.search(mb, SearchQuery(raw = "OR SEEN FLAGGED")))
        assertEquals(listOf(d), c.search(mb, SearchQuery(uids = UidSet.of(b, d), seen = false)))
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.search.or-not
    @Test
    fun searchWithOrNotAndOnADay() = runBlocking {
        val c = connect("t81")
        val mb = Dev.unique("KtSearchOr")
        c.createMailbox(mb)
        val a = c.append(mb, Dev.rawMessage("alpha report", from = "alice@localhost"))!!
        val b = c.append(mb, Dev.rawMessage("beta", body = "x".repeat(5000)), listOf(Flag.Seen))!!
        val d = c.append(mb, Dev.rawMessage("gamma"), listOf(Flag.Flagged, Flag.Keyword("\$Work")))!!
        val dated = ("From: a@localhost\r\nTo: b@localhost\r\nSubject: dated\r\n" +
            "Date: Mon, 06 May 2024 10:00:00 +0000\r\n\r\nold\r\n").toByteArray()
        val e = c.append(mb, dated, date = java.time.Instant.parse("2024-05-08T07:08:09Z"))!!
        suspend fun find(q: SearchQuery) = c.search(mb, q)
        val seen = SearchQuery(seen = true)
        val flagged = SearchQuery(flagged = true)
        assertEquals(listOf(b, d), find(SearchQuery(or = listOf(seen, flagged))))
        assertEquals(listOf(a, b, d), find(SearchQuery(or = listOf(SearchQuery(from = "alice"), seen, flagged))))
        assertEquals(listOf(b, d, e), find(SearchQuery(not = listOf(SearchQuery(subject = "alpha")))))
        assertEquals(listOf(a, e), find(SearchQuery(seen = false, not = listOf(SearchQuery(keyword = "\$Work")))))
        // Nested: from alice, or seen and not larger than 4000 bytes (b is larger).
        val nested = SearchQuery(or = listOf(SearchQuery(from = "alice"), SearchQuery(seen = true, not = listOf(SearchQuery(larger = 4000u)))))
        assertEquals(listOf(a), find(nested))
        // `on` compares the day received, `sentOn` the day of the Date header.
        fun noon(day: String) = java.time.Instant.parse("${day}T12:00:00Z")
        assertEquals(listOf(e), find(SearchQuery(on = noon("2024-05-08"))))
        assertEquals(emptyList<UInt>(), find(SearchQuery(on = noon("2024-05-06"))))
        assertEquals(listOf(e), find(SearchQuery(sentOn = noon("2024-05-06"))))
        // `or` with a single query is a mistake, refused before anything is sent.
        val one = runCatching { find(SearchQuery(or = listOf(seen))) }.exceptionOrNull()
        assertTrue(one is MailException.InvalidInput, "$one")
        c.deleteMailbox(mb)
        c.close()
    }

    // conformance: imap.fetch.summaries
    @Test
    fun fetchFlowStreamsSummariesWithEnvelopeAndAttachments() = runBlocking {
        val c = connect("t81")
        val mb = Dev.unique("KtFetch")
        c.createMailbox(mb)
        val pdf = ByteArray(30_000) { (it % 251).toByte() }
        val uids = (1..40).map { c.append(mb, richMessage("report $it", pdf))!! }
        val summaries = c.fetchFlow(mb, UidSet.of(uids), batchSize = 7u).toList()
        assertEquals(uids, summaries.map { it.uid })
        val s = summaries[3]
        assertEquals("report 4", s.envelope.subject)
        assertEquals("t81@localhost", s.envelope.from.single().address)
        assertEquals("Tee Eighty-One", s.envelope.from.single().name)
        assertNotNull(s.internalDate)
        val att = s.attachments.single()
        assertEquals("report.pdf", att.filename)
        assertEquals("application/pdf", att.contentType)
        // Fetching never marks messages seen.
        assertTrue(summaries.all { Flag.Seen !in it.flags })
        // The pull object directly, and fetchAll.
        val stream = c.fetch(mb, UidSet.of(uids.take(3)), FetchOptions(attachments = false))
        assertEquals(uids[0], stream.next()!!.uid)
        assertEquals(2, stream.nextBatch(10u).size)
        assertNull(stream.next())
        stream.close()
        assertEquals(uids, c.fetchAll(mb, UidSet.of(uids), FetchOptions()).map { it.uid })
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.fetch.raw-many
    @Test
    fun fetchRawManyStreamsWholeMessagesWithoutMarkingThemSeen() = runBlocking {
        val c = connect("t81")
        val mb = Dev.unique("KtRawMany")
        c.createMailbox(mb)
        val sent = (1..6).map { Dev.rawMessage("raw $it", body = "body $it ".repeat(it * 500)) }
        val u = sent.map { c.append(mb, it)!! }
        val got = c.fetchRawFlow(mb, UidSet.all(), batchSize = 4u).toList()
        assertEquals(u, got.map { it.uid })
        for ((i, m) in got.withIndex()) assertArrayEquals(sent[i], m.data)
        assertEquals(u, c.search(mb, SearchQuery(seen = false)))
        // The pull object directly; UIDs that do not exist are skipped.
        val stream = c.fetchRawMany(mb, UidSet.parse("${u[1]}:${u[2]},4000000"))
        assertEquals(u[1], stream.next()!!.uid)
        assertEquals(listOf(u[2]), stream.nextBatch(10u).map { it.uid })
        assertNull(stream.next())
        stream.close()
        // take(2) cancels the rest; the connection is free for the next call.
        assertEquals(u.take(2), c.fetchRawFlow(mb, UidSet.all(), batchSize = 1u).take(2).toList().map { it.uid })
        assertEquals(6u, c.mailboxStatus(mb).messages)
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.download.part, imap.save-attachment, imap.fetch.message, imap.fetch.range, message.build
    @Test
    fun downloadPartSaveAttachmentAndFetchMessage() = runBlocking {
        val c = connect("t81")
        val mb = Dev.unique("KtDownload")
        c.createMailbox(mb)
        val pdf = ByteArray(300_000) { (it * 7 % 256).toByte() }
        val uid = c.append(mb, richMessage("with pdf", pdf))!!
        val part = c.fetchAll(mb, UidSet.of(uid), FetchOptions()).single().attachments.single().part
        assertArrayEquals(pdf, c.download(mb, uid, part))
        val file = File.createTempFile("mailwire-kt", ".pdf")
        val seen = AtomicLong()
        val written = c.saveAttachment(mb, uid, part, file.path, object : ProgressListener {
            override fun onProgress(done: ULong, total: ULong?) { seen.set(done.toLong()) }
        })
        assertEquals(pdf.size.toULong(), written)
        assertArrayEquals(pdf, file.readBytes())
        assertTrue(seen.get() > 0)
        file.delete()
        val m = c.fetchMessage(mb, uid)
        assertEquals("with pdf", m.subject)
        assertEquals("<p>see <b>attached</b></p>", m.html?.trim())
        assertArrayEquals(pdf, m.attachments.single().data)
        val raw = c.fetchRaw(mb, uid)
        assertArrayEquals(raw.copyOfRange(0, 10), c.fetchRange(mb, uid, null, 0u, 10u))
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.flags
    @Test
    fun flagsAddRemoveAndSet() = runBlocking {
        val c = connect("t81")
        val mb = Dev.unique("KtFlags")
        c.createMailbox(mb)
        val uid = c.append(mb, Dev.rawMessage("flags"))!!
        suspend fun flags() = c.fetchAll(mb, UidSet.of(uid), FetchOptions(envelope = false, attachments = false)).single().flags.filter { it != Flag.Recent }.toSet()
        c.addFlags(mb, UidSet.of(uid), listOf(Flag.Seen, Flag.Flagged, Flag.Keyword("\$Label1")))
        assertEquals(setOf(Flag.Seen, Flag.Flagged, Flag.Keyword("\$Label1")), flags())
        c.removeFlags(mb, UidSet.of(uid), listOf(Flag.Flagged))
        assertEquals(setOf(Flag.Seen, Flag.Keyword("\$Label1")), flags())
        c.setFlags(mb, UidSet.of(uid), listOf(Flag.Answered))
        assertEquals(setOf(Flag.Answered), flags())
        // Checked with an independent client too.
        val other = connect("t81")
        assertEquals(listOf(uid), other.search(mb, SearchQuery(answered = true)))
        other.logout()
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.copy-move, imap.delete-expunge, imap.append
    @Test
    fun copyMoveDeleteExpungeAndAppend() = runBlocking {
        val c = connect("t81")
        val src = Dev.unique("KtSrc")
        val dst = Dev.unique("KtDst")
        c.createMailbox(src)
        c.createMailbox(dst)
        val u = (1..4).map { c.append(src, Dev.rawMessage("m$it"))!! }
        val copied = c.copyMessages(src, UidSet.of(u[0]), dst)
        assertEquals(u[0], copied.pairs.single().source)
        val moved = c.moveMessages(src, UidSet.of(u[1], u[2]), dst)
        assertEquals(listOf(u[1], u[2]), moved.pairs.map { it.source })
        assertNotNull(moved.uidValidity)
        assertEquals(listOf(u[0], u[3]), c.search(src, SearchQuery()))
        assertEquals((listOf(copied.pairs.single().destination) + moved.pairs.map { it.destination }).sorted(), c.search(dst, SearchQuery()))
        c.deleteMessages(src, UidSet.of(u[0]))
        assertEquals(listOf(u[3]), c.search(src, SearchQuery()))
        c.addFlags(src, UidSet.of(u[3]), listOf(Flag.Deleted))
        c.expunge(src)
        assertEquals(emptyList<UInt>(), c.search(src, SearchQuery()))
        // append with flags and date; the UID comes back (UIDPLUS)
        val when_ = java.time.Instant.parse("2024-05-06T07:08:09Z")
        val uid = c.append(dst, Dev.rawMessage("appended"), listOf(Flag.Draft), when_)!!
        val s = c.fetchAll(dst, UidSet.of(uid), FetchOptions()).single()
        assertTrue(Flag.Draft in s.flags)
        assertEquals(when_, s.internalDate)
        c.deleteMailbox(src)
        c.deleteMailbox(dst)
        c.logout()
    }

    // conformance: imap.idle, imap.watch
    @Test
    fun idleAndWatchFlowReportNewMail() = runBlocking {
        val c = connect("t82")
        val other = connect("t82")
        val mb = Dev.unique("KtIdle")
        c.createMailbox(mb)
        // idle with a timeout returns nothing when nothing happens
        assertEquals(emptyList<MailboxEvent>(), c.idle(mb, Duration.ofMillis(300)))
        val got = async(start = CoroutineStart.UNDISPATCHED) {
            withTimeout(20_000) { c.watchFlow(mb).first() }
        }
        delay(500)
        other.append(mb, Dev.rawMessage("wake up"))
        val ev = got.await()
        assertTrue(ev is MailboxEvent.Exists && ev.count == 1u && ev.prevCount == 0u, "$ev")
        // idle sees an append from the other connection
        val idle = async { c.idle(mb, Duration.ofSeconds(20)) }
        delay(500)
        other.append(mb, Dev.rawMessage("again"))
        assertTrue(idle.await().any { it is MailboxEvent.Exists && it.count == 2u })
        other.logout()
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.events.flags-expunge
    @Test
    fun flagChangesAndExpungesMadeElsewhereArriveAsEventsWithTheirUids() = runBlocking {
        val c = connect("user16")
        val other = connect("user16")
        val mb = Dev.unique("KtEvents")
        c.createMailbox(mb)
        val u1 = other.append(mb, Dev.rawMessage("kept"))!!
        val u2 = other.append(mb, Dev.rawMessage("doomed"))!!
        // Selected first, so the watching client knows both messages: the server reports
        // changes to them whenever they happen, during a round of IDLE or at the next one.
        assertEquals(listOf(u1, u2), c.search(mb, SearchQuery()))
        val events = Channel<MailboxEvent>(Channel.UNLIMITED)
        val watch = launch(Dispatchers.Default) { c.watchFlow(mb).collect { events.send(it) } }
        other.addFlags(mb, UidSet.of(u1), listOf(Flag.Flagged))
        val flagged = withTimeout(20_000) { events.receive() }
        assertTrue(flagged is MailboxEvent.Flags && flagged.uid == u1 && Flag.Flagged in flagged.flags, "$flagged")
        other.deleteMessages(mb, UidSet.of(u2))
        var gone = withTimeout(20_000) { events.receive() }
        while (gone is MailboxEvent.Flags) {
            // The server may first report the \Deleted flag that deleting sets.
            assertTrue(gone.uid == u2 && Flag.Deleted in gone.flags, "$gone")
            gone = withTimeout(20_000) { events.receive() }
        }
        // The event names the expunged UID (QRESYNC's VANISHED), and only it.
        assertTrue(gone is MailboxEvent.Expunge && gone.uids.uidSequence().toList() == listOf(u2), "$gone")
        watch.cancel()
        watch.join()
        assertEquals(listOf(u1), other.search(mb, SearchQuery()))
        other.logout()
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.sync, imap.uids.ranges
    @Test
    fun syncReportsNewChangedAndVanished() = runBlocking {
        val c = connect("t82")
        val mb = Dev.unique("KtSync")
        c.createMailbox(mb)
        val u1 = c.append(mb, Dev.rawMessage("s1"))!!
        val u2 = c.append(mb, Dev.rawMessage("s2"))!!
        val first = c.sync(mb)
        assertTrue(first.fullResync)
        assertEquals(listOf(u1, u2), first.new)
        c.addFlags(mb, UidSet.of(u1), listOf(Flag.Seen))
        c.deleteMessages(mb, UidSet.of(u2))
        val u3 = c.append(mb, Dev.rawMessage("s3"))!!
        val next = c.sync(mb, first.state)
        assertFalse(next.fullResync)
        assertEquals(listOf(u3), next.new)
        assertEquals(listOf(UidRange(u2, u2)), next.vanished)
        assertTrue(next.vanished.containsUid(u2) && !next.vanished.containsUid(u1))
        assertEquals(listOf(u2), next.vanished.uidSequence().toList())
        assertEquals(u1, next.changed.single().uid)
        assertTrue(Flag.Seen in next.changed.single().flags)
        val bad = runCatching { c.sync(mb, "not a state") }.exceptionOrNull()
        assertTrue(bad is MailException.InvalidInput, "$bad")
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.uids.grammar, imap.uids.zero-invalid
    @Test
    fun uidSetsFromTextListsRangesAndAllReachTheServer() = runBlocking {
        // The IMAP grammar, parsed by the core: printed back compressed and sorted.
        assertEquals("1:5,7,10:*", UidSet.parse("7,1:5,10:*").toString())
        assertEquals(UidSet.parse("1:3,5"), UidSet.of(5u, 3u, 2u, 1u))
        assertEquals(listOf(UidRange(1u, 5u), UidRange(7u, 7u), UidRange(10u, UInt.MAX_VALUE)), UidSet.parse("7,1:5,10:*").ranges())
        assertEquals("1:*", UidSet.all().toString())
        assertEquals("4:*", UidSet.fromUid(4u).toString())
        assertEquals("2:9", UidSet.range(9u, 2u).toString())
        // Malformed text and UID 0 in text are refused at once.
        for (bad in listOf("0", "1,0:3", "1, 2", "", "1:")) {
            val e = runCatching { UidSet.parse(bad) }.exceptionOrNull()
            assertTrue(e is MailException.InvalidInput, "$bad: $e")
        }
        // UID 0 from a list or range is kept, never dropped, and refused by the call.
        assertEquals("0,3", UidSet.of(3u, 0u).toString())
        val c = connect("t80")
        val mb = Dev.unique("KtUidSet")
        c.createMailbox(mb)
        val u = (1..5).map { c.append(mb, Dev.rawMessage("u$it"))!! }
        suspend fun fetched(set: UidSet) = c.fetchAll(mb, set, FetchOptions(envelope = false, attachments = false)).map { it.uid }
        assertEquals(u, fetched(UidSet.all()))
        assertEquals(u.drop(3), fetched(UidSet.parse("${u[3]}:*")))
        assertEquals(u.drop(3), fetched(UidSet.fromUid(u[3])))
        assertEquals(listOf(u[0], u[2], u[3]), fetched(UidSet.parse("${u[3]}:${u[2]},${u[0]}")))
        c.addFlags(mb, UidSet.range(u[0], u[1]), listOf(Flag.Seen))
        assertEquals(listOf(u[0], u[1]), c.search(mb, SearchQuery(seen = true)))
        assertEquals(listOf(u[1]), c.search(mb, SearchQuery(seen = true, uids = UidSet.parse("${u[1]}:*"))))
        for (zero in listOf(UidSet.of(0u), UidSet.of(u[2], 0u), UidSet.range(0u, u[2]), UidSet.fromUid(0u))) {
            val e = runCatching { c.addFlags(mb, zero, listOf(Flag.Seen)) }.exceptionOrNull()
            assertTrue(e is MailException.InvalidInput, "$zero: $e")
            val s = runCatching { c.search(mb, SearchQuery(uids = zero)) }.exceptionOrNull()
            assertTrue(s is MailException.InvalidInput, "$zero: $s")
        }
        assertEquals(listOf(u[0], u[1]), c.search(mb, SearchQuery(seen = true)))
        // `*` is the highest UID in the mailbox.
        c.deleteMessages(mb, UidSet.parse("*"))
        assertEquals(u.dropLast(1), c.search(mb, SearchQuery()))
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.uids.ranges
    @Test
    fun uidRangesStayRanges() {
        // What a hostile server can announce (VANISHED 1:4294967295): counted, tested and
        // iterated without building a list.
        val all = listOf(UidRange(1u, UInt.MAX_VALUE))
        assertEquals(4294967295L, all.uidCount())
        assertTrue(all.containsUid(UInt.MAX_VALUE) && !all.containsUid(0u))
        assertEquals(listOf(1u, 2u, 3u), all.uidSequence().take(3).toList())
        val some = listOf(UidRange(1u, 3u), UidRange(7u, 7u))
        assertEquals(4L, some.uidCount())
        assertEquals(listOf(1u, 2u, 3u, 7u), some.uidSequence().toList())
        assertFalse(some.containsUid(5u))
    }

    // conformance: imap.limits, auth.plaintext-opt-in
    @Test
    fun responseSizeLimitAndPlaintextLoginReachTheCore() = runBlocking {
        // Dovecot's greeting with its capabilities is longer than 20 bytes.
        val small = runCatching { ImapClient.connect(Dev.imap("t80").copy(maxResponseSize = 20uL)) }
        assertTrue(small.exceptionOrNull() is MailException.Protocol, "${small.exceptionOrNull()}")
        val t = defaultTimeouts().copy(noProgress = Duration.ofSeconds(30))
        ImapClient.connect(Dev.imap("t80", timeouts = t).copy(maxResponseSize = 1uL shl 20)).logout()
        val plain = Dev.imap("t80").copy(port = Dev.v("MAILWIRE_IMAP_PORT").toUShort(), security = Security.PLAIN)
        val refused = runCatching { ImapClient.connect(plain) }.exceptionOrNull()
        assertTrue(refused is MailException.InvalidInput, "$refused")
        assertFalse("${refused?.message}".contains(Dev.password("t80")))
        val c = ImapClient.connect(plain.copy(allowPlaintextAuth = true))
        assertTrue(c.listMailboxes().any { it.name == "INBOX" })
        c.logout()
    }

    // conformance: imap.cancel
    @Test
    fun cancellingFlowsStopsRustWorkAndLeavesClientUsable() = runBlocking {
        val c = connect("t83")
        val mb = Dev.unique("KtCancel")
        c.createMailbox(mb)
        val uids = (1..300).map { c.append(mb, Dev.rawMessage("c$it"))!! }
        // take(5) cancels the fetch after five items; the connection is handed back.
        assertEquals(uids.take(5), c.fetchFlow(mb, UidSet.of(uids), batchSize = 1u).take(5).toList().map { it.uid })
        assertEquals(300u, c.mailboxStatus(mb).messages)
        // Cancelling a watch in IDLE: the next call runs at once, not after the IDLE.
        val job = launch { c.watchFlow(mb).collect { } }
        delay(700)
        job.cancel()
        job.join()
        val t0 = System.nanoTime()
        assertEquals(300u, withTimeout(5_000) { c.mailboxStatus(mb) }.messages)
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L)
        // Cancelling a plain suspend call (idle with a long timeout) drops the Rust future.
        val idle = launch { c.idle(mb, Duration.ofSeconds(60)) }
        delay(500)
        idle.cancel()
        idle.join()
        withTimeout(5_000) { c.noop() }
        // cancel() on the pull object ends an in-flight next with Closed.
        val stream = c.fetch(mb, UidSet.of(uids), FetchOptions())
        stream.cancel()
        assertNull(stream.next())
        stream.close()
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.auth.xoauth2
    @Test
    fun anOAuth2TokenLogsInAndABadTokenIsPermanentAuth() = runBlocking {
        val cfg = Dev.imap("user16").copy(auth = Auth.oauth2("user16", Dev.token("user16")))
        val c = ImapClient.connect(cfg)
        assertTrue(c.listMailboxes().any { it.name == "INBOX" })
        c.logout()
        val bad = runCatching { ImapClient.connect(cfg.copy(auth = Auth.oauth2("user16", "not-the-token-7q"))) }.exceptionOrNull()
        assertTrue(bad is MailException.Auth, "$bad")
        bad as MailException.Auth
        assertTrue(bad.permanent)
        assertFalse(bad.transient)
        for (text in listOf(bad.message ?: "", bad.toString(), bad.stackTraceToString())) {
            assertFalse(text.contains("not-the-token-7q"), text)
        }
    }

    // conformance: imap.fetch.raw
    @Test
    fun fetchRawGivesExactlyTheAppendedBytesAndAMissingUidIsNotFound() = runBlocking {
        val c = connect("user16")
        val mb = Dev.unique("KtRaw")
        c.createMailbox(mb)
        // Every byte value in the body (8-bit), long lines, and a message without a final CRLF.
        val binary = ByteArray(4096) { (it % 256).toByte() }.filter { it != '\r'.code.toByte() && it != '\n'.code.toByte() && it != 0.toByte() }.toByteArray()
        val sent = listOf(
            Dev.rawMessage("raw one", body = "x".repeat(20_000)),
            "From: a@localhost\r\nSubject: raw two\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".toByteArray() + binary + "\r\n".toByteArray(),
            "Subject: raw three\r\n\r\nno final line break".toByteArray(),
        )
        val uids = sent.map { c.append(mb, it)!! }
        for ((i, uid) in uids.withIndex()) assertArrayEquals(sent[i], c.fetchRaw(mb, uid), "message ${i + 1}")
        val missing = runCatching { c.fetchRaw(mb, uids.last() + 1000u) }.exceptionOrNull()
        assertTrue(missing is MailException.NotFound, "$missing")
        // Fetching the whole message does not mark it seen.
        assertEquals(uids, c.search(mb, SearchQuery(seen = false)))
        c.deleteMailbox(mb)
        c.logout()
    }

    // conformance: imap.concurrency
    @Test
    fun oneClientServesManyConcurrentCoroutinesAcrossMailboxes() = runBlocking {
        val c = connect("user16")
        // Three mailboxes holding different numbers of messages, each message its own subject
        // and body, so an answer given to the wrong call cannot pass.
        val boxes = (1..3).map { Dev.unique("KtConc$it") }
        val sent = HashMap<Pair<String, UInt>, ByteArray>()
        for ((b, mb) in boxes.withIndex()) {
            c.createMailbox(mb)
            repeat(b + 2) { i ->
                val raw = Dev.rawMessage("conc $b-$i", body = "body $b-$i ".repeat(50 * (i + 1)))
                sent[mb to c.append(mb, raw)!!] = raw
            }
        }
        val jobs = (0 until 24).map { n ->
            async(Dispatchers.Default) {
                val b = n % 3
                val mb = boxes[b]
                val i = n % (b + 2)
                repeat(4) {
                    val found = c.search(mb, SearchQuery(subject = "conc $b-$i"))
                    assertEquals(1, found.size, "$mb conc $b-$i: $found")
                    assertArrayEquals(sent[mb to found.single()], c.fetchRaw(mb, found.single()))
                    assertEquals("conc $b-$i", c.fetchAll(mb, UidSet.of(found), FetchOptions()).single().envelope.subject)
                    assertEquals((b + 2).toUInt(), c.mailboxStatus(mb).messages)
                }
                n
            }
        }
        assertEquals((0 until 24).toList(), jobs.awaitAll())
        for (mb in boxes) c.deleteMailbox(mb)
        c.logout()
    }
}
