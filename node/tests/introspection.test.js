'use strict';
// What the servers say of themselves (IMAP capabilities and ID, SMTP extensions and SASL
// mechanisms), the raw-command escape hatch, and events that wait under their mailbox until
// taken — against the real Dovecot and Postfix: user10.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { ImapClient, SmtpClient, UidSet } = require('..');
const E = require('./env');

const USER = 'user10';

// conformance: imap.capabilities
test('capabilities are listed sorted and upper case', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER));
  try {
    const caps = await c.capabilities();
    for (const cap of ['IMAP4REV1', 'IDLE', 'ID', 'UIDPLUS']) assert.ok(caps.includes(cap), `${cap} missing from ${caps}`);
    assert.deepEqual(caps, [...caps].sort());
    assert.ok(caps.every((x) => x === x.toUpperCase()), String(caps));
    assert.equal(await c.hasCapability('idle'), true);
  } finally {
    await c.logout();
  }
});

// conformance: imap.id
test('the client sends its ID (clientId) and reads the server\'s (serverId)', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER, { clientId: { name: 'node-tests', version: '1' } }));
  const id = await c.serverId();
  assert.equal(id?.name, 'Dovecot', JSON.stringify(id));
  await c.logout();
  // With no client ID, nothing is sent and nothing is known.
  const quiet = await ImapClient.connect(E.imapOptions(USER, { clientId: {} }));
  assert.equal(await quiet.serverId(), null);
  await quiet.logout();
  // RFC 2971's limits are checked before anything is sent; values must be strings.
  await assert.rejects(ImapClient.connect(E.imapOptions(USER, { clientId: { ['x'.repeat(31)]: '1' } })), (e) => e.code === 'EINVAL');
  await assert.rejects(ImapClient.connect(E.imapOptions(USER, { clientId: { name: 1 } })), (e) => e.code === 'EINVAL');
});

// conformance: imap.raw-command
test('rawCommand returns the untagged lines and the tagged status; refuses what it cannot send', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER));
  const box = E.unique('raw');
  await c.createMailbox(box);
  try {
    const uid = await c.append(box, E.sampleMessage('raw'), { flags: '\\Flagged' });
    const ns = await c.rawCommand('NAMESPACE');
    assert.equal(ns.status, 'OK');
    assert.equal(ns.isOk, true);
    assert.equal(ns.untagged.length, 1, JSON.stringify(ns));
    assert.ok(ns.untagged[0].startsWith('* NAMESPACE (('), JSON.stringify(ns));

    // With a mailbox, it is selected first; the answers are returned, not taken as events.
    const fetched = await c.rawCommand(`UID FETCH ${uid} (FLAGS)`, { mailbox: box });
    assert.ok(fetched.isOk, JSON.stringify(fetched));
    assert.ok(fetched.untagged.some((l) => l.includes(`UID ${uid}`) && l.includes('\\Flagged')), JSON.stringify(fetched));
    assert.deepEqual(await c.pendingEvents(box), []);

    // A command the server refuses is a status, not a rejection.
    const bad = await c.rawCommand('XNOSUCHCOMMAND');
    assert.equal(bad.status, 'BAD');
    assert.equal(bad.isOk, false);

    // A raw SELECT of another mailbox: the client selects its own again.
    const sel = await c.rawCommand('SELECT INBOX');
    assert.ok(sel.untagged.some((l) => l.endsWith(' EXISTS')), JSON.stringify(sel));
    assert.deepEqual(await c.search(box), [uid]);

    for (const refused of ['NOOP\r\nA9 LOGOUT', 'IDLE', 'SEARCH TEXT {3}']) {
      await assert.rejects(c.rawCommand(refused), (e) => e.code === 'EINVAL', refused);
    }
    await assert.rejects(c.rawCommand('NOOP', { mbox: box }), (e) => e.code === 'EINVAL');
    await c.noop();
  } finally {
    await c.deleteMailbox(box);
    await c.logout();
  }
});

// conformance: imap.events.pending
test('events seen during other calls wait under their mailbox until taken (pendingEvents, or the next idle)', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER));
  const other = await ImapClient.connect(E.imapOptions(USER));
  const box = E.unique('pending');
  const elsewhere = E.unique('elsewhere');
  await c.createMailbox(box);
  await c.createMailbox(elsewhere);
  try {
    const u1 = await other.append(box, E.sampleMessage('1'));
    await c.search(box);
    await other.append(box, E.sampleMessage('2'));
    await other.addFlags(box, u1, '\\Flagged');
    // The NOOP brings both changes; then the client works in another mailbox.
    await c.noop();
    await c.search(elsewhere);
    assert.deepEqual(await c.pendingEvents(elsewhere), []);
    const emitted = [];
    c.on('flags', (e) => emitted.push(e));
    // Both changes, in the order the server sent them.
    const events = await c.pendingEvents(box);
    assert.equal(events.length, 2, JSON.stringify(events));
    assert.ok(events.some((e) => e.type === 'exists' && e.count === 2 && e.prevCount === 1), JSON.stringify(events));
    assert.ok(events.some((e) => e.type === 'flags' && e.uid === u1 && e.flags.includes('\\Flagged')), JSON.stringify(events));
    assert.equal(emitted.length, 1, 'emitted as idle emits');
    assert.equal(emitted[0].mailbox, box);
    assert.deepEqual(await c.pendingEvents(box), [], 'taken once');

    // What arrives during another call is the next idle's first answer, not lost when IDLE
    // starts.
    await c.search(box);
    await other.addFlags(box, u1, '\\Seen');
    await c.noop();
    const next = await c.idle(box, { timeout: 20000 });
    assert.equal(next.length, 1, JSON.stringify(next));
    assert.ok(next[0].type === 'flags' && next[0].uid === u1 && next[0].flags.includes('\\Seen'), JSON.stringify(next));

    // An expunge waits too, its UIDs as a UidSet.
    await other.deleteMessages(box, u1);
    await c.noop();
    const gone = (await c.pendingEvents(box)).filter((e) => e.type === 'expunge');
    assert.ok(gone.length === 1 && gone[0].uids instanceof UidSet && gone[0].uids.has(u1), String(gone.map((e) => e.uids)));
  } finally {
    await c.deleteMailbox(box);
    await c.deleteMailbox(elsewhere);
    await c.logout();
    await other.logout();
  }
});

// conformance: smtp.capabilities
test('the EHLO extensions and auth mechanisms are readable', async () => {
  const s = await SmtpClient.connect(E.smtpOptions(USER));
  try {
    const ext = s.extensions();
    // Postfix's submission service after STARTTLS (see devserver's master.cf).
    for (const keyword of ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES']) assert.ok(ext.includes(keyword), `${keyword} missing: ${ext}`);
    assert.ok(ext.some((e) => e.startsWith('SIZE ')), String(ext));
    assert.ok(!ext.includes('STARTTLS'), 'not offered again inside TLS');
    const mechs = s.authMechanisms();
    assert.ok(mechs.includes('PLAIN'), String(mechs));
    assert.ok(ext.some((e) => e.startsWith('AUTH ') && e.includes('PLAIN')), String(ext));
  } finally {
    await s.close();
  }
});
