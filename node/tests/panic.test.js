'use strict';
// The last line of defence: a panic inside Rust (a bug; no input is meant to cause one)
// surfaces as a MailError with code EPROTOCOL carrying the panic's text, from sync and async
// exports alike, and the process (and the addon's runtime) carries on.
const assert = require('node:assert/strict');
const util = require('node:util');
const { test } = require('node:test');

const mw = require('..');

function isProtocol(text) {
  return (e) => {
    assert.ok(e instanceof mw.MailError, `expected a MailError, got ${util.inspect(e)}`);
    assert.equal(e.code, 'EPROTOCOL', e.message);
    assert.ok(e.message.includes(text), e.message);
    return true;
  };
}

// conformance: errors.no-panic
test('a panic in a sync export throws MailError EPROTOCOL with its text', () => {
  assert.throws(() => mw._debugPanic('boom sync 5'), isProtocol('boom sync 5'));
  // The addon still works after the panic.
  assert.equal(mw.parseMessage(Buffer.from('Subject: after\r\n\r\nbody\r\n')).subject, 'after');
});

// conformance: errors.no-panic
test('a panic in an async export rejects with MailError EPROTOCOL with its text', async () => {
  // Twice: the runtime survived the first panicking task.
  await assert.rejects(mw._debugPanicAsync('boom async 1'), isProtocol('boom async 1'));
  await assert.rejects(mw._debugPanicAsync('boom async 2'), isProtocol('boom async 2'));
});
