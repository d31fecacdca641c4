'use strict';
// Bad inputs and outages: each rejects with a MailError of the right code, no password
// leaks into any message, and the client stays usable. Users t70 … t73.
const assert = require('node:assert/strict');
const util = require('node:util');
const { test } = require('node:test');

const mw = require('..');
const { ImapClient, SmtpClient, MailError, parseMessage, reply, setTraceHook } = mw;
const E = require('./env');

const BIG_BOX = 'bulk-2000';
const BIG_COUNT = 2000;

function isCode(code) {
  return (e) => {
    assert.ok(e instanceof MailError, `expected a MailError, got ${util.inspect(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** Everything a user might print of an error. */
function printed(e) {
  return [String(e), e.message, e.stack, util.inspect(e), JSON.stringify(e), String(e.cause ?? '')].join('\n');
}

// conformance: auth.refused, errors.fields, errors.no-secrets
test('wrong password or token: EAUTH over IMAP and SMTP, permanent in both, and the secret is in no message', async () => {
  const secret = 'Wrong-Secret-12345';
  const e = await ImapClient.connect(E.imapOptions('t70', { auth: { user: 't70', pass: secret } })).catch((x) => x);
  isCode('EAUTH')(e);
  assert.equal(e.kind, 'auth');
  assert.equal(e.responseCode, 'AUTHENTICATIONFAILED');
  // The core's error fields, the same in every face: a refused login is permanent in IMAP
  // as in SMTP, never transient.
  assert.equal(e.permanent, true);
  assert.equal(e.transient, false);
  assert.ok(e.message.startsWith(e.description), `${e.message} / ${e.description}`);
  assert.ok(!printed(e).includes(secret));
  const s = await SmtpClient.connect(E.smtpOptions('t70', { auth: { user: 't70', pass: secret } })).catch((x) => x);
  isCode('EAUTH')(s);
  assert.equal(s.smtpCode, 535);
  assert.equal(s.permanent, true);
  assert.equal(s.transient, false);
  assert.ok(!printed(s).includes(secret));
  // A refused login is permanent whichever protocol refused it, password or token.
  const et = await ImapClient.connect(E.imapOptions('t70', { auth: { user: 't70', accessToken: secret } })).catch((x) => x);
  const st = await SmtpClient.connect(E.smtpOptions('t70', { auth: { user: 't70', accessToken: secret } })).catch((x) => x);
  for (const [what, err] of Object.entries({ imap: e, smtp: s, imapToken: et, smtpToken: st })) {
    isCode('EAUTH')(err);
    assert.deepEqual([err.permanent, err.transient], [true, false], what);
  }
});

// conformance: tls.verify
test('untrusted certificate: ETLS; refused connection: ECONNECTION', async () => {
  const { ca, ...noCa } = E.imapOptions('t71');
  await assert.rejects(ImapClient.connect(noCa), isCode('ETLS'));
  await assert.rejects(SmtpClient.connect({ ...E.smtpOptions('t71'), ca: undefined }), isCode('ETLS'));
  await assert.rejects(ImapClient.connect({ ...E.imapOptions('t71'), port: 1, connectTimeout: 5000 }), isCode('ECONNECTION'));
  assert.ok(ca);
});

// conformance: imap.mailboxes.manage, errors.fields
test('missing mailbox: ENONEXISTENT with the server text; existing one: EEXISTS; client stays usable', async () => {
  const c = await ImapClient.connect(E.imapOptions('t71'));
  try {
    const e = await c.mailboxStatus('Does-Not-Exist').catch((x) => x);
    isCode('ENONEXISTENT')(e);
    assert.equal(e.responseCode, 'NONEXISTENT');
    assert.ok(e.serverText && e.serverText.length > 0);
    await assert.rejects(c.search('Does-Not-Exist', { all: true }), isCode('ENONEXISTENT'));
    await assert.rejects(c.deleteMailbox('Does-Not-Exist'), isCode('ENONEXISTENT'));
    await assert.rejects(async () => {
      for await (const _ of c.fetch('Does-Not-Exist', '1:*')) assert.fail('no items');
    }, isCode('ENONEXISTENT'));
    const box = E.unique('dup');
    await c.createMailbox(box);
    const dup = await c.createMailbox(box).catch((x) => x);
    isCode('EEXISTS')(dup);
    assert.equal(dup.responseCode, 'ALREADYEXISTS');
    await c.deleteMailbox(box);
    assert.ok((await c.mailboxStatus('INBOX')).uidValidity > 0);
  } finally {
    await c.logout();
  }
});

// conformance: input.line-breaks
test('CRLF in a mailbox name or a raw search is EINVAL before anything is sent', async () => {
  const lines = [];
  setTraceHook((target, line) => lines.push(`${target} ${line}`));
  const c = await ImapClient.connect(E.imapOptions('t71'));
  try {
    await assert.rejects(c.createMailbox('evil\r\nA1 DELETE INBOX'), isCode('EINVAL'));
    await assert.rejects(c.renameMailbox('INBOX', 'x\ny'), isCode('EINVAL'));
    await assert.rejects(c.search('INBOX', 'ALL\r\nA1 LOGOUT'), isCode('EINVAL'));
    await assert.rejects(c.append('a\rb', E.sampleMessage('x')), isCode('EINVAL'));
    await c.noop();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(lines.some((l) => l.includes('NOOP')), 'traces arrive');
    assert.ok(!lines.some((l) => l.includes('evil') || l.includes('DELETE INBOX') || l.includes('LOGOUT')), lines.join('\n'));
  } finally {
    setTraceHook(null);
    await c.logout();
  }
});

// conformance: imap.uids.grammar, connect.security
test('odd arguments are EINVAL, never a crash', async () => {
  const c = await ImapClient.connect(E.imapOptions('t71'));
  try {
    await assert.rejects(c.fetchRaw('INBOX', -1), isCode('EINVAL'));
    await assert.rejects(c.fetchAll('INBOX', '1:x'), isCode('EINVAL'));
    await assert.rejects(c.fetchAll('INBOX', [1.5]), isCode('EINVAL'));
    await assert.rejects(c.mailboxStatus(42), isCode('EINVAL'));
    await assert.rejects(c.idle('INBOX', { timeout: NaN }), isCode('EINVAL'));
    await assert.rejects(c.search('INBOX', { since: 'not a date' }), isCode('EINVAL'));
    await assert.rejects(c.addFlags('INBOX', 1, ['bad keyword(']), isCode('EINVAL'));
    assert.deepEqual(await c.fetchAll('INBOX', []), []);
    assert.deepEqual(await c.idle('INBOX', { timeout: 10 }), []);
    assert.equal(parseMessage(Buffer.alloc(0)).subject ?? null, null); // never fails on bytes
    assert.throws(() => reply(parseMessage('Subject: x\r\n\r\nhi'), { from: 'bad\r\nBcc: x@y' }), isCode('EINVAL'));
    await assert.rejects(ImapClient.connect({ host: 'h', security: 'carrier-pigeon' }), isCode('EINVAL'));
    await assert.rejects(ImapClient.connect({ host: 'h', auth: { user: 'u', pass: 'p', accessToken: 't' } }), isCode('EINVAL'));
    await assert.rejects(ImapClient.connect({ host: 'h', port: 70000 }), isCode('EINVAL'));
    assert.ok((await c.mailboxStatus('INBOX')).uidValidity > 0);
  } finally {
    await c.logout();
  }
});

// conformance: imap.uids.zero-invalid, imap.uids.grammar
test('UID 0 is EINVAL wherever UIDs are taken, never silently dropped; strings follow the one grammar', async () => {
  const c = await ImapClient.connect(E.imapOptions('t71'));
  try {
    const { UidSet } = require('..');
    for (const zero of [0, [0], [0, 1], '0', '0:3']) {
      await assert.rejects(c.fetchAll('INBOX', zero), (e) => e.code === 'EINVAL' && /UID|0/.test(e.message), String(zero));
    }
    await assert.rejects(c.addFlags('INBOX', [0], ['\\Seen']), { code: 'EINVAL', message: /UID 0/ });
    await assert.rejects(c.search('INBOX', { uid: [0, 2] }), { code: 'EINVAL', message: /UID 0/ });
    assert.throws(() => new UidSet([[0, 3]]), { code: 'EINVAL', message: /UID 0/ });
    for (const bad of ['all', ' 5', '1,,2', '1:x']) {
      await assert.rejects(c.fetchAll('INBOX', bad), { code: 'EINVAL', message: /not a UID set/ }, bad);
    }
    // The client is fine afterwards.
    assert.ok((await c.mailboxStatus('INBOX')).uidValidity > 0);
  } finally {
    await c.logout();
  }
});

async function ensureBigMailbox(user) {
  const c = await ImapClient.connect(E.imapOptions(user));
  try {
    if (!(await c.listMailboxes()).some((m) => m.name === BIG_BOX)) await c.createMailbox(BIG_BOX);
    const have = (await c.mailboxStatus(BIG_BOX)).messages;
    const to = Array.from({ length: 200 }, (_, i) => `recipient${i}@example.org`).join(', ');
    for (let i = have; i < BIG_COUNT; i++) {
      await c.append(BIG_BOX, `From: a@example.org\r\nTo: ${to}\r\nSubject: bulk ${i}\r\n\r\nx\r\n`);
    }
  } finally {
    await c.logout();
  }
}

// conformance: imap.outage
test('server killed mid-fetch: ECONNECTION/ETIMEDOUT within the deadline, and the next call works', async () => {
  await ensureBigMailbox('t72');
  const c = await ImapClient.connect(E.imapOptions('t72', { timeout: 5000 }));
  try {
    let n = 0;
    let killedAt = 0;
    const err = await (async () => {
      for await (const _ of c.fetch(BIG_BOX, '1:*', { batchSize: 10 })) {
        n++;
        if (n === 1) {
          E.killSessions('t72');
          killedAt = Date.now();
        }
      }
    })().catch((e) => e);
    assert.ok(err instanceof MailError && ['ECONNECTION', 'ETIMEDOUT'].includes(err.code), util.inspect(err));
    assert.ok(Date.now() - killedAt < 8000, 'within the 5 s deadline (plus slack)');
    assert.ok(n < BIG_COUNT, `stopped early (${n})`);
    assert.equal((await c.mailboxStatus(BIG_BOX)).messages, BIG_COUNT, 'the next call reconnects');
    assert.equal((await c.fetchAll(BIG_BOX, '1:*', { attachments: false })).length, BIG_COUNT);
  } finally {
    await c.logout();
  }
});

// conformance: trace.redacted
test('protocol traces reach the hook without passwords or tokens', async () => {
  const wrong = 'Log-Wrong-Pass-424242';
  const lines = [];
  setTraceHook((target, line) => lines.push(`${target} ${line}`));
  try {
    const c = await ImapClient.connect(E.imapOptions('t73'));
    await c.mailboxStatus('INBOX');
    await c.logout();
    const t = await ImapClient.connect({ host: E.host, port: E.port.imaps, ca: E.ca, auth: { user: 't73', accessToken: E.token('t73') } });
    await t.logout();
    await assert.rejects(ImapClient.connect(E.imapOptions('t73', { auth: { user: 't73', pass: wrong } })), isCode('EAUTH'));
    const s = await SmtpClient.connect(E.smtpOptions('t73'));
    await s.close();
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    setTraceHook(null);
  }
  const text = lines.join('\n');
  assert.ok(lines.some((l) => l.startsWith('mailwire.imap')), text.slice(0, 500));
  assert.ok(lines.some((l) => l.startsWith('mailwire.smtp')), text.slice(0, 500));
  assert.match(text, /STATUS "INBOX"/);
  assert.match(text, /LOGIN/);
  for (const secret of [E.password('t73'), E.token('t73'), wrong]) assert.ok(!text.includes(secret), `leaked ${secret}`);
});

// conformance: errors.no-secrets
test('secrets with CR, LF or NUL are EINVAL and appear in no part of the error', async () => {
  // A password or token read from a file often ends in a newline (issue 12).
  for (const tail of ['\n', '\r\n', '\0', '\r']) {
    const secret = `Zq-unusual-Secret-9${tail}`;
    const attempts = [
      ImapClient.connect(E.imapOptions('t70', { auth: { user: 't70', pass: secret } })),
      ImapClient.connect(E.imapOptions('t70', { auth: { user: 't70', accessToken: secret } })),
      SmtpClient.connect(E.smtpOptions('t70', { auth: { user: 't70', pass: secret } })),
    ];
    for (const attempt of attempts) {
      const e = await attempt.catch((x) => x);
      assert.ok(e instanceof MailError, String(e));
      assert.equal(e.code, 'EINVAL');
      const texts = [e.message, String(e.stack), JSON.stringify(e), util.inspect(e, { depth: 5 })];
      for (const t of texts) assert.ok(!t.includes('Zq-unusual-Secret-9'), t);
    }
  }
});
