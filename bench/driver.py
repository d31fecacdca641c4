#!/usr/bin/env python3
"""bench/run's driver: seeds, warms up, runs every runner on every scenario N times, and
writes bench/results/ (table.md, results.json, results.csv, chart.png).

Each runner is a separate program that does ONE repetition of ONE scenario and prints one
JSON line: {"runner", "scenario", "seconds", "items", "bytes", "rss_base_mb", "rss_peak_mb",
"rss_growth_mb", ...}. A runner that cannot run (package not installed) is listed as
"not available"; a scenario it does not do is left out. No number is ever made up.
"""
import argparse, csv, json, os, shutil, statistics, subprocess, sys, time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = str(BENCH / ".venv" / "bin" / "python")
NODE = shutil.which("node") or "node"

SCENARIOS = ["summaries", "bodies", "search_flag", "send_small", "send_large",
             "idle_100", "idle_1000", "parse", "big_attachment"]

def env_of_devserver():
    ds = os.environ.get("MAILWIRE_DEVSERVER") or str(ROOT / "devserver" / "devserver")
    if not Path(ds).exists() and Path("/work/main/devserver/devserver").exists():
        ds = "/work/main/devserver/devserver"
    out = subprocess.run([ds, "env"], capture_output=True, text=True, check=True).stdout
    env = {}
    for line in out.splitlines():
        if line.startswith("export "):
            k, v = line[7:].split("=", 1)
            env[k] = v.strip("'\"")
    return env

def runners(binary):
    """name, language, argv prefix (scenario and config path are appended), scenarios,
    availability check (None = available, else the reason)."""
    def py(script):
        return [PY, str(BENCH / "python" / script)]
    def node(script):
        return [NODE, str(BENCH / "node" / script)]
    imap = ["summaries", "bodies", "search_flag", "big_attachment"]
    idle = ["idle_100", "idle_1000"]
    send = ["send_small", "send_large"]
    return [
        ("raw", "limit", [binary, "raw"], imap + send + idle),
        ("mailwire-rust", "rust", [binary, "mailwire"], SCENARIOS),
        ("mailwire-py-sync", "python", py("run_mailwire.py") + ["sync"], imap + send + ["parse"]),
        ("mailwire-py-async", "python", py("run_mailwire.py") + ["async"], imap + send + idle),
        ("imaplib", "python", py("run_imaplib.py"), imap),
        ("imapclient", "python", py("run_imapclient.py"), imap),
        ("aioimaplib", "python", py("run_aioimaplib.py"), imap + idle),
        ("smtplib", "python", py("run_smtplib.py"), send),
        ("aiosmtplib", "python", py("run_aiosmtplib.py"), send),
        ("email", "python", py("run_email.py"), ["parse"]),
        ("mailwire-node", "node", node("run_mailwire.js"), SCENARIOS),
        ("imapflow", "node", node("run_imapflow.js"), imap + idle),
        ("nodemailer", "node", node("run_nodemailer.js"), send),
        ("mailparser", "node", node("run_mailparser.js"), ["parse"]),
    ]

def probe_available(argv):
    """Runs the runner with the scenario 'check': exit 0 = available."""
    try:
        r = subprocess.run(argv + ["check", "-"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if r.returncode == 0:
        return None
    return (r.stdout + r.stderr).strip().splitlines()[-1][:200] if (r.stdout + r.stderr).strip() else f"exit {r.returncode}"

def run_one(argv, scenario, cfg_path, timeout):
    t = time.time()
    try:
        r = subprocess.run(argv + [scenario, cfg_path], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout}s"}
    if r.returncode == 3:
        return {"unsupported": True}
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1][:300]
        return {"error": f"exit {r.returncode}: {tail}"}
    row = json.loads(lines[-1])
    row["wall_seconds"] = time.time() - t
    return row

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--messages", type=int)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--runners", default="")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", default=str(BENCH / "results"))
    ap.add_argument("--security", default="tls", choices=["tls", "plain"])
    a = ap.parse_args()
    if a.smoke and a.out == str(BENCH / "results"):
        a.out = str(BENCH / "results" / "smoke")

    env = env_of_devserver()
    smoke = a.smoke
    users = ({"mail": "user11", "big": "user12", "send": "user13", "rcpt": "user14", "idle": "user15"} if smoke else
             {"mail": "user1", "big": "user2", "send": "user3", "rcpt": "user4", "idle": "user5"})
    messages = a.messages or (50 if smoke else 10000)
    cache = BENCH / ".cache"
    cache.mkdir(exist_ok=True)
    tmp = cache / "tmp"
    tmp.mkdir(exist_ok=True)
    cfg = {
        "host": env["MAILWIRE_HOST"], "domain": env.get("MAILWIRE_DOMAIN", "localhost"),
        "imaps_port": int(env["MAILWIRE_IMAPS_PORT"]), "imap_port": int(env["MAILWIRE_IMAP_PORT"]),
        "smtps_port": int(env["MAILWIRE_SMTPS_PORT"]), "smtp_port": int(env["MAILWIRE_SMTP_PORT"]),
        "ca": env["MAILWIRE_CA"], "password_pattern": env.get("MAILWIRE_PASSWORD_PATTERN", "pw-{user}"),
        "imap_security": a.security, "users": users, "messages": messages,
        "corpus": str(cache / f"corpus-{users['mail']}-{messages}.bin"),
        "big_mb": 2 if smoke else 100, "flag_count": min(5000, messages // 2),
        "send_small": 20 if smoke else 1000, "send_large": 3 if smoke else 100, "large_kb": 1024,
        "send_concurrency": 4, "tmpdir": str(tmp),
    }
    scen = [s for s in a.scenarios.split(",") if s]
    if smoke:
        scen = [s if not s.startswith("idle_") else "idle_10" for s in scen]
        scen = list(dict.fromkeys(scen))
    reps = a.reps or (1 if smoke else 5)
    cfg_path = str(cache / ("config-smoke.json" if smoke else "config.json"))
    Path(cfg_path).write_text(json.dumps(cfg, indent=1))

    print(f"== seeding ({messages} messages for {users['mail']}, {cfg['big_mb']} MB attachment for {users['big']})", flush=True)
    subprocess.run([a.binary, "seed", cfg_path], check=True)

    all_runners = runners(a.binary)
    if a.runners:
        keep = set(a.runners.split(","))
        all_runners = [r for r in all_runners if r[0] in keep]
    avail = {}
    for name, lang, argv, sc in all_runners:
        avail[name] = probe_available(argv)
        print(f"   runner {name:18} {'available' if avail[name] is None else 'NOT AVAILABLE: ' + avail[name]}", flush=True)

    print("== warm-up (Dovecot builds its caches)", flush=True)
    for s in ["summaries", "bodies"]:
        if "raw" in avail and avail["raw"] is None:
            run_one([a.binary, "raw"], s, cfg_path, 600)

    rows, errors = [], []
    for s in scen:
        todo = [(n, l, argv) for n, l, argv, sc in all_runners
                if (s in sc or (s.startswith("idle_") and any(x.startswith("idle_") for x in sc))) and avail[n] is None]
        for rep in range(reps):
            # Rotate the order so no runner is always first or last.
            k = rep % max(1, len(todo))
            for name, lang, argv in todo[k:] + todo[:k]:
                if s.startswith("send"):
                    subprocess.run([a.binary, "clear", cfg_path, "rcpt"], check=False, capture_output=True)
                row = run_one(argv, s, cfg_path, 900)
                if s.startswith("send") and "error" not in row and "unsupported" not in row:
                    # Let Postfix deliver everything before the next runner competes for the CPU.
                    subprocess.run([a.binary, "wait-count", cfg_path, "rcpt", str(row.get("items", 0))],
                                   check=False, capture_output=True)
                if "unsupported" in row:
                    continue
                if "error" in row:
                    print(f"   {s:15} {name:18} rep {rep+1}: ERROR {row['error']}", flush=True)
                    errors.append({"scenario": s, "runner": name, "rep": rep, "error": row["error"]})
                    continue
                row.update({"runner": name, "language": lang, "rep": rep, "scenario": s})
                rows.append(row)
                extra = f" {row['per_second']:.0f} msg/s" if "per_second" in row else ""
                extra += f" {row['kb_per_session']:.0f} KB/session" if "kb_per_session" in row else ""
                print(f"   {s:15} {name:18} rep {rep+1}: {row['seconds']:8.3f} s  +{row['rss_growth_mb']:.1f} MB{extra}", flush=True)

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"config": cfg, "reps": reps, "smoke": smoke, "time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "availability": {k: (v or "available") for k, v in avail.items()}, "errors": errors,
            "build": os.environ.get("MAILWIRE_BENCH_BUILD", "(not stated: run through bench/run)"),
            "git": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()}
    (out / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    keys = ["scenario", "runner", "language", "rep", "seconds", "items", "bytes", "rss_base_mb",
            "rss_peak_mb", "rss_growth_mb", "per_second", "kb_per_session"]
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    import report
    report.write(out, meta, rows)
    print(f"== wrote {out}/table.md, results.json, results.csv, chart.png")

if __name__ == "__main__":
    main()
