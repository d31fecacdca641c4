'use strict';
// The package's version is the workspace version of Cargo.toml, the one source of every
// package's version: compiled into the addon (`version`), stated by package.json.
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { test } = require('node:test');

const mailwire = require('..');

test('version is the Cargo workspace version, for require, import and package.json', async () => {
  const cargo = readFileSync(join(__dirname, '..', '..', 'Cargo.toml'), 'utf8');
  const stated = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(cargo);
  assert.ok(stated, 'Cargo.toml has a [workspace.package] version');
  assert.equal(mailwire.version, stated[1]);
  assert.equal(require('../package.json').version, stated[1]);
  const esm = await import('../index.mjs');
  assert.equal(esm.version, stated[1]);
  assert.equal(esm.default.version, stated[1]);
});
