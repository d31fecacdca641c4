'use strict';
// Several mailboxes watched at once (watchMany) on the real Dovecot: `change` events as sync
// found them, on one NOTIFY connection or (`useNotify: false`) under the connection cap, and
// `reconnected` plus a catch-up after the server drops the connections. t78 (no session
// killed) and t79 (its sessions are killed: used by no other test of this suite).
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { ImapClient } = require('..');
const E = require('./env');

const DEADLINE = 30000;

/** Records the client's `change` and `reconnected` events; `until(done)` waits for them. */
function recorder(client) {
  const events = [];
  let check = () => {};
  for (const type of ['change', 'reconnected']) {
    client.on(type, (e) => {
      events.push({ type, ...e });
      check();
    });
  }
  const until = (done) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`incomplete: ${JSON.stringify(events)}`)), DEADLINE);
    check = () => {
      if (!done(events)) return;
      clearTimeout(timer);
      check = () => {};
      resolve(events);
    };
    check();
  });
  return { events, until };
}

const newUids = (events, mailbox) => events.filter((e) => e.type === 'change' && e.mailbox === mailbox).flatMap((e) => e.new);

async function connections(w, n) {
  const deadline = Date.now() + 10000;
  while (w.connections < n) {
    assert.ok(Date.now() < deadline, `${w.connections} connections`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Three mailboxes watched; the client adds to each and flags one: every change is reported once, on `expected` connections. */
async function threeMailboxes(expected, options) {
  const c = await ImapClient.connect(E.imapOptions('t78'));
  const boxes = [0, 1, 2].map((i) => E.unique(`many${i}`));
  for (const b of boxes) await c.createMailbox(b);
  try {
    const u0 = await c.append(boxes[0], E.sampleMessage('old'));
    const rec = recorder(c);
    const w = await c.watchMany(boxes, options);
    // The watch starts from the content it finds: wait until its connections stand there.
    await connections(w, expected);
    const uids = [];
    for (const b of boxes) uids.push(await c.append(b, E.sampleMessage('new')));
    await c.addFlags(boxes[0], u0, '\\Flagged');
    const events = await rec.until((ev) =>
      boxes.every((b, i) => newUids(ev, b).includes(uids[i])) &&
      ev.some((e) => e.mailbox === boxes[0] && e.changed?.some((f) => f.uid === u0 && f.flags.includes('\\Flagged'))));
    // Nothing reported twice, nor the starting content; `path` is imapflow's name.
    boxes.forEach((b, i) => assert.deepEqual(newUids(events, b), [uids[i]], JSON.stringify(events)));
    assert.ok(events.every((e) => e.type === 'change' && e.path === e.mailbox && e.vanished.size === 0), JSON.stringify(events));
    assert.equal(w.connections, expected);
    await w.stop();
    await w.ended;
  } finally {
    for (const b of boxes) await c.deleteMailbox(b);
    await c.logout();
  }
}

// conformance: imap.watch.many
test('watchMany: with NOTIFY, one connection reports changes in three mailboxes', async () => {
  // Dovecot offers NOTIFY (RFC 5465): one connection for all three.
  await threeMailboxes(1, {});
});

// conformance: imap.watch.many
test('watchMany: without NOTIFY, three mailboxes are watched under a cap of two connections', async () => {
  // One IDLE connection for the first mailbox, one polling the other two.
  await threeMailboxes(2, { useNotify: false, maxConnections: 2, pollInterval: 300 });
});

/** Watches `count` mailboxes of t79, has the server drop every session of t79, and appends meanwhile to the first: `reconnected` and the new message follow. */
async function reconnectsAndCatchesUp(count) {
  const user = 't79';
  const c = await ImapClient.connect(E.imapOptions(user));
  const boxes = Array.from({ length: count }, (_, i) => E.unique(`many-reconnect${i}`));
  for (const b of boxes) await c.createMailbox(b);
  const mb = boxes[0];
  const rec = recorder(c);
  const w = await c.watchMany(boxes, { backoffMin: 100, backoffMax: 400 });
  let other;
  try {
    await connections(w, 1);
    const first = await c.append(mb, E.sampleMessage('1'));
    await rec.until((ev) => newUids(ev, mb).includes(first));

    E.killSessions(user, 'TERM');
    // Appended while the watch is down or coming back: either way it is reported. (`c` lost
    // its connection too: a new client appends.)
    other = await ImapClient.connect(E.imapOptions(user));
    const second = await other.append(mb, E.sampleMessage('2'));
    const events = await rec.until((ev) =>
      newUids(ev, mb).includes(second) && ev.some((e) => e.type === 'reconnected' && e.mailbox === mb));
    for (const e of events.filter((x) => x.type === 'reconnected')) {
      assert.ok(e.attempts >= 1 && e.path === e.mailbox, JSON.stringify(e));
    }
    assert.deepEqual(newUids(events, mb), [first, second]);
  } finally {
    await w.stop();
    if (other) {
      for (const b of boxes) await other.deleteMailbox(b);
      await other.logout();
    }
    await c.logout().catch(() => {});
  }
}

// conformance: imap.watch.many
test('watchMany: after the server drops its own IDLE connection, reconnected then the catch-up', async () => {
  // One mailbox: its own IDLE connection.
  await reconnectsAndCatchesUp(1);
});

// conformance: imap.watch.many
test('watchMany: after the server drops the NOTIFY connection, reconnected then the catch-up', async () => {
  // Two mailboxes: one NOTIFY connection for both.
  await reconnectsAndCatchesUp(2);
});

// conformance: imap.watch.many
test('watchMany: bad lists are EINVAL; a mailbox that does not exist ends the watch with an error event', async () => {
  const c = await ImapClient.connect(E.imapOptions('t78'));
  try {
    for (const bad of [[], ['INBOX', 'INBOX']]) {
      await assert.rejects(c.watchMany(bad), (e) => e.code === 'EINVAL');
    }
    await assert.rejects(c.watchMany('INBOX', { maxConnections: 0 }), (e) => e.code === 'EINVAL');
    await assert.rejects(c.watchMany('INBOX', { pollIntervalMs: 5 }), (e) => e.code === 'EINVAL');

    const errors = [];
    c.on('error', (e) => errors.push(e));
    const w = await c.watchMany([E.unique('missing')], { backoffMin: 100 });
    await w.ended;
    assert.equal(errors.length, 1, String(errors));
    assert.equal(errors[0].code, 'ENONEXISTENT', String(errors[0]));
  } finally {
    await c.logout();
  }
});
