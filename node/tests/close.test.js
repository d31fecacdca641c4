'use strict';
// Closing a client ends work in flight with ECLOSED at once (issue 11): `close()` from inside
// a `for await` fetch loop does not wait for the loop (it used to never return), and the
// loop then ends.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { ImapClient } = require('..');
const E = require('./env');

const USER = 't81';

// conformance: imap.close
test('close() inside a for-await fetch loop returns at once and ends the loop with ECLOSED', async () => {
  const box = `CloseLoop-${process.pid}-${Date.now()}`;
  const setup = await ImapClient.connect(E.imapOptions(USER));
  await setup.createMailbox(box);
  const body = ('x'.repeat(76) + '\r\n').repeat(650);
  for (let i = 0; i < 30; i++) {
    await setup.append(box, `From: a@x\r\nTo: b@y\r\nSubject: close ${i}\r\n\r\n${body}`);
  }
  try {
    const c = await ImapClient.connect(E.imapOptions(USER));
    let seen = 0;
    let started = 0;
    await assert.rejects(
      (async () => {
        for await (const m of c.fetchRawMany(box, '1:*', { batchSize: 1 })) {
          seen += 1;
          assert.ok(m.uid > 0);
          if (seen === 1) {
            started = Date.now();
            await c.close();
            assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
          }
        }
      })(),
      (e) => e.code === 'ECLOSED',
    );
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(c.listMailboxes(), (e) => e.code === 'ECLOSED');
  } finally {
    await setup.deleteMailbox(box);
    await setup.logout();
  }
});
