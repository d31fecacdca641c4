'use strict';
// sync on the devserver's capability profiles (devserver/README.md): the same Dovecot and
// mail, advertising QRESYNC (main address), CONDSTORE without QRESYNC (gmail-like) or
// IMAP4rev1 alone (bare). The same scenario gives the same answers on each. User user7.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { ImapClient } = require('..');
const E = require('./env');

const USER = 'user7';

/**
 * Initial sync; another client adds 2 messages, changes the flags of 1, expunges 1; the next
 * sync reports exactly that, the one after nothing; a recreated mailbox is a full resync.
 */
async function scenario(hostVar, fallback, mode) {
  const phone = await ImapClient.connect(E.imapOptions(USER, { host: E.vars[hostVar] || fallback }));
  const other = await ImapClient.connect(E.imapOptions(USER));
  const mb = E.unique('profile');
  await other.createMailbox(mb);
  try {
    const old = [];
    for (const flags of [[], ['\\Seen'], [], []]) {
      old.push(await other.append(mb, E.sampleMessage(E.unique('old')), { flags }));
    }
    const first = await phone.sync(mb);
    assert.equal(first.fullResync, true);
    assert.deepEqual(first.new, old);
    assert.deepEqual([first.changed, first.vanished.size], [[], 0]);
    assert.ok(first.state.startsWith(`v2:${mode}:`), first.state);

    // Another device: two new messages, new flags on one, one expunged.
    const added = [
      await other.append(mb, E.sampleMessage(E.unique('new'))),
      await other.append(mb, E.sampleMessage(E.unique('new'))),
    ];
    await other.addFlags(mb, old[1], ['\\Flagged', '$Later']);
    await other.deleteMessages(mb, old[2]);
    const second = await phone.sync(mb, first.state);
    assert.equal(second.fullResync, false);
    assert.deepEqual(second.new, added);
    assert.deepEqual(second.changed.map((c) => c.uid), [old[1]]);
    for (const f of ['\\Seen', '\\Flagged', '$Later']) assert.ok(second.changed[0].flags.includes(f), f);
    assert.equal(second.changed[0].modseq == null, mode === 'basic');
    assert.deepEqual(second.vanished.ranges, [[old[2], old[2]]]);
    assert.ok(second.state.startsWith(`v2:${mode}:`), second.state);

    const third = await phone.sync(mb, second.state);
    assert.equal(third.fullResync, false);
    assert.deepEqual([third.new, third.changed, third.vanished.size], [[], [], 0]);

    // Deleted and created again: a new UIDVALIDITY, and only then a full resync.
    const before = (await other.mailboxStatus(mb)).uidValidity;
    await other.deleteMailbox(mb);
    await other.createMailbox(mb);
    const again = await other.append(mb, E.sampleMessage(E.unique('again')));
    assert.notEqual((await other.mailboxStatus(mb)).uidValidity, before);
    const fourth = await phone.sync(mb, third.state);
    assert.equal(fourth.fullResync, true);
    assert.deepEqual(fourth.new, [again]);
    assert.deepEqual([fourth.changed, fourth.vanished.size], [[], 0]);
  } finally {
    await other.deleteMailbox(mb).catch(() => {});
    await phone.logout();
    await other.logout();
  }
}

// conformance: imap.sync.profiles
test('sync profiles: on a QRESYNC server, exactly the new, changed and vanished messages', async () => {
  await scenario('MAILWIRE_HOST', '127.0.0.1', 'qresync');
});

// conformance: imap.sync.profiles
test('sync profiles: on a gmail-like server (CONDSTORE, no QRESYNC), the same answers', async () => {
  await scenario('MAILWIRE_GMAILLIKE_HOST', '127.0.0.3', 'condstore');
});

// conformance: imap.sync.profiles
test('sync profiles: on a bare IMAP4rev1 server, the same answers', async () => {
  await scenario('MAILWIRE_BARE_HOST', '127.0.0.4', 'basic');
});
