'use strict';
// imapflow: parsed summaries (envelope, bodyStructure objects), streaming downloads.
const fs = require('fs');
const path = require('path');
const c = require('./common');
const { scenario, cfg } = c.args();
if (!scenario) { require('imapflow'); process.exit(0); }
const { ImapFlow } = require('imapflow');
const R = 'imapflow';

async function login(role) {
  const u = c.user(cfg, role);
  const client = new ImapFlow({ host: cfg.host, port: c.imapPort(cfg), secure: cfg.imap_security === 'tls',
    tls: { ca: fs.readFileSync(cfg.ca) }, auth: { user: u, pass: c.password(cfg, u) }, logger: false,
    disableAutoIdle: true });
  await client.connect();
  return client;
}

async function main() {
  if (scenario === 'summaries') {
    const client = await login('mail');
    const p = new c.Probe();
    await client.mailboxOpen('INBOX');
    let n = 0, check = 0;
    for await (const m of client.fetch('1:*', { uid: true, flags: true, size: true, internalDate: true,
      envelope: true, bodyStructure: true }, { uid: true })) {
      n++; check += m.size + (m.envelope.subject || '').length;
    }
    c.emit(p.finish(R, scenario, n));
  } else if (scenario === 'bodies') {
    const client = await login('mail');
    const p = new c.Probe();
    await client.mailboxOpen('INBOX', { readOnly: true });
    let n = 0, bytes = 0;
    for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
      n++; bytes += m.source.length;
    }
    c.emit(p.finish(R, scenario, n, bytes));
  } else if (scenario === 'search_flag') {
    const client = await login('mail');
    const p = new c.Probe();
    await client.mailboxOpen('INBOX');
    const uids = (await client.search({ seen: false }, { uid: true })).slice(0, cfg.flag_count);
    await client.messageFlagsAdd(uids, ['\\Seen'], { uid: true });
    await client.messageFlagsRemove(uids, ['\\Seen'], { uid: true });
    c.emit(p.finish(R, scenario, uids.length));
  } else if (scenario === 'big_attachment') {
    const client = await login('big');
    await client.mailboxOpen('INBOX', { readOnly: true });
    const uids = await client.search({ all: true }, { uid: true });
    const file = path.join(cfg.tmpdir, 'imapflow-big.bin');
    const p = new c.Probe();
    const { content } = await client.download(String(uids[0]), '2', { uid: true });
    await new Promise((res, rej) => content.pipe(fs.createWriteStream(file)).on('finish', res).on('error', rej));
    const n = fs.statSync(file).size;
    c.emit(p.finish(R, scenario, 1, n));
    fs.unlinkSync(file);
  } else if (scenario.startsWith('idle_')) {
    const n = Number(scenario.slice(5));
    const base = c.rssMb();
    const t = process.hrtime.bigint();
    const clients = [];
    let next = 0;
    async function worker() {
      while (next < n) {
        next++;
        const client = await login('idle');
        await client.mailboxOpen('INBOX');
        client.idle().catch(() => {});
        clients.push(client);
      }
    }
    await Promise.all(Array.from({ length: Math.min(100, n) }, worker));
    while (!clients.every((x) => x.idling)) await new Promise((r) => setTimeout(r, 5));
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    await new Promise((r) => setTimeout(r, 500));
    c.emit(c.idleResult(R, scenario, n, secs, base, c.rssMb()));
    process.exit(0);
  } else {
    c.unsupported(scenario);
  }
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
