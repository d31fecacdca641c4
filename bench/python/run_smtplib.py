"""smtplib (standard library): one connection, messages sent one after another."""
import smtplib
from common import *

R = "smtplib"
scenario, cfg = args()
if scenario is None:
    raise SystemExit(0)
if not scenario.startswith("send_"):
    unsupported(scenario)
count, att = send_spec(cfg, scenario)
u = user(cfg, "send")
c = smtplib.SMTP_SSL(cfg["host"], cfg["smtps_port"], context=ssl_ctx(cfg))
c.login(u, password(cfg, u))
p = Probe()
for i in range(count):
    c.send_message(build_email(cfg, i, att, R))
row = p.finish(R, scenario, count)
row["per_second"] = count / row["seconds"]
emit(row)
c.quit()
