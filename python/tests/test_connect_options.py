"""Connection options of issue 13: `security` takes exactly the documented spellings, and the
SMTP pool's `pool_idle_timeout` decides when a pooled connection is reused (proved against
the real devserver, through the protocol traces a user can switch on with `logging`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from conftest import Env

import mailwire
from mailwire import AsyncImapClient, AsyncSmtpClient, ImapClient, OutgoingMessage, SmtpClient

USER = "t64"
ACCEPTED = '"tls" | "starttls" | "plain"'


# conformance: connect.security
@pytest.mark.parametrize("security", ["ssl", "implicit", "none", "TLS", "start_tls", ""])
@pytest.mark.parametrize("client", [ImapClient, SmtpClient])
def test_undocumented_security_spellings_are_refused(client: type, security: str) -> None:
    # Port 1 refuses connections: an InvalidInputError proves the check came first.
    with pytest.raises(mailwire.InvalidInputError) as info:
        client("127.0.0.1", 1, security=security)
    assert str(info.value) == f"security must be {ACCEPTED}, not {security!r}".replace(
        "'", '"'
    )
    assert isinstance(info.value, ValueError) and info.value.kind == "invalid_input"


# conformance: connect.security
async def test_undocumented_security_spellings_are_refused_async() -> None:
    for client in (AsyncImapClient, AsyncSmtpClient):
        with pytest.raises(mailwire.InvalidInputError) as info:
            await client.connect("127.0.0.1", 1, security="ssl")  # type: ignore[arg-type]
        assert ACCEPTED in str(info.value)


@pytest.mark.parametrize(
    ("client", "port", "security", "expected"),
    [
        (AsyncImapClient, None, None, "port=993, security=\"tls\""),
        (AsyncImapClient, 143, None, "port=143, security=\"starttls\""),
        (AsyncImapClient, 10993, None, "port=10993, security=\"tls\""),
        (AsyncImapClient, None, "starttls", "port=143, security=\"starttls\""),
        (AsyncSmtpClient, None, None, "port=465, security=\"tls\""),
        (AsyncSmtpClient, 587, None, "port=587, security=\"starttls\""),
        (AsyncSmtpClient, 25, None, "port=25, security=\"starttls\""),
        (AsyncSmtpClient, None, "starttls", "port=587, security=\"starttls\""),
        (AsyncSmtpClient, 2525, "plain", "port=2525, security=\"plain\""),
    ],
)
def test_port_and_security_follow_each_other(
    client: type, port: int | None, security: str | None, expected: str
) -> None:
    # The asyncio classes connect on `await`: the repr shows what they would connect to.
    options = {} if security is None else {"security": security}
    assert expected in repr(client("mail.example.com", port, **options))


# conformance: imap.connect.tls, imap.connect.starttls
def test_documented_security_spellings_connect(env: Env) -> None:
    kwargs = dict(username=USER, password=env.password(USER), ca_pem=env.ca)
    with ImapClient(env.host, env.imaps_port, security="tls", **kwargs) as c:  # type: ignore[arg-type]
        assert c.has_capability("IMAP4rev1")
    with ImapClient(env.host, env.imap_port, security="starttls", **kwargs) as c:  # type: ignore[arg-type]
        assert c.has_capability("IMAP4rev1")
    with ImapClient(
        env.host, env.imap_port, security="plain", allow_plaintext_auth=True, **kwargs  # type: ignore[arg-type]
    ) as c:
        assert c.has_capability("IMAP4rev1")


@pytest.fixture
def smtp_trace(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The `mailwire.smtp` protocol trace while the test runs."""
    try:
        with caplog.at_level(logging.DEBUG, logger="mailwire"):
            yield caplog
    finally:
        logging.getLogger("mailwire").setLevel(logging.NOTSET)
        mailwire._core._set_tracing(False)  # traces off again


def _connections(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "mailwire.smtp" and r.getMessage().startswith("connected to ")
    ]


def _two_sends(env: Env, **options: object) -> None:
    with SmtpClient(**env.smtp_kwargs(USER), **options) as smtp:  # type: ignore[arg-type]
        for i in range(2):
            result = smtp.send(
                OutgoingMessage(from_=env.address(USER), to=env.address(USER), subject=f"pool {i}")
            )
            assert result.accepted == [env.address(USER)]


# conformance: smtp.pool
def test_pool_idle_timeout_zero_opens_a_connection_per_send(
    env: Env, smtp_trace: pytest.LogCaptureFixture
) -> None:
    _two_sends(env, pool_idle_timeout=0.0)
    # connect() opens one; each send finds it idle for longer than 0 s: QUIT, a new one.
    assert len(_connections(smtp_trace)) == 3
    text = "\n".join(r.getMessage() for r in smtp_trace.records if r.name == "mailwire.smtp")
    assert text.count("closing a connection idle for") == 2


# conformance: smtp.pool
def test_default_pool_idle_timeout_reuses_the_connection(
    env: Env, smtp_trace: pytest.LogCaptureFixture
) -> None:
    _two_sends(env)
    assert len(_connections(smtp_trace)) == 1
    smtp_trace.clear()
    _two_sends(env, pool_idle_timeout=3600.0)
    assert len(_connections(smtp_trace)) == 1


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_pool_idle_timeout_is_invalid_input(bad: float) -> None:
    with pytest.raises(mailwire.InvalidInputError) as info:
        SmtpClient("127.0.0.1", 1, security="plain", pool_idle_timeout=bad)
    assert "pool_idle_timeout" in str(info.value)
