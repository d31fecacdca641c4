'use strict';
// Every IMAP capability against the real Dovecot: user t65 (t66 pushes mail for IDLE).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');

const { ImapClient, MailError, UidSet, buildMessage } = require('..');
const E = require('./env');

const USER = 't65';
let client;
let box;

async function withAttachment(subject, data) {
  return buildMessage({
    from: `Sender <${E.address(USER)}>`,
    to: E.address(USER),
    subject,
    text: 'see attachment',
    attachments: [{ filename: 'data.bin', content: data, contentType: 'application/octet-stream' }],
  });
}

before(async () => {
  client = await ImapClient.connect(E.imapOptions(USER));
  box = E.unique('box');
  await client.createMailbox(box);
});

after(async () => {
  await client.deleteMailbox(box).catch(() => {});
  await client.logout();
});

// conformance: imap.connect.tls, imap.connect.starttls, imap.auth.xoauth2
test('connects with a password over TLS and STARTTLS, and with an OAuth2 token', async () => {
  const starttls = await ImapClient.connect(E.imapOptions(USER, { port: E.port.imap, security: 'starttls' }));
  assert.ok((await starttls.mailboxStatus('INBOX')).uidValidity > 0);
  await starttls.logout();
  const oauth = await ImapClient.connect({ host: E.host, port: E.port.imaps, ca: E.ca, auth: { user: USER, accessToken: E.token(USER) } });
  assert.equal(await oauth.hasCapability('idle'), true);
  await oauth.logout();
});

// conformance: imap.mailboxes.list, imap.mailboxes.status
test('listMailboxes gives roles; mailboxStatus gives unread counts', async () => {
  const list = await client.listMailboxes();
  const byName = Object.fromEntries(list.map((m) => [m.name, m]));
  assert.equal(byName.INBOX.role, 'inbox');
  assert.equal(byName.Sent.role, 'sent');
  assert.equal(byName.Archive.role, 'archive');
  assert.ok(byName[box], 'the new mailbox is listed');
  await client.append(box, E.sampleMessage('unread one'));
  await client.append(box, E.sampleMessage('read one'), { flags: ['\\Seen'] });
  const status = await client.mailboxStatus(box);
  assert.equal(status.messages, 2);
  assert.equal(status.unseen, 1);
  assert.ok(status.uidNext >= 3 && status.uidValidity > 0);
  assert.equal(typeof status.highestModseq, 'number');
});

// conformance: imap.mailboxes.manage
test('createMailbox, renameMailbox, subscribe, unsubscribe, deleteMailbox', async () => {
  const a = E.unique('mk');
  const b = `${a}-renamed`;
  await client.createMailbox(a);
  await client.renameMailbox(a, b);
  await client.subscribe(b);
  let names = (await client.listMailboxes()).map((m) => m.name);
  assert.ok(names.includes(b) && !names.includes(a));
  assert.equal((await client.listMailboxes()).find((m) => m.name === b).subscribed, true);
  await client.unsubscribe(b);
  assert.equal((await client.listMailboxes()).find((m) => m.name === b).subscribed, false);
  await client.deleteMailbox(b);
  names = (await client.listMailboxes()).map((m) => m.name);
  assert.ok(!names.includes(b));
});

// conformance: imap.mailboxes.utf8
test('mailbox names with non-ASCII characters round-trip (modified UTF-7 on the wire)', async () => {
  const a = `${E.unique('Grüße')}-日本`;
  const b = `${a}-Ünïcødé & more`;
  await client.createMailbox(a);
  assert.ok((await client.listMailboxes()).some((m) => m.name === a));
  await client.append(a, E.sampleMessage('utf8 box'));
  await client.renameMailbox(a, b);
  const names = (await client.listMailboxes()).map((m) => m.name);
  assert.ok(names.includes(b) && !names.includes(a), names.join(', '));
  assert.equal((await client.mailboxStatus(b)).messages, 1);
  assert.equal((await client.search(b, { subject: 'utf8 box' })).length, 1);
  await client.deleteMailbox(b);
});

// conformance: imap.concurrency
test('one client shared by many concurrent calls: each gets its own answer', async () => {
  const boxes = [E.unique('cc1'), E.unique('cc2'), E.unique('cc3')];
  for (const [i, box] of boxes.entries()) {
    await client.createMailbox(box);
    for (let n = 0; n <= i; n++) await client.append(box, E.sampleMessage(`${box} ${n}`));
  }
  // Thirty calls at once on one connection, across mailboxes: queued, never interleaved.
  const calls = [];
  for (let round = 0; round < 10; round++) {
    for (const [i, box] of boxes.entries()) {
      calls.push(
        (round % 2 ? client.mailboxStatus(box).then((s) => s.messages) : client.search(box, {}).then((u) => u.length)).then(
          (n) => assert.equal(n, i + 1, `${box} round ${round}`),
        ),
      );
    }
  }
  await Promise.all(calls);
  for (const box of boxes) await client.deleteMailbox(box);
});

// conformance: imap.append, imap.search.fields, imap.search.or-not, imap.fetch.summaries, imap.uids.grammar, imap.cancel
test('append returns the UID; search takes an imapflow-like object or a raw string; for await over fetch', async () => {
  const m = E.unique('search');
  const data = Buffer.from('attachment bytes '.repeat(100));
  const u1 = await client.append(m, E.sampleMessage(`${m} alpha`)).catch((e) => e);
  assert.ok(u1 instanceof MailError && u1.code === 'ENONEXISTENT', 'append to a missing mailbox');
  const a = await client.append(box, E.sampleMessage(`${m} alpha`, { from: 'Alice <alice@example.org>' }));
  const b = await client.append(box, await withAttachment(`${m} beta`, data), { flags: ['\\Flagged', '$Work'] });
  assert.equal(typeof a, 'number');
  assert.ok(b > a);
  assert.deepEqual(await client.search(box, { subject: m }), [a, b]);
  assert.deepEqual(await client.search(box, { subject: m, flagged: true }), [b]);
  assert.deepEqual(await client.search(box, { subject: m, flagged: false }), [a]);
  assert.deepEqual(await client.search(box, { from: 'alice@example.org' }), [a]);
  assert.deepEqual(await client.search(box, { or: [{ uid: a }, { keyword: '$Work' }] }), [a, b]);
  const lone = await client.search(box, { or: [{ uid: a }] }).catch((e) => e);
  assert.ok(lone instanceof MailError && lone.code === 'EINVAL' && /two or more/.test(lone.message), `${lone}`);
  assert.deepEqual(await client.search(box, { subject: m, not: { keyword: '$Work' } }), [a]);
  assert.deepEqual(await client.search(box, { subject: m, since: new Date(Date.now() - 86400000) }), [a, b]);
  assert.deepEqual(await client.search(box, { header: { 'Message-ID': true }, subject: m }), [a, b]);
  assert.deepEqual(await client.search(box, `SUBJECT "${m}" FLAGGED`), [b]);

  const seen = [];
  for await (const s of client.fetch(box, [a, b])) seen.push(s);
  assert.deepEqual(seen.map((s) => s.uid), [a, b]);
  const [sa, sb] = seen;
  assert.equal(sa.envelope.subject, `${m} alpha`);
  assert.deepEqual(sa.envelope.from, [{ name: 'Alice', address: 'alice@example.org' }]);
  assert.ok(sa.internalDate instanceof Date);
  assert.deepEqual(sa.attachments, []);
  assert.ok(sb.flags.includes('\\Flagged') && sb.flags.includes('$Work'));
  assert.equal(sb.attachments.length, 1);
  assert.equal(sb.attachments[0].filename, 'data.bin');
  assert.equal(sb.attachments[0].contentType, 'application/octet-stream');
  assert.ok(sb.size > data.length);
  assert.ok(!sb.flags.includes('\\Seen'), 'fetch never sets \\Seen');

  const all = await client.fetchAll(box, '1:*', { envelope: false, attachments: false });
  assert.ok(all.length >= 2 && all.every((s) => s.envelope.subject === undefined));
  for await (const s of client.fetch(box, '1:*', { batchSize: 1 })) {
    assert.ok(s.uid > 0);
    break; // leaving the loop early frees the connection
  }
  assert.ok((await client.mailboxStatus(box)).messages >= 2);
});

// conformance: imap.fetch.message, imap.fetch.raw, imap.fetch.raw-many, imap.download.part, imap.save-attachment
test('fetchMessage, fetchRaw, fetchRawMany, download (Buffer) and saveAttachment (file, progress)', async () => {
  const m = E.unique('parts');
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  const raw = await withAttachment(m, data);
  const uid = await client.append(box, raw);
  const uid2 = await client.append(box, E.sampleMessage(`${m} second`));

  const msg = await client.fetchMessage(box, uid);
  assert.equal(msg.subject, m);
  assert.equal(msg.text.trim(), 'see attachment');
  const lines = await client.append(box, E.sampleMessage(`${m} lines`, { body: 'one\r\ntwo\r\n\r\nfour' }));
  assert.equal((await client.fetchMessage(box, lines)).text, 'one\ntwo\n\nfour\n', 'line endings as mailparser gives them');
  assert.equal(msg.attachments[0].filename, 'data.bin');
  assert.ok(msg.attachments[0].data.equals(data));

  const source = await client.fetchRaw(box, uid);
  assert.ok(Buffer.isBuffer(source) && source.equals(raw));
  const many = [];
  for await (const r of client.fetchRawMany(box, [uid, uid2])) many.push(r);
  assert.deepEqual(many.map((r) => r.uid), [uid, uid2]);
  assert.ok(many[0].data.equals(raw));

  const [summary] = await client.fetchAll(box, uid);
  const part = summary.attachments[0].part;
  const part0 = await client.download(box, uid, part);
  assert.ok(Buffer.isBuffer(part0) && part0.equals(data));

  const file = path.join(os.tmpdir(), `${E.unique('save')}.bin`);
  const calls = [];
  const written = await client.saveAttachment(box, uid, part, file, { onProgress: (done, total) => calls.push([done, total]) });
  assert.equal(written, data.length);
  assert.ok(fs.readFileSync(file).equals(data));
  fs.unlinkSync(file);
  await new Promise((r) => setImmediate(r)); // progress calls are queued to the event loop
  assert.ok(calls.length >= 1 && calls.at(-1)[0] === calls.at(-1)[1], JSON.stringify(calls));
  const [again] = await client.fetchAll(box, uid);
  assert.ok(!again.flags.includes('\\Seen'), 'downloads never set \\Seen');
});

// conformance: imap.fetch.range
test('fetchRange reads a byte range of the source or of one part, as stored, without \\Seen', async () => {
  const data = Buffer.alloc(5000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  const raw = await withAttachment(E.unique('range'), data);
  const uid = await client.append(box, raw);
  assert.ok((await client.fetchRange(box, uid, 0, 10)).equals(raw.subarray(0, 10)));
  assert.ok((await client.fetchRange(box, uid, 100, 50)).equals(raw.subarray(100, 150)));
  assert.ok((await client.fetchRange(box, uid, raw.length - 5, 100)).equals(raw.subarray(raw.length - 5)), 'shorter at the end');
  assert.equal((await client.fetchRange(box, uid, raw.length + 10, 10)).length, 0, 'empty past it');
  const [summary] = await client.fetchAll(box, uid);
  const part = summary.attachments[0].part;
  const head = await client.fetchRange(box, uid, 0, 40, { part });
  assert.equal(head.toString(), data.toString('base64').slice(0, 40), 'the part as stored: base64');
  assert.ok(!(await client.fetchAll(box, uid))[0].flags.includes('\\Seen'));
  await assert.rejects(client.fetchRange(box, uid, -1, 10), (e) => e.code === 'EINVAL' && /offset/.test(e.message));
  await assert.rejects(client.fetchRange(box, uid, 0, 10, { part: '1\r\nX' }), (e) => e.code === 'EINVAL');
  await assert.rejects(client.fetchRange(box, uid + 1000, 0, 10), (e) => e.code === 'ENONEXISTENT');
});

// conformance: imap.flags, imap.copy-move, imap.delete-expunge
test('addFlags, removeFlags, setFlags, copyMessages, moveMessages, deleteMessages (checked by an independent client)', async () => {
  const m = E.unique('org');
  const dest = E.unique('dest');
  await client.createMailbox(dest);
  try {
    const u1 = await client.append(box, E.sampleMessage(`${m} 1`));
    const u2 = await client.append(box, E.sampleMessage(`${m} 2`));
    await client.addFlags(box, [u1, u2], ['\\Seen', '$Label1']);
    await client.removeFlags(box, u2, '$Label1');
    await client.setFlags(box, u1, ['\\Flagged']);
    const [lines] = await E.independentImap(USER, [`SELECT "${box}"`, `UID FETCH ${u1},${u2} (FLAGS)`]).then((r) => [r[1]]);
    const flagsOf = (uid) => lines.find((l) => l.includes(`UID ${uid} `) || l.includes(`UID ${uid})`));
    assert.match(flagsOf(u1), /FLAGS \(\\Flagged\)/);
    assert.match(flagsOf(u2), /\\Seen/);
    assert.doesNotMatch(flagsOf(u2), /\$Label1/);

    const copied = await client.copyMessages(box, u1, dest);
    assert.equal(copied.pairs.length, 1);
    assert.equal(copied.pairs[0][0], u1);
    const moved = await client.moveMessages(box, u2, dest);
    assert.deepEqual(moved.pairs.map((p) => p[0]), [u2]);
    assert.deepEqual(await client.search(box, { subject: m }), [u1]);
    const destUids = await client.search(dest, { subject: m });
    assert.deepEqual(destUids, [copied.pairs[0][1], moved.pairs[0][1]].sort((x, y) => x - y));

    await client.deleteMessages(dest, copied.pairs[0][1]);
    const [, search] = await E.independentImap(USER, [`SELECT "${dest}"`, 'UID SEARCH ALL']);
    assert.equal(search.find((l) => l.startsWith('* SEARCH')).trim(), `* SEARCH ${moved.pairs[0][1]}`);

    await client.addFlags(dest, moved.pairs[0][1], '\\Deleted');
    await client.expunge(dest);
    assert.equal((await client.mailboxStatus(dest)).messages, 0);
  } finally {
    await client.deleteMailbox(dest);
  }
});

// conformance: imap.idle, imap.watch, imap.events.flags-expunge, imap.cancel
test('idle resolves with pushed changes and emits exists/expunge/flags events; watch keeps emitting', async () => {
  const watcher = await ImapClient.connect(E.imapOptions(USER));
  const other = await ImapClient.connect(E.imapOptions(USER));
  try {
    const watched = E.unique('idle');
    await watcher.createMailbox(watched);
    assert.deepEqual(await watcher.idle(watched, { timeout: 200 }), [], 'nothing happened');

    const exists = [];
    watcher.on('exists', (e) => exists.push(e));
    const pending = watcher.idle(watched, { timeout: 10000 });
    await new Promise((r) => setTimeout(r, 300));
    const uid = await other.append(watched, E.sampleMessage('pushed'));
    const events = await pending;
    assert.ok(events.some((e) => e.type === 'exists' && e.count === 1 && e.prevCount === 0), JSON.stringify(events));
    assert.equal(exists.length, 1);
    assert.deepEqual([exists[0].prevCount, exists[0].count], [0, 1], 'imapflow: prevCount is the count before');
    assert.equal(exists[0].mailbox, watched);
    assert.equal(exists[0].path, watched);

    const got = { flags: [], expunge: [] };
    watcher.on('flags', (e) => got.flags.push(e));
    watcher.on('expunge', (e) => got.expunge.push(e));
    const w = watcher.watch(watched);
    await new Promise((r) => setTimeout(r, 300));
    await other.addFlags(watched, uid, '\\Flagged');
    for (let i = 0; i < 50 && got.flags.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await other.deleteMessages(watched, uid);
    for (let i = 0; i < 50 && got.expunge.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await w.stop();
    assert.ok(got.flags[0].flags.includes('\\Flagged'), JSON.stringify(got.flags));
    assert.equal(got.expunge.length >= 1, true);
    // QRESYNC is on: the server names the expunged UIDs (VANISHED), kept as ranges.
    assert.ok(got.expunge.some((e) => e.uids instanceof UidSet && e.uids.has(uid)), String(got.expunge.map((e) => e.uids)));

    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(new Error('enough')), 200);
    await assert.rejects(watcher.idle(watched, { timeout: 60000, signal: ac.signal }), /enough/);
    assert.ok(Date.now() - started < 3000);
    assert.equal((await watcher.mailboxStatus(watched)).messages, 0, 'usable after an aborted IDLE');

    // An aborted signal stops a watch as stop() does: the connection is free again.
    const ac2 = new AbortController();
    const w2 = watcher.watch(watched, { signal: ac2.signal });
    ac2.abort();
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('the aborted watch still holds the connection')), 10000).unref());
    assert.equal((await Promise.race([watcher.mailboxStatus(watched), late])).messages, 0);
    await w2.stop();
    await watcher.deleteMailbox(watched);
  } finally {
    await watcher.logout();
    await other.logout();
  }
});

// conformance: imap.sync, imap.uids.ranges
test('sync reports new, changed and vanished UIDs since a saved state string', async () => {
  const s = E.unique('sync');
  await client.createMailbox(s);
  try {
    const u1 = await client.append(s, E.sampleMessage('one'));
    const first = await client.sync(s);
    assert.equal(first.fullResync, true);
    assert.deepEqual(first.new, [u1]);
    assert.match(first.state, /^v2:qresync:/);
    const u2 = await client.append(s, E.sampleMessage('two'));
    await client.addFlags(s, u1, '\\Seen');
    const second = await client.sync(s, first.state);
    assert.equal(second.fullResync, false);
    assert.deepEqual(second.new, [u2]);
    assert.deepEqual(second.changed.map((c) => c.uid), [u1]);
    assert.ok(second.changed[0].flags.includes('\\Seen'));
    await client.deleteMessages(s, u2);
    const third = await client.sync(s, second.state);
    assert.deepEqual([...third.vanished], [u2]);
    assert.ok(third.vanished instanceof UidSet && third.vanished.has(u2));
    assert.deepEqual(third.vanished.ranges, [[u2, u2]]);
    await assert.rejects(client.sync(s, 'not a state'), (e) => e instanceof MailError && e.code === 'EINVAL');
  } finally {
    await client.deleteMailbox(s);
  }
});

test('logout, close and Symbol.asyncDispose close the client; later calls reject with ECLOSED', async () => {
  const c = await ImapClient.connect(E.imapOptions(USER));
  let closed = false;
  c.on('close', () => { closed = true; });
  await c[Symbol.asyncDispose]();
  assert.equal(closed, true);
  await assert.rejects(c.mailboxStatus('INBOX'), (e) => e instanceof MailError && e.code === 'ECLOSED');
});

test('`await using` (TypeScript, compiled) logs the client out at the end of the scope', async () => {
  const ts = require('typescript');
  const source = `
    import { ImapClient } from '..';
    export async function run(options: any): Promise<ImapClient> {
      await using c = await ImapClient.connect(options);
      await c.noop();
      return c;
    }`;
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText;
  const file = path.join(__dirname, `.await-using-${process.pid}.js`);
  fs.writeFileSync(file, js);
  try {
    const c = await require(file).run(E.imapOptions(USER));
    await assert.rejects(c.noop(), (e) => e.code === 'ECLOSED');
  } finally {
    fs.unlinkSync(file);
  }
});

// conformance: imap.append
test('summaries cross as JSON: quotes, backslashes, non-ASCII characters, dates and absent fields survive', async () => {
  const subject = `${E.unique('json')} "q" \\ ü 北京 📈`;
  const date = new Date('2026-03-04T05:06:07.000Z');
  const raw = await buildMessage({ from: 'Zoë Müller <z@example.org>', to: E.address(USER), subject, text: 'x', date });
  const uid = await client.append(box, raw, { flags: ['\\Seen'], date: new Date('2026-03-05T00:00:00.000Z') });
  const [s] = await client.fetchAll(box, [uid]);
  assert.equal(s.envelope.subject, subject);
  assert.deepEqual(s.envelope.from, [{ name: 'Zoë Müller', address: 'z@example.org' }]);
  assert.ok(s.envelope.date instanceof Date && s.envelope.date.getTime() === date.getTime());
  assert.ok(s.internalDate instanceof Date && s.internalDate.toISOString() === '2026-03-05T00:00:00.000Z');
  assert.ok(s.flags.includes('\\Seen'));
  assert.ok(!('inReplyTo' in s.envelope) && !('filename' in s), 'absent fields are left out, as before');
  assert.deepEqual(s.envelope.bcc, []);
});
