"""Bad inputs, outages, threads, signals, cancellation and secrets: each gets the right
exception class, nothing is lost, and the client stays usable."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import Env, unique

import mailwire
from mailwire import AsyncImapClient, ImapClient

BIG_BOX = "bulk-2000"
BIG_COUNT = 2000


def ensure_big_mailbox(env: Env, user: str) -> None:
    """A mailbox whose summaries (long To lists) are far larger than socket buffers, so a
    fetch of it is still streaming when the server is killed."""
    with ImapClient(**env.imap_kwargs(user)) as c:  # type: ignore[arg-type]
        if BIG_BOX not in [m.name for m in c.list_mailboxes()]:
            c.create_mailbox(BIG_BOX)
        have = c.mailbox_status(BIG_BOX).messages
        to = ", ".join(f"recipient{i}@example.org" for i in range(200))
        for i in range(have, BIG_COUNT):
            c.append(
                BIG_BOX, f"From: a@example.org\r\nTo: {to}\r\nSubject: bulk {i}\r\n\r\nx\r\n".encode()
            )


# conformance: auth.refused, errors.fields, errors.no-secrets
def test_wrong_password_is_auth_error_without_the_password(env: Env) -> None:
    secret = "Wrong-Secret-12345"
    with pytest.raises(mailwire.AuthError) as info:
        ImapClient(env.host, env.imaps_port, username="t54", password=secret, ca_pem=env.ca)
    e = info.value
    assert e.kind == "auth" and isinstance(e, mailwire.MailError)
    for text in (str(e), repr(e), str(e.server_text), str(e.__cause__)):
        assert secret not in text
    # The core's error fields, the same in every face: a refused login is permanent in IMAP
    # as in SMTP, never transient; the description is the text without the server's part.
    assert (e.response_code, e.permanent, e.transient) == ("AUTHENTICATIONFAILED", True, False)
    assert str(e).startswith(e.description) and e.description != str(e)
    with pytest.raises(mailwire.AuthError) as smtp_info:
        mailwire.SmtpClient(
            env.host, env.smtps_port, username="t54", password=secret, ca_pem=env.ca
        )
    s = smtp_info.value
    assert (s.smtp_code, s.permanent, s.transient) == (535, True, False)


# conformance: auth.refused, errors.no-secrets
async def test_async_wrong_password_is_auth_error(env: Env) -> None:
    with pytest.raises(mailwire.AuthError) as info:
        await AsyncImapClient.connect(
            env.host, env.imaps_port, username="t54", password="Bad-Pass-777", ca_pem=env.ca
        )
    assert "Bad-Pass-777" not in repr(info.value)


# conformance: errors.no-secrets
def test_no_password_in_reprs(env: Env) -> None:
    with ImapClient(**env.imap_kwargs("t54")) as c:  # type: ignore[arg-type]
        assert env.password("t54") not in repr(c)
    a = AsyncImapClient(**env.imap_kwargs("t54"))  # type: ignore[arg-type]
    assert env.password("t54") not in repr(a)


# conformance: tls.verify
def test_connection_refused_and_tls_errors(env: Env) -> None:
    with pytest.raises(mailwire.ConnectError) as info:
        ImapClient("127.0.0.1", 1, username="x", password="y", connect_timeout=5)
    assert isinstance(info.value, ConnectionError)
    with pytest.raises(mailwire.TlsError):  # the devserver's certificate without its CA
        ImapClient(env.host, env.imaps_port, username="t54", password="x")


# conformance: input.line-breaks, errors.fields
def test_missing_mailbox_and_crlf(imap: ImapClient) -> None:
    with pytest.raises(mailwire.NotFoundError) as info:
        imap.mailbox_status("Does-Not-Exist")
    assert info.value.response_code == "NONEXISTENT" and info.value.server_text
    with pytest.raises(mailwire.NotFoundError):
        imap.search("Does-Not-Exist")
    with pytest.raises(mailwire.NotFoundError):
        list(imap.fetch("Does-Not-Exist", "1:*"))
    with pytest.raises(ValueError):
        imap.create_mailbox("evil\r\nA1 DELETE INBOX")
    with pytest.raises(mailwire.InvalidInputError):
        imap.search("INBOX", "ALL\r\nA1 LOGOUT")
    with pytest.raises(mailwire.InvalidInputError):
        imap.idle("INBOX", -1)
    with pytest.raises(mailwire.InvalidInputError):
        mailwire.Address.parse("a@b\r\nBcc: x@y")
    # Parsing never fails on bytes: empty or header-less input is a message without headers.
    assert mailwire.parse_message(b"").subject is None
    assert "no headers here" in (mailwire.parse_message(b"no headers here\n").text or "")
    assert imap.idle("INBOX", 0) == []
    assert imap.mailbox_status("INBOX").uid_validity > 0  # still usable


# conformance: input.line-breaks
async def test_async_missing_mailbox_and_crlf(env: Env) -> None:
    async with AsyncImapClient(**env.imap_kwargs("t51")) as c:  # type: ignore[arg-type]
        with pytest.raises(mailwire.NotFoundError):
            await c.mailbox_status("Does-Not-Exist")
        with pytest.raises(ValueError):
            await c.rename_mailbox("INBOX", "x\ny")
        assert (await c.mailbox_status("INBOX")).uid_validity > 0


# conformance: imap.outage
def test_server_killed_mid_fetch_then_next_call_works(env: Env) -> None:
    ensure_big_mailbox(env, "t55")
    with ImapClient(**env.imap_kwargs("t55"), timeout=10) as c:  # type: ignore[arg-type]
        it = c.fetch(BIG_BOX, "1:*", batch_size=10)
        got = [next(it)]
        env.kill_sessions("t55")
        with pytest.raises((mailwire.ConnectError, mailwire.TimeoutError)):
            for s in it:
                got.append(s)
        assert len(got) < BIG_COUNT
        # The next call reconnects; nothing was lost on the server.
        assert c.mailbox_status(BIG_BOX).messages == BIG_COUNT
        assert len(c.fetch_all(BIG_BOX, "1:*", attachments=False)) == BIG_COUNT


# conformance: imap.outage
async def test_async_server_killed_mid_fetch_then_next_call_works(env: Env) -> None:
    ensure_big_mailbox(env, "t55")
    async with AsyncImapClient(**env.imap_kwargs("t55"), timeout=10) as c:  # type: ignore[arg-type]
        n = 0
        with pytest.raises((mailwire.ConnectError, mailwire.TimeoutError)):
            async for _ in c.fetch(BIG_BOX, "1:*", batch_size=10):
                n += 1
                if n == 1:
                    env.kill_sessions("t55")
        assert n < BIG_COUNT
        assert (await c.mailbox_status(BIG_BOX)).messages == BIG_COUNT


# conformance: imap.concurrency
def test_eight_threads_share_one_client(env: Env) -> None:
    with ImapClient(**env.imap_kwargs("t57")) as c:  # type: ignore[arg-type]
        box = unique("threads")
        c.create_mailbox(box)
        try:
            uids = [
                c.append(box, f"Subject: m{i}\r\nFrom: a@example.org\r\n\r\n{i}\r\n".encode())
                for i in range(8)
            ]
            errors: list[BaseException] = []

            def work(i: int) -> None:
                try:
                    for _ in range(15):
                        assert c.search(box, subject=f"m{i}") == [uids[i]]
                        (s,) = c.fetch_all(box, uids[i])
                        assert s.envelope.subject == f"m{i}"
                        assert c.fetch_raw(box, uids[i]).endswith(f"{i}\r\n".encode())
                        assert [x.uid for x in c.fetch(box, uids)] == uids
                except BaseException as e:  # noqa: BLE001 - reported below
                    errors.append(e)

            threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
        finally:
            c.delete_mailbox(box)


async def test_sync_client_works_inside_a_running_event_loop(env: Env) -> None:
    assert asyncio.get_running_loop().is_running()
    with ImapClient(**env.imap_kwargs("t57")) as c:  # type: ignore[arg-type]
        assert c.mailbox_status("INBOX").uid_validity > 0
        assert isinstance(c.search("INBOX"), list)


# conformance: imap.cancel
def test_ctrl_c_interrupts_a_long_sync_idle(env: Env) -> None:
    script = textwrap.dedent(
        f"""
        import signal, sys, time
        import mailwire
        # What an interactive Python has; a parent started in the background (nohup, CI)
        # may hand SIGINT down ignored, and Python then installs no handler.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        c = mailwire.ImapClient({env.host!r}, {env.imaps_port}, username="t58",
                                password={env.password("t58")!r}, ca_pem={env.ca!r})
        print("ready", flush=True)
        started = time.monotonic()
        try:
            c.idle("INBOX", 120)
        except KeyboardInterrupt:
            print("interrupted after %.2f" % (time.monotonic() - started), flush=True)
            c.noop()
            print("usable", flush=True)
            raise
        """
    )
    p = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=10)
    assert time.monotonic() - sent < 3
    assert "interrupted" in out and "usable" in out, (out, err)
    assert "KeyboardInterrupt" in err and p.returncode != 0


# conformance: imap.cancel
async def test_asyncio_timeout_cancels_idle_and_fetch_and_client_stays_usable(env: Env) -> None:
    ensure_big_mailbox(env, "t59")
    async with AsyncImapClient(**env.imap_kwargs("t59")) as c:  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await c.idle("INBOX", 60)
        assert time.monotonic() - started < 2
        assert (await c.mailbox_status("INBOX")).uid_validity > 0

        seen = 0
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                async for _ in c.fetch(BIG_BOX, "1:*", batch_size=5):
                    seen += 1
                    await asyncio.sleep(0.01)
        assert 0 < seen < BIG_COUNT
        assert (await c.mailbox_status(BIG_BOX)).messages == BIG_COUNT
        assert len(await c.fetch_all(BIG_BOX, "1:*", envelope=False)) == BIG_COUNT

        task = asyncio.create_task(c.fetch_all(BIG_BOX, "1:*"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(await c.search(BIG_BOX)) == BIG_COUNT


# conformance: trace.redacted
def test_protocol_traces_reach_logging_without_secrets(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Log-Wrong-Pass-424242"
    try:
        with caplog.at_level(logging.DEBUG, logger="mailwire"):
            with ImapClient(**env.imap_kwargs("t60")) as c:  # type: ignore[arg-type]
                c.mailbox_status("INBOX")
            with ImapClient(
                env.host, env.imaps_port, username="t60", access_token=env.token("t60"), ca_pem=env.ca
            ):
                pass
            with pytest.raises(mailwire.AuthError):
                ImapClient(env.host, env.imaps_port, username="t60", password=wrong, ca_pem=env.ca)
    finally:
        logging.getLogger("mailwire").setLevel(logging.NOTSET)
        mailwire._core._set_tracing(False)  # traces off again
    records = [r for r in caplog.records if r.name.startswith("mailwire")]
    text = "\n".join(r.getMessage() for r in records)
    assert any(r.name == "mailwire.imap" and r.levelno == logging.DEBUG for r in records)
    assert 'STATUS "INBOX"' in text and "LOGIN" in text
    for secret in (env.password("t60"), env.token("t60"), wrong):
        assert secret not in text


# conformance: imap.uids.grammar, imap.uids.zero-invalid
def test_huge_or_odd_arguments_never_panic(imap: ImapClient) -> None:
    with pytest.raises(OverflowError):
        imap.fetch_raw("INBOX", -1)
    with pytest.raises(mailwire.InvalidInputError):
        imap.fetch_all("INBOX", "1:x")
    with pytest.raises(mailwire.InvalidInputError):
        imap.fetch_all("INBOX", range(5, 1, -1))
    assert imap.fetch_all("INBOX", []) == []
    # UID 0 does not exist: InvalidInput in every face, never silently dropped.
    for zero in ([0], [0, 1], 0, range(0, 3)):
        with pytest.raises(mailwire.InvalidInputError, match="UID 0"):
            imap.fetch_all("INBOX", zero)
    with pytest.raises(mailwire.InvalidInputError, match="UID 0"):
        imap.add_flags("INBOX", [0], ["\\Seen"])
    # Strings follow the core's one UID grammar, as in every face.
    for bad in ("0", "1:x", "all", " 5", "1,,2"):
        with pytest.raises(mailwire.InvalidInputError, match="not a UID set"):
            imap.fetch_all("INBOX", bad)
    with pytest.raises(mailwire.InvalidInputError):
        imap.idle("INBOX", float("nan"))
    assert imap.idle("INBOX", 0.01) == []
    with pytest.raises(mailwire.InvalidInputError):
        mailwire.ImapClient("h", security="carrier-pigeon")
    with pytest.raises(mailwire.InvalidInputError):
        mailwire.ImapClient("h", username="u", password="p", access_token="t")


# conformance: errors.no-secrets
@pytest.mark.parametrize("tail", ["\n", "\r\n", "\x00", "\r"])
def test_secrets_with_line_breaks_or_nul_never_appear_in_errors(env: Env, tail: str) -> None:
    """A password or token read from a file often ends in a newline (issue 12): it cannot be
    sent, and the refusal must not echo it, in any face of the error."""
    secret = "Zq-unusual-Secret-9" + tail
    cases = [
        lambda: ImapClient(env.host, env.imaps_port, username="t54", password=secret, ca_pem=env.ca),
        lambda: ImapClient(env.host, env.imaps_port, username="t54", access_token=secret, ca_pem=env.ca),
        lambda: mailwire.SmtpClient(
            env.host, env.smtps_port, username="t54", password=secret, ca_pem=env.ca
        ),
    ]
    for connect in cases:
        with pytest.raises(mailwire.InvalidInputError) as info:
            connect()
        e = info.value
        texts = [str(e), repr(e), str(e.args), str(e.server_text), str(e.__cause__), str(vars(e))]
        for text in texts:
            assert "Zq-unusual-Secret-9" not in text, text
        assert "password" in str(e) or "token" in str(e)


# conformance: tls.starttls-required
def test_starttls_not_offered_is_tls_error_never_plaintext(env: Env) -> None:
    # The devserver's legacy address runs Dovecot and Postfix with TLS off: no STARTTLS.
    legacy = env.vars["MAILWIRE_LEGACY_HOST"]
    with pytest.raises(mailwire.TlsError, match="STARTTLS"):
        ImapClient(
            legacy,
            env.imap_port,
            security="starttls",
            username="t54",
            password=env.password("t54"),
            ca_pem=env.ca,
        )
    with pytest.raises(mailwire.TlsError, match="STARTTLS"):
        mailwire.SmtpClient(
            legacy,
            int(env.vars["MAILWIRE_SMTP_PLAIN_PORT"]),
            security="starttls",
            username="t54",
            password=env.password("t54"),
            ca_pem=env.ca,
        )
