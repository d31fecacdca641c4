'use strict';
// mailparser's simpleParser: every message of the mailbox from memory.
const c = require('./common');
const { scenario, cfg } = c.args();
if (!scenario) { require('mailparser'); process.exit(0); }
const { simpleParser } = require('mailparser');
const R = 'mailparser';
if (scenario !== 'parse') c.unsupported(scenario);

async function main() {
  const msgs = c.readCorpus(cfg);
  const p = new c.Probe();
  let check = 0;
  for (const m of msgs) {
    const r = await simpleParser(m, { skipImageLinks: true });
    check += (r.text || '').length + (r.html || '').length + r.attachments.length;
  }
  c.emit(p.finish(R, scenario, msgs.length, msgs.reduce((a, b) => a + b.length, 0), { check }));
}
main().catch((e) => { console.error(e); process.exit(1); });
