#!/usr/bin/env python3
"""A hostile IMAP server: the one scripted peer of mailwire's hostile-server suites.

    python3 tests/hostile/peer.py SCENARIO      serve SCENARIO (see scenarios.json)
    python3 tests/hostile/peer.py --list        print the scenario names this peer knows

It listens on 127.0.0.1, port 0, with implicit TLS (the devserver's certificate, which the
clients trust through $MAILWIRE_CA) unless the scenario says `"plain": true`, and prints
`PORT <n>` on stdout. It then serves any number of connections with a minimal IMAP4rev1
state machine (CAPABILITY, LOGIN, SELECT/EXAMINE, ENABLE, NOOP, LOGOUT, UID SEARCH,
UID FETCH, UID COPY/MOVE, APPEND, LIST/LSUB, STATUS, IDLE, STARTTLS) and injects the
scenario's hostile bytes at its trigger. Facts a test checks are printed as `SAW <text>`
lines: `SAW <VERB>` for every command that arrives (`SAW LOGIN`, `SAW UID FETCH`),
`SAW TLS` after a completed STARTTLS handshake. No argument of any command is printed.

The peer exits when its stdin closes (the test that started it ended) or on SIGTERM.
Python 3.11+, standard library only.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

MESSAGE = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.com\r\n"
    b"Subject: hello\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"hello\r\n"
)
INTERNALDATE = b'"01-Jan-2024 10:00:00 +0000"'
ENVELOPE = (
    b'("Mon, 01 Jan 2024 10:00:00 +0000" "hello" (("Alice" NIL "alice" "example.com")) '
    b'(("Alice" NIL "alice" "example.com")) (("Alice" NIL "alice" "example.com")) '
    b'((NIL NIL "bob" "example.com")) NIL NIL NIL "<1@example.com>")'
)
BODYSTRUCTURE = b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 7 1 NIL NIL NIL NIL)'
# Part 2 declares 100 octets (7BIT, so its decoded size is the same).
ATTACHMENT_OCTETS = 100
BODYSTRUCTURE_ATTACHMENT = (
    b'(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 7 1 NIL NIL NIL NIL)'
    b'("APPLICATION" "OCTET-STREAM" ("NAME" "a.bin") NIL NIL "7BIT" 100 NIL '
    b'("ATTACHMENT" ("FILENAME" "a.bin")) NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)'
)


def say(fact: str) -> None:
    """One line for the test on stdout."""
    sys.stdout.write(fact + "\n")
    sys.stdout.flush()


def log(text: str) -> None:
    if os.environ.get("MAILWIRE_HOSTILE_DEBUG"):
        sys.stderr.write(f"peer: {text}\n")
        sys.stderr.flush()


def catalogue() -> dict:
    with open(HERE / "scenarios.json", encoding="utf-8") as f:
        return json.load(f)


def tls_files() -> tuple[Path, Path]:
    """The devserver's server certificate chain and key."""
    state = os.environ.get("MAILWIRE_DEVSERVER_DIR")
    base = Path(state) if state else ROOT / "devserver" / ".state"
    chain, key = base / "tls" / "server-chain.pem", base / "tls" / "server.key"
    if not chain.exists() or not key.exists():
        sys.exit(f"peer: no devserver certificate under {base / 'tls'}: run devserver/devserver start")
    return chain, key


class Closed(Exception):
    """The client went away."""


class Conn:
    """One client connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        scenario: Scenario,
        tls: ssl.SSLContext,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.scenario = scenario
        self.tls = tls
        self.caps: str = scenario.caps
        # The verb of the command being answered.
        self.verb = ""

    async def start_tls(self) -> None:
        """Upgrades to TLS (after the tagged OK of STARTTLS was sent); from then on the
        capabilities no longer offer STARTTLS nor say LOGINDISABLED, as a real server's."""
        try:
            await self.writer.start_tls(self.tls)
        except (ConnectionError, ssl.SSLError, OSError) as e:
            log(f"STARTTLS handshake failed: {e!r}")
            raise Closed() from e
        self.caps = " ".join(w for w in self.caps.split() if w not in ("STARTTLS", "LOGINDISABLED"))
        say("SAW TLS")

    async def send(self, data: bytes) -> None:
        if self.writer.is_closing():
            raise Closed()
        self.writer.write(data)
        try:
            await self.writer.drain()
        except (ConnectionError, ssl.SSLError, RuntimeError) as e:
            raise Closed() from e

    async def line(self, tag: bytes, text: str | bytes) -> None:
        if isinstance(text, str):
            text = text.encode()
        await self.send(tag + b" " + text + b"\r\n")

    async def read_command(self) -> bytes | None:
        """One command line with its literals inlined (sync literals get a `+`)."""
        out = b""
        while True:
            try:
                part = await self.reader.readuntil(b"\r\n")
            except asyncio.IncompleteReadError:
                return None
            except (ConnectionError, ssl.SSLError, asyncio.LimitOverrunError):
                return None
            out += part
            m = re.search(rb"\{(\d+)(\+?)\}\r\n$", part)
            if not m:
                return out
            if not m.group(2):
                await self.send(b"+ go ahead\r\n")
            try:
                out += await self.reader.readexactly(int(m.group(1)))
            except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                return None

    async def until_closed(self) -> None:
        """Reads and drops whatever the client sends until it closes the connection."""
        try:
            while await self.reader.read(65536):
                pass
        except (ConnectionError, ssl.SSLError):
            pass

    async def while_open(self, work: Callable[[], Awaitable[None]]) -> None:
        """Runs `work` until it ends or the client closes the connection."""
        reading = asyncio.ensure_future(self.until_closed())
        working = asyncio.ensure_future(work())
        try:
            await asyncio.wait({reading, working}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (reading, working):
                t.cancel()
            for t in (reading, working):
                try:
                    await t
                except (asyncio.CancelledError, Closed):
                    pass
        raise Closed()


def verb_of(line: bytes) -> tuple[bytes, str, bytes]:
    """(tag, VERB, rest) of a command line; UID commands get a two-word verb."""
    parts = line.rstrip(b"\r\n").split(b" ", 2)
    tag = parts[0]
    verb = parts[1].decode("ascii", "replace").upper() if len(parts) > 1 else ""
    rest = parts[2] if len(parts) > 2 else b""
    if verb == "UID" and rest:
        sub, _, rest = rest.partition(b" ")
        verb = "UID " + sub.decode("ascii", "replace").upper()
    return tag, verb, rest


def uid_set_has(spec: bytes, uid: int) -> bool:
    for item in spec.split(b","):
        lo, _, hi = item.partition(b":")
        a = 2**32 - 1 if lo == b"*" else int(lo)
        b = a if not hi else (2**32 - 1 if hi == b"*" else int(hi))
        if min(a, b) <= uid <= max(a, b):
            return True
    return False


def literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data


def fetch_attrs(uid: int, items: bytes, caps: str, bodystructure: bytes = BODYSTRUCTURE) -> bytes:
    """The FETCH attributes of message `uid` for the requested `items`."""
    up = items.upper()
    out = [b"UID %d" % uid]
    if b"FLAGS" in up:
        out.append(b"FLAGS (\\Seen)")
    if b"RFC822.SIZE" in up:
        out.append(b"RFC822.SIZE %d" % len(MESSAGE))
    if b"INTERNALDATE" in up:
        out.append(b"INTERNALDATE " + INTERNALDATE)
    if b"ENVELOPE" in up:
        out.append(b"ENVELOPE " + ENVELOPE)
    if b"BODYSTRUCTURE" in up:
        out.append(b"BODYSTRUCTURE " + bodystructure)
    if b"MODSEQ" in up and "CONDSTORE" in caps:
        out.append(b"MODSEQ (1)")
    for m in re.finditer(rb"BODY\.PEEK\[([0-9.]*)\](?:<(\d+)\.(\d+)>)?", items, re.I):
        section, start, length = m.group(1), m.group(2), m.group(3)
        data = MESSAGE if section in (b"", b"1") else b""
        name = b"BODY[" + section + b"]"
        if start is not None:
            s, n = int(start), int(length)
            data = data[s : s + n]
            name += b"<%d>" % s
        out.append(name + b" " + literal(data))
    return b" ".join(out)


Handler = Callable[[Conn, bytes, bytes], Awaitable[bool]]


class Scenario:
    """Listener settings plus the hostile handlers, by command verb. A handler returns
    True when it answered the command, False to let the normal server answer."""

    def __init__(self, name: str, spec: dict, default_caps: str) -> None:
        self.name = name
        self.plain = bool(spec.get("plain", False))
        self.caps = spec.get("caps", default_caps)
        self.hooks: dict[str, Handler] = HOSTILE[name]


# ------------------------------------------------------------------ hostile handlers -----


async def alert_non_ascii(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.send(b"* OK [ALERT]\xc3\xa9\r\n" + tag + b" OK NOOP completed\r\n")
    return True


async def internaldate_nil(c: Conn, tag: bytes, rest: bytes) -> bool:
    attrs = fetch_attrs(1, rest, c.caps).replace(b"INTERNALDATE " + INTERNALDATE, b"INTERNALDATE NIL")
    if b"INTERNALDATE NIL" not in attrs:
        return False
    await c.send(b"* 1 FETCH (" + attrs + b")\r\n" + tag + b" OK FETCH completed\r\n")
    return True


async def vanished_huge(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.send(b"* VANISHED 1:4294967295\r\n" + tag + b" OK NOOP completed\r\n")
    return True


async def idle_vanished_huge(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.send(b"+ idling\r\n")
    await asyncio.sleep(0.1)
    await c.send(b"* VANISHED 1:4294967295\r\n")
    done = await c.read_command()
    if done is None:
        raise Closed()
    await c.line(tag, "OK IDLE terminated")
    return True


async def copyuid_huge(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.line(tag, "OK [COPYUID 1 1:4294967295 1:4294967295] COPY completed")
    return True


async def appenduid_huge(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.line(tag, "OK [APPENDUID 1 1:4294967295] APPEND completed")
    return True


async def literal_huge_silence(c: Conn, tag: bytes, rest: bytes) -> bool:
    if b"BODY.PEEK[]" not in rest.upper():
        return False
    await c.send(b"* 1 FETCH (UID 1 BODY[] {536000000}\r\nFrom: x\r\n")
    await c.while_open(lambda: asyncio.sleep(3600))
    return True


async def envelope_broken(c: Conn, tag: bytes, rest: bytes) -> bool:
    # The shape of fuzz/regressions/imap_stream/broken_envelope_complete: the ENVELOPE (last)
    # has four of its ten fields and neither it nor the FETCH is closed; then the tagged OK.
    # The response is complete, and no further byte can make it parse.
    items = rest.replace(b" BODYSTRUCTURE", b"").replace(b" ENVELOPE", b"")
    await c.send(
        b"* 1 FETCH (" + fetch_attrs(1, items, c.caps)
        + b' ENVELOPE ("d" "s" ((NIL NIL "a" "b")) NIL\r\n'
        + tag + b" OK FETCH completed\r\n"
    )
    return True


async def split_literal(c: Conn, tag: bytes, rest: bytes) -> bool:
    if b"BODY.PEEK[]" not in rest.upper():
        return False
    # Each piece is its own TLS record, 50 ms apart.
    for piece in (b"* 1 FETCH (UID 1 BODY[] {11}\r\n", b"hello", b" world", b")\r\n", tag + b" OK FETCH completed\r\n"):
        await c.send(piece)
        await asyncio.sleep(0.05)
    return True


async def chatter_forever(c: Conn, tag: bytes, rest: bytes) -> bool:
    async def chatter() -> None:
        while True:
            await c.send(b"* OK chatter\r\n")
            await asyncio.sleep(0.2)

    await c.while_open(chatter)
    return True


async def continuation_flood(c: Conn, tag: bytes, rest: bytes) -> bool:
    block = b"+ \r\n" * 20_000
    for _ in range(100):  # 2,000,000 lines
        await c.send(block)
    await c.line(tag, "OK NOOP completed")
    return True


async def exists_flood(c: Conn, tag: bytes, rest: bytes) -> bool:
    n = 1
    for _ in range(40):  # 400,000 lines
        await c.send(b"".join(b"* %d EXISTS\r\n" % i for i in range(n, n + 10_000)))
        n += 10_000
    await c.line(tag, "OK NOOP completed")
    return True


async def list_huge(c: Conn, tag: bytes, rest: bytes) -> bool:
    word = c.verb.encode()
    for start in range(0, 80_000, 10_000):
        await c.send(
            b"".join(
                b'* %s (\\HasNoChildren) "/" "box%05d"\r\n' % (word, i)
                for i in range(start, start + 10_000)
            )
        )
    await c.line(tag, b"OK " + word + b" completed")
    return True


async def fetch_extra_uid(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.send(
        b"* 1 FETCH (" + fetch_attrs(1, rest, c.caps) + b")\r\n"
        b"* 2 FETCH (" + fetch_attrs(999, rest, c.caps) + b")\r\n"
        + tag + b" OK FETCH completed\r\n"
    )
    return True


async def attachment_overflow(c: Conn, tag: bytes, rest: bytes) -> bool:
    up = rest.upper()
    m = re.search(rb"BODY\.PEEK\[2\]<(\d+)\.(\d+)>", up)
    if m:
        start, length = int(m.group(1)), int(m.group(2))
        # Whatever was asked, a full chunk of the asked length: the part never ends.
        head = b"* 1 FETCH (UID 1 BODY[2]<%d> {%d}\r\n" % (start, length)
        await c.send(head)
        block = b"A" * 65536
        left = length
        while left:
            n = min(left, len(block))
            await c.send(block[:n])
            left -= n
        await c.send(b")\r\n" + tag + b" OK FETCH completed\r\n")
        return True
    if b"BODY.PEEK[2]" in up:
        data = b"A" * (4 * 1024 * 1024)
        await c.send(b"* 1 FETCH (UID 1 BODY[2] " + literal(data) + b")\r\n" + tag + b" OK FETCH completed\r\n")
        return True
    if b"BODYSTRUCTURE" in up:
        attrs = fetch_attrs(1, rest, c.caps, BODYSTRUCTURE_ATTACHMENT)
        await c.send(b"* 1 FETCH (" + attrs + b")\r\n" + tag + b" OK FETCH completed\r\n")
        return True
    return False


async def starttls_injection(c: Conn, tag: bytes, rest: bytes) -> bool:
    # The tagged OK and a forged response in one write: both arrive before the handshake.
    await c.send(tag + b" OK Begin TLS negotiation now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
    await c.start_tls()
    return True


async def logindisabled_login(c: Conn, tag: bytes, rest: bytes) -> bool:
    await c.line(tag, "NO [PRIVACYREQUIRED] LOGIN is disabled on this connection")
    return True


HOSTILE: dict[str, dict[str, Handler]] = {
    "alert-non-ascii": {"NOOP": alert_non_ascii},
    "internaldate-nil": {"UID FETCH": internaldate_nil},
    "vanished-huge": {"NOOP": vanished_huge},
    "idle-vanished-huge": {"IDLE": idle_vanished_huge},
    "copyuid-huge": {"UID COPY": copyuid_huge},
    "appenduid-huge": {"APPEND": appenduid_huge},
    "literal-huge-silence": {"UID FETCH": literal_huge_silence},
    "envelope-broken": {"UID FETCH": envelope_broken},
    "split-literal": {"UID FETCH": split_literal},
    "chatter-forever": {"NOOP": chatter_forever},
    "continuation-flood": {"NOOP": continuation_flood},
    "exists-flood": {"NOOP": exists_flood},
    "list-huge": {"LIST": list_huge, "LSUB": list_huge},
    "fetch-extra-uid": {"UID FETCH": fetch_extra_uid},
    "attachment-overflow": {"UID FETCH": attachment_overflow},
    "starttls-injection": {"STARTTLS": starttls_injection},
    "logindisabled-plain": {"LOGIN": logindisabled_login},
}


# --------------------------------------------------------------------- normal server -----


class Server:
    def __init__(self, scenario: Scenario, tls: ssl.SSLContext) -> None:
        self.scenario = scenario
        self.tls = tls

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        c = Conn(reader, writer, self.scenario, self.tls)
        try:
            await c.send(b"* OK [CAPABILITY " + c.caps.encode() + b"] ready\r\n")
            while True:
                line = await c.read_command()
                if line is None:
                    break
                tag, verb, rest = verb_of(line)
                say(f"SAW {verb}")
                log(f"C: {tag.decode(errors='replace')} {verb}")
                c.verb = verb
                hook = self.scenario.hooks.get(verb)
                if hook and await hook(c, tag, rest):
                    continue
                if not await self.normal(c, tag, verb, rest):
                    break
        except Closed:
            pass
        except Exception as e:  # noqa: BLE001 - a peer bug must show, not hang the test
            log(f"error: {e!r}")
            say(f"SAW PEER-ERROR {type(e).__name__}")
        finally:
            say("SAW CLOSED")
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def normal(self, c: Conn, tag: bytes, verb: str, rest: bytes) -> bool:
        """The well-behaved answer; False when the connection ends."""
        caps = c.caps
        if verb == "CAPABILITY":
            await c.send(b"* CAPABILITY " + caps.encode() + b"\r\n")
            await c.line(tag, "OK CAPABILITY completed")
        elif verb == "LOGIN":
            if "LOGINDISABLED" in caps.split():
                await c.line(tag, "NO [PRIVACYREQUIRED] LOGIN is disabled")
            else:
                await c.line(tag, "OK LOGIN completed")
        elif verb == "AUTHENTICATE":
            await c.line(tag, "NO [AUTHENTICATIONFAILED] not supported here")
        elif verb == "ENABLE":
            words = [w for w in rest.decode(errors="replace").split() if w.upper() in caps.upper().split()]
            await c.send(b"* ENABLED " + " ".join(words).encode() + b"\r\n")
            await c.line(tag, "OK ENABLE completed")
        elif verb == "STARTTLS":
            if "STARTTLS" not in caps.split():
                await c.line(tag, "BAD STARTTLS not offered")
            else:
                await c.line(tag, "OK Begin TLS negotiation now")
                await c.start_tls()
        elif verb in ("SELECT", "EXAMINE"):
            await c.send(
                b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                b"* 1 EXISTS\r\n* 0 RECENT\r\n"
                b"* OK [UIDVALIDITY 1] UIDs valid\r\n"
                b"* OK [UIDNEXT 2] Predicted next UID\r\n"
                + (b"* OK [HIGHESTMODSEQ 1] Highest\r\n" if "CONDSTORE" in caps else b"")
            )
            mode = "READ-ONLY" if verb == "EXAMINE" else "READ-WRITE"
            await c.line(tag, f"OK [{mode}] {verb} completed")
        elif verb in ("NOOP", "CHECK", "UNSELECT", "CLOSE", "EXPUNGE", "UID EXPUNGE", "UID STORE",
                      "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE"):
            await c.line(tag, f"OK {verb} completed")
        elif verb == "LOGOUT":
            await c.send(b"* BYE logging out\r\n")
            await c.line(tag, "OK LOGOUT completed")
            return False
        elif verb == "UID SEARCH":
            await c.send(b"* SEARCH 1\r\n")
            await c.line(tag, "OK SEARCH completed")
        elif verb == "UID FETCH":
            spec, _, items = rest.partition(b" ")
            if uid_set_has(spec, 1):
                await c.send(b"* 1 FETCH (" + fetch_attrs(1, items, caps) + b")\r\n")
            await c.line(tag, "OK FETCH completed")
        elif verb == "UID COPY":
            await c.line(tag, "OK [COPYUID 1 1 1] COPY completed")
        elif verb == "UID MOVE":
            await c.send(b"* OK [COPYUID 1 1 1] moved\r\n* 1 EXPUNGE\r\n")
            await c.line(tag, "OK MOVE completed")
        elif verb == "APPEND":
            await c.line(tag, "OK [APPENDUID 1 2] APPEND completed")
        elif verb in ("LIST", "LSUB"):
            await c.send(b'* %s (\\HasNoChildren) "/" INBOX\r\n' % verb.encode())
            await c.send(b'* %s (\\HasNoChildren) "/" Dest\r\n' % verb.encode())
            await c.line(tag, f"OK {verb} completed")
        elif verb == "STATUS":
            await c.send(b"* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1 UNSEEN 0 RECENT 0)\r\n")
            await c.line(tag, "OK STATUS completed")
        elif verb == "IDLE":
            await c.send(b"+ idling\r\n")
            if await c.read_command() is None:
                return False
            await c.line(tag, "OK IDLE terminated")
        elif verb == "ID":
            await c.send(b"* ID NIL\r\n")
            await c.line(tag, "OK ID completed")
        else:
            await c.line(tag, "BAD unknown command")
        return True


async def main(name: str) -> None:
    cat = catalogue()
    specs = {s["name"]: s for s in cat["scenarios"]}
    if name not in specs or name not in HOSTILE:
        sys.exit(f"peer: unknown scenario {name!r} (catalogue and peer must both know it)")
    scenario = Scenario(name, specs[name], cat["default_caps"])
    chain, key = tls_files()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(chain, key)
    server = Server(scenario, tls)
    srv = await asyncio.start_server(
        server.serve,
        "127.0.0.1",
        0,
        ssl=None if scenario.plain else tls,
        limit=1 << 20,
    )
    port = srv.sockets[0].getsockname()[1]
    say(f"PORT {port}")
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def watch_stdin() -> None:
        # Blocks in a thread until the parent closes our stdin (or dies).
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        loop.call_soon_threadsafe(lambda: stdin_closed.done() or stdin_closed.set_result(None))

    loop.run_in_executor(None, watch_stdin)
    async with srv:
        await stdin_closed
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--list":
        print("\n".join(sorted(HOSTILE)))
        sys.exit(0)
    asyncio.run(main(sys.argv[1]))
