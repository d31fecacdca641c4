"""IMAPClient: parsed fetch results (Envelope, BodyStructure tuples, datetimes)."""
import base64, os
from imapclient import IMAPClient
from common import *

R = "imapclient"
scenario, cfg = args()
if scenario is None:
    raise SystemExit(0)

def login(role):
    u = user(cfg, role)
    tls = cfg["imap_security"] == "tls"
    c = IMAPClient(cfg["host"], port=imap_port(cfg), ssl=tls, ssl_context=ssl_ctx(cfg) if tls else None)
    c.login(u, password(cfg, u))
    return c

ITEMS = ["UID", "FLAGS", "RFC822.SIZE", "INTERNALDATE", "ENVELOPE", "BODYSTRUCTURE", "MODSEQ"]
if scenario == "summaries":
    # imapclient 4.1 cannot fetch "1:*" (it turns the set into ints): UIDs in chunks of 2000,
    # the UID list read before the clock starts.
    c = login("mail")
    c.select_folder("INBOX")
    uids = c.search("ALL")
    p = Probe()
    c.select_folder("INBOX")
    check = n = 0
    for part in chunks(uids, 2000):
        for uid, d in c.fetch(part, ITEMS).items():
            env = d[b"ENVELOPE"]
            check += d[b"RFC822.SIZE"] + len(env.subject or b"")
            n += 1
    emit(p.finish(R, scenario, n))
elif scenario == "bodies":
    c = login("mail")
    p = Probe()
    c.select_folder("INBOX", readonly=True)
    uids = c.search("ALL")
    n = nbytes = 0
    for part in chunks(uids, 1000):
        for uid, d in c.fetch(part, ["BODY.PEEK[]"]).items():
            n += 1
            nbytes += len(d[b"BODY[]"])
    emit(p.finish(R, scenario, n, nbytes))
elif scenario == "search_flag":
    c = login("mail")
    p = Probe()
    c.select_folder("INBOX")
    uids = c.search("UNSEEN")[: cfg["flag_count"]]
    c.add_flags(uids, [b"\\Seen"], silent=True)
    c.remove_flags(uids, [b"\\Seen"], silent=True)
    emit(p.finish(R, scenario, len(uids)))
elif scenario == "big_attachment":
    c = login("big")
    c.select_folder("INBOX", readonly=True)
    uids = c.search("ALL")
    path = os.path.join(cfg["tmpdir"], "imapclient-big.bin")
    p = Probe()
    d = c.fetch(uids[:1], ["BODY.PEEK[2]"])[uids[0]]
    raw = d[b"BODY[2]"]
    with open(path, "wb") as f:
        n = f.write(base64.b64decode(raw))
    emit(p.finish(R, scenario, 1, n))
    os.remove(path)
else:
    unsupported(scenario)
