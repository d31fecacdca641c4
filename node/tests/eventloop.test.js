'use strict';
// The event loop never blocks: timers keep firing during a long fetch and a long IDLE,
// and a process whose client was closed exits on its own. User t74.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const { ImapClient } = require('..');
const E = require('./env');

const USER = 't74';
const BOX = 'bulk-1000';
const COUNT = 1000;

/** Counts timer ticks and the longest gap between two while `work` runs. */
async function ticksDuring(work) {
  let ticks = 0;
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { ticks, maxGap, ms: performance.now() - started };
}

test('timers keep firing during a long fetch', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER));
  try {
    if (!(await c.listMailboxes()).some((m) => m.name === BOX)) await c.createMailbox(BOX);
    const to = Array.from({ length: 50 }, (_, i) => `r${i}@example.org`).join(', ');
    for (let i = (await c.mailboxStatus(BOX)).messages; i < COUNT; i++) {
      await c.append(BOX, `From: a@example.org\r\nTo: ${to}\r\nSubject: bulk ${i}\r\n\r\nx\r\n`);
    }
    let n = 0;
    const r = await ticksDuring(async () => {
      for (let round = 0; round < 3; round++) {
        for await (const _ of c.fetch(BOX, '1:*')) n++;
      }
    });
    assert.equal(n, 3 * COUNT);
    // A loop blocked by the fetch would stall for a whole round (a third of the time) and
    // tick only between rounds. The bounds are relative to the work, not absolute: on a busy
    // machine the scheduler alone delays a healthy loop by a few hundred ms, and the fetch
    // slows down with it.
    assert.ok(r.ticks >= 20, `only ${r.ticks} ticks in ${r.ms.toFixed(0)} ms`);
    assert.ok(
      r.maxGap < Math.max(100, r.ms / 6),
      `the event loop stalled for ${r.maxGap.toFixed(0)} ms of ${r.ms.toFixed(0)} ms`,
    );
  } finally {
    await c.logout();
  }
});

test('timers and other I/O keep running during IDLE', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER));
  const other = await ImapClient.connect(E.imapOptions(USER));
  try {
    let otherCalls = 0;
    const r = await ticksDuring(async () => {
      const idle = c.idle('INBOX', { timeout: 1500 });
      // I/O on another connection completes while the first one is in IDLE.
      for (let i = 0; i < 5; i++) {
        await other.noop();
        otherCalls++;
      }
      assert.deepEqual(await idle, []);
    });
    assert.equal(otherCalls, 5);
    assert.ok(r.ms >= 1400, `idle returned after ${r.ms} ms`);
    // A loop blocked by IDLE would not tick for 1.5 s; a healthy one on a busy machine
    // may be delayed by the scheduler for a few hundred ms, never for a second.
    assert.ok(r.ticks >= 20, `only ${r.ticks} ticks during a 1.5 s IDLE`);
    assert.ok(r.maxGap < 1000, `the event loop stalled for ${r.maxGap.toFixed(0)} ms`);
  } finally {
    await c.logout();
    await other.logout();
  }
});

test('a process with a closed client exits on its own', async () => {
  const script = `
    const { ImapClient, SmtpClient } = require(${JSON.stringify(path.join(__dirname, '..'))});
    const E = require(${JSON.stringify(path.join(__dirname, 'env.js'))});
    (async () => {
      const c = await ImapClient.connect(E.imapOptions('${USER}'));
      await c.mailboxStatus('INBOX');
      await c.logout();
      const s = await SmtpClient.connect(E.smtpOptions('${USER}'));
      await s.close();
      console.log('done');
    })();`;
  const started = Date.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => {
    const kill = setTimeout(() => { child.kill('SIGKILL'); resolve('hung'); }, 15000);
    child.on('exit', (c) => { clearTimeout(kill); resolve(c); });
  });
  assert.equal(code, 0, `exit: ${code}`);
  assert.equal(out.trim(), 'done');
  assert.ok(Date.now() - started < 15000);
});
