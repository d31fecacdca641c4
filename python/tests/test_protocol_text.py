"""A ProtocolError is text a person can read (issue 13): no Rust debug output, no list of byte
values, whatever the server sent. The greeting below is one no real server sends (a FETCH
with a literal before any command), so a scripted peer sends it."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest

import mailwire

# A FETCH with a literal where the greeting belongs: printed with Rust's `{:?}`, its bytes
# became `Some([42, 32, 79, ...])`.
GREETING = b"* 1 FETCH (UID 5 BODY[] {12}\r\n* OK hello!!)\r\n"
RUST_DEBUG = re.compile(r"Some\(|\[\d{1,3}(, \d{1,3}){3,}|BodySection|Fetch\(")


@pytest.fixture
def peer() -> Iterator[int]:
    """A TCP listener on a free port that greets one client with GREETING and then waits
    for it to hang up."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(GREETING)
            conn.settimeout(10)
            while conn.recv(4096):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(10)


def _check(err: mailwire.ProtocolError) -> None:
    for text in (str(err), repr(err), str(err.server_text), str(err.__cause__)):
        assert not RUST_DEBUG.search(text), text
    assert str(err) == (
        "the IMAP server greeted with a FETCH response instead of OK, PREAUTH or BYE"
    )
    assert err.kind == "protocol"


def test_unexpected_greeting_is_described_in_words(peer: int) -> None:
    with pytest.raises(mailwire.ProtocolError) as info:
        mailwire.ImapClient("127.0.0.1", peer, security="plain", timeout=10)
    _check(info.value)


async def test_unexpected_greeting_is_described_in_words_async(peer: int) -> None:
    with pytest.raises(mailwire.ProtocolError) as info:
        await mailwire.AsyncImapClient.connect("127.0.0.1", peer, security="plain", timeout=10)
    _check(info.value)
