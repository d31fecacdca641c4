'use strict';
// Gmail's IMAP extensions (X-GM-EXT-1): message and thread ids and labels in summaries,
// addLabels/removeLabels, X-GM-RAW search. Against tests/gmail/peer.py, which replays the
// replies of Google's published documentation (there is no Gmail here and Dovecot has no
// X-GM-EXT-1); on Dovecot (t78), labels are EINVAL.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { test } = require('node:test');

const { ImapClient } = require('..');
const E = require('./env');

/** Starts the peer; resolves to its connect options and a `stop()` (closing its stdin ends it). */
async function startPeer() {
  const child = spawn('python3', [path.join(E.ROOT, 'tests', 'gmail', 'peer.py')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...E.vars },
  });
  const [line] = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', (l) => resolve([l]));
    child.once('exit', (code) => reject(new Error(`gmail peer exited with ${code}`)));
  });
  assert.match(line, /^PORT \d+$/);
  const options = {
    host: E.host,
    port: Number(line.split(' ')[1]),
    security: 'tls',
    auth: { user: 'user@gmail.test', accessToken: 'ya29.good' },
    ca: E.ca,
  };
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.stdin.end();
  });
  return { options, stop };
}

// conformance: imap.gmail
test('gmail: ids (as exact strings) and labels come with summaries; labels can change; X-GM-RAW search', async () => {
  const peer = await startPeer();
  const c = await ImapClient.connect(peer.options);
  try {
    const [first, reply, notes] = await c.fetchAll('INBOX', '1:4');
    // Above 2**53: a number would have lost the last digits.
    assert.equal(first.gmailMessageId, '1278455344230334865');
    assert.equal(first.gmailThreadId, '1266894439832287888');
    assert.deepEqual(first.gmailLabels, ['\\Inbox', '\\Sent', 'Important', 'Muy Importante']);
    // The reply is in the same thread; the third message has no labels (an empty list: the
    // server is Gmail).
    assert.equal(reply.gmailThreadId, first.gmailThreadId);
    assert.deepEqual(notes.gmailLabels, []);

    await c.addLabels('INBOX', 3, ['\\Important', 'Work/2026']);
    await c.removeLabels('INBOX', [1], 'Muy Importante');
    const after = await c.fetchAll('INBOX', [1, 3]);
    assert.deepEqual(after.map((s) => s.gmailLabels), [['\\Inbox', '\\Sent', 'Important'], ['\\Important', 'Work/2026']]);

    // X-GM-RAW: Gmail's own search syntax, the documentation's example.
    assert.deepEqual(await c.search('INBOX', { gmailRaw: 'has:attachment in:unread' }), [2]);
    assert.deepEqual(await c.search('INBOX', { gmailRaw: 'has:attachment' }), [2, 4]);
    // Labels are checked before anything is sent.
    for (const bad of [[], ['a\r\nb'], ['\\In box']]) {
      await assert.rejects(c.addLabels('INBOX', 1, bad), (e) => e.code === 'EINVAL');
    }
  } finally {
    await c.logout();
    await peer.stop();
  }
});

// conformance: imap.gmail
test('gmail: labels on a server without X-GM-EXT-1 are EINVAL; its summaries have no Gmail fields', async () => {
  const c = await ImapClient.connect(E.imapOptions('t78'));
  const box = E.unique('nogmail');
  await c.createMailbox(box);
  try {
    await assert.rejects(c.addLabels('INBOX', 1, 'Work'), (e) => e.code === 'EINVAL');
    await assert.rejects(c.removeLabels('INBOX', 1, ['Work']), (e) => e.code === 'EINVAL');
    await c.append(box, E.sampleMessage('plain'));
    const [s] = await c.fetchAll(box, '1:*');
    assert.deepEqual([s.gmailMessageId, s.gmailThreadId, s.gmailLabels], [undefined, undefined, undefined]);
  } finally {
    await c.deleteMailbox(box);
    await c.logout();
  }
});
