#!/usr/bin/env python3
"""A Gmail-like IMAP peer: replays what Google's public documentation of Gmail's IMAP
extensions shows (developers.google.com/gmail/imap/imap-extensions and .../xoauth2-protocol),
for the X-GM-EXT-1 tests of every face. There is no Gmail here; Dovecot has no X-GM-EXT-1.

It serves one mailbox, INBOX, holding the four messages of the documentation's examples
(their X-GM-MSGID, X-GM-THRID and X-GM-LABELS values), and answers:
CAPABILITY, ID, ENABLE, LOGIN, AUTHENTICATE XOAUTH2 / OAUTHBEARER (the token `ya29.good` is
valid; any other gets the documented base64 JSON error challenge, then NO), SELECT/EXAMINE,
UID FETCH, UID STORE of X-GM-LABELS and FLAGS, UID SEARCH (ALL, X-GM-RAW with the documented
queries, X-GM-MSGID, X-GM-THRID), NOOP, UNSELECT, LOGOUT. Anything else is BAD.

Usage: peer.py [--mechanisms XOAUTH2,OAUTHBEARER]
Listens on 127.0.0.1, port 0, implicit TLS with the devserver's certificate; prints
`PORT <n>` on stdout and runs until its stdin closes. Stdlib only.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import ssl
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_TOKEN = "ya29.good"
# The error challenge of the XOAUTH2 documentation, decoded.
FAILURE = {"status": "401", "schemes": "bearer mac", "scope": "https://mail.google.com/"}
GREETING_CAPS = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR"
CAPS = (
    "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE "
    "ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE "
    "APPENDLIMIT=35651584"
)
# X-GM-RAW queries the documentation shows, with the messages that match here.
RAW_QUERIES = {"has:attachment in:unread": [2], "has:attachment": [2, 4], "in:sent": [1]}


def message(uid, msgid, thrid, labels, flags, subject, attachment):
    return {"uid": uid, "msgid": msgid, "thrid": thrid, "labels": labels, "flags": flags,
            "subject": subject, "attachment": attachment}


def mailbox():
    return [
        message(1, 1278455344230334865, 1266894439832287888,
                ["\\Inbox", "\\Sent", "Important", "Muy Importante"], ["\\Seen"], "Lunch", False),
        message(2, 1278455344230334866, 1266894439832287888, ["foo"], [], "Re: Lunch", True),
        message(3, 1278455344230334867, 1266894439832287890, [], ["\\Seen"], "Notes", False),
        message(4, 1278455344230334868, 1266894439832287891, ["\\Drafts"], ["\\Draft"], "Draft", True),
    ]


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def label_list(labels) -> str:
    return "(" + " ".join(l if l.startswith("\\") else quote(l) for l in labels) + ")"


def parse_labels(text: str) -> list[str]:
    """The labels of `(\\Inbox "Muy Importante" foo)`."""
    inner = text.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        raise ValueError(text)
    return [q.replace('\\"', '"').replace("\\\\", "\\") if q else a
            for q, a in re.findall(r'"((?:[^"\\]|\\.)*)"|([^\s()"]+)', inner[1:-1])]


def uid_set(text: str, last: int) -> set[int]:
    out = set()
    for part in text.split(","):
        a, _, b = part.partition(":")
        lo = last if a == "*" else int(a)
        hi = lo if not b else (last if b == "*" else int(b))
        out.update(range(min(lo, hi), max(lo, hi) + 1))
    return out


def fetch_line(seq: int, m: dict, items: str) -> str:
    body = ('("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL)'
            if not m["attachment"] else
            '(("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL)'
            '("APPLICATION" "PDF" ("NAME" "menu.pdf") NIL NIL "BASE64" 2048 NIL '
            '("ATTACHMENT" ("FILENAME" "menu.pdf")) NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)')
    envelope = ('("Tue, 17 Jul 2012 02:44:25 -0700" {subject} (("Ann" NIL "ann" "gmail.test")) '
                '(("Ann" NIL "ann" "gmail.test")) (("Ann" NIL "ann" "gmail.test")) '
                '((NIL NIL "me" "gmail.test")) NIL NIL NIL "<{uid}@gmail.test>")').format(
                    subject=quote(m["subject"]), uid=m["uid"])
    parts = [f"UID {m['uid']}"]
    want = items.upper()
    if "FLAGS" in want:
        parts.append("FLAGS (" + " ".join(m["flags"]) + ")")
    if "RFC822.SIZE" in want:
        parts.append("RFC822.SIZE 1234")
    if "INTERNALDATE" in want:
        parts.append('INTERNALDATE "17-Jul-2012 02:44:25 -0700"')
    if "ENVELOPE" in want:
        parts.append("ENVELOPE " + envelope)
    if "BODYSTRUCTURE" in want:
        parts.append("BODYSTRUCTURE " + body)
    if "MODSEQ" in want:
        parts.append(f"MODSEQ ({100 + m['uid']})")
    if "X-GM-MSGID" in want:
        parts.append(f"X-GM-MSGID {m['msgid']}")
    if "X-GM-THRID" in want:
        parts.append(f"X-GM-THRID {m['thrid']}")
    if "X-GM-LABELS" in want:
        parts.append("X-GM-LABELS " + label_list(m["labels"]))
    return f"* {seq} FETCH (" + " ".join(parts) + ")"


class Session:
    def __init__(self, reader, writer, mechanisms):
        self.r, self.w, self.mechanisms = reader, writer, mechanisms
        self.msgs = mailbox()
        self.selected = False

    async def send(self, line: str) -> None:
        self.w.write(line.encode() + b"\r\n")
        await self.w.drain()

    async def run(self) -> None:
        auth = " ".join(f"AUTH={m}" for m in self.mechanisms)
        await self.send(f"* OK [CAPABILITY {GREETING_CAPS} {auth}] Gimap ready for requests")
        while True:
            line = await self.r.readline()
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb, _, args = rest.partition(" ")
            verb = verb.upper()
            if verb == "UID":
                sub, _, args = args.partition(" ")
                verb = "UID " + sub.upper()
            handler = getattr(self, "cmd_" + verb.replace(" ", "_"), None)
            if handler is None:
                await self.send(f"{tag} BAD Unknown command")
                continue
            if await handler(tag, args) is False:
                return

    async def cmd_CAPABILITY(self, tag, args):
        await self.send(f"* CAPABILITY {CAPS}")
        await self.send(f"{tag} OK Success")

    async def cmd_ID(self, tag, args):
        await self.send('* ID ("name" "GImap" "vendor" "Google, Inc." '
                        '"support-url" "https://support.google.com/mail")')
        await self.send(f"{tag} OK Success")

    async def cmd_ENABLE(self, tag, args):
        enabled = [c for c in args.upper().split() if c in ("CONDSTORE", "UTF8=ACCEPT")]
        await self.send("* ENABLED " + " ".join(enabled))
        await self.send(f"{tag} OK Success")

    async def cmd_LOGIN(self, tag, args):
        await self.send(f"{tag} NO [ALERT] Application-specific password required")

    async def cmd_AUTHENTICATE(self, tag, args):
        mech = args.split()[0].upper() if args else ""
        if mech not in self.mechanisms:
            await self.send(f"{tag} NO Unsupported mechanism")
            return
        await self.send("+ ")
        payload = base64.b64decode((await self.r.readline()).strip() or b"=")
        token = re.search(rb"auth=Bearer ([^\x01]*)", payload)
        if token and token.group(1).decode() == GOOD_TOKEN:
            await self.send(f"{tag} OK [CAPABILITY {CAPS}] user@gmail.test authenticated (Success)")
            return
        await self.send("+ " + base64.b64encode(json.dumps(FAILURE).encode()).decode())
        await self.r.readline()  # XOAUTH2: an empty line; OAUTHBEARER: %x01
        await self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")

    async def cmd_SELECT(self, tag, args):
        if not args.strip().strip('"').upper().startswith("INBOX"):
            await self.send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {args} (Failure)")
            return
        self.selected = True
        await self.send("* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing)")
        await self.send("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)] Flags permitted.")
        await self.send("* OK [UIDVALIDITY 11] UIDs valid.")
        await self.send(f"* {len(self.msgs)} EXISTS")
        await self.send("* 0 RECENT")
        await self.send(f"* OK [UIDNEXT {self.msgs[-1]['uid'] + 1}] Predicted next UID.")
        await self.send("* OK [HIGHESTMODSEQ 200]")
        await self.send(f"{tag} OK [READ-WRITE] INBOX selected. (Success)")

    cmd_EXAMINE = cmd_SELECT

    async def cmd_UNSELECT(self, tag, args):
        self.selected = False
        await self.send(f"{tag} OK Returned to authenticated state. (Success)")

    async def cmd_NOOP(self, tag, args):
        await self.send(f"{tag} OK Success")

    async def cmd_LOGOUT(self, tag, args):
        await self.send("* BYE LOGOUT Requested")
        await self.send(f"{tag} OK 73 good day (Success)")
        return False

    def selected_messages(self, text):
        wanted = uid_set(text, self.msgs[-1]["uid"])
        return [(i + 1, m) for i, m in enumerate(self.msgs) if m["uid"] in wanted]

    async def cmd_UID_FETCH(self, tag, args):
        uids, _, items = args.partition(" ")
        for seq, m in self.selected_messages(uids):
            await self.send(fetch_line(seq, m, items))
        await self.send(f"{tag} OK Success")

    async def cmd_UID_STORE(self, tag, args):
        uids, _, rest = args.partition(" ")
        op, _, value = rest.partition(" ")
        op = op.upper()
        field = "labels" if "X-GM-LABELS" in op else "flags"
        values = parse_labels(value)
        for seq, m in self.selected_messages(uids):
            have = m[field]
            if op.startswith("+"):
                m[field] = have + [v for v in values if v not in have]
            elif op.startswith("-"):
                m[field] = [v for v in have if v not in values]
            else:
                m[field] = values
            if not op.endswith(".SILENT"):
                what = "X-GM-LABELS" if field == "labels" else "FLAGS"
                await self.send(fetch_line(seq, m, what))
        await self.send(f"{tag} OK Success")

    async def cmd_UID_SEARCH(self, tag, args):
        m = re.fullmatch(r'(?:CHARSET \S+ )?X-GM-RAW "((?:[^"\\]|\\.)*)"', args, re.I)
        if m:
            found = RAW_QUERIES.get(m.group(1), [])
        elif re.fullmatch(r"X-GM-(MSGID|THRID) \d+", args, re.I):
            key, value = args.split()
            field = "msgid" if key.upper() == "X-GM-MSGID" else "thrid"
            found = [x["uid"] for x in self.msgs if x[field] == int(value)]
        elif args.upper() == "ALL":
            found = [x["uid"] for x in self.msgs]
        else:
            await self.send(f"{tag} BAD Could not parse command")
            return
        await self.send("* SEARCH" + "".join(f" {u}" for u in found))
        await self.send(f"{tag} OK SEARCH completed (Success)")


def tls_context() -> ssl.SSLContext:
    state = os.environ.get("MAILWIRE_DEVSERVER_DIR")
    base = Path(state) if state else ROOT / "devserver" / ".state"
    chain, key = base / "tls" / "server-chain.pem", base / "tls" / "server.key"
    if not chain.exists():
        sys.exit(f"gmail peer: no devserver certificate under {base / 'tls'}: run devserver/devserver start")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(chain, key)
    return tls


async def main(mechanisms: list[str]) -> None:
    async def serve(reader, writer):
        try:
            await Session(reader, writer, mechanisms).run()
        except (ConnectionError, ssl.SSLError, ValueError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls_context())
    print(f"PORT {srv.sockets[0].getsockname()[1]}", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def watch_stdin() -> None:
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
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mechanisms", default="XOAUTH2,OAUTHBEARER",
                    help="the AUTH= mechanisms offered (Gmail offers both)")
    a = ap.parse_args()
    asyncio.run(main([m.strip().upper() for m in a.mechanisms.split(",") if m.strip()]))
