"""aioimaplib (asyncio): returns raw response lines; envelope and body structure are not
parsed."""
import asyncio, base64, os, time
import aioimaplib
from common import *

R = "aioimaplib"
scenario, cfg = args()
if scenario is None:
    raise SystemExit(0)

async def login(role):
    u = user(cfg, role)
    if cfg["imap_security"] == "tls":
        c = aioimaplib.IMAP4_SSL(cfg["host"], imap_port(cfg), ssl_context=ssl_ctx(cfg), timeout=600)
    else:
        c = aioimaplib.IMAP4(cfg["host"], imap_port(cfg), timeout=600)
    await c.wait_hello_from_server()
    r = await c.login(u, password(cfg, u))
    if r.result != "OK":
        raise SystemExit(f"login: {r}")
    return c

async def main():
    if scenario == "summaries":
        c = await login("mail")
        p = Probe()
        await c.select("INBOX")
        r = await c.uid("fetch", "1:*", SUMMARY_ITEMS)
        n = sum(1 for l in r.lines if isinstance(l, (bytes, bytearray)) and b" FETCH (" in l)
        emit(p.finish(R, scenario, n))
    elif scenario == "bodies":
        c = await login("mail")
        p = Probe()
        await c.select("INBOX")
        r = await c.uid_search("ALL")
        uids = [int(x) for x in r.lines[0].split()]
        n = nbytes = 0
        for part in chunks(uids, 1000):
            r = await c.uid("fetch", compress(part), "(BODY.PEEK[])")
            for l in r.lines:
                if isinstance(l, bytearray):
                    n += 1
                    nbytes += len(l)
        emit(p.finish(R, scenario, n, nbytes))
    elif scenario == "search_flag":
        c = await login("mail")
        p = Probe()
        await c.select("INBOX")
        r = await c.uid_search("UNSEEN")
        uids = [int(x) for x in r.lines[0].split()][: cfg["flag_count"]]
        s = compress(uids)
        await c.uid("store", s, "+FLAGS.SILENT", "(\\Seen)")
        await c.uid("store", s, "-FLAGS.SILENT", "(\\Seen)")
        emit(p.finish(R, scenario, len(uids)))
    elif scenario == "big_attachment":
        c = await login("big")
        await c.select("INBOX")
        path = os.path.join(cfg["tmpdir"], "aioimaplib-big.bin")
        p = Probe()
        r = await c.uid("fetch", "1:*", "(BODY.PEEK[2])")
        raw = next(l for l in r.lines if isinstance(l, bytearray))
        with open(path, "wb") as f:
            n = f.write(base64.b64decode(raw))
        emit(p.finish(R, scenario, 1, n))
        os.remove(path)
    elif scenario.startswith("idle_"):
        n = int(scenario[5:])
        base = rss_mb()
        t = time.perf_counter()
        sem = asyncio.Semaphore(100)
        clients = []
        async def one():
            async with sem:
                c = await login("idle")
                await c.select("INBOX")
                await c.idle_start(timeout=600)
                if not c.has_pending_idle():
                    raise SystemExit("IDLE not acknowledged")
                clients.append(c)
        await asyncio.gather(*[one() for _ in range(n)])
        secs = time.perf_counter() - t
        await asyncio.sleep(0.5)
        emit(idle_result(R, scenario, n, secs, base, rss_mb()))
        os._exit(0)
    else:
        unsupported(scenario)

asyncio.run(main())
