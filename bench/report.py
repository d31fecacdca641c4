"""Writes table.md and chart.png from the rows of one run, and judges the targets of issue 6."""
import statistics
from collections import defaultdict

NOTES = {
    "imaplib": "parses only as far as imaplib does (raw response tuples; no envelope/bodystructure objects)",
    "aioimaplib": "returns raw response lines; envelope/bodystructure not parsed",
    "raw": "physical limit: logs in, sends the same command, drains bytes (no parsing)",
    "email": "email package, policy=default; headers, text, html and attachment contents read",
    "smtplib": "one connection, sequential",
    "aiosmtplib": "4 concurrent connections",
    "nodemailer": "pooled, 4 connections",
    "mailwire-rust": "",
}
TIME_SCEN = ["summaries", "bodies", "search_flag", "parse", "big_attachment"]

def med(xs):
    return statistics.median(xs) if xs else None

def summarize(rows):
    g = defaultdict(list)
    for r in rows:
        g[(r["scenario"], r["runner"])].append(r)
    out = {}
    for (s, n), rs in g.items():
        secs = [r["seconds"] for r in rs]
        out[(s, n)] = {
            "language": rs[0]["language"], "n": len(rs),
            "median": med(secs), "min": min(secs), "max": max(secs),
            "growth": med([r["rss_growth_mb"] for r in rs]),
            "peak": med([r["rss_peak_mb"] for r in rs]),
            "per_second": med([r["per_second"] for r in rs if "per_second" in r]),
            "kb_per_session": med([r["kb_per_session"] for r in rs if "kb_per_session" in r]),
            "items": rs[0].get("items"), "bytes": rs[0].get("bytes"),
        }
    return out

def fmt(x, d=3):
    return "—" if x is None else f"{x:.{d}f}"

def write(out, meta, rows):
    S = summarize(rows)
    scen = list(dict.fromkeys(r["scenario"] for r in rows))
    L = [f"# mailwire benchmark results", "",
         f"{meta['time']} · git {meta['git']} · {meta['reps']} repetition(s) · "
         f"{meta['config']['messages']} messages · IMAP over {meta['config']['imap_security']} · "
         f"{'SMOKE RUN (tiny sizes)' if meta['smoke'] else 'full sizes'}", "",
         f"Measured builds: {meta.get('build', '(not recorded)')}", "",
         "Times in seconds (median, min, max of the repetitions). `×raw` = median / the raw "
         "reader's median (lower is better, 1.00 = the physical limit). `×best peer` = the fastest "
         "peer of the same language / this runner (higher is better). Memory: median growth of "
         "resident memory over the operation (peak − before).", ""]
    for s in scen:
        names = [n for (ss, n) in S if ss == s]
        raw = S.get((s, "raw"))
        L += [f"## {s}", ""]
        is_send = s.startswith("send")
        is_idle = s.startswith("idle")
        head = "| runner | lang | median s | min | max |"
        head += " msg/s |" if is_send else ""
        head += " KB/session |" if is_idle else ""
        head += " ×raw | ×best peer | RSS growth MB | note |"
        L += [head, "|" + "---|" * (head.count("|") - 1)]
        for n in sorted(names, key=lambda n: S[(s, n)]["median"]):
            x = S[(s, n)]
            lang = x["language"]
            peers = [S[(s, p)] for (ss, p) in S if ss == s and S[(s, p)]["language"] == lang
                     and not p.startswith("mailwire") and p != "raw"]
            best = min((p["median"] for p in peers), default=None) if not is_send else None
            line = f"| {n} | {lang} | {fmt(x['median'])} | {fmt(x['min'])} | {fmt(x['max'])} |"
            if is_send:
                line += f" {fmt(x['per_second'], 0)} |"
            if is_idle:
                line += f" {fmt(x['kb_per_session'], 1)} |"
            ratio_raw = x["median"] / raw["median"] if raw and raw["median"] else None
            ratio_peer = best / x["median"] if (best and n.startswith("mailwire")) else None
            line += f" {fmt(ratio_raw, 2)} | {fmt(ratio_peer, 2)} | {fmt(x['growth'], 1)} | {NOTES.get(n, '')} |"
            L.append(line)
        L.append("")
    na = {k: v for k, v in meta["availability"].items() if v != "available"}
    if na:
        L += ["## Runners not available in this run", ""] + [f"- **{k}**: not available ({v})" for k, v in na.items()] + [""]
    if meta["errors"]:
        L += ["## Errors", ""] + [f"- {e['scenario']} / {e['runner']} rep {e['rep']+1}: {e['error']}" for e in meta["errors"]] + [""]
    L += ["## Targets (issue 6)", "", "| target | measured | met |", "|---|---|---|"]
    L += targets(S)
    L.append("")
    (out / "table.md").write_text("\n".join(L) + "\n")
    chart(out, S, scen)

def targets(S):
    rows = []
    def get(s, n):
        return S.get((s, n))
    def add(what, val, ok):
        rows.append(f"| {what} | {val} | {'n/a' if ok is None else ('yes' if ok else '**NO**')} |")
    mws = {"python": ["mailwire-py-sync", "mailwire-py-async"], "node": ["mailwire-node"], "rust": ["mailwire-rust"]}
    parse_peer = {"python": "imapclient", "node": "imapflow"}
    raw_s = get("summaries", "raw")
    for lang in ["python", "node"]:
        for m in mws[lang]:
            x, p = get("summaries", m), get("summaries", parse_peer[lang])
            if x and p:
                add(f"summaries: {m} ≥ 3× faster than {parse_peer[lang]}", f"{p['median']/x['median']:.2f}×", p["median"] / x["median"] >= 3)
            else:
                add(f"summaries: {m} ≥ 3× faster than {parse_peer[lang]}", "not available", None)
    for m in sum(mws.values(), []):
        x = get("summaries", m)
        if x and raw_s:
            add(f"summaries: {m} within 1.5× of raw", f"{x['median']/raw_s['median']:.2f}×", x["median"] / raw_s["median"] <= 1.5)
        x, r = get("bodies", m), get("bodies", "raw")
        if x and r:
            add(f"bodies: {m} within 1.2× of raw", f"{x['median']/r['median']:.2f}×", x["median"] / r["median"] <= 1.2)
    for s in ["send_small", "send_large"]:
        peers = [get(s, p) for p in ["aiosmtplib", "nodemailer"] if get(s, p)]
        best = max((p["per_second"] for p in peers), default=None)
        for m in sum(mws.values(), []):
            x = get(s, m)
            if x and best:
                add(f"{s}: {m} msg/s ≥ best of aiosmtplib/nodemailer", f"{x['per_second']:.0f} vs {best:.0f}", x["per_second"] >= best)
    for m in sum(mws.values(), []):
        for s, lim in [("summaries", 64), ("bodies", 64), ("big_attachment", 32)]:
            x = get(s, m)
            if x:
                add(f"memory: {s} with {m} grows RSS < {lim} MB", f"{x['growth']:.1f} MB", x["growth"] < lim)
        # The target is per session at 1,000 sessions: judged on the largest N that ran (at
        # 100 a runtime's fixed cost still shows through; even the raw reader is over).
        idle = [k for (k, n) in S if n == m and k.startswith("idle_")]
        if idle:
            s = max(idle, key=lambda k: int(k.split("_")[1]))
            x = get(s, m)
            add(f"memory: {s} with {m} < 100 KB/session", f"{x['kb_per_session']:.1f} KB", x["kb_per_session"] < 100)
    rust = get("parse", "mailwire-rust")
    for lang, peer in [("python", "email"), ("node", "mailparser")]:
        for m in mws[lang]:
            x, p = get("parse", m), get("parse", peer)
            if x and p:
                add(f"parse: {m} ≥ 5× faster than {peer}", f"{p['median']/x['median']:.2f}×", p["median"] / x["median"] >= 5)
            if x and rust:
                add(f"parse: {m} within 1.3× of mailwire-rust", f"{x['median']/rust['median']:.2f}×", x["median"] / rust["median"] <= 1.3)
    return rows

def chart(out, S, scen):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    n = len(scen)
    cols = 3
    rows_ = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows_, cols, figsize=(6 * cols, 3.6 * rows_), squeeze=False)
    for i, s in enumerate(scen):
        ax = axes[i // cols][i % cols]
        names = sorted([nm for (ss, nm) in S if ss == s], key=lambda nm: S[(s, nm)]["median"])
        if s.startswith("send"):
            vals = [S[(s, nm)]["per_second"] or 0 for nm in names]
            ax.set_xlabel("messages / s (higher is better)")
        elif s.startswith("idle"):
            vals = [S[(s, nm)]["kb_per_session"] or 0 for nm in names]
            ax.set_xlabel("KB per IDLE session (lower is better)")
        else:
            vals = [S[(s, nm)]["median"] for nm in names]
            ax.set_xlabel("seconds, median (lower is better)")
        colors = ["#d62728" if nm.startswith("mailwire") else ("#7f7f7f" if nm == "raw" else "#1f77b4") for nm in names]
        ax.barh(names, vals, color=colors)
        ax.invert_yaxis()
        ax.set_title(s)
        for j, nm in enumerate(names):
            x = S[(s, nm)]
            if not s.startswith(("send", "idle")):
                ax.plot([x["min"], x["max"]], [j, j], color="black", lw=1)
    for j in range(n, rows_ * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle("mailwire vs peers (red: mailwire, grey: raw-socket limit)")
    fig.tight_layout()
    fig.savefig(out / "chart.png", dpi=90)
