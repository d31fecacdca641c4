"""Python's email package (policy=default): parse every message of the mailbox from memory and
read what mailwire's parse_message returns — headers, text, HTML, attachment contents."""
from email import policy
from email.parser import BytesParser
from common import *

R = "email"
scenario, cfg = args()
if scenario is None:
    raise SystemExit(0)
if scenario != "parse":
    unsupported(scenario)
msgs = read_corpus(cfg)
parser = BytesParser(policy=policy.default)
p = Probe()
check = 0
for raw in msgs:
    m = parser.parsebytes(raw)
    subject, frm, to = m["subject"], m["from"], m["to"]
    b = m.get_body(("plain",))
    text = b.get_content() if b else ""
    b = m.get_body(("html",))
    html = b.get_content() if b else ""
    atts = [a.get_content() for a in m.iter_attachments()]
    check += len(text) + len(html) + len(atts)
emit(p.finish(R, scenario, len(msgs), sum(map(len, msgs)), check=check))
