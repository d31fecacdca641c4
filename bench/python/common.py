"""Shared by the Python runners: config, memory probes, the result line."""
import json, os, ssl, sys, time

def load(path):
    with open(path) as f:
        return json.load(f)

def user(cfg, role):
    return cfg["users"][role]

def password(cfg, u):
    return cfg["password_pattern"].replace("{user}", u)

def ssl_ctx(cfg):
    ctx = ssl.create_default_context(cafile=cfg["ca"])
    return ctx

def imap_port(cfg):
    return cfg["imaps_port"] if cfg["imap_security"] == "tls" else cfg["imap_port"]

def _kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    return 0.0

def rss_mb():
    return _kb("VmRSS") / 1024

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass

class Probe:
    def __init__(self):
        reset_peak()
        self.base = rss_mb()
        self.t = time.perf_counter()

    def finish(self, runner, scenario, items, nbytes=0, **extra):
        secs = time.perf_counter() - self.t
        peak = _kb("VmHWM") / 1024
        row = {"runner": runner, "scenario": scenario, "seconds": secs, "items": items,
               "bytes": nbytes, "rss_base_mb": self.base, "rss_peak_mb": peak,
               "rss_growth_mb": max(0.0, peak - self.base)}
        row.update(extra)
        return row

def emit(row):
    print(json.dumps(row), flush=True)

def idle_result(runner, scenario, n, secs, base, rss):
    return {"runner": runner, "scenario": scenario, "seconds": secs, "items": n,
            "rss_base_mb": base, "rss_peak_mb": rss, "rss_growth_mb": max(0.0, rss - base),
            "kb_per_session": max(0.0, rss - base) * 1024 / n}

def unsupported(what):
    emit({"unsupported": what})
    sys.exit(3)

def compress(uids):
    out, i = [], 0
    while i < len(uids):
        j = i
        while j + 1 < len(uids) and uids[j + 1] == uids[j] + 1:
            j += 1
        out.append(str(uids[i]) if i == j else f"{uids[i]}:{uids[j]}")
        i = j + 1
    return ",".join(out)

def chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]

SUMMARY_ITEMS = "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE MODSEQ)"

def send_text():
    return "Hello from the mailwire benchmark. " * 30

def send_spec(cfg, scenario):
    """(count, attachment bytes or None), the same in every runner."""
    if scenario == "send_small":
        return cfg["send_small"], None
    n = cfg["large_kb"] * 1024
    return cfg["send_large"], bytes((i * 31 + 7) % 256 for i in range(n))

def build_email(cfg, i, att, tag):
    from email.message import EmailMessage
    m = EmailMessage()
    d = cfg["domain"]
    m["From"] = f"{cfg['users']['send']}@{d}"
    m["To"] = f"{cfg['users']['rcpt']}@{d}"
    m["Subject"] = f"bench {tag} {i}"
    m.set_content(send_text())
    if att is not None:
        m.add_attachment(att, maintype="application", subtype="octet-stream", filename="file.bin")
    return m

def read_corpus(cfg):
    with open(cfg["corpus"], "rb") as f:
        data = f.read()
    out = []
    with open(cfg["corpus"] + ".idx") as f:
        for line in f:
            o, l = line.split()
            out.append(data[int(o):int(o) + int(l)])
    return out

def args():
    if len(sys.argv) < 3:
        sys.exit("usage: run_X.py SCENARIO CONFIG")
    if sys.argv[-2] == "check":
        return None, None
    return sys.argv[-2], load(sys.argv[-1])
