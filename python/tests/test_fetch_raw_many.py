"""`fetch_raw_many` (whole messages, many per command) through `ImapClient` (user t56) and
`AsyncImapClient` (user t57), against the real Dovecot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from conftest import Env, sample_message, unique

import mailwire
from mailwire import AsyncImapClient, ImapClient, RawMessage

SYNC_USER = "t56"
ASYNC_USER = "t57"


def _messages(env: Env, user: str) -> list[bytes]:
    """Five distinct messages, one with a 300 KB attachment (several literals per batch)."""
    out = [sample_message(env, user, f"raw-many {i} {unique()}") for i in range(4)]
    out.insert(2, sample_message(env, user, "raw-many big", attachment=bytes(range(256)) * 1200))
    return out


def _unseen(env: Env, user: str, mailbox: str) -> list[int]:
    """UIDs without ``\\Seen``, read by an independent client (the standard library's)."""
    c = env.checker(user)
    try:
        c.select(f'"{mailbox}"', readonly=True)
        _, data = c.uid("SEARCH", "UNSEEN")
        return sorted(int(x) for x in data[0].split())
    finally:
        c.logout()


@pytest.fixture
def sync_box(env: Env) -> Iterator[tuple[ImapClient, str, list[int]]]:
    """A fresh mailbox of t56 holding five unseen messages; deleted afterwards."""
    with ImapClient(**env.imap_kwargs(SYNC_USER)) as c:  # type: ignore[arg-type]
        name = unique("raw")
        c.create_mailbox(name)
        try:
            for m in _messages(env, SYNC_USER):
                c.append(name, m)
            yield c, name, c.search(name)
        finally:
            c.delete_mailbox(name)


@pytest_asyncio.fixture
async def async_box(env: Env) -> AsyncIterator[tuple[AsyncImapClient, str, list[int]]]:
    """A fresh mailbox of t57 holding five unseen messages; deleted afterwards."""
    async with AsyncImapClient(**env.imap_kwargs(ASYNC_USER)) as c:  # type: ignore[arg-type]
        name = unique("araw")
        await c.create_mailbox(name)
        try:
            for m in _messages(env, ASYNC_USER):
                await c.append(name, m)
            yield c, name, await c.search(name)
        finally:
            await c.delete_mailbox(name)


# conformance: imap.fetch.raw-many, imap.fetch.raw
def test_fetch_raw_many_gives_every_message_as_fetch_raw_does(
    sync_box: tuple[ImapClient, str, list[int]], env: Env
) -> None:
    c, box, uids = sync_box
    assert len(uids) == 5
    got = list(c.fetch_raw_many(box, "1:*"))
    assert [m.uid for m in got] == uids == sorted(uids)
    for m in got:
        assert isinstance(m, RawMessage) and isinstance(m.data, bytes)
        assert m.data == c.fetch_raw(box, m.uid)
    assert max(len(m.data) for m in got) > 300_000
    assert repr(got[0]) == f"RawMessage(uid={uids[0]}, data=<{len(got[0].data)} bytes>)"
    with pytest.raises(AttributeError):
        got[0].uid = 1  # type: ignore[misc]
    # BODY.PEEK[]: nothing became \Seen.
    assert _unseen(env, SYNC_USER, box) == uids


# conformance: imap.fetch.raw-many, imap.uids.grammar, imap.cancel
def test_fetch_raw_many_with_lists_ranges_and_small_batches(
    sync_box: tuple[ImapClient, str, list[int]],
) -> None:
    c, box, uids = sync_box
    # A list in any order still comes back in ascending UID order; missing UIDs are skipped.
    picked = [uids[3], uids[0], 4_000_000]
    assert [m.uid for m in c.fetch_raw_many(box, picked, batch_size=1)] == [uids[0], uids[3]]
    assert [m.uid for m in c.fetch_raw_many(box, range(uids[1], uids[3] + 1))] == uids[1:4]
    assert [m.uid for m in c.fetch_raw_many(box, uids[4])] == [uids[4]]
    assert [m.uid for m in c.fetch_raw_many(box, f"{uids[2]}:*", batch_size=2)] == uids[2:]
    assert list(c.fetch_raw_many(box, [])) == []
    # Stopping early gives the connection back: the next call works.
    it = c.fetch_raw_many(box, "1:*", batch_size=1)
    assert next(it).uid == uids[0]
    it.close()  # type: ignore[attr-defined]
    assert c.search(box) == uids
    with pytest.raises(mailwire.InvalidInputError):
        list(c.fetch_raw_many(box, "not uids"))


def test_fetch_raw_many_missing_mailbox_raises_not_found(env: Env) -> None:
    with ImapClient(**env.imap_kwargs(SYNC_USER)) as c:  # type: ignore[arg-type]
        with pytest.raises(mailwire.NotFoundError):
            list(c.fetch_raw_many(unique("missing"), "1:*"))
        assert c.mailbox_status("INBOX").messages >= 0


# conformance: imap.fetch.raw-many
async def test_async_fetch_raw_many_gives_every_message_as_fetch_raw_does(
    async_box: tuple[AsyncImapClient, str, list[int]], env: Env
) -> None:
    c, box, uids = async_box
    assert len(uids) == 5
    got = [m async for m in c.fetch_raw_many(box, "1:*")]
    assert [m.uid for m in got] == uids == sorted(uids)
    for m in got:
        assert isinstance(m, RawMessage) and m.data == await c.fetch_raw(box, m.uid)
    assert " bytes>)" in repr(got[2]) and "\\r\\n" not in repr(got[2])
    assert _unseen(env, ASYNC_USER, box) == uids


# conformance: imap.fetch.raw-many, imap.cancel
async def test_async_fetch_raw_many_with_lists_ranges_and_small_batches(
    async_box: tuple[AsyncImapClient, str, list[int]],
) -> None:
    c, box, uids = async_box
    picked = [uids[4], uids[1], 4_000_000]
    assert [m.uid async for m in c.fetch_raw_many(box, picked, batch_size=1)] == [
        uids[1],
        uids[4],
    ]
    got = [m.uid async for m in c.fetch_raw_many(box, range(uids[0], uids[2] + 1))]
    assert got == uids[:3]
    assert [m.uid async for m in c.fetch_raw_many(box, "1:*", batch_size=2)] == uids
    # Stopping early (aclose) gives the connection back at once.
    it = c.fetch_raw_many(box, "1:*", batch_size=1)
    assert (await it.__anext__()).uid == uids[0]
    await it.aclose()  # type: ignore[attr-defined]
    assert await c.search(box) == uids


async def test_async_fetch_raw_many_missing_mailbox_raises_not_found(env: Env) -> None:
    async with AsyncImapClient(**env.imap_kwargs(ASYNC_USER)) as c:  # type: ignore[arg-type]
        with pytest.raises(mailwire.NotFoundError):
            async for _ in c.fetch_raw_many(unique("missing"), "1:*"):
                pass
        assert (await c.mailbox_status("INBOX")).messages >= 0
