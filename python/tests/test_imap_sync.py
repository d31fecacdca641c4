"""Every IMAP capability through the blocking `ImapClient`, against the real Dovecot (t50)."""

from __future__ import annotations

import datetime as dt
import email.message

import pytest
from conftest import Env, sample_message, unique

import mailwire
from mailwire import Flag, ImapClient, SearchQuery


# conformance: imap.connect.tls, imap.connect.starttls, imap.auth.xoauth2
def test_connect_with_password_token_and_starttls(env: Env) -> None:
    with ImapClient(**env.imap_kwargs("t50")) as c:  # type: ignore[arg-type]
        assert c.has_capability("IMAP4rev1")
        c.noop()
    with ImapClient(
        env.host, env.imaps_port, username="t50", access_token=env.token("t50"), ca_pem=env.ca
    ) as c:
        assert c.mailbox_status("INBOX").messages >= 0
    with ImapClient(
        env.host,
        env.imap_port,
        security="starttls",
        username="t50",
        password=env.password("t50"),
        ca_pem=open(env.ca, "rb").read(),
    ) as c:
        assert c.has_capability("idle")
    with ImapClient.connect(**env.imap_kwargs("t50")) as c:  # type: ignore[arg-type]
        assert "t50" in repr(c)


# conformance: imap.mailboxes.list
def test_list_and_status_with_roles(imap: ImapClient) -> None:
    boxes = {m.name: m for m in imap.list_mailboxes()}
    assert boxes["INBOX"].role == "inbox"
    assert any(m.role == "sent" for m in boxes.values())
    status = imap.mailbox_status("INBOX")
    assert status.uid_validity > 0 and status.uid_next >= 1
    assert "MailboxStatus(messages=" in repr(status)


# conformance: imap.mailboxes.status
def test_status_counts_messages_and_unseen(imap: ImapClient, mailbox: str) -> None:
    empty = imap.mailbox_status(mailbox)
    assert (empty.messages, empty.unseen) == (0, 0)
    seen = imap.append(mailbox, b"Subject: read\r\n\r\nx\r\n", flags=["\\Seen"])
    imap.append(mailbox, b"Subject: unread\r\n\r\nx\r\n")
    st = imap.mailbox_status(mailbox)
    assert (st.messages, st.unseen) == (2, 1)
    assert st.uid_next > (seen or 0) and st.uid_validity == empty.uid_validity


# conformance: imap.mailboxes.manage, imap.mailboxes.utf8
def test_create_rename_subscribe_delete(imap: ImapClient, env: Env) -> None:
    name, renamed = unique("box"), unique("Grüße")
    imap.create_mailbox(name)
    with pytest.raises(mailwire.AlreadyExistsError):
        imap.create_mailbox(name)
    imap.rename_mailbox(name, renamed)
    imap.subscribe(renamed)
    box = next(m for m in imap.list_mailboxes() if m.name == renamed)
    assert box.subscribed and box.selectable
    imap.unsubscribe(renamed)
    assert not next(m for m in imap.list_mailboxes() if m.name == renamed).subscribed
    imap.delete_mailbox(renamed)
    assert renamed not in [m.name for m in imap.list_mailboxes()]
    with pytest.raises(mailwire.NotFoundError):
        imap.delete_mailbox(renamed)


# conformance: imap.search.fields, imap.search.or-not, imap.fetch.summaries, imap.append
def test_append_search_fetch_summaries(imap: ImapClient, mailbox: str, env: Env) -> None:
    subject = unique("Grüße report")
    uid = imap.append(mailbox, sample_message(env, "t50", subject, attachment=b"x" * 5000))
    other = imap.append(mailbox, sample_message(env, "t50", unique("other")), flags=[Flag.SEEN])
    assert uid and other and other > uid
    assert imap.search(mailbox) == [uid, other]
    assert imap.search(mailbox, seen=False) == [uid]
    assert imap.search(mailbox, subject=subject) == [uid]
    assert imap.search(mailbox, SearchQuery(seen=True) | SearchQuery(subject=subject)) == [
        uid,
        other,
    ]
    assert imap.search(mailbox, "SEEN") == [other]
    assert imap.search(mailbox, {"seen": True}) == [other]
    assert imap.search(mailbox, "UNSEEN", subject="nothing-matches") == []
    assert imap.search(mailbox, since=dt.date.today() - dt.timedelta(days=1)) == [uid, other]

    summaries = list(imap.fetch(mailbox, [uid, other], batch_size=1))
    assert [s.uid for s in summaries] == [uid, other]
    s = summaries[0]
    assert s.envelope.subject == subject
    assert s.envelope.from_[0].address == env.address("t50")
    assert s.envelope.from_[0].name == "Sender"
    assert s.internal_date is not None and s.internal_date.tzinfo is not None
    assert s.size > 5000 and not s.has_flag(Flag.SEEN)
    assert summaries[1].has_flag("\\seen")
    (att,) = s.attachments
    assert att.filename == "data.bin" and att.part
    assert "MessageSummary(uid=" in repr(s) and subject in repr(s)
    with pytest.raises(AttributeError):
        s.uid = 5  # type: ignore[misc]
    assert isinstance(s.flags, tuple)
    # fetch never sets \Seen
    assert imap.search(mailbox, seen=False) == [uid]
    assert [x.uid for x in imap.fetch_all(mailbox, "1:*")] == [uid, other]
    # `*` is the highest UID, also as the end of a range that starts above it.
    assert [x.uid for x in imap.fetch_all(mailbox, "*")] == [other]
    assert [x.uid for x in imap.fetch_all(mailbox, f"{other + 5}:*")] == [other]
    assert [x.uid for x in imap.fetch(mailbox, range(uid, other + 1), attachments=False)] == [
        uid,
        other,
    ]


# conformance: imap.fetch.message, imap.fetch.raw, imap.fetch.range, imap.download.part, imap.save-attachment
def test_fetch_message_raw_range_download_save(
    imap: ImapClient, mailbox: str, env: Env, tmp_path
) -> None:
    payload = bytes(range(256)) * 40
    subject = unique("parts")
    uid = imap.append(mailbox, sample_message(env, "t50", subject, attachment=payload))
    assert uid
    raw = imap.fetch_raw(mailbox, uid)
    assert isinstance(raw, bytes) and subject.encode() in raw
    assert imap.fetch_range(mailbox, uid, 0, 10) == raw[:10]
    msg = imap.fetch_message(mailbox, uid)
    assert msg.subject == subject and msg.text and "mailwire tests" in msg.text
    assert msg.attachments[0].data == payload
    assert msg.raw == raw
    em = msg.as_email_message()
    assert isinstance(em, email.message.EmailMessage) and em["Subject"] == subject
    part = imap.fetch_all(mailbox, uid)[0].attachments[0].part
    assert imap.download(mailbox, uid, part) == payload
    seen: list[tuple[int, int | None]] = []
    path = tmp_path / "saved.bin"
    n = imap.save_attachment(
        mailbox, uid, part, path, progress=lambda done, total: seen.append((done, total))
    )
    assert n == len(payload) and path.read_bytes() == payload and seen
    with pytest.raises(mailwire.NotFoundError):
        imap.fetch_raw(mailbox, uid + 1000)
    with pytest.raises(mailwire.InvalidInputError):
        imap.download(mailbox, uid, "not a part")


# conformance: imap.flags, imap.copy-move, imap.delete-expunge
def test_flags_copy_move_delete_expunge(imap: ImapClient, mailbox: str, env: Env) -> None:
    uids = [imap.append(mailbox, sample_message(env, "t50", unique("f"))) for _ in range(3)]
    a, b, c = uids
    imap.add_flags(mailbox, [a, b], [Flag.FLAGGED, "$Work"])
    imap.remove_flags(mailbox, b, "$Work")
    imap.set_flags(mailbox, c, [Flag.SEEN])
    flags = {s.uid: set(s.flags) - {Flag.RECENT} for s in imap.fetch(mailbox, uids)}
    assert flags[a] == {"\\Flagged", "$Work"}
    assert flags[b] == {"\\Flagged"}
    assert flags[c] == {"\\Seen"}
    with pytest.raises(mailwire.InvalidInputError):
        imap.add_flags(mailbox, a, ["two words"])

    dest = unique("dest")
    imap.create_mailbox(dest)
    try:
        copied = imap.copy_messages(mailbox, [a], dest)
        assert copied.get(a) is not None and len(copied) == 1
        moved = imap.move_messages(mailbox, [b], dest)
        assert moved.get(b) is not None and "UidMap(" in repr(moved)
        imap.delete_messages(mailbox, [c])
        # Checked with an independent client (imaplib).
        chk = env.checker("t50")
        chk.select(f'"{mailbox}"', readonly=True)
        assert chk.uid("SEARCH", "ALL")[1][0].split() == [str(a).encode()]
        chk.select(f'"{dest}"', readonly=True)
        assert len(chk.uid("SEARCH", "ALL")[1][0].split()) == 2
        chk.logout()
        imap.add_flags(mailbox, a, Flag.DELETED)
        imap.expunge(mailbox)
        assert imap.search(mailbox) == []
    finally:
        imap.delete_mailbox(dest)


# conformance: imap.append
def test_append_outgoing_and_email_message(imap: ImapClient, mailbox: str) -> None:
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    uid = imap.append(
        mailbox,
        mailwire.OutgoingMessage(from_="a@example.org", to="b@example.org", subject="out"),
        flags=[Flag.DRAFT],
        date=when,
    )
    em = email.message.EmailMessage()
    em["From"], em["To"], em["Subject"] = "a@example.org", "b@example.org", "stdlib"
    em.set_content("hello\n")
    uid2 = imap.append(mailbox, em)
    s1, s2 = imap.fetch_all(mailbox, [uid, uid2])
    assert s1.internal_date == when and s1.has_flag(Flag.DRAFT)
    assert s2.envelope.subject == "stdlib"
    assert imap.fetch_raw(mailbox, uid2).count(b"\r\n") > 3


# conformance: imap.idle, imap.watch
def test_idle_and_watch(imap: ImapClient, env: Env) -> None:
    box = unique("idle")
    imap.create_mailbox(box)
    try:
        assert imap.idle(box, 0.3) == []
        other = ImapClient(**env.imap_kwargs("t50"))  # type: ignore[arg-type]
        import threading

        t = threading.Timer(0.5, lambda: other.append(box, b"Subject: x\r\n\r\nbody\r\n"))
        t.start()
        events = imap.idle(box, 10)
        t.join()
        assert events and events[0].kind == "exists" and events[0].count == 1
        assert repr(events[0]).startswith("MailboxEvent(kind='exists', count=1, ")
        t = threading.Timer(0.5, lambda: other.append(box, b"Subject: y\r\n\r\nbody\r\n"))
        t.start()
        event = next(iter(imap.watch(box, timeout=10)))
        t.join()
        assert event.kind == "exists" and event.count == 2
        other.logout()
    finally:
        imap.delete_mailbox(box)


# conformance: imap.sync, imap.uids.ranges
def test_sync_state_string(imap: ImapClient, mailbox: str, env: Env) -> None:
    first = imap.sync(mailbox)
    assert first.full_resync and first.new == [] and first.state.startswith("v2:qresync:")
    a = imap.append(mailbox, sample_message(env, "t50", unique("s")))
    b = imap.append(mailbox, sample_message(env, "t50", unique("s")))
    second = imap.sync(mailbox, first.state)
    assert not second.full_resync and second.new == [a, b]
    imap.add_flags(mailbox, a, Flag.FLAGGED)
    imap.delete_messages(mailbox, b)
    third = imap.sync(mailbox, second.state)
    assert [c.uid for c in third.changed] == [a] and "\\Flagged" in third.changed[0].flags
    assert third.vanished == [b]
    assert isinstance(third.vanished, mailwire.UidSet) and b in third.vanished
    assert len(third.vanished) == 1 and third.vanished.ranges == [(b, b)]
    with pytest.raises(mailwire.InvalidInputError):
        imap.sync(mailbox, "not a state")


# The devserver's capability profiles (devserver/README.md): the same Dovecot and mail,
# advertising QRESYNC (main address), CONDSTORE without QRESYNC (gmail-like), or IMAP4rev1
# alone (bare). User user6.
PROFILES = [
    ("MAILWIRE_HOST", "127.0.0.1", "qresync"),
    ("MAILWIRE_GMAILLIKE_HOST", "127.0.0.3", "condstore"),
    ("MAILWIRE_BARE_HOST", "127.0.0.4", "basic"),
]


# conformance: imap.sync.profiles
@pytest.mark.parametrize("host_var,default,mode", PROFILES, ids=["qresync", "gmail-like", "bare"])
def test_sync_gives_the_same_answers_on_every_server_profile(
    env: Env, host_var: str, default: str, mode: str
) -> None:
    user = "user6"
    phone_kwargs = env.imap_kwargs(user) | {"host": env.vars.get(host_var, default)}
    with ImapClient(**phone_kwargs) as phone, ImapClient(**env.imap_kwargs(user)) as other:  # type: ignore[arg-type]
        mb = unique("profile")
        other.create_mailbox(mb)
        try:
            old = [
                other.append(mb, sample_message(env, user, unique("old")), flags=f)
                for f in ([], ["\\Seen"], [], [])
            ]
            first = phone.sync(mb)
            assert first.full_resync and first.new == old
            assert not first.changed and len(first.vanished) == 0
            assert first.state.startswith(f"v2:{mode}:")

            # Another device: two new messages, new flags on one, one expunged.
            added = [other.append(mb, sample_message(env, user, unique("new"))) for _ in range(2)]
            other.add_flags(mb, old[1], [Flag.FLAGGED, "$Later"])
            other.delete_messages(mb, old[2])
            second = phone.sync(mb, first.state)
            assert not second.full_resync
            assert second.new == added
            assert [c.uid for c in second.changed] == [old[1]]
            assert {"\\Seen", "\\Flagged", "$Later"} <= set(second.changed[0].flags)
            assert (second.changed[0].modseq is None) == (mode == "basic")
            assert second.vanished.ranges == [(old[2], old[2])]
            assert second.state.startswith(f"v2:{mode}:")

            third = phone.sync(mb, second.state)
            assert not third.full_resync
            assert (third.new, third.changed, len(third.vanished)) == ([], [], 0)

            # Deleted and created again: a new UIDVALIDITY, and only then a full resync.
            before = other.mailbox_status(mb).uid_validity
            other.delete_mailbox(mb)
            other.create_mailbox(mb)
            again = other.append(mb, sample_message(env, user, unique("again")))
            assert other.mailbox_status(mb).uid_validity != before
            fourth = phone.sync(mb, third.state)
            assert fourth.full_resync and fourth.new == [again]
            assert not fourth.changed and len(fourth.vanished) == 0
        finally:
            other.delete_mailbox(mb)


def test_logout_then_closed(env: Env) -> None:
    c = ImapClient(**env.imap_kwargs("t50"))  # type: ignore[arg-type]
    c.logout()
    with pytest.raises(mailwire.ClosedError):
        c.noop()
