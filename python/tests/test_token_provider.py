"""OAuth 2.0 tokens from a provider (``access_token=`` a callable), against the real Dovecot
(oauth2 passdb with the devserver's introspection endpoint: ``token-<user>`` is valid,
``expired-<user>`` is not) and Postfix (SASL through that Dovecot). user6."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import pytest
from conftest import Env, unique

import mailwire
from mailwire import AsyncImapClient, AsyncSmtpClient, ImapClient, OutgoingMessage, SmtpClient

USER = "user6"


def oauth_kwargs(env: Env, smtp: bool = False) -> dict[str, object]:
    kwargs = dict(env.smtp_kwargs(USER) if smtp else env.imap_kwargs(USER))
    del kwargs["password"]
    return kwargs


def provider(always_expired: bool = False) -> tuple[Callable[[bool], str], list[bool]]:
    """A provider that answers ``expired-<user>`` until asked to refresh (or always), and the
    list of the ``force_refresh`` values it was called with."""
    calls: list[bool] = []

    def token(force_refresh: bool) -> str:
        calls.append(force_refresh)
        return f"token-{USER}" if force_refresh and not always_expired else f"expired-{USER}"

    return token, calls


def wait_for(env: Env, subject: str) -> list[int]:
    with ImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        deadline = time.monotonic() + 15
        while not (uids := imap.search("INBOX", subject=subject)) and time.monotonic() < deadline:
            imap.idle("INBOX", 1)
        return uids


# conformance: auth.token-provider
def test_imap_asks_the_provider_at_each_login_and_refreshes_a_refused_token_once(env: Env) -> None:
    token, calls = provider()
    with ImapClient(**oauth_kwargs(env), access_token=token) as imap:  # type: ignore[arg-type]
        assert calls == [False, True]
        imap.mailbox_status("INBOX")

        # The server ends the session: the transparent reconnect asks the provider again.
        env.kill_sessions(USER, "TERM")
        for _ in range(3):
            try:
                imap.mailbox_status("INBOX")
            except mailwire.MailError:
                continue  # the call that finds the connection gone fails; the next reconnects
            if len(calls) > 2:
                break
        assert calls[2:] == [False, True], calls


# conformance: auth.token-provider
def test_a_token_refused_twice_is_an_auth_error_with_the_servers_decoded_reason(env: Env) -> None:
    token, calls = provider(always_expired=True)
    with pytest.raises(mailwire.AuthError) as info:
        ImapClient(**oauth_kwargs(env), access_token=token)  # type: ignore[arg-type]
    assert calls == [False, True], "asked twice, then given up"
    # The SASL failure JSON, decoded from base64 (RFC 7628 §3.2.2).
    assert '"status"' in (info.value.server_text or ""), info.value
    assert f"expired-{USER}" not in f"{info.value} {info.value!r} {info.value.server_text}"

    # A provider that raises, or returns no string, fails the login as AuthError naming why.
    def broken(force_refresh: bool) -> str:
        raise LookupError("the identity provider is down")

    with pytest.raises(mailwire.AuthError) as info:
        ImapClient(**oauth_kwargs(env), access_token=broken)  # type: ignore[arg-type]
    assert "LookupError: the identity provider is down" in (info.value.cause or ""), info.value
    assert isinstance(info.value.__cause__, Exception)
    with pytest.raises(mailwire.AuthError) as info:
        ImapClient(**oauth_kwargs(env), access_token=lambda force: 42)  # type: ignore[arg-type]
    assert "TypeError" in (info.value.cause or ""), info.value

    # A blocking client cannot await: an async provider is refused (without a warning that
    # its coroutine was never awaited).
    async def later(force_refresh: bool) -> str:
        return f"token-{USER}"

    with pytest.raises(mailwire.AuthError) as info:
        ImapClient(**oauth_kwargs(env), access_token=later)  # type: ignore[arg-type]
    assert "awaitable" in (info.value.cause or ""), info.value
    with pytest.raises(mailwire.InvalidInputError):
        ImapClient(**oauth_kwargs(env), access_token=42)  # type: ignore[arg-type]


# conformance: auth.token-provider
async def test_an_async_provider_is_awaited_on_the_callers_event_loop(env: Env) -> None:
    calls: list[bool] = []
    lock = asyncio.Lock()  # bound to this loop: using it elsewhere would raise
    released = asyncio.Event()

    async def token(force_refresh: bool) -> str:
        calls.append(force_refresh)
        async with lock:
            # The loop stays free while the provider waits: another task sets this.
            await released.wait()
        return f"token-{USER}" if force_refresh else f"expired-{USER}"

    async def release() -> None:
        while not calls:
            await asyncio.sleep(0.01)
        released.set()

    async with asyncio.TaskGroup() as tg:
        tg.create_task(release())
        imap = await asyncio.wait_for(AsyncImapClient.connect(**oauth_kwargs(env), access_token=token), 30)  # type: ignore[arg-type]
    assert calls == [False, True]
    await imap.mailbox_status("INBOX")

    # A reconnect asks it again, from inside another call.
    env.kill_sessions(USER, "TERM")
    for _ in range(3):
        try:
            await imap.mailbox_status("INBOX")
        except mailwire.MailError:
            continue
        if len(calls) > 2:
            break
    assert calls[2:] == [False, True], calls
    await imap.logout()

    # A plain function works too; it runs on the loop's thread.
    threads: list[int] = []

    def plain(force_refresh: bool) -> str:
        threads.append(threading.get_ident())
        return f"token-{USER}"

    async with AsyncImapClient(**oauth_kwargs(env), access_token=plain) as imap:  # type: ignore[arg-type]
        await imap.noop()
    assert threads == [threading.get_ident()]

    # One that raises fails the login as AuthError naming the exception.
    async def broken(force_refresh: bool) -> str:
        await asyncio.sleep(0)
        raise PermissionError("consent revoked")

    with pytest.raises(mailwire.AuthError) as info:
        await AsyncImapClient.connect(**oauth_kwargs(env), access_token=broken)  # type: ignore[arg-type]
    assert "PermissionError: consent revoked" in (info.value.cause or ""), info.value


# conformance: auth.token-provider
async def test_cancelling_a_connect_cancels_the_providers_await(env: Env) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def token(force_refresh: bool) -> str:
        started.set()
        try:
            await asyncio.Event().wait()  # never set
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "unreachable"

    connect = asyncio.ensure_future(AsyncImapClient.connect(**oauth_kwargs(env), access_token=token))  # type: ignore[arg-type]
    await asyncio.wait_for(started.wait(), 30)
    connect.cancel()
    with pytest.raises(asyncio.CancelledError):
        await connect
    await asyncio.wait_for(cancelled.wait(), 30)


# conformance: auth.token-provider
def test_smtp_asks_the_provider_for_each_new_connection_and_refreshes_once(env: Env) -> None:
    token, calls = provider()
    subject = unique("provider")
    with SmtpClient(**oauth_kwargs(env, smtp=True), access_token=token) as smtp:  # type: ignore[arg-type]
        assert calls == [False, True]
        # Offered with XOAUTH2 on this port, so OAUTHBEARER (RFC 7628) was the one used.
        assert "OAUTHBEARER" in smtp.auth_mechanisms, smtp.auth_mechanisms
        smtp.send(
            OutgoingMessage(from_=env.address(USER), to=env.address(USER), subject=subject, text="tokens")
        )
    assert wait_for(env, subject)

    token, calls = provider(always_expired=True)
    with pytest.raises(mailwire.AuthError) as info:
        SmtpClient(**oauth_kwargs(env, smtp=True), access_token=token)  # type: ignore[arg-type]
    assert calls == [False, True]
    assert f"expired-{USER}" not in f"{info.value} {info.value!r}"


# conformance: auth.token-provider
async def test_async_smtp_awaits_the_provider(env: Env) -> None:
    calls: list[bool] = []

    async def token(force_refresh: bool) -> str:
        calls.append(force_refresh)
        await asyncio.sleep(0)
        return f"token-{USER}" if force_refresh else f"expired-{USER}"

    provided: Callable[[bool], Awaitable[str]] = token
    async with AsyncSmtpClient(**oauth_kwargs(env, smtp=True), access_token=provided) as smtp:  # type: ignore[arg-type]
        assert calls == [False, True]
        result = await smtp.send(
            OutgoingMessage(from_=env.address(USER), to=env.address(USER), subject=unique("asmtp"), text="x")
        )
        assert result.accepted == [env.address(USER)]
