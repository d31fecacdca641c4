'use strict';
// The package surface without a server: CommonJS and ESM entry points, typed results of
// parseMessage/buildMessage, reply/forward, MailError, and the typings (unions, not enums).
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const mw = require('..');

const PKG = path.join(__dirname, '..');

test('require and import both expose the same API', async () => {
  const esm = await import(path.join(PKG, 'index.mjs'));
  for (const name of ['ImapClient', 'SmtpClient', 'MailError', 'UidSet', 'parseMessage', 'buildMessage', 'reply', 'forward', 'setTraceHook']) {
    assert.equal(typeof mw[name], 'function', name);
    assert.equal(esm[name], mw[name], name);
  }
  // Through the package name, as users write it.
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import { ImapClient } from 'mailwire'; console.log(typeof ImapClient.connect)"], {
    cwd: path.join(PKG, 'tests', 'fixtures'),
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'function');
});

// conformance: message.build, message.parse
test('buildMessage and parseMessage round-trip a nodemailer-shaped message', async () => {
  const raw = await mw.buildMessage({
    from: 'Jane Doe <jane@example.org>',
    to: ['a@example.org', { name: 'B, Person', address: 'b@example.org' }],
    bcc: 'hidden@example.org',
    subject: 'Grüße — hello',
    text: 'plain',
    html: '<b>rich</b>',
    headers: { 'X-Custom': 'yes' },
    messageId: '<fixed@example.org>',
    date: new Date('2026-01-02T03:04:05Z'),
    attachments: [{ filename: 'notes.txt', content: 'note text' }, { filename: 'b64.bin', content: 'AAEC', encoding: 'base64' }],
  });
  assert.ok(Buffer.isBuffer(raw));
  assert.ok(!/^bcc:/im.test(raw.toString()));
  const m = mw.parseMessage(raw);
  assert.equal(m.subject, 'Grüße — hello');
  assert.deepEqual(m.from, [{ name: 'Jane Doe', address: 'jane@example.org' }]);
  assert.deepEqual(m.to.map((a) => a.address), ['a@example.org', 'b@example.org']);
  assert.equal(m.to[1].name, 'B, Person');
  assert.equal(m.messageId, 'fixed@example.org');
  assert.ok(m.date instanceof Date && m.date.toISOString() === '2026-01-02T03:04:05.000Z');
  assert.equal(m.text.trim(), 'plain');
  assert.equal(m.html.trim(), '<b>rich</b>');
  assert.ok(m.headers.some((h) => h.name === 'X-Custom' && h.value === 'yes'));
  assert.equal(m.attachments[0].contentType, 'text/plain');
  assert.equal(m.attachments[0].data.toString(), 'note text');
  assert.deepEqual([...m.attachments[1].data], [0, 1, 2]);
  assert.deepEqual(mw.parseMessage(raw.toString()).subject, m.subject, 'a string works too');
});

// conformance: message.build
test('bodies arrive as the exact strings, whatever their characters', async () => {
  // ASCII, Latin-1 letters at the edges of the range (U+0080, U+00FF) and inside long ASCII
  // runs, then characters beyond Latin-1 (BMP and astral): each takes another route into V8.
  const long = 'x'.repeat(37);
  const bodies = [
    'only ascii here, nothing else',
    `café ${long} Grüße ${long}\u0080 straße \u00ff`,
    `é${long}ü`,
    `Grüße — 中文 ${long} 📈 café`,
    '',
  ];
  for (const text of bodies) {
    const html = `<p>${text}</p>`;
    const raw = await mw.buildMessage({ from: 'a@example.org', to: 'b@example.org', subject: 's', text, html });
    const m = mw.parseMessage(raw);
    assert.equal((m.text ?? '').replace(/\r?\n$/, ''), text);
    assert.equal(m.html.replace(/\r?\n$/, ''), html);
  }
});

// conformance: message.parse
test('parsed text has \\n line endings, as mailparser gives it; HTML is left as sent', () => {
  const raw = 'From: a@example.org\r\nTo: b@example.org\r\nSubject: lines\r\n\r\none\r\ntwo\r\n\r\nfour\r\n';
  assert.equal(mw.parseMessage(raw).text, 'one\ntwo\n\nfour\n');
  const html = 'From: a@example.org\r\nContent-Type: text/html\r\n\r\n<p>a</p>\r\n<p>b</p>\r\n';
  assert.equal(mw.parseMessage(html).html, '<p>a</p>\r\n<p>b</p>\r\n');
});

test('attachments parsed in a synchronous loop are released by the garbage collector', async () => {
  const pdf = Buffer.alloc(2 * 1024 * 1024, 7);
  const raw = await mw.buildMessage({ from: 'a@example.org', to: 'b@example.org', subject: 's', text: 't',
    attachments: [{ filename: 'big.pdf', content: pdf, contentType: 'application/pdf' }] });
  const before = process.memoryUsage().rss;
  let bytes = 0;
  // 200 × 2 MB decoded without the event loop turning once.
  for (let i = 0; i < 200; i++) bytes += mw.parseMessage(raw).attachments[0].data.length;
  const grownMb = (process.memoryUsage().rss - before) / 1e6;
  assert.equal(bytes, 200 * pdf.length);
  assert.ok(grownMb < 200, `resident memory grew by ${grownMb.toFixed(0)} MB for 400 MB of attachments`);
});

// conformance: message.reply-forward
test('reply and forward offline', () => {
  const original = mw.parseMessage(Buffer.from('From: A <a@x.org>\r\nTo: me@x.org, c@x.org\r\nCc: d@x.org\r\nSubject: Plan\r\nMessage-ID: <p1@x.org>\r\n\r\nline one\r\n'));
  const r = mw.reply(original, { from: 'me@x.org', replyAll: true });
  assert.equal(r.subject, 'Re: Plan');
  assert.deepEqual(r.to.map((a) => a.address), ['a@x.org']);
  assert.deepEqual(r.cc.map((a) => a.address), ['c@x.org', 'd@x.org']);
  assert.equal(r.inReplyTo, 'p1@x.org');
  assert.deepEqual(r.references, ['p1@x.org']);
  const f = mw.forward(original, { from: 'me@x.org', to: ['z@x.org'] });
  assert.equal(f.subject, 'Fwd: Plan');
  assert.match(f.text, /Forwarded message/);
});

test('MailError carries code, kind and fields; bad input is EINVAL', () => {
  const bad = mw.parseMessage('Subject: x\r\n\r\nhi');
  assert.throws(() => mw.reply(bad, { from: 'bad\r\nBcc: x@y' }), (e) => e instanceof mw.MailError && e instanceof Error && e.code === 'EINVAL' && e.kind === 'invalid_input');
  const e = new mw.MailError({ kind: 'rejected', message: 'no', smtpCode: 550, enhancedCode: '5.1.1', permanent: true });
  assert.equal(e.code, 'EREJECTED');
  assert.equal(e.name, 'MailError');
  assert.equal(e.smtpCode, 550);
});

// conformance: imap.uids.ranges
test('UidSet keeps ranges as ranges: size, has, lazy iteration, IMAP text, JSON', () => {
  const { UidSet } = mw;
  const MAX = 2 ** 32 - 1;
  const s = new UidSet([[7, 7], [3, 1], [4, 5]]); // any order, backwards, adjacent: merged
  assert.deepEqual(s.ranges, [[1, 5], [7, 7]]);
  assert.ok(Object.isFrozen(s.ranges) && Object.isFrozen(s.ranges[0]));
  assert.equal(s.size, 6);
  assert.equal(String(s), '1:5,7');
  assert.equal(JSON.stringify({ vanished: s }), '{"vanished":"1:5,7"}');
  assert.equal(require('node:util').inspect(s), 'UidSet(1:5,7)');
  assert.deepEqual([...s], [1, 2, 3, 4, 5, 7]);
  assert.ok(s.has(1) && s.has(5) && s.has(7));
  for (const v of [0, 6, 8, 2.5, NaN, -1, MAX]) assert.equal(s.has(v), false, String(v));

  // What a hostile server can announce: one range, every operation as cheap as on a small set.
  const all = new UidSet([[1, MAX]]);
  assert.equal(all.size, MAX);
  assert.equal(String(all), '1:*');
  assert.ok(all.has(MAX) && all.has(1) && !all.has(0));
  const first = [];
  for (const u of all) {
    if (first.push(u) === 3) break;
  }
  assert.deepEqual(first, [1, 2, 3]);

  const empty = new UidSet();
  assert.equal(empty.size, 0);
  assert.equal(String(empty), '');
  assert.deepEqual([...empty], []);
  assert.throws(() => new UidSet([[0, 0]]), { code: 'EINVAL', message: /UID 0/ }, '0 is not a UID');
  assert.throws(() => new UidSet([[0, 5]]), { code: 'EINVAL' });
  for (const bad of [[[1, 2 ** 32]], [[-1, 3]], [[1.5, 2]], [['1', 2]]]) {
    assert.throws(() => new UidSet(bad), (e) => e instanceof mw.MailError && e.code === 'EINVAL', JSON.stringify(bad));
  }
});

test('the typings: string enums are unions, the facade compiles against them', () => {
  const native = fs.readFileSync(path.join(PKG, 'native.d.ts'), 'utf8');
  assert.doesNotMatch(native, /\benum\b/);
  assert.match(native, /security\?: 'tls' \| 'starttls' \| 'plain'/);
  const facade = fs.readFileSync(path.join(PKG, 'dist', 'index.d.ts'), 'utf8');
  assert.match(facade, /ImapClient/);
  // A user's TypeScript program type-checks against the published typings.
  const ts = require('typescript');
  const file = path.join(PKG, 'tests', 'fixtures', 'usage.ts');
  const program = ts.createProgram([file], { noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'], types: ['node'], typeRoots: [path.join(PKG, 'node_modules', '@types')] });
  const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diags, []);
});
