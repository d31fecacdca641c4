'use strict';
// nodemailer, pooled transport with send_concurrency connections.
const fs = require('fs');
const c = require('./common');
const { scenario, cfg } = c.args();
if (!scenario) { require('nodemailer'); process.exit(0); }
const nodemailer = require('nodemailer');
const R = 'nodemailer';
if (!scenario.startsWith('send_')) c.unsupported(scenario);

async function main() {
  const { count, att } = c.sendSpec(cfg, scenario);
  const u = c.user(cfg, 'send');
  const t = nodemailer.createTransport({ host: cfg.host, port: cfg.smtps_port, secure: true, pool: true,
    maxConnections: cfg.send_concurrency, maxMessages: Infinity, auth: { user: u, pass: c.password(cfg, u) },
    tls: { ca: fs.readFileSync(cfg.ca) } });
  await t.verify();
  const p = new c.Probe();
  const jobs = [];
  for (let i = 0; i < count; i++) {
    const m = { from: `${u}@${cfg.domain}`, to: `${cfg.users.rcpt}@${cfg.domain}`, subject: `bench nodemailer ${i}`,
      text: c.sendText() };
    if (att) m.attachments = [{ filename: 'file.bin', content: att, contentType: 'application/octet-stream' }];
    jobs.push(t.sendMail(m));
  }
  await Promise.all(jobs);
  const row = p.finish(R, scenario, count);
  row.per_second = count / row.seconds;
  c.emit(row);
  t.close();
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
