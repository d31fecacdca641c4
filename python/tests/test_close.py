"""Closing a client ends work in flight with ClosedError at once (issue 11): a logout from
inside a fetch loop does not wait for the loop, and the loop then ends."""

from __future__ import annotations

import time

import pytest
from conftest import Env, unique

import mailwire
from mailwire import AsyncImapClient, ImapClient

USER = "t65"


def _seed(env: Env) -> str:
    box = unique("CloseLoop")
    with ImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        imap.create_mailbox(box)
        for i in range(30):
            body = ("x" * 76 + "\r\n") * 650
            raw = f"From: a@x\r\nTo: b@y\r\nSubject: close {i}\r\n\r\n{body}".encode()
            imap.append(box, raw)
    return box


def _drop(env: Env, box: str) -> None:
    with ImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        imap.delete_mailbox(box)


# conformance: imap.close
def test_logout_inside_a_fetch_loop_ends_the_loop_with_closed(env: Env) -> None:
    box = _seed(env)
    try:
        imap = ImapClient(**env.imap_kwargs(USER))  # type: ignore[arg-type]
        it = imap.fetch_raw_many(box, "1:*", batch_size=1)
        assert next(it).uid > 0
        start = time.monotonic()
        imap.logout()
        assert time.monotonic() - start < 2
        with pytest.raises(mailwire.ClosedError):
            for _ in it:
                pass
        assert time.monotonic() - start < 2
        with pytest.raises(mailwire.ClosedError):
            imap.list_mailboxes()
    finally:
        _drop(env, box)


# conformance: imap.close
async def test_async_logout_inside_a_fetch_loop_ends_the_loop_with_closed(env: Env) -> None:
    box = _seed(env)
    try:
        imap = await AsyncImapClient.connect(**env.imap_kwargs(USER))  # type: ignore[arg-type]
        seen = 0
        start = 0.0
        with pytest.raises(mailwire.ClosedError):
            async for m in imap.fetch_raw_many(box, "1:*", batch_size=1):
                seen += 1
                assert m.uid > 0
                if seen == 1:
                    start = time.monotonic()
                    await imap.logout()
                    assert time.monotonic() - start < 2
        assert time.monotonic() - start < 2
        assert seen == 1
    finally:
        _drop(env, box)
