"""The shape of the package: twins with identical signatures, immutable values, errors
that inherit the builtins, offline parsing and composing."""

from __future__ import annotations

import builtins
import datetime as dt
import inspect

import pytest

import mailwire
from mailwire import _core

TWINS = [
    (mailwire.ImapClient, mailwire.AsyncImapClient),
    (mailwire.SmtpClient, mailwire.AsyncSmtpClient),
    (_core.ImapClient, _core.AsyncImapClient),
    (_core.SmtpClient, _core.AsyncSmtpClient),
    (_core.FetchStream, _core.AsyncFetchStream),
    (_core.RawFetchStream, _core.AsyncRawFetchStream),
    (mailwire.MultiWatcher, mailwire.AsyncMultiWatcher),
    (_core.MultiWatcher, _core.AsyncMultiWatcher),
]

# Methods written in Python that return at once in both twins (as ``asyncio.Task.cancel``).
NOT_AWAITED = {"cancel"}


def public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


@pytest.mark.parametrize("sync, async_", TWINS, ids=lambda c: c.__qualname__)
def test_sync_and_async_twins_have_the_same_methods_and_arguments(sync: type, async_: type) -> None:
    assert public(sync) == public(async_)
    for name in public(sync):
        s, a = getattr(sync, name), getattr(async_, name)
        if inspect.isdatadescriptor(s) or inspect.isdatadescriptor(a):
            # Attributes (SMTP's ``extensions``): read the same way in both.
            assert type(s) is type(a), name
            continue
        assert list(inspect.signature(s).parameters.values()) == list(
            inspect.signature(a).parameters.values()
        ), name
        if async_.__module__ != "mailwire._core" and name in vars(async_) and name not in NOT_AWAITED:
            # Written in Python; the native methods return coroutines (test_imap_async).
            assert inspect.iscoroutinefunction(a) or inspect.isasyncgenfunction(a), name
            assert not (inspect.iscoroutinefunction(s) or inspect.isasyncgenfunction(s)), name


def test_exceptions_inherit_the_builtins() -> None:
    assert issubclass(mailwire.ConnectError, ConnectionError)
    assert issubclass(mailwire.TimeoutError, builtins.TimeoutError)
    assert issubclass(mailwire.InvalidInputError, ValueError)
    for name in mailwire.errors.__all__:
        assert issubclass(getattr(mailwire.errors, name), mailwire.MailError)
    e = mailwire.RejectedError("no", kind="rejected", smtp_code=550, enhanced_code="5.1.1", permanent=True)
    assert (e.kind, e.smtp_code, e.enhanced_code, e.permanent, str(e)) == (
        "rejected",
        550,
        "5.1.1",
        True,
        "no",
    )


def test_all_is_sorted_and_complete() -> None:
    assert mailwire.__all__ == sorted(mailwire.__all__)
    for name in mailwire.__all__:
        assert hasattr(mailwire, name)


RAW = (
    b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\r\n"
    b"To: a@example.org, \"Doe, Jane\" <jane@example.org>\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    b"Date: Tue, 1 Oct 2024 10:00:00 +0200\r\n"
    b"Message-ID: <abc@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    b"--b\r\nContent-Type: application/pdf; name=r.pdf\r\n"
    b"Content-Disposition: attachment; filename=r.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
)


# conformance: message.parse
def test_parse_message_gives_immutable_typed_values() -> None:
    m = mailwire.parse_message(RAW)
    assert m.subject == "Grüße"
    assert m.from_[0] == mailwire.Address("jorg@example.org", name="Jörg")
    assert [a.address for a in m.to] == ["a@example.org", "jane@example.org"]
    assert m.date == dt.datetime(2024, 10, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert m.message_id == "abc@example.org"
    (att,) = m.attachments
    assert (att.filename, att.content_type, att.data) == ("r.pdf", "application/pdf", b"%PDF-")
    assert isinstance(att.data, bytes) and m.raw == RAW
    assert "Grüße" in repr(m) and "r.pdf" in repr(att)
    with pytest.raises(AttributeError):
        m.subject = "x"  # type: ignore[misc]
    assert m.as_email_message()["Message-ID"] == "<abc@example.org>"


# conformance: message.build, message.reply-forward
def test_outgoing_message_builds_replaces_and_replies() -> None:
    m = mailwire.OutgoingMessage(
        from_="Alice <alice@example.org>",
        to="bob@example.org, carol@example.org",
        bcc=[mailwire.Address("secret@example.org")],
        subject="Hi",
        text="hello",
        html="<p>hello</p>",
        headers={"X-Mailer": "tests"},
    )
    assert [a.address for a in m.to] == ["bob@example.org", "carol@example.org"]
    raw = m.to_bytes()
    assert b"X-Mailer: tests" in raw and b"secret@" not in raw
    m2 = m.replace(subject="Changed")
    assert (m.subject, m2.subject, m2.text) == ("Hi", "Changed", "hello")
    with pytest.raises(mailwire.InvalidInputError):
        mailwire.OutgoingMessage(to="not an address")
    original = mailwire.parse_message(RAW)
    r = mailwire.OutgoingMessage.reply(original, "me@example.org", reply_all=True, text="Thanks")
    assert r.subject == "Re: Grüße" and r.in_reply_to == "abc@example.org"
    assert r.text and r.text.startswith("Thanks") and "> hello" in r.text
    assert {a.address for a in r.cc} == {"a@example.org", "jane@example.org"}
    f = mailwire.OutgoingMessage.forward(original, "me@example.org", to="x@example.org")
    assert f.subject == "Fwd: Grüße" and f.attachments[0].filename == "r.pdf"


# conformance: imap.search.or-not
def test_search_query_builder() -> None:
    q = mailwire.SearchQuery(seen=False, from_="alice") & ~mailwire.SearchQuery(larger=10)
    assert repr(q) == 'SearchQuery(And([Unseen, From("alice"), Not(Larger(10))]))'
    assert "Or(" in repr(mailwire.SearchQuery.raw("SEEN") | mailwire.SearchQuery.all())
    assert repr(mailwire.SearchQuery()) == "SearchQuery(All)"
    on = dt.date(2026, 12, 7)
    assert repr(mailwire.SearchQuery(sent_on=on, draft=False)) == (
        "SearchQuery(And([Not(Draft), SentOn(2026-12-07)]))"
    )
    with pytest.raises(TypeError):
        mailwire.SearchQuery(bogus=1)  # type: ignore[call-arg]
