'use strict';
// Shared by the Node runners: config, memory probes, the result line.
const fs = require('fs');

function args() {
  const a = process.argv.slice(2);
  if (a[a.length - 2] === 'check') return { scenario: null, cfg: null };
  return { scenario: a[a.length - 2], cfg: JSON.parse(fs.readFileSync(a[a.length - 1], 'utf8')) };
}
const user = (cfg, role) => cfg.users[role];
const password = (cfg, u) => cfg.password_pattern.replace('{user}', u);
const imapPort = (cfg) => (cfg.imap_security === 'tls' ? cfg.imaps_port : cfg.imap_port);
function kb(field) {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  const m = s.match(new RegExp('^' + field + ':\\s+(\\d+)', 'm'));
  return m ? Number(m[1]) : 0;
}
const rssMb = () => kb('VmRSS') / 1024;
function resetPeak() {
  try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch (e) { /* not Linux */ }
}
class Probe {
  constructor() { resetPeak(); this.base = rssMb(); this.t = process.hrtime.bigint(); }
  finish(runner, scenario, items, bytes = 0, extra = {}) {
    const seconds = Number(process.hrtime.bigint() - this.t) / 1e9;
    const peak = kb('VmHWM') / 1024;
    return Object.assign({ runner, scenario, seconds, items, bytes, rss_base_mb: this.base,
      rss_peak_mb: peak, rss_growth_mb: Math.max(0, peak - this.base) }, extra);
  }
}
const emit = (row) => process.stdout.write(JSON.stringify(row) + '\n');
function unsupported(what) { emit({ unsupported: what }); process.exit(3); }
function idleResult(runner, scenario, n, seconds, base, rss) {
  return { runner, scenario, seconds, items: n, rss_base_mb: base, rss_peak_mb: rss,
    rss_growth_mb: Math.max(0, rss - base), kb_per_session: Math.max(0, rss - base) * 1024 / n };
}
const sendText = () => 'Hello from the mailwire benchmark. '.repeat(30);
function sendSpec(cfg, scenario) {
  if (scenario === 'send_small') return { count: cfg.send_small, att: null };
  const n = cfg.large_kb * 1024;
  const att = Buffer.alloc(n);
  for (let i = 0; i < n; i++) att[i] = (i * 31 + 7) % 256;
  return { count: cfg.send_large, att };
}
function readCorpus(cfg) {
  const data = fs.readFileSync(cfg.corpus);
  return fs.readFileSync(cfg.corpus + '.idx', 'utf8').trim().split('\n').map((l) => {
    const [o, n] = l.split(' ').map(Number);
    return data.subarray(o, o + n);
  });
}
module.exports = { args, user, password, imapPort, rssMb, Probe, emit, unsupported, idleResult,
  sendText, sendSpec, readCorpus };
