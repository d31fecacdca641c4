'use strict';
// OAuth 2.0 tokens from a function (`auth.accessToken`), against the real Dovecot (oauth2
// passdb with the devserver's introspection endpoint: `token-<user>` is valid,
// `expired-<user>` is not) and Postfix (SASL through that Dovecot): user9.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const { ImapClient, SmtpClient } = require('..');
const E = require('./env');

const USER = 'user9';

/**
 * A token function that answers `expired-<user>` until asked to refresh (or always), and the
 * `forceRefresh` values it was called with. `async` makes it return promises.
 */
function provider({ alwaysExpired = false, async = false } = {}) {
  const calls = [];
  const token = (forceRefresh) => {
    calls.push(forceRefresh);
    const t = forceRefresh && !alwaysExpired ? E.token(USER) : `expired-${USER}`;
    return async ? new Promise((resolve) => setTimeout(() => resolve(t), 10)) : t;
  };
  return { token, calls };
}

const imapOptions = (accessToken) => ({ host: E.host, port: E.port.imaps, ca: E.ca, auth: { user: USER, accessToken } });
const smtpOptions = (accessToken) => E.smtpOptions(USER, { auth: { user: USER, accessToken } });

function endSessions() {
  const script = E.vars.MAILWIRE_DEVSERVER || path.join(E.ROOT, 'devserver', 'devserver');
  execFileSync(script, ['kill-sessions', USER, 'TERM'], { stdio: 'ignore' });
}

// conformance: auth.token-provider
test('IMAP asks the function at each login (reconnects too) and refreshes a refused token once', async () => {
  for (const async of [false, true]) {
    const { token, calls } = provider({ async });
    const c = await ImapClient.connect(imapOptions(token));
    assert.deepEqual(calls, [false, true]);
    await c.mailboxStatus('INBOX');

    // The server ends the session: the transparent reconnect asks the function again.
    endSessions();
    for (let i = 0; i < 3 && calls.length <= 2; i++) await c.mailboxStatus('INBOX').catch(() => {});
    assert.deepEqual(calls.slice(2), [false, true], JSON.stringify(calls));
    await c.logout();
  }
});

// conformance: auth.token-provider
test('a token refused twice is EAUTH with the server\'s decoded reason; a throwing or rejecting function is EAUTH', async () => {
  const { token, calls } = provider({ alwaysExpired: true });
  const e = await ImapClient.connect(imapOptions(token)).catch((x) => x);
  assert.equal(e.code, 'EAUTH', String(e));
  assert.deepEqual(calls, [false, true], 'asked twice, then given up');
  // The SASL failure JSON, decoded from base64 (RFC 7628 §3.2.2).
  assert.ok((e.serverText ?? '').includes('"status"'), String(e.serverText));
  assert.ok(!`${e.message} ${e.serverText} ${e.cause}`.includes(`expired-${USER}`));

  const thrown = await ImapClient.connect(imapOptions(() => { throw new Error('the identity provider is down'); })).catch((x) => x);
  assert.equal(thrown.code, 'EAUTH', String(thrown));
  assert.match(String(thrown.cause), /the identity provider is down/);
  const rejected = await ImapClient.connect(imapOptions(async () => { throw new Error('consent revoked'); })).catch((x) => x);
  assert.equal(rejected.code, 'EAUTH', String(rejected));
  assert.match(String(rejected.cause), /consent revoked/);
  const notAString = await ImapClient.connect(imapOptions(() => 42)).catch((x) => x);
  assert.equal(notAString.code, 'EAUTH', String(notAString));
  const resolvesNotAString = await ImapClient.connect(imapOptions(async () => 42)).catch((x) => x);
  assert.equal(resolvesNotAString.code, 'EAUTH', String(resolvesNotAString));
});

// conformance: auth.token-provider
test('SMTP asks the function for each new connection and refreshes once; OAUTHBEARER is offered on 587', async () => {
  const { token, calls } = provider({ async: true });
  const s = await SmtpClient.connect(smtpOptions(token));
  const subject = E.unique('provider');
  try {
    assert.deepEqual(calls, [false, true]);
    // Offered with XOAUTH2 on this port, so OAUTHBEARER (RFC 7628) was the one used.
    assert.ok(s.authMechanisms().includes('OAUTHBEARER'), String(s.authMechanisms()));
    await s.send({ from: E.address(USER), to: E.address(USER), subject, text: 'tokens' });
  } finally {
    await s.close();
  }
  const inbox = await ImapClient.connect(E.imapOptions(USER));
  try {
    assert.equal((await E.waitFor(inbox, subject)).length, 1);
  } finally {
    await inbox.logout();
  }

  const refused = provider({ alwaysExpired: true });
  const e = await SmtpClient.connect(smtpOptions(refused.token)).catch((x) => x);
  assert.equal(e.code, 'EAUTH', String(e));
  assert.deepEqual(refused.calls, [false, true]);
  assert.ok(!`${e.message} ${e.serverText ?? ''}`.includes(`expired-${USER}`));
});
