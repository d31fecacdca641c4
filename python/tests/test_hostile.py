"""The hostile-server suite of the Python face (issue 11): every scenario of
``tests/hostile/scenarios.json``, with the blocking and the asyncio client.

``tests/hostile/peer.py`` serves bytes no real server sends; ``tests/hostile/run.py`` runs
this file as the child (one connect + call in a process of its own, so a scenario that
kills its process cannot take pytest with it) and judges it: the outcome is one the
scenario allows (a ``MailError`` of that kind, never ``PanicException``), within its time
and memory bounds, with the process alive and the peer's facts as required.
``MAILWIRE_HOSTILE_ONLY=name,name`` runs only those scenarios.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

HOSTILE = Path(__file__).resolve().parents[2] / "tests" / "hostile"
sys.path.insert(0, str(HOSTILE))

import run as hostile  # noqa: E402
import selftest  # noqa: E402

SCENARIOS = {s["name"]: s for s in hostile.select(None)}


# ------------------------------------------------------------------------ the tests -----


@pytest.fixture(scope="module")
def settings() -> dict[str, str]:
    return hostile.settings()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_peer_sends_the_scenarios_bytes(name: str) -> None:
    """Checked with raw sockets: when a face fails a scenario, the client is at fault."""
    err = selftest.run(name, bool(SCENARIOS[name].get("plain")))
    assert err is None, err


# conformance: hostile.server
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_hostile_server(name: str, mode: str, settings: dict[str, str]) -> None:
    verdict = hostile.run(SCENARIOS[name], [sys.executable, __file__, mode], settings)
    assert verdict.passed, verdict.line()


# ------------------------------------------------------------------------ the child -----

MESSAGE = b"From: a@example.com\r\nSubject: hostile\r\n\r\nhello\r\n"


class Hung(Exception):
    """The call did not return within the scenario's limit."""


def memory() -> tuple[int, int]:
    """VmRSS and VmHWM of this process, in kB."""
    with open("/proc/self/status") as f:
        status = f.read()
    rss = re.search(r"VmRSS:\s+(\d+)", status)
    hwm = re.search(r"VmHWM:\s+(\d+)", status)
    return int(rss.group(1)) if rss else 0, int(hwm.group(1)) if hwm else 0


def kwargs(spec: dict[str, Any]) -> dict[str, Any]:
    client = spec["client"]
    kw: dict[str, Any] = dict(
        host="127.0.0.1",
        port=spec["port"],
        security=client.get("security", "tls"),
        username="hostile",
        password="not-a-secret",
        ca_pem=spec["ca"],
        timeout=client.get("timeout", 5),
        connect_timeout=5,
    )
    if "allow_plaintext_auth" in client:
        kw["allow_plaintext_auth"] = client["allow_plaintext_auth"]
    return kw


def words(spec: dict[str, Any]) -> tuple[str, list[str]]:
    w = spec["call"].split()
    return w[0], w[1:]


def uids_result(uids: list[int]) -> dict[str, Any]:
    return {"uids": uids[:1000], "uids_count": len(uids)}


def call_sync(spec: dict[str, Any]) -> dict[str, Any]:
    import mailwire

    imap = mailwire.ImapClient(**kwargs(spec))
    verb, args = words(spec)
    if verb in ("login_plain", "starttls"):
        return {}
    if verb == "noop":
        imap.noop()
        return {}
    if verb == "fetch":
        return uids_result([s.uid for s in imap.fetch("INBOX", int(args[0]))])
    if verb == "fetch_raw":
        return {"body_bytes": len(imap.fetch_raw("INBOX", int(args[0])))}
    if verb == "copy":
        m = imap.copy_messages("INBOX", int(args[0]), args[1])
        return uids_result([src for src, _ in m.pairs])
    if verb == "append":
        return {"uid": imap.append("INBOX", MESSAGE)}
    if verb == "idle":
        return {"count": len(imap.idle("INBOX", float(args[0].rstrip("s"))))}
    if verb == "list":
        return {"count": len(imap.list_mailboxes())}
    if verb == "save_attachment":
        path = os.path.join(spec["dir"], "attachment.bin")
        return {"written": imap.save_attachment("INBOX", int(args[0]), args[1], path)}
    raise ValueError(f"unknown call {spec['call']!r}")


async def call_async(spec: dict[str, Any]) -> dict[str, Any]:
    import mailwire

    imap = await mailwire.AsyncImapClient.connect(**kwargs(spec))
    verb, args = words(spec)
    if verb in ("login_plain", "starttls"):
        return {}
    if verb == "noop":
        await imap.noop()
        return {}
    if verb == "fetch":
        return uids_result([s.uid async for s in imap.fetch("INBOX", int(args[0]))])
    if verb == "fetch_raw":
        return {"body_bytes": len(await imap.fetch_raw("INBOX", int(args[0])))}
    if verb == "copy":
        m = await imap.copy_messages("INBOX", int(args[0]), args[1])
        return uids_result([src for src, _ in m.pairs])
    if verb == "append":
        return {"uid": await imap.append("INBOX", MESSAGE)}
    if verb == "idle":
        return {"count": len(await imap.idle("INBOX", float(args[0].rstrip("s"))))}
    if verb == "list":
        return {"count": len(await imap.list_mailboxes())}
    if verb == "save_attachment":
        path = os.path.join(spec["dir"], "attachment.bin")
        return {"written": await imap.save_attachment("INBOX", int(args[0]), args[1], path)}
    raise ValueError(f"unknown call {spec['call']!r}")


def child(mode: str) -> None:
    """One connect + call; prints the HOSTILE-RESULT line (see tests/hostile/run.py)."""
    import mailwire

    spec = json.loads(os.environ["MAILWIRE_HOSTILE_SPEC"])
    limit = float(spec["limit"])
    result: dict[str, Any] = {}
    message, error_type = "", ""
    rss_before, _ = memory()
    # Resets VmHWM to the current RSS, so that it measures the peak of this call.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    start = time.monotonic()
    try:
        if mode == "sync":

            def hung(signum: int, frame: object) -> None:
                raise Hung(f"no answer in {limit} s")

            # A blocking call wakes every 100 ms for signal handlers: this one ends it.
            signal.signal(signal.SIGALRM, hung)
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                result = call_sync(spec)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        else:
            result = asyncio.run(asyncio.wait_for(call_async(spec), limit))
        outcome = "ok"
    except mailwire.MailError as e:
        outcome, message, error_type = e.kind, str(e), type(e).__name__
    except (Hung, TimeoutError) as e:
        outcome, message, error_type = "hung", str(e) or f"no answer in {limit} s", type(e).__name__
    except BaseException as e:  # noqa: BLE001 - PanicException is a BaseException
        kind = "panic" if type(e).__name__ == "PanicException" else "other"
        outcome, message, error_type = kind, f"{type(e).__name__}: {e}", type(e).__name__
    elapsed = time.monotonic() - start
    _, peak = memory()
    report = {
        "outcome": outcome,
        "message": message,
        "elapsed": elapsed,
        "rss_growth_mb": max(0, peak - rss_before) / 1024,
        "result": result,
        "error_type": error_type,
    }
    sys.stdout.write(hostile.MARK + json.dumps(report) + "\n")
    sys.stdout.flush()
    # The runtime may hold a task stuck on the hostile server: do not wait for it.
    os._exit(0)


if __name__ == "__main__":
    child(sys.argv[1])
