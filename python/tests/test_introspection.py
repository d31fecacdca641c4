"""What the servers say of themselves (IMAP capabilities and ID, SMTP extensions and SASL
mechanisms), the raw-command escape hatch, and events that wait under their mailbox until
taken — against the real Dovecot and Postfix (user7)."""

from __future__ import annotations

import pytest
from conftest import Env, sample_message, unique

import mailwire
from mailwire import AsyncImapClient, AsyncSmtpClient, Flag, ImapClient, SmtpClient

USER = "user7"


# conformance: imap.capabilities
def test_capabilities_are_listed_sorted_and_upper_case(env: Env) -> None:
    with ImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        caps = imap.capabilities()
        for cap in ["IMAP4REV1", "IDLE", "ID", "UIDPLUS"]:
            assert cap in caps, caps
        assert caps == sorted(caps)
        assert all(c == c.upper() for c in caps), caps
        assert imap.has_capability("idle")


# conformance: imap.id
def test_the_client_sends_its_id_and_reads_the_servers(env: Env) -> None:
    with ImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        server = imap.server_id()
        assert server is not None and server["name"] == "Dovecot", server
    # An ID of the caller's own is sent instead of mailwire's.
    with ImapClient(**env.imap_kwargs(USER), client_id={"name": "tests", "version": "1"}) as imap:  # type: ignore[arg-type]
        assert imap.server_id() is not None
    # With no client ID, nothing is sent and nothing is known.
    with ImapClient(**env.imap_kwargs(USER), client_id={}) as imap:  # type: ignore[arg-type]
        assert imap.server_id() is None
    # RFC 2971's limits (field names of at most 30 octets) are checked before anything is sent.
    with pytest.raises(mailwire.InvalidInputError):
        ImapClient(**env.imap_kwargs(USER), client_id={"x" * 31: "1"})  # type: ignore[arg-type]
    with pytest.raises(mailwire.InvalidInputError):
        ImapClient(**env.imap_kwargs(USER), client_id={"name": 1})  # type: ignore[arg-type]


# conformance: imap.id
async def test_async_client_id_and_server_id(env: Env) -> None:
    async with AsyncImapClient(**env.imap_kwargs(USER), client_id={"name": "tests"}) as imap:  # type: ignore[arg-type]
        server = await imap.server_id()
        assert server is not None and server["name"] == "Dovecot", server
        assert "ID" in await imap.capabilities()


# conformance: imap.raw-command
def test_a_raw_command_returns_its_untagged_lines_and_status(env: Env) -> None:
    with ImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        box = unique("raw")
        imap.create_mailbox(box)
        try:
            uid = imap.append(box, sample_message(env, USER, "raw"), flags=Flag.FLAGGED)
            ns = imap.raw_command("NAMESPACE")
            assert ns.is_ok and ns.status == "OK", ns
            assert len(ns.untagged) == 1 and ns.untagged[0].startswith("* NAMESPACE (("), ns
            assert repr(ns).startswith("RawResponse(status='OK', text=")

            # With a mailbox, it is selected first; the answers are returned, not taken as
            # events.
            fetched = imap.raw_command(f"UID FETCH {uid} (FLAGS)", mailbox=box)
            assert fetched.is_ok, fetched
            assert any(f"UID {uid}" in line and "\\Flagged" in line for line in fetched.untagged), fetched
            assert imap.pending_events(box) == []

            # A command the server refuses is a status, not an exception.
            bad = imap.raw_command("XNOSUCHCOMMAND")
            assert bad.status == "BAD" and not bad.is_ok, bad

            # A raw SELECT of another mailbox: the client selects its own again.
            sel = imap.raw_command("SELECT INBOX")
            assert any(line.endswith(" EXISTS") for line in sel.untagged), sel
            assert imap.search(box) == [uid]

            # Line breaks, literals and commands the client must manage itself are refused
            # before anything is sent; the client goes on.
            for refused in ["NOOP\r\nA9 LOGOUT", "IDLE", "SEARCH TEXT {3}"]:
                with pytest.raises(mailwire.InvalidInputError):
                    imap.raw_command(refused)
            imap.noop()
        finally:
            imap.delete_mailbox(box)


# conformance: imap.raw-command
async def test_async_raw_command(env: Env) -> None:
    async with AsyncImapClient(**env.imap_kwargs(USER)) as imap:  # type: ignore[arg-type]
        ns = await imap.raw_command("NAMESPACE")
        assert ns.is_ok and ns.untagged[0].startswith("* NAMESPACE"), ns
        assert ns == mailwire.RawResponse(ns.status, ns.text, ns.untagged)
        search = await imap.raw_command("UID SEARCH ALL", mailbox="INBOX")
        assert search.is_ok and search.untagged[0].startswith("* SEARCH"), search
        with pytest.raises(mailwire.InvalidInputError):
            await imap.raw_command("LOGOUT")


# conformance: imap.events.pending
def test_events_seen_during_other_calls_wait_under_their_mailbox_until_taken(env: Env) -> None:
    box, elsewhere = unique("pending"), unique("elsewhere")
    with ImapClient(**env.imap_kwargs(USER)) as c, ImapClient(**env.imap_kwargs(USER)) as other:  # type: ignore[arg-type]
        c.create_mailbox(box)
        c.create_mailbox(elsewhere)
        try:
            u1 = other.append(box, sample_message(env, USER, "1"))
            assert u1 is not None
            c.search(box)
            other.append(box, sample_message(env, USER, "2"))
            other.add_flags(box, u1, Flag.FLAGGED)
            # The NOOP brings both changes; then the client works in another mailbox.
            c.noop()
            c.search(elsewhere)
            assert c.pending_events(elsewhere) == []
            # Both changes, in the order the server sent them.
            events = c.pending_events(box)
            assert len(events) == 2, events
            assert any(e.kind == "exists" and e.count == 2 for e in events), events
            assert any(
                e.kind == "flags" and e.uid == u1 and Flag.FLAGGED in e.flags for e in events
            ), events
            assert c.pending_events(box) == [], "taken once"

            # What arrives during another call is the next idle's first answer, not lost when
            # IDLE starts.
            c.search(box)
            other.add_flags(box, u1, Flag.SEEN)
            c.noop()
            (event,) = c.idle(box, 20)
            assert event.kind == "flags" and event.uid == u1 and Flag.SEEN in event.flags, event
        finally:
            c.delete_mailbox(box)
            c.delete_mailbox(elsewhere)


# conformance: imap.events.pending
async def test_async_pending_events(env: Env) -> None:
    box = unique("apending")
    async with AsyncImapClient(**env.imap_kwargs(USER)) as c, AsyncImapClient(**env.imap_kwargs(USER)) as other:  # type: ignore[arg-type]
        await c.create_mailbox(box)
        try:
            uid = await other.append(box, sample_message(env, USER, "1"))
            assert await c.search(box) == [uid]
            await other.add_flags(box, uid, Flag.ANSWERED)  # type: ignore[arg-type]
            await c.noop()
            (event,) = await c.pending_events(box)
            assert event.kind == "flags" and event.uid == uid and Flag.ANSWERED in event.flags, event
            assert await c.pending_events(box) == []
        finally:
            await c.delete_mailbox(box)


def check_smtp_capabilities(extensions: list[str], mechanisms: list[str]) -> None:
    # Postfix's submission service after STARTTLS (see devserver's master.cf).
    for keyword in ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"]:
        assert keyword in extensions, extensions
    assert any(e.startswith("SIZE ") for e in extensions), extensions
    assert "STARTTLS" not in extensions, "not offered again inside TLS"
    assert "PLAIN" in mechanisms, mechanisms
    assert any(e.startswith("AUTH ") and "PLAIN" in e for e in extensions), extensions


# conformance: smtp.capabilities
def test_the_ehlo_extensions_and_auth_mechanisms_are_readable(env: Env) -> None:
    with SmtpClient(**env.smtp_kwargs(USER)) as smtp:  # type: ignore[arg-type]
        check_smtp_capabilities(smtp.extensions, smtp.auth_mechanisms)


# conformance: smtp.capabilities
async def test_async_ehlo_extensions_and_auth_mechanisms(env: Env) -> None:
    smtp = AsyncSmtpClient(**env.smtp_kwargs(USER))  # type: ignore[arg-type]
    with pytest.raises(mailwire.ClosedError):
        _ = smtp.extensions  # not connected yet
    async with smtp:
        check_smtp_capabilities(smtp.extensions, smtp.auth_mechanisms)
