"""Fetching the summaries of 10,000 messages from the devserver: mailwire's `ImapClient`
next to the standard library's imaplib and (when installed) imapclient, in one run.

Every client asks for the same items (UID, FLAGS, RFC822.SIZE, INTERNALDATE, ENVELOPE,
BODYSTRUCTURE) over implicit TLS. imaplib stops at the raw response lines (that is as far
as it parses); imapclient and mailwire give parsed objects (mailwire: decoded envelope,
aware datetimes, the attachment list). The mailbox ``bench-10k`` of user t64 is seeded
once by APPEND; each client is warmed up once, then timed three times; the median is
reported.

    eval "$(devserver/devserver env)"
    pip install ./python imapclient
    python bench/python_summaries.py
"""

from __future__ import annotations

import imaplib
import os
import ssl
import statistics
import time
from collections.abc import Callable

import mailwire

USER, BOX, COUNT = "t64", "bench-10k", 10_000
ITEMS = "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)"

host = os.environ["MAILWIRE_HOST"]
port = int(os.environ["MAILWIRE_IMAPS_PORT"])
ca = os.environ["MAILWIRE_CA"]
password = os.environ["MAILWIRE_PASSWORD_PATTERN"].replace("{user}", USER)


def seed() -> None:
    with mailwire.ImapClient(host, port, username=USER, password=password, ca_pem=ca) as c:
        if BOX not in [m.name for m in c.list_mailboxes()]:
            c.create_mailbox(BOX)
        have = c.mailbox_status(BOX).messages
        for i in range(have, COUNT):
            c.append(
                BOX,
                (
                    f"From: Sender {i % 97} <sender{i % 97}@example.org>\r\n"
                    f"To: t64@localhost\r\nSubject: Benchmark message {i}\r\n"
                    f"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
                    f"Message-ID: <bench-{i}@example.org>\r\n\r\nBody {i}\r\n"
                ).encode(),
            )
        assert c.mailbox_status(BOX).messages == COUNT


def run_mailwire() -> int:
    with mailwire.ImapClient(host, port, username=USER, password=password, ca_pem=ca) as c:
        n = 0
        for s in c.fetch(BOX, "1:*"):
            n += s.uid > 0
        return n


def run_imaplib() -> int:
    ctx = ssl.create_default_context(cafile=ca)
    c = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
    c.login(USER, password)
    c.select(BOX, readonly=True)
    typ, data = c.uid("FETCH", "1:*", ITEMS)
    assert typ == "OK"
    c.logout()
    return sum(1 for d in data if isinstance(d, bytes) and b"ENVELOPE" in d)


def run_imapclient() -> int:
    import imapclient

    ctx = ssl.create_default_context(cafile=ca)
    c = imapclient.IMAPClient(host, port, ssl=True, ssl_context=ctx)
    c.login(USER, password)
    c.select_folder(BOX, readonly=True)
    r = c.fetch("1:*", ["UID", "FLAGS", "RFC822.SIZE", "INTERNALDATE", "ENVELOPE", "BODYSTRUCTURE"])
    c.logout()
    return len(r)


def measure(name: str, fn: Callable[[], int]) -> float | None:
    try:
        assert fn() == COUNT, name  # warm-up (also fills Dovecot's cache)
    except ImportError:
        print(f"{name:<12} not installed")
        return None
    times = []
    for _ in range(3):
        t = time.perf_counter()
        assert fn() == COUNT
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    print(
        f"{name:<12} median {median * 1000:7.1f} ms  ({COUNT / median:9.0f} msg/s)  "
        f"runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms"
    )
    return median


if __name__ == "__main__":
    seed()
    results = {
        "mailwire": measure("mailwire", run_mailwire),
        "imaplib": measure("imaplib", run_imaplib),
        "imapclient": measure("imapclient", run_imapclient),
    }
    base = results["mailwire"]
    if base:
        for name, t in results.items():
            if t and name != "mailwire":
                print(f"mailwire is {t / base:.1f}x faster than {name}")
