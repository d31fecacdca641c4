'use strict';
// The options a caller can set: IMAP limits (maxResponseSize, noProgressTimeout, allowPlaintextAuth)
// and bad values are EINVAL before anything is sent, good ones reach the core; unknown keys in
// any options object are EINVAL naming them. User t77.
const assert = require('node:assert/strict');
const tls = require('node:tls');
const { test } = require('node:test');

const { ImapClient, SmtpClient, MailError, buildMessage, parseMessage, reply, forward } = require('..');
const E = require('./env');

const USER = 't77';
const isCode = (code) => (e) => e instanceof MailError && e.code === code;

// conformance: imap.limits
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
  // Credentials are checked by the core, with its words: a user needs a password or a token.
  for (const auth of [{ user: 'x' }, { user: 'x', pass: 'y', accessToken: 'z' }]) {
    await assert.rejects(ImapClient.connect({ ...refused, auth }), (e) => isCode('EINVAL')(e) && /password or an access token/.test(e.message), JSON.stringify(auth));
  }
});

// conformance: imap.limits
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

// conformance: auth.plaintext-opt-in
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

test('unknown options are EINVAL naming the option, in every options object', async () => {
  const named = (key) => (e) => isCode('EINVAL')(e) && e.message.includes(`"${key}"`);
  // Port 1 refuses connections: EINVAL proves the check came before connecting.
  const refused = { host: '127.0.0.1', port: 1, auth: { user: 'x', pass: 'y' } };
  await assert.rejects(ImapClient.connect({ ...refused, timeoutMs: 5 }), named('timeoutMs'));
  await assert.rejects(ImapClient.connect({ ...refused, maxConnections: 2 }), named('maxConnections'), 'an SMTP option is unknown to IMAP');
  await assert.rejects(ImapClient.connect({ ...refused, auth: { user: 'x', password: 'y' } }), named('password'));
  await assert.rejects(ImapClient.connect({ ...refused, tls: { rejectUnauthorised: false } }), named('rejectUnauthorised'));
  await assert.rejects(SmtpClient.connect({ ...refused, secure: true }), named('secure'));
  await assert.rejects(SmtpClient.connect({ ...refused, idleReissue: 1000 }), named('idleReissue'), 'an IMAP option is unknown to SMTP');

  const c = await ImapClient.connect(E.imapOptions(USER));
  const smtp = await SmtpClient.connect(E.smtpOptions(USER));
  try {
    // A misspelt timeout once made idle wait a day; now it never starts.
    await assert.rejects(c.idle('INBOX', { timeoutMs: 10, signal: AbortSignal.timeout(5000) }), named('timeoutMs'));
    assert.throws(() => c.watch('INBOX', { sigal: null }), named('sigal'));
    await assert.rejects(c.fetchAll('INBOX', '1:*', { bodyStructure: true }), named('bodyStructure'));
    await assert.rejects(async () => {
      for await (const _ of c.fetchRawMany('INBOX', '1:*', { batch: 1 })) break;
    }, named('batch'));
    await assert.rejects(c.saveAttachment('INBOX', 1, '2', '/nonexistent/x', { progress: () => {} }), named('progress'));
    await assert.rejects(c.append('INBOX', E.sampleMessage('never appended'), { flag: '\\Seen' }), named('flag'));
    await assert.rejects(c.search('INBOX', { subjet: 'x' }), named('subjet'));
    await assert.rejects(c.search('INBOX', { or: [{ seen: true }, { flaged: true }] }), named('flaged'), 'inside `or`');
    await assert.rejects(c.search('INBOX', { not: { unseen: true } }), named('unseen'), 'inside `not`');

    const to = E.address(USER);
    const ok = { from: to, to, subject: 'never sent', text: 'x' };
    await assert.rejects(smtp.send({ ...ok, txt: 'x' }), named('txt'));
    await assert.rejects(smtp.send({ ...ok, envelope: { from: to, to, cc: to } }), named('cc'));
    await assert.rejects(smtp.send({ ...ok, attachments: [{ filename: 'a.txt', contents: 'x' }] }), named('contents'));
    await assert.rejects(smtp.send({ ...ok, to: { name: 'X', adress: to } }), named('adress'));
    await assert.rejects(smtp.send({ ...ok, headers: [{ name: 'X-A', value: '1' }] }), named('name'));
    await assert.rejects(smtp.send(ok, { onProgres: () => {} }), named('onProgres'));
    await assert.rejects(buildMessage({ ...ok, htm: '<p>x</p>' }), named('htm'));
    const original = parseMessage(E.sampleMessage('original'));
    assert.throws(() => reply(original, { from: to, all: true }), named('all'));
    assert.throws(() => forward(original, { from: to, to, cc: to }), named('cc'));
    // Nothing was appended or sent.
    assert.deepEqual(await c.search('INBOX', { subject: 'never' }), []);
  } finally {
    await smtp.close();
    await c.logout();
  }
});

// conformance: tls.verify
test('ca takes what Node tls and nodemailer take: a Buffer, a string, or an array of them', async () => {
  const other = tls.rootCertificates[0]; // a real CA, not the devserver's
  for (const ca of [E.ca, E.ca.toString(), [E.ca], [other, E.ca.toString()], [Buffer.from(other), E.ca]]) {
    const c = await ImapClient.connect(E.imapOptions(USER, { ca }));
    assert.ok((await c.mailboxStatus('INBOX')).uidValidity > 0);
    await c.logout();
  }
  const smtp = await SmtpClient.connect(E.smtpOptions(USER, { ca: [other, E.ca] }));
  await smtp.close();
  // The array is what is trusted: without the devserver's CA in it the certificate is refused.
  await assert.rejects(ImapClient.connect(E.imapOptions(USER, { ca: [other] })), isCode('ETLS'));
  await assert.rejects(SmtpClient.connect(E.smtpOptions(USER, { ca: [other] })), isCode('ETLS'));
  await assert.rejects(ImapClient.connect(E.imapOptions(USER, { ca: [42] })), isCode('EINVAL'));
});
