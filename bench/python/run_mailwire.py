"""mailwire's Python package, sync (ImapClient, SmtpClient) or asyncio (AsyncImapClient,
AsyncSmtpClient): the same work as every other runner."""
import asyncio, os, sys, time
from concurrent.futures import ThreadPoolExecutor
from common import *

mode = sys.argv[1]
R = f"mailwire-py-{mode}"
scenario, cfg = args()
import mailwire  # noqa: E402  (missing package = runner not available)
if scenario is None:
    raise SystemExit(0)

def imap_kwargs(role):
    u = user(cfg, role)
    return dict(port=imap_port(cfg), security="tls" if cfg["imap_security"] == "tls" else "plain",
                username=u, password=password(cfg, u), ca_pem=cfg["ca"],
                allow_plaintext_auth=cfg["imap_security"] != "tls")  # the bench's loopback server

def smtp_kwargs():
    u = user(cfg, "send")
    return dict(port=cfg["smtps_port"], security="tls", username=u, password=password(cfg, u),
                ca_pem=cfg["ca"], pool_size=cfg["send_concurrency"])

def message(i, att):
    d = cfg["domain"]
    kw = dict(from_=f"{cfg['users']['send']}@{d}", to=f"{cfg['users']['rcpt']}@{d}",
              subject=f"bench {R} {i}", text=send_text())
    if att is not None:
        kw["attachments"] = [mailwire.Attachment("file.bin", "application/octet-stream", att)]
    return mailwire.OutgoingMessage(**kw)

def summary_check(s):
    return s.size + len(s.envelope.subject or "") + len(s.attachments)

def run_sync():
    if scenario == "summaries":
        imap = mailwire.ImapClient(cfg["host"], **imap_kwargs("mail"))
        p = Probe()
        n = check = 0
        for s in imap.fetch("INBOX", "1:*"):
            n += 1
            check += summary_check(s)
        emit(p.finish(R, scenario, n))
    elif scenario == "bodies":
        imap = mailwire.ImapClient(cfg["host"], **imap_kwargs("mail"))
        p = Probe()
        n = nbytes = 0
        if hasattr(imap, "fetch_raw_many"):
            for m in imap.fetch_raw_many("INBOX", "1:*"):
                n += 1
                nbytes += len(m.data)
            note = ""
        else:
            for uid in imap.search("INBOX"):
                nbytes += len(imap.fetch_raw("INBOX", uid))
                n += 1
            note = "per-message fetch_raw (the binding has no fetch_raw_many yet)"
        emit(p.finish(R, scenario, n, nbytes, note=note))
    elif scenario == "search_flag":
        imap = mailwire.ImapClient(cfg["host"], **imap_kwargs("mail"))
        p = Probe()
        uids = imap.search("INBOX", seen=False)[: cfg["flag_count"]]
        imap.add_flags("INBOX", uids, "\\Seen")
        imap.remove_flags("INBOX", uids, "\\Seen")
        emit(p.finish(R, scenario, len(uids)))
    elif scenario == "big_attachment":
        imap = mailwire.ImapClient(cfg["host"], **imap_kwargs("big"))
        uid = imap.search("INBOX")[0]
        path = os.path.join(cfg["tmpdir"], f"{R}-big.bin")
        p = Probe()
        n = imap.save_attachment("INBOX", uid, "2", path)
        emit(p.finish(R, scenario, 1, n))
        os.remove(path)
    elif scenario.startswith("send_"):
        count, att = send_spec(cfg, scenario)
        smtp = mailwire.SmtpClient(cfg["host"], **smtp_kwargs())
        p = Probe()
        # The sync client is shared by threads (each call releases the GIL), as the async
        # runner shares one client between tasks: both keep the pool's connections busy.
        with ThreadPoolExecutor(2 * cfg["send_concurrency"]) as pool:
            for _ in pool.map(lambda i: smtp.send(message(i, att)), range(count)):
                pass
        row = p.finish(R, scenario, count, note=f"{2 * cfg['send_concurrency']} threads share one client")
        row["per_second"] = count / row["seconds"]
        emit(row)
    elif scenario == "parse":
        msgs = read_corpus(cfg)
        p = Probe()
        check = 0
        for raw in msgs:
            m = mailwire.parse_message(raw)
            check += len(m.text or "") + len(m.html or "") + len(m.attachments)
        emit(p.finish(R, scenario, len(msgs), sum(map(len, msgs)), check=check))
    else:
        unsupported(scenario)

async def run_async():
    if scenario == "summaries":
        imap = await mailwire.AsyncImapClient(cfg["host"], **imap_kwargs("mail"))
        p = Probe()
        n = check = 0
        async for s in imap.fetch("INBOX", "1:*"):
            n += 1
            check += summary_check(s)
        emit(p.finish(R, scenario, n))
    elif scenario == "bodies":
        imap = await mailwire.AsyncImapClient(cfg["host"], **imap_kwargs("mail"))
        p = Probe()
        n = nbytes = 0
        if hasattr(imap, "fetch_raw_many"):
            async for m in imap.fetch_raw_many("INBOX", "1:*"):
                n += 1
                nbytes += len(m.data)
            note = ""
        else:
            for uid in await imap.search("INBOX"):
                nbytes += len(await imap.fetch_raw("INBOX", uid))
                n += 1
            note = "per-message fetch_raw (the binding has no fetch_raw_many yet)"
        emit(p.finish(R, scenario, n, nbytes, note=note))
    elif scenario == "search_flag":
        imap = await mailwire.AsyncImapClient(cfg["host"], **imap_kwargs("mail"))
        p = Probe()
        uids = (await imap.search("INBOX", seen=False))[: cfg["flag_count"]]
        await imap.add_flags("INBOX", uids, "\\Seen")
        await imap.remove_flags("INBOX", uids, "\\Seen")
        emit(p.finish(R, scenario, len(uids)))
    elif scenario == "big_attachment":
        imap = await mailwire.AsyncImapClient(cfg["host"], **imap_kwargs("big"))
        uid = (await imap.search("INBOX"))[0]
        path = os.path.join(cfg["tmpdir"], f"{R}-big.bin")
        p = Probe()
        n = await imap.save_attachment("INBOX", uid, "2", path)
        emit(p.finish(R, scenario, 1, n))
        os.remove(path)
    elif scenario.startswith("send_"):
        count, att = send_spec(cfg, scenario)
        smtp = await mailwire.AsyncSmtpClient(cfg["host"], **smtp_kwargs())
        p = Probe()
        sem = asyncio.Semaphore(2 * cfg["send_concurrency"])
        async def one(i):
            async with sem:
                await smtp.send(message(i, att))
        await asyncio.gather(*[one(i) for i in range(count)])
        row = p.finish(R, scenario, count)
        row["per_second"] = count / row["seconds"]
        emit(row)
    elif scenario.startswith("idle_"):
        n = int(scenario[5:])
        base = rss_mb()
        t = time.perf_counter()
        sem = asyncio.Semaphore(100)
        async def connect():
            async with sem:
                return await mailwire.AsyncImapClient(cfg["host"], **imap_kwargs("idle"))
        clients = await asyncio.gather(*[connect() for _ in range(n)])
        # The binding has no "IDLE acknowledged" signal: time until all are connected and
        # their IDLE tasks started (each SELECTs and enters IDLE right away).
        tasks = [asyncio.ensure_future(c.idle("INBOX", 600)) for c in clients]
        await asyncio.sleep(0)
        secs = time.perf_counter() - t
        await asyncio.sleep(1.0)
        emit(idle_result(R, scenario, n, secs, base, rss_mb()))
        os._exit(0)
    else:
        unsupported(scenario)

if mode == "sync":
    run_sync()
else:
    asyncio.run(run_async())
