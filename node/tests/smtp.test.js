'use strict';
// SMTP through the real Postfix: nodemailer-shaped messages, per-recipient results, raw
// messages, reply and forward — checked by reading the delivered mail over IMAP.
// Users t67 (sender), t68 and t69 (recipients).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');

const { ImapClient, SmtpClient, MailError, reply, forward, setTraceHook } = require('..');
const E = require('./env');

let smtp;
let inbox68;
let inbox69;

before(async () => {
  smtp = await SmtpClient.connect(E.smtpOptions('t67'));
  inbox68 = await ImapClient.connect(E.imapOptions('t68'));
  inbox69 = await ImapClient.connect(E.imapOptions('t69'));
});

/** Waits (event-loop turns, no timer) until `calls` holds the final `[total, total]` progress call. */
async function progressed(calls) {
  for (let i = 0; i < 1000 && !calls.some(([done, total]) => total > 0 && done === total); i++) await new Promise((r) => setImmediate(r));
  const last = calls[calls.length - 1];
  assert.ok(last && last[1] > 0 && last[0] === last[1], JSON.stringify(calls));
}

after(async () => {
  await smtp.close();
  await inbox68.logout();
  await inbox69.logout();
});

// conformance: smtp.connect.starttls, smtp.send, smtp.per-recipient, smtp.bcc-hidden, smtp.progress
test('send delivers text, html, attachments (content, path, cid) and reports the refused recipient with its reason', async () => {
  const subject = E.unique('smtp');
  const file = path.join(os.tmpdir(), `${E.unique('att')}.txt`);
  fs.writeFileSync(file, 'from a file');
  const progress = [];
  const result = await smtp.send(
    {
      from: { name: 'T Sixty-Seven', address: E.address('t67') },
      to: [E.address('t68'), `nobody@${E.domain}`],
      cc: `Cc Person <${E.address('t69')}>`,
      bcc: E.address('t67'),
      subject,
      text: 'plain body',
      html: '<p>html body <img src="cid:logo@x"></p>',
      attachments: [
        { filename: 'a.bin', content: Buffer.from([0, 1, 2, 255]), contentType: 'application/octet-stream' },
        { path: file },
        { filename: 'logo.png', content: Buffer.from('PNGDATA'), contentType: 'image/png', cid: 'logo@x' },
      ],
    },
    { onProgress: (done, total) => progress.push([done, total]) },
  );
  fs.unlinkSync(file);
  // nodemailer's info: addresses in accepted/rejected, the reasons in rejectedErrors, the
  // final reply, the envelope (To, Cc, Bcc in order) and the Message-ID in angle brackets.
  assert.deepEqual(result.accepted.sort(), [E.address('t67'), E.address('t68'), E.address('t69')].sort());
  assert.deepEqual(result.rejected, [`nobody@${E.domain}`]);
  assert.equal(result.rejectedErrors.length, 1);
  const [refused] = result.rejectedErrors;
  assert.equal(refused.recipient, `nobody@${E.domain}`);
  assert.equal(refused.address, `nobody@${E.domain}`);
  assert.equal(refused.code, 550);
  assert.equal(refused.responseCode, 550);
  assert.equal(refused.enhancedCode, '5.1.1');
  assert.equal(refused.permanent, true);
  assert.ok(refused.message.length > 0);
  assert.equal(refused.response, `550 5.1.1 ${refused.message}`);
  assert.match(result.response, /^250 2\.0\.0 .*queued as/);
  assert.deepEqual(result.envelope, {
    from: E.address('t67'),
    to: [E.address('t68'), `nobody@${E.domain}`, E.address('t69'), E.address('t67')],
  });
  assert.match(result.messageId, /^<[^<>@]+@[^<>]+>$/);

  const [uid] = await E.waitFor(inbox68, subject);
  assert.ok(uid, 'arrived');
  const msg = await inbox68.fetchMessage('INBOX', uid);
  assert.equal(`<${msg.messageId}>`, result.messageId);
  assert.equal(msg.text.trim(), 'plain body');
  assert.match(msg.html, /html body/);
  assert.deepEqual(msg.cc, [{ name: 'Cc Person', address: E.address('t69') }]);
  const byName = Object.fromEntries(msg.attachments.map((a) => [a.filename ?? a.contentId, a]));
  assert.ok(byName['a.bin'].data.equals(Buffer.from([0, 1, 2, 255])));
  assert.equal(byName[path.basename(file)].data.toString(), 'from a file');
  assert.equal(byName[path.basename(file)].contentType, 'text/plain');
  const logo = msg.attachments.find((a) => a.contentId === 'logo@x');
  assert.ok(logo && logo.inline && logo.data.toString() === 'PNGDATA');
  const raw = await inbox68.fetchRaw('INBOX', uid);
  assert.ok(!/^bcc:/im.test(raw.toString().split('\r\n\r\n')[0]), 'no Bcc header');
  assert.ok((await E.waitFor(inbox69, subject)).length === 1, 'the Cc recipient got it too');
  await progressed(progress);
});

// conformance: smtp.per-recipient, errors.fields, input.line-breaks
test('sendMail is an alias; all recipients refused rejects with EREJECTED and the SMTP codes', async () => {
  const err = await smtp.sendMail({ from: E.address('t67'), to: `nobody@${E.domain}`, subject: 'x', text: 'x' }).catch((e) => e);
  assert.ok(err instanceof MailError, String(err));
  assert.equal(err.code, 'EREJECTED');
  assert.equal(err.smtpCode, 550);
  assert.equal(err.enhancedCode, '5.1.1');
  assert.equal(err.permanent, true);
  await assert.rejects(smtp.send({ from: E.address('t67'), subject: 'no recipients' }), (e) => e.code === 'EINVAL');
  await assert.rejects(smtp.send({ from: E.address('t67'), to: 'bad\r\naddress@x', subject: 'x' }), (e) => e.code === 'EINVAL');
});

// conformance: smtp.send-raw, smtp.progress
test('raw messages: `raw` takes the envelope from the headers, `envelope` overrides it; onProgress on every path', async () => {
  const subject = E.unique('raw');
  const raw = `From: ${E.address('t67')}\r\nTo: ${E.address('t68')}\r\nBcc: ${E.address('t69')}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@x>\r\n\r\nraw body\r\n`;
  const p1 = [];
  const r1 = await smtp.send({ raw }, { onProgress: (done, total) => p1.push([done, total]) });
  assert.deepEqual(r1.accepted.sort(), [E.address('t68'), E.address('t69')].sort());
  assert.equal(r1.messageId, `<${subject}@x>`);
  assert.deepEqual(r1.envelope, { from: E.address('t67'), to: [E.address('t68'), E.address('t69')] });
  assert.match(r1.response, /^250 /);
  await progressed(p1);
  const p2 = [];
  const r2 = await smtp.send({ raw: Buffer.from(raw), envelope: { from: E.address('t67'), to: [E.address('t69')] } }, { onProgress: (done, total) => p2.push([done, total]) });
  assert.deepEqual(r2.accepted, [E.address('t69')]);
  assert.deepEqual(r2.envelope, { from: E.address('t67'), to: [E.address('t69')] });
  await progressed(p2);
  // A message object with an explicit envelope: built, then sent on that envelope.
  const p3 = [];
  const r3 = await smtp.send(
    { from: E.address('t67'), to: E.address('t68'), subject: `${subject} built`, text: 'x', envelope: { from: E.address('t67'), to: E.address('t69') } },
    { onProgress: (done, total) => p3.push([done, total]) },
  );
  assert.deepEqual(r3.accepted, [E.address('t69')]);
  await progressed(p3);
  assert.equal((await E.waitFor(inbox68, subject)).length, 1);
  assert.equal((await E.waitFor(inbox69, subject, 3)).length, 3);
});

// conformance: message.reply-forward, smtp.connect.tls
test('reply and forward build sendable messages that continue the thread and carry attachments', async () => {
  const subject = E.unique('thread');
  await smtp.send({ from: E.address('t67'), to: E.address('t68'), subject, text: 'question?', attachments: [{ filename: 'q.txt', content: 'q' }] });
  const [uid] = await E.waitFor(inbox68, subject);
  const original = await inbox68.fetchMessage('INBOX', uid);
  const answer = reply(original, { from: E.address('t68'), text: 'answer!' });
  assert.equal(answer.subject, `Re: ${subject}`);
  assert.equal(answer.to[0].address, E.address('t67'));
  assert.equal(answer.inReplyTo, original.messageId);
  assert.match(answer.text, /^answer!/);
  assert.match(answer.text, /> question\?/);
  const fwd = forward(original, { from: E.address('t68'), to: E.address('t69'), text: 'FYI' });
  assert.equal(fwd.subject, `Fwd: ${subject}`);
  assert.equal(fwd.attachments[0].content.toString(), 'q');
  const smtp68 = await SmtpClient.connect(E.smtpOptions('t68', { port: E.port.smtps, security: 'tls' }));
  try {
    await smtp68.send(answer);
    await smtp68.send(fwd);
  } finally {
    await smtp68.close();
  }
  const smtpInbox = await ImapClient.connect(E.imapOptions('t67'));
  try {
    const [r] = await E.waitFor(smtpInbox, `Re: ${subject}`);
    const got = await smtpInbox.fetchMessage('INBOX', r);
    assert.deepEqual(got.inReplyTo, [original.messageId]);
  } finally {
    await smtpInbox.logout();
  }
  const [f] = await E.waitFor(inbox69, `Fwd: ${subject}`);
  assert.equal((await inbox69.fetchMessage('INBOX', f)).attachments[0].filename, 'q.txt');
});

// conformance: smtp.close
// conformance: smtp.auth.xoauth2
test('XOAUTH2: a good token delivers; a bad one is EAUTH, permanent, and never shown', async () => {
  const subject = E.unique('xoauth2');
  const s = await SmtpClient.connect(E.smtpOptions('t67', { auth: { user: 't67', accessToken: E.token('t67') } }));
  try {
    await s.send({ from: E.address('t67'), to: E.address('t68'), subject, text: 'sent with a token' });
  } finally {
    await s.close();
  }
  assert.equal((await E.waitFor(inbox68, subject)).length, 1);
  const e = await SmtpClient.connect(E.smtpOptions('t67', { auth: { user: 't67', accessToken: 'not-the-token-42' } })).catch((x) => x);
  assert.equal(e.code, 'EAUTH');
  assert.equal(e.permanent, true);
  assert.ok(!`${e.message} ${e.serverText ?? ''}`.includes('not-the-token-42'));
});

// conformance: tls.starttls-required
test('STARTTLS that the server does not offer is ETLS, never a plaintext fallback', async () => {
  // The devserver's legacy address runs Dovecot and Postfix with TLS off: no STARTTLS.
  const legacy = E.vars.MAILWIRE_LEGACY_HOST;
  const auth = { user: 't67', pass: E.password('t67') };
  const i = await ImapClient.connect({ host: legacy, port: E.port.imap, security: 'starttls', auth, ca: E.ca }).catch((x) => x);
  assert.equal(i.code, 'ETLS', String(i));
  assert.match(i.message, /STARTTLS/);
  const port = Number(E.vars.MAILWIRE_SMTP_PLAIN_PORT);
  const s = await SmtpClient.connect({ host: legacy, port, security: 'starttls', auth, ca: E.ca }).catch((x) => x);
  assert.equal(s.code, 'ETLS', String(s));
  assert.match(s.message, /STARTTLS/);
});

test('close ends the pool; later sends reject with ECLOSED', async () => {
  const s = await SmtpClient.connect(E.smtpOptions('t67', { port: E.port.smtps, security: 'tls' }));
  await s[Symbol.asyncDispose]();
  await assert.rejects(s.send({ from: E.address('t67'), to: E.address('t68'), subject: 'x', text: 'x' }), (e) => e.code === 'ECLOSED');
});

/**
 * Runs `work(client)` on a new client with `options` and counts the SMTP connections it
 * opened, from the protocol trace. Every connection ends with QUIT (after `close`, at the
 * latest), and one connection's lines arrive in order: once the QUITs match the
 * connections, no trace line is still on its way.
 */
async function connectionsOpened(options, work) {
  const lines = [];
  setTraceHook((target, line) => {
    if (target === 'mailwire.smtp') lines.push(line);
  });
  try {
    const c = await SmtpClient.connect(E.smtpOptions('t67', options));
    await work(c);
    await c.close();
    const count = (prefix) => lines.filter((l) => l.startsWith(prefix)).length;
    for (let i = 0; i < 10000 && (count('connected to') === 0 || count('C: QUIT') < count('connected to')); i++) {
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(count('C: QUIT'), count('connected to'), lines.join('\n'));
    return count('connected to');
  } finally {
    setTraceHook(null);
  }
}

// conformance: smtp.pool
test('sends share pooled connections: reused while fresh, replaced after poolIdleTimeout, at most maxConnections', async () => {
  const to = E.address('t67');
  const mail = (i) => ({ from: to, to, subject: E.unique(`pool ${i}`), text: 'pooled' });
  const twoSends = async (c) => {
    for (const i of [1, 2]) assert.deepEqual((await c.send(mail(i))).accepted, [to]);
  };
  // The connection opened by connect() carries both sends.
  assert.equal(await connectionsOpened({}, twoSends), 1);
  // Idle for longer than 0 ms: each send closes the pooled one and opens another.
  assert.equal(await connectionsOpened({ poolIdleTimeout: 0 }, twoSends), 3);
  // Eight sends at once share at most two connections.
  const opened = await connectionsOpened({ maxConnections: 2 }, async (c) => {
    const results = await Promise.all([...Array(8).keys()].map((i) => c.send(mail(i))));
    assert.ok(results.every((r) => r.accepted.length === 1), JSON.stringify(results));
  });
  assert.ok(opened >= 1 && opened <= 2, `${opened} connections`);
});
