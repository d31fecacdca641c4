'use strict';
// The hostile-server suite of the Node face (issue 11): every scenario of
// tests/hostile/scenarios.json. tests/hostile/peer.py serves bytes no real server sends;
// tests/hostile/run.py runs this file as the child (`--hostile-child`: one connect + call in
// a process of its own, so a scenario that kills its process cannot take the test runner
// with it) and judges it: the outcome is one the scenario allows (a MailError of that
// kind), within its time and memory bounds, with the process alive and the peer's facts as
// required. MAILWIRE_HOSTILE_ONLY=name,name runs only those scenarios.
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const HOSTILE = path.resolve(__dirname, '..', '..', 'tests', 'hostile');
const MARK = 'HOSTILE-RESULT ';

if (process.argv[2] === '--hostile-child') {
  child().catch((e) => {
    console.error(e);
    process.exit(2);
  });
} else {
  tests();
}

function tests() {
  const { test } = require('node:test');
  const scenarios = JSON.parse(fs.readFileSync(path.join(HOSTILE, 'scenarios.json'), 'utf8')).scenarios;
  const only = (process.env.MAILWIRE_HOSTILE_ONLY || '').split(',').filter(Boolean);
  for (const s of scenarios) {
    if (only.length > 0 && !only.includes(s.name)) continue;
    // conformance: hostile.server
    test(`hostile server: ${s.name} (${s.class})`, { timeout: (s.seconds * 2 + 60) * 1000 }, async () => {
      const args = [path.join(HOSTILE, 'run.py'), '--scenario', s.name, '--', process.execPath, __filename, '--hostile-child'];
      const { code, output } = await new Promise((resolve) => {
        execFile('python3', args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
          resolve({ code: err ? err.code ?? 1 : 0, output: `${stdout}${stderr}` });
        });
      });
      assert.equal(code, 0, output);
    });
  }
}

/** VmRSS and VmHWM of this process, in kB. */
function memory() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number((new RegExp(`${name}:\\s+(\\d+)`).exec(status) || [])[1] || 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

function uidsResult(uids) {
  return { uids: uids.slice(0, 1000), uids_count: uids.length };
}

async function call(mw, spec) {
  const client = spec.client;
  const options = {
    host: '127.0.0.1',
    port: spec.port,
    security: client.security || 'tls',
    auth: { user: 'hostile', pass: 'not-a-secret' },
    ca: fs.readFileSync(spec.ca),
    timeout: (client.timeout ?? 5) * 1000,
    connectTimeout: 5000,
  };
  if ('allow_plaintext_auth' in client) options.allowPlaintextAuth = client.allow_plaintext_auth;
  const imap = await mw.ImapClient.connect(options);
  const [verb, ...args] = spec.call.split(' ');
  switch (verb) {
    case 'login_plain':
    case 'starttls':
      return {};
    case 'noop':
      await imap.noop();
      return {};
    case 'fetch': {
      const uids = [];
      for await (const m of imap.fetch('INBOX', Number(args[0]))) uids.push(m.uid);
      return uidsResult(uids);
    }
    case 'fetch_raw':
      return { body_bytes: (await imap.fetchRaw('INBOX', Number(args[0]))).length };
    case 'copy': {
      const map = await imap.copyMessages('INBOX', Number(args[0]), args[1]);
      return uidsResult(map.pairs.map(([src]) => src));
    }
    case 'append':
      return { uid: await imap.append('INBOX', Buffer.from('From: a@example.com\r\nSubject: hostile\r\n\r\nhello\r\n')) };
    case 'idle':
      return { count: (await imap.idle('INBOX', { timeout: Number.parseFloat(args[0]) * 1000 })).length };
    case 'list':
      return { count: (await imap.listMailboxes()).length };
    case 'save_attachment':
      return { written: await imap.saveAttachment('INBOX', Number(args[0]), args[1], path.join(spec.dir, 'attachment.bin')) };
    default:
      throw new Error(`unknown call ${spec.call}`);
  }
}

/** One connect + call; prints the HOSTILE-RESULT line (see tests/hostile/run.py). */
async function child() {
  const mw = require('..');
  const spec = JSON.parse(process.env.MAILWIRE_HOSTILE_SPEC);
  let outcome = 'ok';
  let message = '';
  let errorType = '';
  let result = {};
  const before = memory().rss;
  // Resets VmHWM to the current RSS, so that it measures the peak of this call.
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const start = process.hrtime.bigint();
  const HUNG = Symbol('hung');
  let timer;
  const hung = new Promise((resolve) => {
    timer = setTimeout(() => resolve(HUNG), spec.limit * 1000);
  });
  try {
    const r = await Promise.race([call(mw, spec), hung]);
    if (r === HUNG) {
      outcome = 'hung';
      message = `no answer in ${spec.limit} s`;
    } else {
      result = r;
    }
  } catch (e) {
    if (e instanceof mw.MailError) {
      // A panic the native layer caught arrives as EPROTOCOL with this text (core/src/panic.rs):
      // report it as the panic it was, as the other faces' children do.
      outcome = e.message.startsWith('internal error (a bug in mailwire') ? 'panic' : e.kind;
      message = e.message;
      errorType = `MailError ${e.code}`;
    } else {
      outcome = 'other';
      message = `${e && e.name}: ${e && e.message}`;
      errorType = (e && e.constructor && e.constructor.name) || typeof e;
    }
  }
  clearTimeout(timer);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const report = {
    outcome,
    message,
    elapsed,
    rss_growth_mb: Math.max(0, memory().hwm - before) / 1024,
    result,
    error_type: errorType,
  };
  // The native side may hold a call stuck on the hostile server: do not wait for it.
  process.stdout.write(`${MARK}${JSON.stringify(report)}\n`, () => process.exit(0));
}
