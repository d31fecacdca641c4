"""SMTP through `SmtpClient` and `AsyncSmtpClient`: send with per-recipient results, stdlib
messages, raw bytes, reply and forward — checked by reading the delivered mail over IMAP."""

from __future__ import annotations

import email.message
import re
import time

import pytest
from conftest import Env, unique

import mailwire
from mailwire import AsyncSmtpClient, ImapClient, OutgoingMessage, SmtpClient


def wait_for(env: Env, user: str, subject: str, count: int = 1) -> list[int]:
    with ImapClient(**env.imap_kwargs(user)) as imap:  # type: ignore[arg-type]
        deadline = time.monotonic() + 15
        while True:
            uids = imap.search("INBOX", subject=subject)
            if len(uids) >= count or time.monotonic() > deadline:
                return uids
            imap.idle("INBOX", 1)


# conformance: smtp.auth.xoauth2
def test_xoauth2_token_delivers_and_a_bad_token_is_auth_error(env: Env) -> None:
    subject = unique("xoauth2")
    kwargs = dict(env.smtp_kwargs("t52"))
    del kwargs["password"]
    with SmtpClient(**kwargs, access_token=env.token("t52")) as smtp:  # type: ignore[arg-type]
        smtp.send(
            OutgoingMessage(
                from_=env.address("t52"), to=env.address("t53"), subject=subject, text="token"
            )
        )
    assert wait_for(env, "t53", subject)
    with pytest.raises(mailwire.AuthError) as info:
        SmtpClient(**kwargs, access_token="not-the-token")  # type: ignore[arg-type]
    assert info.value.permanent and "not-the-token" not in repr(info.value)


# conformance: smtp.connect.starttls, smtp.send, smtp.per-recipient, smtp.bcc-hidden
def test_send_outgoing_with_refused_recipient(env: Env) -> None:
    subject = unique("smtp")
    with SmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        result = smtp.send(
            OutgoingMessage(
                from_=env.address("t52"),
                to=[env.address("t53"), f"nobody@{env.domain}"],
                bcc=env.address("t52"),
                subject=subject,
                text="hi",
                attachments=[mailwire.Attachment("a.txt", "text/plain", b"abc")],
            ),
            progress=lambda done, total: None,
        )
    assert sorted(result.accepted) == sorted([env.address("t53"), env.address("t52")])
    (refused,) = result.rejected
    assert refused.address == f"nobody@{env.domain}"
    assert refused.code == 550 and refused.enhanced_code == "5.1.1" and refused.permanent
    assert result.message_id and "SendResult(" in repr(result)
    assert wait_for(env, "t53", subject)
    with ImapClient(**env.imap_kwargs("t53")) as imap:  # type: ignore[arg-type]
        uid = imap.search("INBOX", subject=subject)[0]
        header = imap.fetch_raw("INBOX", uid).split(b"\r\n\r\n")[0]
        assert not re.search(rb"(?im)^bcc:", header)


# conformance: smtp.per-recipient, errors.fields
def test_all_refused_raises_rejected(env: Env) -> None:
    with SmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        with pytest.raises(mailwire.RejectedError) as info:
            smtp.send(
                OutgoingMessage(from_=env.address("t52"), to=f"nobody@{env.domain}", subject="x")
            )
    assert info.value.smtp_code == 550 and info.value.enhanced_code == "5.1.1"
    assert info.value.permanent and info.value.kind == "rejected"


# conformance: smtp.send-raw, smtp.bcc-hidden
def test_send_stdlib_email_message_strips_bcc(env: Env) -> None:
    subject = unique("stdlib")
    m = email.message.EmailMessage()
    m["From"] = env.address("t52")
    m["To"] = env.address("t53")
    m["Bcc"] = env.address("t54")
    m["Subject"] = subject
    m.set_content("from the standard library\n")
    with SmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        result = smtp.send(m)
    assert sorted(result.accepted) == sorted([env.address("t53"), env.address("t54")])
    assert wait_for(env, "t54", subject)
    with ImapClient(**env.imap_kwargs("t54")) as imap:  # type: ignore[arg-type]
        uid = imap.search("INBOX", subject=subject)[0]
        raw = imap.fetch_raw("INBOX", uid)
        assert b"Bcc:" not in raw and b"t54@" not in raw.split(b"\r\n\r\n")[0].split(b"Received")[0]


# conformance: smtp.send-raw, input.line-breaks
def test_send_raw_bytes_with_explicit_envelope(env: Env) -> None:
    subject = unique("raw")
    data = f"From: {env.address('t52')}\r\nTo: someone@example.org\r\nSubject: {subject}\r\n\r\nraw\r\n"
    with SmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        r = smtp.send(data.encode(), from_addr=env.address("t52"), to_addrs=env.address("t53"))
        assert r.accepted == [env.address("t53")]
        r2 = smtp.send_raw(env.address("t52"), [env.address("t53")], data.encode())
        assert r2.accepted == [env.address("t53")]
        with pytest.raises(mailwire.InvalidInputError):
            smtp.send(data.encode(), from_addr=env.address("t52"))
        with pytest.raises(mailwire.InvalidInputError):
            smtp.send_raw(env.address("t52"), ["bad\r\naddress@x"], data.encode())
    assert len(wait_for(env, "t53", subject, 2)) == 2


# conformance: message.reply-forward
def test_reply_and_forward(env: Env) -> None:
    subject = unique("thread")
    with SmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        smtp.send(
            OutgoingMessage(
                from_=env.address("t52"),
                to=env.address("t53"),
                subject=subject,
                text="question?",
                attachments=[mailwire.Attachment("q.txt", "text/plain", b"q")],
            )
        )
        (uid,) = wait_for(env, "t53", subject)
        with ImapClient(**env.imap_kwargs("t53")) as imap:  # type: ignore[arg-type]
            original = imap.fetch_message("INBOX", uid)
        reply = OutgoingMessage.reply(original, env.address("t53"), text="answer!")
        assert reply.subject == f"Re: {subject}" and reply.to[0].address == env.address("t52")
        assert reply.in_reply_to == original.message_id and "> question?" in (reply.text or "")
        fwd = OutgoingMessage.forward(original, env.address("t53"), to=env.address("t54"))
        assert fwd.subject == f"Fwd: {subject}" and fwd.attachments[0].data == b"q"
        with SmtpClient(**env.smtp_kwargs("t53")) as smtp53:  # type: ignore[arg-type]
            smtp53.send(reply)
            smtp53.send(fwd)
    assert wait_for(env, "t52", f"Re: {subject}")
    assert wait_for(env, "t54", f"Fwd: {subject}")


# conformance: smtp.connect.tls, smtp.close
def test_smtps_and_closed(env: Env) -> None:
    smtp = SmtpClient(
        env.host, env.smtps_port, username="t52", password=env.password("t52"), ca_pem=env.ca
    )
    smtp.close()
    with pytest.raises(mailwire.ClosedError):
        smtp.send_raw(env.address("t52"), [env.address("t52")], b"Subject: x\r\n\r\nx\r\n")


# conformance: smtp.send, smtp.send-raw, smtp.per-recipient, smtp.close
async def test_async_send_outgoing_stdlib_raw_and_refusals(env: Env) -> None:
    subject = unique("async-smtp")
    async with AsyncSmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        r = await smtp.send(
            OutgoingMessage(
                from_=env.address("t52"),
                to=[env.address("t53"), f"nobody@{env.domain}"],
                subject=subject,
                text="async",
            )
        )
        assert r.accepted == [env.address("t53")] and r.rejected[0].code == 550
        m = email.message.EmailMessage()
        m["From"], m["To"], m["Subject"] = env.address("t52"), env.address("t53"), subject
        m.set_content("stdlib\n")
        assert (await smtp.send(m)).accepted == [env.address("t53")]
        data = f"Subject: {subject}\r\n\r\nraw\r\n".encode()
        r3 = await smtp.send(data, from_addr=env.address("t52"), to_addrs=[env.address("t53")])
        assert r3.accepted == [env.address("t53")]
        assert (await smtp.send_mime(m.as_bytes())).accepted == [env.address("t53")]
        with pytest.raises(mailwire.RejectedError):
            await smtp.send_raw(env.address("t52"), [f"nobody@{env.domain}"], data)
    assert len(wait_for(env, "t53", subject, 4)) == 4
    smtp2 = await AsyncSmtpClient.connect(**env.smtp_kwargs("t52"))  # type: ignore[arg-type]
    await smtp2.close()
    with pytest.raises(mailwire.ClosedError):
        await smtp2.send_raw(env.address("t52"), [env.address("t52")], data)


# conformance: message.reply-forward
async def test_async_reply_and_forward(env: Env) -> None:
    subject = unique("athread")
    async with AsyncSmtpClient(**env.smtp_kwargs("t52")) as smtp:  # type: ignore[arg-type]
        await smtp.send(
            OutgoingMessage(from_=env.address("t52"), to=env.address("t53"), subject=subject, text="q")
        )
        (uid,) = wait_for(env, "t53", subject)
        async with mailwire.AsyncImapClient(**env.imap_kwargs("t53")) as imap:  # type: ignore[arg-type]
            original = await imap.fetch_message("INBOX", uid)
        await smtp.send(OutgoingMessage.reply(original, env.address("t52"), reply_all=True))
        await smtp.send(OutgoingMessage.forward(original, env.address("t52"), to=env.address("t54")))
    assert wait_for(env, "t53", f"Re: {subject}")
    assert wait_for(env, "t54", f"Fwd: {subject}")
