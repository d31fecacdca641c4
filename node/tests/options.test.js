'use strict';
// The IMAP limits a caller can set (maxResponseSize, noProgressTimeout, allowPlaintextAuth):
// bad values are EINVAL before anything is sent, good ones reach the core. User t77.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { ImapClient, MailError } = require('..');
const E = require('./env');

const USER = 't77';
const isCode = (code) => (e) => e instanceof MailError && e.code === code;

test('bad limits are EINVAL before connecting', async () => {
  // Port 1 refuses connections: EINVAL proves the check came first.
  const refused = { host: '127.0.0.1', port: 1, auth: { user: 'x', pass: 'y' } };
  for (const bad of [
    { noProgressTimeout: -1 },
    { noProgressTimeout: NaN },
    { maxResponseSize: 0 },
    { maxResponseSize: -5 },
    { maxResponseSize: 1.5 },
    { maxResponseSize: Infinity },
  ]) {
    const name = Object.keys(bad)[0];
    await assert.rejects(ImapClient.connect({ ...refused, ...bad }), (e) => isCode('EINVAL')(e) && e.message.includes(name), JSON.stringify(bad));
  }
});

test('maxResponseSize bounds what the server may send; a sane one works', async () => {
  // Dovecot's greeting with its capabilities is longer than 20 bytes.
  await assert.rejects(ImapClient.connect(E.imapOptions(USER, { maxResponseSize: 20 })), (e) => isCode('EPROTOCOL')(e) && /20 bytes/.test(e.message));
  const c = await ImapClient.connect(E.imapOptions(USER, { maxResponseSize: 1 << 20, noProgressTimeout: 30000 }));
  try {
    assert.ok((await c.listMailboxes()).some((m) => m.name === 'INBOX'));
  } finally {
    await c.logout();
  }
});

test('a plaintext login is refused unless allowPlaintextAuth', async () => {
  const plain = E.imapOptions(USER, { port: E.port.imap, security: 'plain' });
  const e = await ImapClient.connect(plain).catch((x) => x);
  assert.ok(isCode('EINVAL')(e), String(e));
  assert.match(e.message, /allow_plaintext_auth|allowPlaintextAuth/);
  assert.ok(!e.message.includes(E.password(USER)));
  const c = await ImapClient.connect({ ...plain, allowPlaintextAuth: true });
  try {
    assert.ok((await c.listMailboxes()).some((m) => m.name === 'INBOX'));
  } finally {
    await c.logout();
  }
});
