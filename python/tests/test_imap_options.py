"""The IMAP limits a caller can set: bad values are refused before anything is sent, good
ones reach the core (proved against the real devserver)."""

from __future__ import annotations

import pytest
from conftest import Env

import mailwire
from mailwire import AsyncImapClient, ImapClient

USER = "t61"


# conformance: imap.limits
@pytest.mark.parametrize(
    "kwargs",
    [
        {"no_progress_timeout": -1.0},
        {"no_progress_timeout": float("nan")},
        {"max_response_size": 0},
        {"max_response_size": -5},
    ],
    ids=repr,
)
def test_bad_limits_are_invalid_input_before_connecting(kwargs: dict[str, float]) -> None:
    # Port 1 refuses connections: an InvalidInputError proves the check came first.
    with pytest.raises(mailwire.InvalidInputError) as info:
        ImapClient("127.0.0.1", 1, username="x", password="y", **kwargs)  # type: ignore[arg-type]
    assert next(iter(kwargs)) in str(info.value)


# conformance: imap.limits
async def test_async_bad_limits_are_invalid_input() -> None:
    with pytest.raises(mailwire.InvalidInputError):
        await AsyncImapClient.connect("127.0.0.1", 1, username="x", password="y", max_response_size=0)


# conformance: imap.limits
def test_max_response_size_bounds_what_the_server_may_send(env: Env) -> None:
    # Dovecot's greeting with its capabilities is longer than 20 bytes.
    with pytest.raises(mailwire.ProtocolError) as info:
        ImapClient(**env.imap_kwargs(USER), max_response_size=20)  # type: ignore[arg-type]
    assert "20 bytes" in str(info.value)
    with ImapClient(
        **env.imap_kwargs(USER),  # type: ignore[arg-type]
        max_response_size=1 << 20,
        no_progress_timeout=30.0,
    ) as c:
        assert "INBOX" in [m.name for m in c.list_mailboxes()]


# conformance: auth.plaintext-opt-in
def test_plaintext_auth_is_refused_unless_allowed(env: Env) -> None:
    plain = dict(
        host=env.host,
        port=env.imap_port,
        security="plain",
        username=USER,
        password=env.password(USER),
    )
    with pytest.raises(mailwire.InvalidInputError) as info:
        ImapClient(**plain)  # type: ignore[arg-type]
    assert "allow_plaintext_auth" in str(info.value)
    assert env.password(USER) not in str(info.value)
    with ImapClient(**plain, allow_plaintext_auth=True) as c:  # type: ignore[arg-type]
        assert "INBOX" in [m.name for m in c.list_mailboxes()]
