#!/usr/bin/env python3
"""The driver of the hostile-server suites: runs catalogue scenarios against one face's
client and judges them. Each face's runner (core/tests/hostile.rs,
python/tests/test_hostile.py, node/tests/hostile.test.js,
kotlin/src/test/kotlin/dev/mailwire/HostileTest.kt with HostileChild.kt,
swift/Tests/MailwireTests/HostileTests.swift with swift/Tests/HostileChild) supplies a
*child*: a command that makes one call through that face's public API and reports what
happened.

    python3 tests/hostile/run.py [--scenario NAME]... [--json] -- CHILD-COMMAND...

Per scenario the driver starts peer.py, then the child with a resource limit (2 GiB of
data, 64 MiB per written file: a client that expands a server's range or writes without
bound fails instead of taking the machine down) and `MAILWIRE_HOSTILE_SPEC` in its
environment, a JSON object:

    {"name": …, "call": "fetch 1", "client": {"timeout": 5, …}, "port": 40123,
     "ca": "/…/ca.pem", "dir": "/tmp/…", "limit": 25}

The child connects to 127.0.0.1:port (user "hostile", password "not-a-secret"), trusting
the CA; makes the call (`dir` is where save_attachment writes `attachment.bin`); gives up
after `limit` seconds (outcome `hung`); prints one line `HOSTILE-RESULT {json}` with
`outcome` (`ok`, an error kind, `panic`, `hung` or `other`), `message`, `elapsed`
(seconds, connect + call), `rss_growth_mb` (peak VmRSS during connect + call minus VmRSS
before), `result` (`uids`, `count`, `body_bytes`: see scenarios.json) and `error_type`
(the class of the error, for the faces that have classes); and exits 0. The driver checks: the child lived (exit 0, a
result line), the outcome is one `expect` allows, the time bound (wall `seconds`, or the
child's CPU time against `cpu_seconds` where a scenario gives one: work-bound scenarios are
judged by the work done, not by how busy the machine is), the RSS bound, the peer's
SAW facts, the result checks (the size of the largest file left in `dir` it measures
itself). Exit status 0 when every scenario passed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

DATA_LIMIT = 2 << 30
FILE_LIMIT = 64 << 20
MARK = "HOSTILE-RESULT "

# Sets the limits, then becomes the child (a trampoline, so the driver needs no preexec_fn).
LIMITS = (
    "import os, resource, sys\n"
    f"resource.setrlimit(resource.RLIMIT_DATA, ({DATA_LIMIT}, {DATA_LIMIT}))\n"
    f"resource.setrlimit(resource.RLIMIT_FSIZE, ({FILE_LIMIT}, {FILE_LIMIT}))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def catalogue() -> list[dict]:
    with open(HERE / "scenarios.json", encoding="utf-8") as f:
        return json.load(f)["scenarios"]


def settings() -> dict[str, str]:
    """The MAILWIRE_* settings, from the environment or from `devserver env`."""
    env = {k: v for k, v in os.environ.items() if k.startswith("MAILWIRE_")}
    if "MAILWIRE_CA" not in env:
        script = env.get("MAILWIRE_DEVSERVER", str(ROOT / "devserver" / "devserver"))
        out = subprocess.run([script, "env"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export ") :].split("=", 1)
                env[k] = v.strip("'")
    if "MAILWIRE_CA" not in env or not Path(env["MAILWIRE_CA"]).exists():
        sys.exit("hostile: no devserver certificate: run devserver/devserver start")
    return env


class Peer:
    """peer.py SCENARIO in a child process; its SAW lines collected by a thread."""

    def __init__(self, name: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "peer.py"), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if not first.startswith("PORT "):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"peer.py {name} did not start: {first!r}")
        self.port = int(first.split()[1])
        self.saw: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("SAW "):
                self.saw.append(line[4:].strip())

    def stop(self) -> list[str]:
        """Ends the peer; returns the facts it printed."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        return self.saw


@dataclass
class Verdict:
    name: str
    problems: list[str] = field(default_factory=list)
    outcome: str = "?"
    elapsed: float | None = None
    cpu: float | None = None
    rss_mb: float | None = None
    message: str = ""
    saw: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def line(self) -> str:
        t = "-" if self.elapsed is None else f"{self.elapsed:.2f} s"
        c = "-" if self.cpu is None else f"{self.cpu:.2f} s"
        m = "-" if self.rss_mb is None else f"{self.rss_mb:.0f} MB"
        head = f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.outcome}, {t} (CPU {c}), +{m}"
        if self.passed:
            return head
        return head + "\n    " + "\n    ".join(self.problems)


def judge(spec: dict, report: dict | None, saw: list[str], v: Verdict) -> None:
    """Adds to `v.problems` whatever `report` and `saw` break of `spec`."""
    for fact in spec.get("saw", []):
        if fact not in saw:
            v.problems.append(f"the peer never saw {fact}")
    for fact in spec.get("not_saw", []):
        if fact in saw:
            v.problems.append(f"the peer saw {fact}, which must not happen here")
    if any(f.startswith("PEER-ERROR") for f in saw):
        v.problems.append(f"the peer itself failed ({saw}): fix peer.py")
    if report is None:
        return
    v.outcome = str(report.get("outcome"))
    v.elapsed = report.get("elapsed")
    v.rss_mb = report.get("rss_growth_mb")
    v.message = str(report.get("message") or "")
    allowed = spec["expect"]
    if v.outcome not in allowed:
        detail = f": {v.message[:300]}" if v.message else ""
        if "cannot write" in v.message:
            detail += f" (files are limited to {FILE_LIMIT >> 20} MiB here: the client wrote that much)"
        v.problems.append(f"outcome {v.outcome}, expected {' or '.join(allowed)}{detail}")
    if "cpu_seconds" in spec:
        # Work-bound scenarios (a flood to parse) are judged by the client's CPU time: a
        # quadratic client burns it whatever the load, a linear one does not, and a busy
        # machine stretches only the wall time. The wall bound still ends a hung client.
        if v.cpu is None or v.cpu > spec["cpu_seconds"]:
            v.problems.append(f"used {v.cpu} s of CPU, bound {spec['cpu_seconds']} s")
    elif v.elapsed is None or v.elapsed > spec["seconds"]:
        v.problems.append(f"took {v.elapsed} s, bound {spec['seconds']} s")
    if v.rss_mb is None or v.rss_mb > spec["rss_mb"]:
        v.problems.append(f"resident memory grew by {v.rss_mb} MB, bound {spec['rss_mb']} MB")
    result = report.get("result") or {}
    checks = spec.get("result", {})
    if v.outcome != "ok":
        # Result checks that are about a returned value apply to successful calls only.
        checks = {k: c for k, c in checks.items() if k == "file_max_bytes"}
    for key, want in checks.items():
        if key == "uids":
            if result.get("uids") != want or result.get("uids_count", len(want)) != len(want):
                v.problems.append(f"returned UIDs {result.get('uids')}, expected exactly {want}")
        elif key == "uids_within":
            got = result.get("uids")
            if got is None or any(u not in want for u in got):
                v.problems.append(f"returned UIDs {got}, expected only UIDs from {want}")
        elif key == "count":
            if result.get("count") != want:
                v.problems.append(f"returned {result.get('count')} items, expected {want}")
        elif key == "body_bytes":
            if result.get("body_bytes") != want:
                v.problems.append(f"returned {result.get('body_bytes')} bytes, expected {want}")
        elif key == "file_max_bytes":
            got = result.get("file_bytes")
            if got is not None and got > want:
                v.problems.append(f"left a file of {got} bytes, bound {want}")
        else:
            v.problems.append(f"unknown result check {key!r} in scenarios.json")


def run(spec: dict, child: list[str], env: dict[str, str]) -> Verdict:
    """Runs scenario `spec` with the face's `child` command; the verdict says why it
    failed, if it did."""
    v = Verdict(spec["name"])
    peer = Peer(spec["name"], env)
    workdir = tempfile.mkdtemp(prefix="mailwire-hostile-")
    limit = spec["seconds"] * 2 + 5
    child_spec = {
        "name": spec["name"],
        "call": spec["call"],
        "client": spec.get("client", {}),
        "port": peer.port,
        "ca": env["MAILWIRE_CA"],
        "dir": workdir,
        "limit": limit,
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [sys.executable, "-c", LIMITS, *child],
        # No backtrace: symbolizing one would count tens of MB against the client.
        env={**os.environ, **env, "MAILWIRE_HOSTILE_SPEC": json.dumps(child_spec), "RUST_BACKTRACE": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    killed = False
    try:
        out, err = proc.communicate(timeout=limit + 15)
    except subprocess.TimeoutExpired:
        killed = True
        proc.kill()
        out, err = proc.communicate()
    # The child is the only process reaped since `before` (the peer is reaped by stop()).
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    v.cpu = round(
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3
    )
    v.saw = peer.stop()
    # What save_attachment left on disk (the final file or a partial one), measured here
    # so that it counts even when the client died.
    sizes = [p.stat().st_size for p in Path(workdir).rglob("*") if p.is_file()]
    file_bytes = max(sizes) if sizes else None
    shutil.rmtree(workdir, ignore_errors=True)
    report = None
    for line in out.splitlines():
        if line.startswith(MARK):
            try:
                report = json.loads(line[len(MARK) :])
            except json.JSONDecodeError as e:
                v.problems.append(f"unreadable result line ({e}): {line[:200]}")
    lines = [l for l in err.strip().splitlines() if l.strip()]
    # The first lines say what happened (a panic's message, a failed allocation).
    tail = "\n      ".join(lines[:4] + (["…"] + lines[-2:] if len(lines) > 6 else lines[4:]))
    if killed:
        v.outcome = "killed"
        v.problems.append(f"the client did not return within {limit + 15} s and was killed")
    elif proc.returncode != 0:
        how = (
            f"killed by {signal.Signals(-proc.returncode).name}"
            if proc.returncode < 0
            else f"exit status {proc.returncode}"
        )
        v.outcome = "died"
        v.problems.append(f"the client process died ({how}); stderr:\n      {tail}")
    elif report is None:
        v.problems.append(f"the client printed no {MARK.strip()} line; stderr:\n      {tail}")
    if report is not None:
        report.setdefault("result", {})["file_bytes"] = file_bytes
    judge(spec, report, v.saw, v)
    if report is None and file_bytes is not None and file_bytes > spec.get("result", {}).get("file_max_bytes", file_bytes):
        v.problems.append(f"left a file of {file_bytes} bytes, bound {spec['result']['file_max_bytes']}")
    return v


def select(names: list[str] | None) -> list[dict]:
    """The catalogue's scenarios, or those named (also from $MAILWIRE_HOSTILE_ONLY,
    comma-separated)."""
    scenarios = catalogue()
    only = names or [n for n in os.environ.get("MAILWIRE_HOSTILE_ONLY", "").split(",") if n]
    if only:
        known = {s["name"] for s in scenarios}
        unknown = [n for n in only if n not in known]
        if unknown:
            sys.exit(f"hostile: unknown scenarios {unknown}")
        scenarios = [s for s in scenarios if s["name"] in only]
    return scenarios


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    ap.add_argument("--json", action="store_true", help="also print each verdict as JSON")
    ap.add_argument("child", nargs=argparse.REMAINDER, help="-- CHILD-COMMAND...")
    args = ap.parse_args()
    child = args.child[1:] if args.child[:1] == ["--"] else args.child
    if not child:
        ap.error("give the child command after --")
    env = settings()
    failed = []
    for spec in select(args.scenario):
        start = time.monotonic()
        v = run(spec, child, env)
        print(f"{v.line()}   [{time.monotonic() - start:.1f} s]", flush=True)
        if args.json:
            print("VERDICT " + json.dumps(v.__dict__ | {"passed": v.passed}), flush=True)
        if not v.passed:
            failed.append(v.name)
    if failed:
        print(f"hostile: {len(failed)} scenario(s) failed: {', '.join(failed)}", flush=True)
        return 1
    print("hostile: every scenario passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
