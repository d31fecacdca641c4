"""`progress=` is honoured by every send path (issue 13): an OutgoingMessage, a stdlib
EmailMessage and raw bytes, with the envelope from the headers or given explicitly, through
`send`, `send_mime` and `send_raw`, blocking and asyncio. Each message is ~300 KB, several
pieces of at least 64 KiB, and each is delivered (checked over IMAP)."""

from __future__ import annotations

import email.message
from collections.abc import Callable
from typing import Any

from conftest import Env, unique
from test_smtp import wait_for

from mailwire import AsyncSmtpClient, OutgoingMessage, SmtpClient

USER = "t63"
BODY = "".join(f"line {i:06d} of a long message body\n" for i in range(9000))  # ~300 KB


class Calls:
    """Records `progress(done, total)` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))

    def check(self, what: str) -> None:
        calls = self.calls
        assert len(calls) >= 2, (what, calls)
        dones = [d for d, _ in calls]
        assert dones == sorted(dones) and len(set(dones)) == len(dones), (what, calls)
        total = calls[-1][1]
        assert total is not None and total > len(BODY), (what, calls)
        assert all(t == total for _, t in calls) and dones[-1] == total, (what, calls)


def _messages(env: Env, subject: str) -> dict[str, Callable[[], tuple[Any, dict[str, Any]]]]:
    """Each way to call `send`: (message, keyword arguments besides progress)."""
    me = env.address(USER)

    def outgoing(tag: str) -> OutgoingMessage:
        return OutgoingMessage(from_=me, to=me, subject=f"{subject} {tag}", text=BODY)

    def stdlib(tag: str) -> email.message.EmailMessage:
        m = email.message.EmailMessage()
        m["From"], m["To"], m["Subject"] = me, me, f"{subject} {tag}"
        m.set_content(BODY)
        return m

    def raw(tag: str) -> bytes:
        return outgoing(tag).to_bytes()

    explicit = {"from_addr": me, "to_addrs": [me]}
    return {
        "OutgoingMessage": lambda: (outgoing("o"), {}),
        "OutgoingMessage+envelope": lambda: (outgoing("oe"), explicit),
        "EmailMessage": lambda: (stdlib("s"), {}),
        "EmailMessage+envelope": lambda: (stdlib("se"), explicit),
        "bytes": lambda: (raw("b"), {}),
        "bytes+envelope": lambda: (raw("be"), explicit),
    }


# conformance: smtp.progress
def test_every_send_path_reports_progress(env: Env) -> None:
    subject = unique("progress")
    me = env.address(USER)
    with SmtpClient(**env.smtp_kwargs(USER)) as smtp:  # type: ignore[arg-type]
        for what, make in _messages(env, subject).items():
            message, kwargs = make()
            calls = Calls()
            assert smtp.send(message, progress=calls, **kwargs).accepted == [me]
            calls.check(what)
        calls = Calls()
        data = OutgoingMessage(from_=me, to=me, subject=f"{subject} m", text=BODY).to_bytes()
        smtp.send_mime(data, progress=calls)
        calls.check("send_mime")
        calls = Calls()
        crlf = BODY.replace("\n", "\r\n")
        smtp.send_raw(me, [me], f"Subject: {subject} r\r\n\r\n{crlf}".encode(), progress=calls)
        calls.check("send_raw")
    assert len(wait_for(env, USER, subject, 8)) == 8


# conformance: smtp.progress
async def test_every_async_send_path_reports_progress(env: Env) -> None:
    subject = unique("aprogress")
    me = env.address(USER)
    async with AsyncSmtpClient(**env.smtp_kwargs(USER)) as smtp:  # type: ignore[arg-type]
        for what, make in _messages(env, subject).items():
            message, kwargs = make()
            calls = Calls()
            assert (await smtp.send(message, progress=calls, **kwargs)).accepted == [me]
            calls.check(what)
        calls = Calls()
        data = OutgoingMessage(from_=me, to=me, subject=f"{subject} m", text=BODY).to_bytes()
        await smtp.send_mime(data, progress=calls)
        calls.check("send_mime")
    assert len(wait_for(env, USER, subject, 7)) == 7
