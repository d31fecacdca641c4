"""Several mailboxes watched at once (``watch_many``) on the real Dovecot: changes reported
as sync found them, on one NOTIFY connection or (``use_notify=False``) under the connection
cap, and caught up after the server drops the connections. t50 (no session killed) and t62 (its sessions are killed: used by no other
test of this suite)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Env, sample_message, unique

import mailwire
from mailwire import AsyncImapClient, Flag, ImapClient, WatchEvent

DEADLINE = 30.0


def new_uids(events: list[WatchEvent], mailbox: str) -> list[int]:
    return [u for e in events if e.mailbox == mailbox and e.changes for u in e.changes.new]


def reconnected(events: list[WatchEvent], mailbox: str) -> list[WatchEvent]:
    return [e for e in events if e.kind == "reconnected" and e.mailbox == mailbox]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def three_mailboxes(env: Env, imap: ImapClient, expected: int, **options: Any) -> None:
    """Three mailboxes watched; the client adds to each and flags one: every change is
    reported once, on ``expected`` connections."""
    boxes = [unique(f"many{i}") for i in range(3)]
    for b in boxes:
        imap.create_mailbox(b)
    try:
        u0 = imap.append(boxes[0], sample_message(env, "t50", "old"))
        with imap.watch_many(boxes, **options) as w:
            # The watch starts from the content it finds: wait until its connections stand there.
            wait_until(lambda: w.connections == expected, f"{w.connections} connections")
            uids = [imap.append(b, sample_message(env, "t50", "new")) for b in boxes]
            imap.add_flags(boxes[0], u0, Flag.FLAGGED)

            def complete(ev: list[WatchEvent]) -> bool:
                flagged = any(
                    c.uid == u0 and Flag.FLAGGED in c.flags
                    for e in ev
                    if e.mailbox == boxes[0] and e.changes
                    for c in e.changes.changed
                )
                return flagged and all(u in new_uids(ev, b) for b, u in zip(boxes, uids))

            # A deadline that ends the iteration (cancel from another thread) if it hangs.
            timer = threading.Timer(DEADLINE, w.cancel)
            timer.start()
            events: list[WatchEvent] = []
            try:
                for event in w:
                    events.append(event)
                    if complete(events):
                        break
            finally:
                timer.cancel()
            assert complete(events), events
            # Nothing reported twice, nor the starting content.
            for b, u in zip(boxes, uids):
                assert new_uids(events, b) == [u], events
            assert all(e.kind == "changed" for e in events), events
            assert w.connections == expected
        # Leaving the block cancelled the watch.
        assert w.cancelled
        with pytest.raises(mailwire.ClosedError):
            w.next()
    finally:
        for b in boxes:
            imap.delete_mailbox(b)


# conformance: imap.watch.many
def test_with_notify_one_connection_reports_changes_in_three_mailboxes(env: Env, imap: ImapClient) -> None:
    # Dovecot offers NOTIFY (RFC 5465): one connection for all three.
    three_mailboxes(env, imap, 1)


# conformance: imap.watch.many
def test_without_notify_three_mailboxes_are_watched_under_a_cap_of_two_connections(env: Env, imap: ImapClient) -> None:
    # One IDLE connection for the first mailbox, one polling the other two.
    three_mailboxes(env, imap, 2, use_notify=False, max_connections=2, poll_interval=0.3)


# conformance: imap.watch.many
@pytest.mark.parametrize("count", [1, 2], ids=["own-idle-connection", "notify-connection"])
async def test_after_the_server_drops_the_connection_the_watch_reconnects_and_catches_up(env: Env, count: int) -> None:
    # One mailbox: its own IDLE connection; two: one NOTIFY connection for both.
    user = "t62"
    boxes = [unique(f"many-reconnect{i}") for i in range(count)]
    mb = boxes[0]
    async with AsyncImapClient(**env.imap_kwargs(user)) as imap:  # type: ignore[arg-type]
        for b in boxes:
            await imap.create_mailbox(b)
        w = await imap.watch_many(boxes, backoff_min=0.1, backoff_max=0.4)
        events: list[WatchEvent] = []

        async def collect(done: Callable[[list[WatchEvent]], bool]) -> None:
            async with asyncio.timeout(DEADLINE):
                while not done(events):
                    events.extend(await w.next())

        try:
            async with asyncio.timeout(10):
                while w.connections < 1:
                    await asyncio.sleep(0.02)
            first = await imap.append(mb, sample_message(env, user, "1"))
            await collect(lambda ev: first in new_uids(ev, mb))

            env.kill_sessions(user, "TERM")
            # Appended while the watch is down or coming back: either way it is reported. (The
            # client lost its connection too: a new one appends.)
            async with AsyncImapClient(**env.imap_kwargs(user)) as other:  # type: ignore[arg-type]
                second = await other.append(mb, sample_message(env, user, "2"))
                await collect(lambda ev: second in new_uids(ev, mb) and bool(reconnected(ev, mb)))
                assert all(e.attempts is not None and e.attempts >= 1 for e in reconnected(events, mb)), events
                assert new_uids(events, mb) == [first, second], events
                w.cancel()
                with pytest.raises(mailwire.ClosedError):
                    await w.next()
                for b in boxes:
                    await other.delete_mailbox(b)
        finally:
            w.cancel()


# conformance: imap.watch.many
async def test_async_iteration_ends_at_cancel_and_bad_lists_are_refused(env: Env) -> None:
    async with AsyncImapClient(**env.imap_kwargs("t50")) as imap:  # type: ignore[arg-type]
        for bad in ([], ["INBOX", "INBOX"]):
            with pytest.raises(mailwire.InvalidInputError):
                await imap.watch_many(bad)
        with pytest.raises(mailwire.InvalidInputError):
            await imap.watch_many("INBOX", max_connections=0)
        mb = unique("many-cancel")
        await imap.create_mailbox(mb)
        async with await imap.watch_many(mb) as w:
            async with asyncio.timeout(10):
                while w.connections < 1:
                    await asyncio.sleep(0.02)
            asyncio.get_running_loop().call_later(0.2, w.cancel)
            async with asyncio.timeout(DEADLINE):
                got = [e async for e in w]
            assert got == [] and w.cancelled
        await imap.delete_mailbox(mb)


# conformance: imap.watch.many
def test_a_mailbox_that_does_not_exist_ends_the_watch_with_its_error(imap: ImapClient) -> None:
    with imap.watch_many([unique("missing")], backoff_min=0.1) as w:
        with pytest.raises(mailwire.NotFoundError):
            for _ in w:
                pass
        assert w.cancelled
        with pytest.raises(mailwire.ClosedError):
            w.next()
