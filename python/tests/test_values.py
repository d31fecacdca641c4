"""Results behave as Python values (issue 13): `UidMap` is a Mapping; every result class has a
repr of Python values listing its fields, compares by value and survives pickling; the
package has a `__version__`. Results come from the real devserver (t50 sends to t63)."""

from __future__ import annotations

import collections.abc
import datetime as dt
import importlib.metadata
import pickle
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Env, sample_message, unique

import mailwire
from mailwire import ImapClient, OutgoingMessage, SmtpClient, UidMap

# A Rust `Option` or a `Vec<u8>` printed with `{:?}`: what no repr may show.
RUST_DEBUG = re.compile(r"Some\(|\[\d{1,3}(, \d{1,3}){3,}")


def fields_repr(value: object, fields: tuple[str, ...]) -> str:
    """The repr a value class with these fields must have (as `dataclasses` writes it)."""
    shown = ", ".join(f"{f}={getattr(value, f)!r}" for f in fields)
    return f"{type(value).__name__}({shown})"


@pytest.fixture
def filled(env: Env, imap: ImapClient, mailbox: str) -> Iterator[tuple[str, list[int], str]]:
    """`mailbox` with three messages (the second has an attachment), and an empty `dest`."""
    uids = []
    for i in range(3):
        raw = sample_message(
            env, "t50", f"values {i}", attachment=b"\x00\x01" * 40 if i == 1 else None
        )
        uid = imap.append(mailbox, raw)
        assert uid is not None
        uids.append(uid)
    dest = unique("dest")
    imap.create_mailbox(dest)
    yield mailbox, uids, dest
    imap.delete_mailbox(dest)


def _server_uids(env: Env, mailbox: str) -> list[int]:
    checker = env.checker("t50")
    try:
        checker.select(mailbox, readonly=True)
        _, data = checker.uid("SEARCH", "ALL")
        return [int(u) for u in data[0].split()]
    finally:
        checker.logout()


# conformance: imap.copy-move
def test_uid_map_is_a_read_only_mapping_of_source_to_destination_uids(
    env: Env, imap: ImapClient, filled: tuple[str, list[int], str]
) -> None:
    box, uids, dest = filled
    copied = imap.copy_messages(box, list(reversed(uids)), dest)
    assert isinstance(copied, collections.abc.Mapping)
    # The destination UIDs are the ones the server now holds (checked independently).
    assert sorted(copied.values()) == _server_uids(env, dest)
    as_dict = dict(copied)
    assert sorted(as_dict) == uids and len(copied) == 3
    assert list(copied) == uids  # iteration in source UID order, whatever the input order
    for src in uids:
        assert src in copied and copied[src] == as_dict[src] == copied.get(src)
    assert 999_999 not in copied and "x" not in copied and copied.get(999_999) is None
    assert copied.get(999_999, -1) == -1
    with pytest.raises(KeyError):
        copied[999_999]
    assert list(copied.keys()) == uids and list(copied.items()) == list(as_dict.items())
    assert copied == as_dict and as_dict == copied and copied != {**as_dict, 1: 2}
    assert copied == UidMap(as_dict, uid_validity=copied.uid_validity)
    assert copied == UidMap(list(as_dict.items())) and copied != UidMap()
    assert copied.uid_validity == imap.mailbox_status(dest).uid_validity
    assert copied.pairs == list(as_dict.items())
    with pytest.raises(TypeError):
        hash(copied)  # a mapping, like dict, is not hashable
    with pytest.raises(TypeError):
        copied[uids[0]] = 5  # type: ignore[index]
    assert repr(copied) == f"UidMap({as_dict!r}, uid_validity={copied.uid_validity!r})"
    assert pickle.loads(pickle.dumps(copied)) == copied
    moved = imap.move_messages(box, uids[0], dest)
    assert dict(moved) == {uids[0]: moved[uids[0]]} and moved[uids[0]] in _server_uids(env, dest)


def _results(env: Env, imap: ImapClient, box: str, uids: list[int]) -> dict[str, Any]:
    """One of each result class, from real calls."""
    mailboxes = imap.list_mailboxes()
    summaries = imap.fetch_all(box, uids)
    summary = summaries[1]
    message = imap.fetch_message(box, uids[1])
    first = imap.sync(box)
    imap.add_flags(box, uids[2], unique("$k"))  # a new keyword: a change at every call
    later = imap.sync(box, first.state)
    raw = next(iter(imap.fetch_raw_many(box, uids[0])))
    subject = unique("sent")
    with SmtpClient(**env.smtp_kwargs("t50")) as smtp:  # type: ignore[arg-type]
        sent = smtp.send(
            OutgoingMessage(
                from_=env.address("t50"),
                to=[env.address("t63"), f"nobody@{env.domain}"],
                subject=subject,
                text="hi",
            )
        )
    discovered = mailwire.discover("someone@gmail.com")  # the built-in table: no network
    return {
        "Mailbox": next(m for m in mailboxes if m.name == "INBOX"),
        "MailboxStatus": imap.mailbox_status(box),
        "MessageSummary": summary,
        "Envelope": summary.envelope,
        "Address": summary.envelope.from_[0],
        "AttachmentInfo": summary.attachments[0],
        "RawMessage": raw,
        "SyncResult": later,
        "FlagChange": later.changed[0],
        "SendResult": sent,
        "RecipientError": sent.rejected[0],
        "Message": message,
        "Attachment": message.attachments[0],
        "UidSet": mailwire.UidSet([(1, 5), (7, 7)]),
        "MailboxEvent": mailwire.MailboxEvent(
            "expunge", None, mailwire.UidSet([(3, 4)]), 2, None, [], None, None
        ),
        "WatchEvent": mailwire.WatchEvent("changed", box, later, None),
        "Discovered": discovered,
        "ServerSettings": discovered.imap,
    }


FIELDS = {
    "Mailbox": ("name", "delimiter", "attributes", "role", "subscribed", "selectable"),
    "MailboxStatus": (
        "messages",
        "unseen",
        "recent",
        "uid_next",
        "uid_validity",
        "highest_modseq",
    ),
    "MessageSummary": (
        "uid",
        "flags",
        "size",
        "internal_date",
        "modseq",
        "envelope",
        "attachments",
        "gmail_message_id",
        "gmail_thread_id",
        "gmail_labels",
    ),
    "Envelope": (
        "date",
        "subject",
        "from_",
        "sender",
        "reply_to",
        "to",
        "cc",
        "bcc",
        "message_id",
        "in_reply_to",
    ),
    "AttachmentInfo": (
        "part",
        "filename",
        "content_type",
        "size",
        "content_id",
        "inline",
        "encoding",
    ),
    "SyncResult": ("state", "new", "changed", "vanished", "full_resync"),
    "FlagChange": ("uid", "flags", "modseq"),
    "SendResult": ("message_id", "accepted", "rejected"),
    "RecipientError": ("address", "code", "enhanced_code", "message", "permanent"),
    "MailboxEvent": ("kind", "count", "uids", "seq", "uid", "flags", "modseq", "dropped"),
    "WatchEvent": ("kind", "mailbox", "changes", "attempts"),
    "Discovered": ("imap", "smtp", "source"),
    "ServerSettings": ("host", "port", "security", "username"),
}


def test_results_have_python_reprs_compare_by_value_and_pickle(
    env: Env, imap: ImapClient, filled: tuple[str, list[int], str]
) -> None:
    box, uids, _ = filled
    results = _results(env, imap, box, uids)
    again = _results(env, imap, box, uids)
    for name, value in results.items():
        assert type(value).__name__ == name
        text = repr(value)
        assert not RUST_DEBUG.search(text), text
        if name in FIELDS:
            assert text == fields_repr(value, FIELDS[name])
        restored = pickle.loads(pickle.dumps(value))
        assert type(restored) is type(value) and restored == value, name
        assert repr(restored) == text
    # Equal by value: the same message fetched twice, the same mailbox listed twice.
    for name in ("Mailbox", "Envelope", "Address", "AttachmentInfo", "Message"):
        assert results[name] == again[name] and results[name] is not again[name], name
    one, same = imap.fetch_all(box, uids[1]), imap.fetch_all(box, uids[1])
    assert one == same and one[0] is not same[0]
    assert one[0] != imap.fetch_all(box, uids[2])[0] and one[0] != "MessageSummary"
    # Hashable when their fields are (as a frozen dataclass): usable in sets and as keys.
    assert len({results["Envelope"], again["Envelope"]}) == 1
    assert len({one[0], same[0]}) == 1
    # A repr of plain values reads back as an equal value.
    status = results["MailboxStatus"]
    assert eval(repr(status), {"MailboxStatus": mailwire.MailboxStatus}) == status
    summary = results["MessageSummary"]
    assert "values 1" in repr(summary) and "datetime.datetime(" in repr(summary)
    # SyncResult lists exactly its fields, with the values themselves.
    later = results["SyncResult"]
    assert repr(later) == (
        f"SyncResult(state={later.state!r}, new={later.new!r}, changed={later.changed!r}, "
        f"vanished={later.vanished!r}, full_resync={later.full_resync!r})"
    )
    assert [c.uid for c in later.changed] == [uids[2]]
    # Contents are shown by their size, never as bytes or lists of ints.
    raw = results["RawMessage"]
    assert repr(raw) == f"RawMessage(uid={uids[0]}, data=<{len(raw.data)} bytes>)"
    att = results["Attachment"]
    assert repr(att) == (
        "Attachment(filename='data.bin', content_type='application/octet-stream', "
        "data=<80 bytes>, content_id=None, inline=False)"
    )
    event = results["MailboxEvent"]
    assert repr(event) == (
        "MailboxEvent(kind='expunge', count=None, uids=UidSet('3:4'), seq=2, uid=None, "
        "flags=[], modseq=None, dropped=None)"
    )


def test_constructed_values_compare_and_pickle_like_fetched_ones() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    a = mailwire.Address("jane@example.com", name="Jane Doe")
    env1 = mailwire.Envelope(when, "Hi", (a,), (), (), (a,), (), (), "id@x", None)
    env2 = pickle.loads(pickle.dumps(env1))
    assert env1 == env2 and hash(env1) == hash(env2)
    assert env1 != mailwire.Envelope(when, "Hi!", (a,), (), (), (a,), (), (), "id@x", None)
    assert repr(a) == "Address('jane@example.com', name='Jane Doe')"
    assert repr(mailwire.Address("x@y.z")) == "Address('x@y.z')"
    # A list-valued field makes a value unhashable, as in a frozen dataclass.
    change = mailwire.FlagChange(5, ["\\Seen"], None)
    with pytest.raises(TypeError):
        hash(change)
    assert change == mailwire.FlagChange(5, ["\\Seen"], None) != mailwire.FlagChange(5, [], None)
    with pytest.raises(AttributeError):
        change.uid = 6  # type: ignore[misc]
    inline = mailwire.Attachment(None, "image/png", b"\x89PNG", content_id="logo", inline=True)
    assert pickle.loads(pickle.dumps(inline)) == inline
    msg = OutgoingMessage(from_="Jörg <j@example.org>", to="a@example.com, b@example.com")
    assert repr(msg) == (
        "OutgoingMessage(from_=Address('j@example.org', name='Jörg'), "
        "to=[Address('a@example.com'), Address('b@example.com')], subject=None, attachments=0)"
    )


def test_version_is_the_package_version() -> None:
    cargo = (Path(__file__).resolve().parents[2] / "Cargo.toml").read_text()
    version = re.search(r'(?m)^version = "([^"]+)"', cargo)
    assert version is not None
    assert mailwire.__version__ == importlib.metadata.version("mailwire") == version.group(1)
