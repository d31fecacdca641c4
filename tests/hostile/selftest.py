#!/usr/bin/env python3
"""Checks peer.py with raw sockets, no mailwire involved: for every scenario of the
catalogue, the hostile bytes arrive as described at their trigger. When a hostile-suite
runner fails, this tells whether the client or the peer is at fault.

    python3 tests/hostile/selftest.py [SCENARIO...]

Needs the devserver's certificate (devserver/devserver start) and $MAILWIRE_CA (or the
default state directory). Exits 1 and names the scenarios whose bytes were wrong.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from run import Peer  # noqa: E402


def ca_file() -> str:
    if os.environ.get("MAILWIRE_CA"):
        return os.environ["MAILWIRE_CA"]
    state = os.environ.get("MAILWIRE_DEVSERVER_DIR") or str(ROOT / "devserver" / ".state")
    return os.path.join(state, "tls", "ca.pem")


class Raw:
    """A raw IMAP connection: bytes in, bytes out."""

    def __init__(self, port: int, plain: bool) -> None:
        self.sock: socket.socket = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.f = self.sock.makefile("rb")
        if not plain:
            self.tls()
        self.greeting = self.line()

    def tls(self) -> None:
        ctx = ssl.create_default_context(cafile=ca_file())
        self.sock = ctx.wrap_socket(self.sock, server_hostname="127.0.0.1")
        self.f = self.sock.makefile("rb")

    def line(self) -> bytes:
        """One line, CRLF included."""
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise EOFError(f"peer closed the connection after {line[:100]!r}")
        return line

    def exactly(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise EOFError("peer closed the connection inside a literal")
        return data

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def cmd(self, tag: str, text: str | bytes) -> bytes:
        """Sends one command; returns the response up to and including its tagged line."""
        if isinstance(text, str):
            text = text.encode()
        self.send(tag.encode() + b" " + text + b"\r\n")
        out = []
        while True:
            line = self.line()
            out.append(line)
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                out.append(self.exactly(int(m.group(1))))
                continue
            if line.startswith(tag.encode() + b" "):
                return b"".join(out)

    def silent_for(self, seconds: float) -> bool:
        """True when nothing arrives for `seconds` (the last use of this connection)."""
        self.sock.settimeout(seconds)
        try:
            return not self.f.peek(1)
        except (socket.timeout, TimeoutError):
            return True


FETCH_SUMMARY = "UID FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)"


def login_select(r: Raw) -> None:
    assert b"A1 OK" in r.cmd("A1", 'LOGIN "u" "p"')
    assert b"A2 OK" in r.cmd("A2", "SELECT INBOX")


def check_alert(r: Raw) -> None:
    out = r.cmd("A1", "NOOP")
    assert b"* OK [ALERT]\xc3\xa9\r\n" in out and out.endswith(b"A1 OK NOOP completed\r\n"), out


def check_internaldate(r: Raw) -> None:
    login_select(r)
    out = r.cmd("A3", FETCH_SUMMARY)
    assert b"INTERNALDATE NIL" in out and b"A3 OK" in out, out


def check_vanished(r: Raw) -> None:
    out = r.cmd("A1", "NOOP")
    assert out == b"* VANISHED 1:4294967295\r\nA1 OK NOOP completed\r\n", out


def check_idle_vanished(r: Raw) -> None:
    login_select(r)
    r.send(b"A3 IDLE\r\n")
    assert r.line() == b"+ idling\r\n"
    assert r.line() == b"* VANISHED 1:4294967295\r\n"
    r.send(b"DONE\r\n")
    assert r.line() == b"A3 OK IDLE terminated\r\n"


def check_copyuid(r: Raw) -> None:
    login_select(r)
    out = r.cmd("A3", "UID COPY 1 Dest")
    assert b"A3 OK [COPYUID 1 1:4294967295 1:4294967295]" in out, out


def check_appenduid(r: Raw) -> None:
    out = r.cmd("A1", b"APPEND INBOX () {7+}\r\nhello\r\n")
    assert b"A1 OK [APPENDUID 1 1:4294967295]" in out, out


def check_literal_silence(r: Raw) -> None:
    login_select(r)
    r.send(b"A3 UID FETCH 1 (UID BODY.PEEK[])\r\n")
    assert r.line() == b"* 1 FETCH (UID 1 BODY[] {536000000}\r\n"
    assert r.exactly(9) == b"From: x\r\n"
    assert r.silent_for(1.0), "bytes after the announced literal's first bytes"


def check_envelope(r: Raw) -> None:
    login_select(r)
    out = r.cmd("A3", FETCH_SUMMARY)
    assert out.endswith(b' ENVELOPE ("d" "s" ((NIL NIL "a" "b")) NIL\r\nA3 OK FETCH completed\r\n'), out
    assert out.startswith(b"* 1 FETCH (UID 1 FLAGS "), out


def check_split(r: Raw) -> None:
    login_select(r)
    out = r.cmd("A3", "UID FETCH 1 (UID BODY.PEEK[])")
    assert out == b"* 1 FETCH (UID 1 BODY[] {11}\r\nhello world)\r\nA3 OK FETCH completed\r\n", out


def check_chatter(r: Raw) -> None:
    r.send(b"A1 NOOP\r\n")
    start, lines = time.monotonic(), 0
    while time.monotonic() - start < 1.5:
        line = r.line()
        assert line == b"* OK chatter\r\n", line
        lines += 1
    assert 5 <= lines <= 10, lines


def check_continuations(r: Raw) -> None:
    out = r.cmd("A1", "NOOP")
    assert out.count(b"+ \r\n") == 2_000_000 and out.endswith(b"A1 OK NOOP completed\r\n")


def check_exists(r: Raw) -> None:
    out = r.cmd("A1", "NOOP")
    assert out.count(b" EXISTS\r\n") == 400_000 and b"* 400000 EXISTS\r\nA1 OK" in out


def check_list(r: Raw) -> None:
    out = r.cmd("A1", 'LIST "" "*"')
    assert out.count(b"* LIST ") == 80_000 and out.endswith(b"A1 OK LIST completed\r\n"), out[-200:]
    out = r.cmd("A2", 'LSUB "" "*"')
    assert out.count(b"* LSUB ") == 80_000 and out.endswith(b"A2 OK LSUB completed\r\n"), out[-200:]


def check_extra_uid(r: Raw) -> None:
    login_select(r)
    out = r.cmd("A3", FETCH_SUMMARY)
    assert b"* 1 FETCH (UID 1 " in out and b"* 2 FETCH (UID 999 " in out, out


def check_attachment(r: Raw) -> None:
    login_select(r)
    out = r.cmd("A3", "UID FETCH 1 (UID BODYSTRUCTURE)")
    assert b'"7BIT" 100 NIL ("ATTACHMENT"' in out, out
    chunk = 4 * 1024 * 1024
    for i, offset in enumerate((0, chunk, 2 * chunk)):
        out = r.cmd(f"A{4 + i}", f"UID FETCH 1 (UID BODY.PEEK[2]<{offset}.{chunk}>)")
        head = b"* 1 FETCH (UID 1 BODY[2]<%d> {%d}\r\n" % (offset, chunk)
        assert out.startswith(head) and out.count(b"A") >= chunk, out[:200]


def check_starttls(r: Raw) -> None:
    assert b"STARTTLS" in r.greeting and b"LOGINDISABLED" in r.greeting
    r.send(b"A1 STARTTLS\r\n")
    assert r.line() == b"A1 OK Begin TLS negotiation now\r\n"
    # The forged line arrives in plaintext, before any handshake.
    assert r.line() == b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"
    r.tls()
    out = r.cmd("A2", "CAPABILITY")
    assert b"STARTTLS" not in out and b"LOGINDISABLED" not in out, out


def check_logindisabled(r: Raw) -> None:
    assert b"LOGINDISABLED" in r.greeting and b"STARTTLS" not in r.greeting, r.greeting
    out = r.cmd("A1", 'LOGIN "u" "p"')
    assert out.startswith(b"A1 NO "), out


CHECKS: dict[str, tuple[Callable[[Raw], None], list[str]]] = {
    "alert-non-ascii": (check_alert, ["NOOP"]),
    "internaldate-nil": (check_internaldate, ["LOGIN", "SELECT", "UID FETCH"]),
    "vanished-huge": (check_vanished, ["NOOP"]),
    "idle-vanished-huge": (check_idle_vanished, ["IDLE"]),
    "copyuid-huge": (check_copyuid, ["UID COPY"]),
    "appenduid-huge": (check_appenduid, ["APPEND"]),
    "literal-huge-silence": (check_literal_silence, ["UID FETCH"]),
    "envelope-broken": (check_envelope, ["UID FETCH"]),
    "split-literal": (check_split, ["UID FETCH"]),
    "chatter-forever": (check_chatter, ["NOOP"]),
    "continuation-flood": (check_continuations, ["NOOP"]),
    "exists-flood": (check_exists, ["NOOP"]),
    "list-huge": (check_list, ["LIST", "LSUB"]),
    "fetch-extra-uid": (check_extra_uid, ["UID FETCH"]),
    "attachment-overflow": (check_attachment, ["UID FETCH"]),
    "starttls-injection": (check_starttls, ["STARTTLS", "TLS", "CAPABILITY"]),
    "logindisabled-plain": (check_logindisabled, ["LOGIN"]),
}


def run(name: str, plain: bool) -> str | None:
    """None when the scenario's bytes are right, else what was wrong."""
    check, facts = CHECKS[name]
    peer = Peer(name)
    try:
        r = Raw(peer.port, plain)
        check(r)
        r.sock.close()
    except (AssertionError, OSError, EOFError, ssl.SSLError) as e:
        peer.stop()
        return f"{type(e).__name__}: {str(e)[:300]}"
    saw = peer.stop()
    missing = [f for f in facts if f not in saw]
    if missing:
        return f"the peer did not print SAW {missing} (it printed {saw})"
    if "PEER-ERROR" in " ".join(saw):
        return f"the peer failed: {saw}"
    return None


def main(names: list[str]) -> int:
    with open(HERE / "scenarios.json", encoding="utf-8") as f:
        specs = {s["name"]: s for s in json.load(f)["scenarios"]}
    listed = subprocess.run(
        [sys.executable, str(HERE / "peer.py"), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    problems = []
    if set(specs) != set(listed) or set(specs) != set(CHECKS):
        problems.append(
            f"catalogue, peer and selftest disagree: catalogue {sorted(specs)}, "
            f"peer {sorted(listed)}, selftest {sorted(CHECKS)}"
        )
    for name in names or sorted(specs):
        start = time.monotonic()
        err = run(name, bool(specs[name].get("plain")))
        took = time.monotonic() - start
        print(f"{'ok  ' if err is None else 'FAIL'} {name} ({took:.1f} s){'' if err is None else ': ' + err}")
        if err is not None:
            problems.append(name)
    if problems:
        print("peer selftest failed: " + ", ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
