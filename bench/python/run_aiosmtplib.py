"""aiosmtplib: N concurrent connections (send_concurrency), each sending its share."""
import asyncio
import aiosmtplib
from common import *

R = "aiosmtplib"
scenario, cfg = args()
if scenario is None:
    raise SystemExit(0)
if not scenario.startswith("send_"):
    unsupported(scenario)

async def main():
    count, att = send_spec(cfg, scenario)
    u = user(cfg, "send")
    conc = cfg["send_concurrency"]
    conns = []
    for _ in range(conc):
        c = aiosmtplib.SMTP(hostname=cfg["host"], port=cfg["smtps_port"], use_tls=True, tls_context=ssl_ctx(cfg))
        await c.connect()
        await c.login(u, password(cfg, u))
        conns.append(c)
    p = Probe()
    async def worker(k, c):
        for i in range(k, count, conc):
            await c.send_message(build_email(cfg, i, att, R))
    await asyncio.gather(*[worker(k, c) for k, c in enumerate(conns)])
    row = p.finish(R, scenario, count)
    row["per_second"] = count / row["seconds"]
    emit(row)
    for c in conns:
        await c.quit()

asyncio.run(main())
