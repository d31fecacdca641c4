'use strict';
// Settings from an address (discover) against real servers on loopback: dnsmasq as the DNS
// server and an HTTPS autoconfig server (tests/discover/serve.py), for each way discovery
// can succeed or fail.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { test, before, after } = require('node:test');

const { discover } = require('..');
const E = require('./env');

let servers;
let options;

before(async () => {
  servers = spawn('python3', [path.join(E.ROOT, 'tests', 'discover', 'serve.py')], { stdio: ['pipe', 'pipe', 'ignore'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: servers.stdout }).once('line', resolve);
    servers.once('exit', (code) => reject(new Error(`serve.py exited with ${code}`)));
  });
  const info = JSON.parse(line);
  options = { resolver: `127.0.0.1:${info.dns}`, httpsPort: info.https, ca: fs.readFileSync(info.ca), timeout: 10000 };
});

after(async () => {
  await new Promise((resolve) => {
    servers.once('exit', resolve);
    servers.stdin.end();
  });
});

// conformance: discover
test('discover: each method finds the settings it should, and nothing is ENONEXISTENT', async () => {
  let d = await discover('ann@auto.test', options);
  assert.equal(d.source, 'autoconfig');
  assert.deepEqual(d.imap, { host: 'imap.auto.test', port: 993, security: 'tls', username: 'ann@auto.test' });
  assert.deepEqual(d.smtp, { host: 'smtp.auto.test', port: 587, security: 'starttls', username: 'ann' });

  d = await discover('bob@wellknown.test', options);
  assert.equal(d.source, 'autoconfig');
  assert.equal(d.imap.security, 'starttls');

  d = await discover('cy@srv.test', options);
  assert.equal(d.source, 'srv');
  assert.deepEqual([d.imap, d.smtp], [
    { host: 'imap.srv.test', port: 993, security: 'tls', username: 'cy@srv.test' },
    { host: 'smtp.srv.test', port: 587, security: 'starttls', username: 'cy@srv.test' },
  ]);

  d = await discover('di@mx.test', options);
  assert.equal(d.source, 'mx');
  assert.equal(d.imap.host, 'imap.gmail.com');

  await assert.rejects(discover('eve@nothing.test', options), (e) => e.code === 'ENONEXISTENT');
});

// conformance: discover
test('discover: a server that never answers is bounded by the deadline; an untrusted certificate is not believed', async () => {
  const start = Date.now();
  // The silent autoconfig server costs its step (a quarter of the deadline), then the other
  // methods find nothing.
  await assert.rejects(discover('fay@slow.test', { ...options, timeout: 2000 }), (e) => e.code === 'ENONEXISTENT');
  assert.ok(Date.now() - start < 5000, `${Date.now() - start} ms`);
  const { ca, ...untrusted } = options;
  await assert.rejects(discover('ann@auto.test', untrusted), (e) => e.code === 'ENONEXISTENT');
  // The CA as a string (PEM text) and in an array, as the connection options take it.
  const d = await discover('ann@auto.test', { ...options, ca: [ca.toString('utf8')] });
  assert.equal(d.imap.host, 'imap.auto.test');
});

// conformance: discover
test('discover: big providers come from the built-in table; bad input is EINVAL', async () => {
  // No network: the resolver given is never asked.
  const d = await discover('someone@gmail.com', { resolver: '127.0.0.1:9' });
  assert.equal(d.source, 'built_in');
  assert.deepEqual(d.imap, { host: 'imap.gmail.com', port: 993, security: 'tls', username: 'someone@gmail.com' });
  for (const bad of ['no-at-sign', '@example.com', 'a@exa mple.com']) {
    await assert.rejects(discover(bad), (e) => e.code === 'EINVAL', bad);
  }
  await assert.rejects(discover('a@b.test', { resolver: 'not an address' }), (e) => e.code === 'EINVAL');
  await assert.rejects(discover('a@b.test', { timeout: -1 }), (e) => e.code === 'EINVAL');
  await assert.rejects(discover('a@b.test', { httpsPort: 70000 }), (e) => e.code === 'EINVAL');
  await assert.rejects(discover('a@b.test', { dns: '1.1.1.1:53' }), (e) => e.code === 'EINVAL');
});
