"""Every IMAP capability through `AsyncImapClient`, against the real Dovecot (t51)."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.message
import inspect
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from conftest import Env, sample_message, unique

import mailwire
from mailwire import AsyncImapClient, Flag, SearchQuery

USER = "t51"


@pytest_asyncio.fixture
async def aimap(env: Env) -> AsyncIterator[AsyncImapClient]:
    async with AsyncImapClient(**env.imap_kwargs(USER)) as c:  # type: ignore[arg-type]
        yield c


@pytest_asyncio.fixture
async def abox(aimap: AsyncImapClient) -> AsyncIterator[str]:
    name = unique("abox")
    await aimap.create_mailbox(name)
    yield name
    try:
        await aimap.delete_mailbox(name)
    except mailwire.MailError:
        pass


# conformance: imap.connect.tls, imap.connect.starttls, imap.auth.xoauth2
async def test_connect_with_password_token_and_starttls(env: Env) -> None:
    c = await AsyncImapClient.connect(**env.imap_kwargs(USER))  # type: ignore[arg-type]
    assert await c.has_capability("IMAP4rev1")
    await c.noop()
    await c.logout()
    c2 = await AsyncImapClient(
        env.host, env.imaps_port, username=USER, access_token=env.token(USER), ca_pem=env.ca
    )
    assert (await c2.mailbox_status("INBOX")).messages >= 0
    await c2.logout()
    async with AsyncImapClient(
        env.host,
        env.imap_port,
        security="starttls",
        username=USER,
        password=env.password(USER),
        ca_pem=env.ca,
    ) as c3:
        assert await c3.has_capability("IDLE")
    with pytest.raises(mailwire.ClosedError):
        await AsyncImapClient(env.host).noop()


# conformance: imap.mailboxes.list
async def test_list_and_status_with_roles(aimap: AsyncImapClient) -> None:
    boxes = {m.name: m for m in await aimap.list_mailboxes()}
    assert boxes["INBOX"].role == "inbox"
    assert (await aimap.mailbox_status("INBOX")).uid_validity > 0


# conformance: imap.mailboxes.manage, imap.mailboxes.utf8
async def test_create_rename_subscribe_delete(aimap: AsyncImapClient) -> None:
    name, renamed = unique("box"), unique("Grüße")
    await aimap.create_mailbox(name)
    with pytest.raises(mailwire.AlreadyExistsError):
        await aimap.create_mailbox(name)
    await aimap.rename_mailbox(name, renamed)
    await aimap.subscribe(renamed)
    assert next(m for m in await aimap.list_mailboxes() if m.name == renamed).subscribed
    await aimap.unsubscribe(renamed)
    await aimap.delete_mailbox(renamed)
    with pytest.raises(mailwire.NotFoundError):
        await aimap.delete_mailbox(renamed)


# conformance: imap.search.fields, imap.search.or-not, imap.fetch.summaries, imap.append
async def test_append_search_fetch_summaries(aimap: AsyncImapClient, abox: str, env: Env) -> None:
    subject = unique("Grüße report")
    uid = await aimap.append(abox, sample_message(env, USER, subject, attachment=b"x" * 5000))
    other = await aimap.append(abox, sample_message(env, USER, unique("o")), flags=[Flag.SEEN])
    assert uid and other
    assert await aimap.search(abox) == [uid, other]
    assert await aimap.search(abox, seen=False) == [uid]
    assert await aimap.search(abox, SearchQuery(subject=subject) | SearchQuery(seen=True)) == [
        uid,
        other,
    ]
    assert await aimap.search(abox, "SEEN") == [other]
    summaries = [s async for s in aimap.fetch(abox, [uid, other], batch_size=1)]
    assert [s.uid for s in summaries] == [uid, other]
    assert summaries[0].envelope.subject == subject
    assert summaries[0].attachments[0].filename == "data.bin"
    assert summaries[0].internal_date.tzinfo is not None  # type: ignore[union-attr]
    assert [s.uid for s in await aimap.fetch_all(abox, "1:*")] == [uid, other]
    assert await aimap.search(abox, seen=False) == [uid]


# conformance: imap.fetch.message, imap.fetch.raw, imap.fetch.range, imap.download.part, imap.save-attachment
async def test_fetch_message_raw_range_download_save(
    aimap: AsyncImapClient, abox: str, env: Env, tmp_path
) -> None:
    payload = bytes(range(256)) * 40
    uid = await aimap.append(abox, sample_message(env, USER, unique("p"), attachment=payload))
    assert uid
    raw = await aimap.fetch_raw(abox, uid)
    assert await aimap.fetch_range(abox, uid, 5, 10) == raw[5:15]
    msg = await aimap.fetch_message(abox, uid)
    assert msg.attachments[0].data == payload
    assert isinstance(msg.as_email_message(), email.message.EmailMessage)
    part = (await aimap.fetch_all(abox, uid))[0].attachments[0].part
    assert await aimap.download(abox, uid, part) == payload
    calls: list[int] = []
    path = tmp_path / "a.bin"
    assert await aimap.save_attachment(
        abox, uid, part, path, progress=lambda d, t: calls.append(d)
    ) == len(payload)
    assert path.read_bytes() == payload and calls
    with pytest.raises(mailwire.NotFoundError):
        await aimap.fetch_message(abox, uid + 1000)


# conformance: imap.flags, imap.copy-move, imap.delete-expunge
async def test_flags_copy_move_delete_expunge(aimap: AsyncImapClient, abox: str, env: Env) -> None:
    a, b, c = [await aimap.append(abox, sample_message(env, USER, unique("f"))) for _ in range(3)]
    assert a and b and c
    await aimap.add_flags(abox, [a, b], [Flag.FLAGGED, "$Work"])
    await aimap.remove_flags(abox, b, "$Work")
    await aimap.set_flags(abox, c, Flag.SEEN)
    flags = {s.uid: set(s.flags) - {Flag.RECENT} async for s in aimap.fetch(abox, [a, b, c])}
    assert flags == {a: {"\\Flagged", "$Work"}, b: {"\\Flagged"}, c: {"\\Seen"}}
    dest = unique("dest")
    await aimap.create_mailbox(dest)
    try:
        assert (await aimap.copy_messages(abox, a, dest)).get(a)
        assert (await aimap.move_messages(abox, [b], dest)).get(b)
        await aimap.delete_messages(abox, c)
        chk = env.checker(USER)
        chk.select(f'"{abox}"', readonly=True)
        assert chk.uid("SEARCH", "ALL")[1][0].split() == [str(a).encode()]
        chk.logout()
        await aimap.add_flags(abox, a, Flag.DELETED)
        await aimap.expunge(abox)
        assert await aimap.search(abox) == []
    finally:
        await aimap.delete_mailbox(dest)


# conformance: imap.append
async def test_append_outgoing_and_email_message(aimap: AsyncImapClient, abox: str) -> None:
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    uid = await aimap.append(
        abox, mailwire.OutgoingMessage(from_="a@example.org", to="b@example.org", subject="out"), date=when
    )
    em = email.message.EmailMessage()
    em["From"], em["To"], em["Subject"] = "a@example.org", "b@example.org", "stdlib"
    em.set_content("hi\n")
    uid2 = await aimap.append(abox, em)
    s1, s2 = await aimap.fetch_all(abox, [uid, uid2])  # type: ignore[list-item]
    assert s1.internal_date == when and s2.envelope.subject == "stdlib"


# conformance: imap.idle, imap.watch
async def test_idle_and_watch(aimap: AsyncImapClient, env: Env) -> None:
    box = unique("idle")
    await aimap.create_mailbox(box)
    other = await AsyncImapClient.connect(**env.imap_kwargs(USER))  # type: ignore[arg-type]
    try:
        assert await aimap.idle(box, 0.3) == []

        async def deliver(subject: str) -> None:
            await asyncio.sleep(0.5)
            await other.append(box, f"Subject: {subject}\r\n\r\nbody\r\n".encode())

        async with asyncio.TaskGroup() as tg:
            tg.create_task(deliver("one"))
            events = await aimap.idle(box, 10)
        assert events[0].kind == "exists" and events[0].count == 1
        async with asyncio.TaskGroup() as tg:
            tg.create_task(deliver("two"))
            async for event in aimap.watch(box, timeout=10):
                break
        assert event.kind == "exists" and event.count == 2
    finally:
        await other.logout()
        await aimap.delete_mailbox(box)


# conformance: imap.events.flags-expunge
async def test_flag_changes_and_expunges_made_elsewhere_arrive_as_events(aimap: AsyncImapClient, env: Env) -> None:
    box = unique("events")
    await aimap.create_mailbox(box)
    other = await AsyncImapClient.connect(**env.imap_kwargs(USER))  # type: ignore[arg-type]
    try:
        u1 = await other.append(box, sample_message(env, USER, "kept"))
        u2 = await other.append(box, sample_message(env, USER, "doomed"))
        # Selected first, so the watching client knows both messages: the server reports
        # changes to them whenever they happen, during a round of IDLE or at the next one.
        assert await aimap.search(box) == [u1, u2]
        events = aimap.watch(box, timeout=20)
        await other.add_flags(box, u1, Flag.FLAGGED)
        flagged = await asyncio.wait_for(anext(events), 20)
        assert (flagged.kind, flagged.uid) == ("flags", u1), flagged
        assert Flag.FLAGGED in flagged.flags
        await other.delete_messages(box, u2)  # type: ignore[arg-type]
        gone = await asyncio.wait_for(anext(events), 20)
        while gone.kind == "flags":
            # The server may first report the \Deleted flag that deleting sets.
            assert gone.uid == u2 and Flag.DELETED in gone.flags, gone
            gone = await asyncio.wait_for(anext(events), 20)
        # The event names the expunged UID (QRESYNC's VANISHED), and only it.
        assert gone.kind == "expunge" and list(gone.uids) == [u2], gone
        await events.aclose()  # type: ignore[attr-defined]
        assert await other.search(box) == [u1]
    finally:
        await other.logout()
        await aimap.delete_mailbox(box)


# conformance: imap.sync
async def test_sync_state_string(aimap: AsyncImapClient, abox: str, env: Env) -> None:
    first = await aimap.sync(abox)
    assert first.full_resync
    a = await aimap.append(abox, sample_message(env, USER, unique("s")))
    second = await aimap.sync(abox, first.state)
    assert second.new == [a] and not second.full_resync
    await aimap.delete_messages(abox, [a])  # type: ignore[list-item]
    assert (await aimap.sync(abox, second.state)).vanished == [a]


# conformance: imap.concurrency
async def test_concurrent_tasks_share_one_client(aimap: AsyncImapClient, abox: str, env: Env) -> None:
    uids = [await aimap.append(abox, sample_message(env, USER, f"c{i}")) for i in range(5)]
    results = await asyncio.gather(*(aimap.fetch_all(abox, u) for u in uids))  # type: ignore[arg-type]
    assert [r[0].envelope.subject for r in results] == [f"c{i}" for i in range(5)]


async def test_methods_return_coroutines_that_run_only_when_awaited(aimap: AsyncImapClient) -> None:
    name = unique("lazy")
    never = aimap.create_mailbox(name)
    assert inspect.iscoroutine(never)
    never.close()  # not awaited: nothing was sent
    assert name not in [m.name for m in await aimap.list_mailboxes()]
    # A coroutine, so asyncio.create_task (and asyncio.run) take it.
    await asyncio.create_task(aimap.create_mailbox(name))
    assert name in [m.name for m in await aimap.list_mailboxes()]
    done = aimap.delete_mailbox(name)
    await done
    with pytest.raises(RuntimeError):
        await done  # a coroutine runs once
    assert name not in [m.name for m in await aimap.list_mailboxes()]
