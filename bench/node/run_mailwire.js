'use strict';
// mailwire's Node package (the repository's node/ directory, built by bench/run): the same
// work as every other runner.
const fs = require('fs');
const path = require('path');
const c = require('./common');
const { scenario, cfg } = c.args();
const pkg = process.env.MAILWIRE_NODE_PACKAGE || path.join(__dirname, '..', '..', 'node');
const mw = require(pkg); // missing or unbuilt package = runner not available
if (!scenario) process.exit(0);
const R = 'mailwire-node';

function imapOptions(role) {
  const u = c.user(cfg, role);
  return { host: cfg.host, port: c.imapPort(cfg), security: cfg.imap_security === 'tls' ? 'tls' : 'plain',
    auth: { user: u, pass: c.password(cfg, u) }, ca: fs.readFileSync(cfg.ca),
    allowPlaintextAuth: cfg.imap_security !== 'tls' }; // the bench's loopback server
}

async function main() {
  if (scenario === 'summaries') {
    const client = await mw.ImapClient.connect(imapOptions('mail'));
    const p = new c.Probe();
    let n = 0, check = 0;
    for await (const s of client.fetch('INBOX', '1:*')) {
      n++; check += s.size + (s.envelope.subject || '').length + s.attachments.length;
    }
    c.emit(p.finish(R, scenario, n));
  } else if (scenario === 'bodies') {
    const client = await mw.ImapClient.connect(imapOptions('mail'));
    const p = new c.Probe();
    let n = 0, bytes = 0, note = '';
    if (typeof client.fetchRawMany === 'function') {
      for await (const m of client.fetchRawMany('INBOX', '1:*')) { n++; bytes += m.data.length; }
    } else {
      note = 'per-message fetchRaw (the binding has no fetchRawMany yet)';
      for (const uid of await client.search('INBOX', { all: true })) {
        bytes += (await client.fetchRaw('INBOX', uid)).length; n++;
      }
    }
    c.emit(p.finish(R, scenario, n, bytes, { note }));
  } else if (scenario === 'search_flag') {
    const client = await mw.ImapClient.connect(imapOptions('mail'));
    const p = new c.Probe();
    const uids = (await client.search('INBOX', { seen: false })).slice(0, cfg.flag_count);
    await client.addFlags('INBOX', uids, ['\\Seen']);
    await client.removeFlags('INBOX', uids, ['\\Seen']);
    c.emit(p.finish(R, scenario, uids.length));
  } else if (scenario === 'big_attachment') {
    const client = await mw.ImapClient.connect(imapOptions('big'));
    const uid = (await client.search('INBOX', { all: true }))[0];
    const file = path.join(cfg.tmpdir, 'mailwire-node-big.bin');
    const p = new c.Probe();
    const n = await client.saveAttachment('INBOX', uid, '2', file);
    c.emit(p.finish(R, scenario, 1, Number(n)));
    fs.unlinkSync(file);
  } else if (scenario.startsWith('send_')) {
    const { count, att } = c.sendSpec(cfg, scenario);
    const u = c.user(cfg, 'send');
    const smtp = await mw.SmtpClient.connect({ host: cfg.host, port: cfg.smtps_port, security: 'tls',
      auth: { user: u, pass: c.password(cfg, u) }, ca: fs.readFileSync(cfg.ca), maxConnections: cfg.send_concurrency });
    const p = new c.Probe();
    let next = 0;
    async function worker() {
      while (next < count) {
        const i = next++;
        const m = { from: `${u}@${cfg.domain}`, to: `${cfg.users.rcpt}@${cfg.domain}`, subject: `bench ${R} ${i}`, text: c.sendText() };
        if (att) m.attachments = [{ filename: 'file.bin', content: att, contentType: 'application/octet-stream' }];
        await smtp.send(m);
      }
    }
    await Promise.all(Array.from({ length: 2 * cfg.send_concurrency }, worker));
    const row = p.finish(R, scenario, count);
    row.per_second = count / row.seconds;
    c.emit(row);
  } else if (scenario.startsWith('idle_')) {
    const n = Number(scenario.slice(5));
    const base = c.rssMb();
    const t = process.hrtime.bigint();
    const clients = [];
    let next = 0;
    async function worker() {
      while (next < n) { next++; clients.push(await mw.ImapClient.connect(imapOptions('idle'))); }
    }
    await Promise.all(Array.from({ length: Math.min(100, n) }, worker));
    // No "IDLE acknowledged" signal in the API: time until all are connected and idle() called.
    for (const cl of clients) cl.idle('INBOX', { timeout: 600000 }).catch(() => {});
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    await new Promise((r) => setTimeout(r, 1000));
    c.emit(c.idleResult(R, scenario, n, secs, base, c.rssMb()));
  } else if (scenario === 'parse') {
    const msgs = c.readCorpus(cfg);
    const p = new c.Probe();
    let check = 0;
    for (const m of msgs) {
      const r = mw.parseMessage(m);
      check += (r.text || '').length + (r.html || '').length + r.attachments.length;
    }
    c.emit(p.finish(R, scenario, msgs.length, msgs.reduce((a, b) => a + b.length, 0), { check }));
  } else {
    c.unsupported(scenario);
  }
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
