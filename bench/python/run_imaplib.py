"""imaplib (standard library): fetch items are parsed only as far as imaplib does — raw
response tuples and bytes; no envelope or body-structure objects."""
import base64, imaplib, os
from common import *

R = "imaplib"
scenario, cfg = args()
if scenario is None:
    raise SystemExit(0)

def login(role):
    u = user(cfg, role)
    if cfg["imap_security"] == "tls":
        c = imaplib.IMAP4_SSL(cfg["host"], imap_port(cfg), ssl_context=ssl_ctx(cfg))
    else:
        c = imaplib.IMAP4(cfg["host"], imap_port(cfg))
    c.login(u, password(cfg, u))
    return c

if scenario == "summaries":
    c = login("mail")
    p = Probe()
    c.select("INBOX")
    typ, data = c.uid("FETCH", "1:*", SUMMARY_ITEMS)
    n = sum(1 for d in data if isinstance(d, (bytes, tuple)) and d != b")")
    emit(p.finish(R, scenario, n))
elif scenario == "bodies":
    c = login("mail")
    p = Probe()
    c.select("INBOX")
    typ, data = c.uid("SEARCH", None, "ALL")
    uids = [int(x) for x in data[0].split()]
    n = nbytes = 0
    for part in chunks(uids, 1000):
        typ, data = c.uid("FETCH", compress(part), "(BODY.PEEK[])")
        for d in data:
            if isinstance(d, tuple):
                n += 1
                nbytes += len(d[1])
    emit(p.finish(R, scenario, n, nbytes))
elif scenario == "search_flag":
    c = login("mail")
    p = Probe()
    c.select("INBOX")
    typ, data = c.uid("SEARCH", None, "UNSEEN")
    uids = [int(x) for x in data[0].split()][: cfg["flag_count"]]
    s = compress(uids)
    c.uid("STORE", s, "+FLAGS.SILENT", "(\\Seen)")
    c.uid("STORE", s, "-FLAGS.SILENT", "(\\Seen)")
    emit(p.finish(R, scenario, len(uids)))
elif scenario == "big_attachment":
    c = login("big")
    c.select("INBOX")
    path = os.path.join(cfg["tmpdir"], "imaplib-big.bin")
    p = Probe()
    typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[2])")
    raw = next(d[1] for d in data if isinstance(d, tuple))
    with open(path, "wb") as f:
        n = f.write(base64.b64decode(raw))
    emit(p.finish(R, scenario, 1, n))
    os.remove(path)
else:
    unsupported(scenario)
