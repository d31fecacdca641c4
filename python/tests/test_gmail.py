"""Gmail's IMAP extensions (X-GM-EXT-1): message and thread ids and labels in summaries,
adding and removing labels, X-GM-RAW search. Against tests/gmail/peer.py, which replays
the replies of Google's published documentation (there is no Gmail here and Dovecot has no
X-GM-EXT-1); on Dovecot (t50), labels are InvalidInputError."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT, Env, sample_message, unique

import mailwire
from mailwire import AsyncImapClient, ImapClient

FIRST_MSGID = 1278455344230334865  # above 2**53: must arrive exactly
THREAD = 1266894439832287888


@pytest.fixture
def peer(env: Env) -> Iterator[dict[str, Any]]:
    """The running peer's connection settings; it exits when its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "gmail" / "peer.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **env.vars},
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline().decode()
    assert line.startswith("PORT "), line
    try:
        yield dict(
            host=env.host,
            port=int(line.split()[1]),
            security="tls",
            username="user@gmail.test",
            access_token="ya29.good",
            ca_pem=env.ca,
        )
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


# conformance: imap.gmail
def test_gmail_ids_and_labels_come_with_summaries_and_labels_can_change(peer: dict[str, Any]) -> None:
    with ImapClient(**peer) as imap:
        first, reply, notes, _ = imap.fetch_all("INBOX", range(1, 5))
        assert first.gmail_message_id == FIRST_MSGID
        assert first.gmail_thread_id == THREAD
        assert first.gmail_labels == ("\\Inbox", "\\Sent", "Important", "Muy Importante")
        # The reply is in the same thread; the third message has no labels.
        assert reply.gmail_thread_id == THREAD
        assert notes.gmail_labels == ()
        assert "gmail_labels=()" in repr(notes)

        imap.add_labels("INBOX", 3, ["\\Important", "Work/2026"])
        imap.remove_labels("INBOX", 1, "Muy Importante")
        after = imap.fetch_all("INBOX", [1, 3])
        assert [s.gmail_labels for s in after] == [
            ("\\Inbox", "\\Sent", "Important"),
            ("\\Important", "Work/2026"),
        ]

        # X-GM-RAW: Gmail's own search syntax, the documentation's example.
        assert imap.search("INBOX", gmail_raw="has:attachment in:unread") == [2]
        assert imap.search("INBOX", mailwire.SearchQuery(gmail_raw="has:attachment")) == [2, 4]

        # Labels are checked before anything is sent.
        for bad in ([], ["a\r\nb"], ["\\In box"]):
            with pytest.raises(mailwire.InvalidInputError):
                imap.add_labels("INBOX", 1, bad)


# conformance: imap.gmail
async def test_async_gmail_labels_and_search(peer: dict[str, Any]) -> None:
    async with AsyncImapClient(**peer) as imap:
        await imap.add_labels("INBOX", [2], ("\\Starred",))
        [reply] = await imap.fetch_all("INBOX", 2)
        assert (reply.gmail_message_id, reply.gmail_labels) == (FIRST_MSGID + 1, ("foo", "\\Starred"))
        await imap.remove_labels("INBOX", 2, ["foo"])
        [reply] = await imap.fetch_all("INBOX", 2)
        assert reply.gmail_labels == ("\\Starred",)
        assert await imap.search("INBOX", {"gmail_raw": "in:sent"}) == [1]


# conformance: imap.gmail
def test_labels_on_a_server_without_x_gm_ext_1_are_invalid_input(env: Env, imap: ImapClient, mailbox: str) -> None:
    with pytest.raises(mailwire.InvalidInputError):
        imap.add_labels("INBOX", 1, "Work")
    with pytest.raises(mailwire.InvalidInputError):
        imap.remove_labels("INBOX", 1, ["Work"])
    imap.append(mailbox, sample_message(env, "t50", unique("plain")))
    [s] = imap.fetch_all(mailbox, "1:*")
    assert (s.gmail_message_id, s.gmail_thread_id, s.gmail_labels) == (None, None, ())
