'use strict';
// Builds the native addon with napi-rs (`napi build --platform`, which also regenerates the
// committed loader native.js and typings native.d.ts), then points the loader at the
// published platform packages, `@mailwire/<platform>` (napi-rs would name them
// `mailwire-<platform>`).
//
//   node scripts/build-native.js             # debug: for developing mailwire itself
//   node scripts/build-native.js --release   # what users run (also: --profile dist)
const { spawnSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
const cliDir = join(require.resolve('@napi-rs/cli/package.json'), '..');
const cliBin = require('@napi-rs/cli/package.json').bin;
const napi = join(cliDir, typeof cliBin === 'string' ? cliBin : cliBin.napi);
const root = join(__dirname, '..');
const built = spawnSync(
  process.execPath,
  [napi, 'build', '--platform', '--js', 'native.js', '--dts', 'native.d.ts', '--no-const-enum', ...args],
  { stdio: 'inherit', cwd: root },
);
if (built.status !== 0) process.exit(built.status ?? 1);

const loader = join(root, 'native.js');
const before = readFileSync(loader, 'utf8');
const after = before.replace(/'mailwire-([a-z0-9-]+)(\/package\.json)?'/g, "'@mailwire/$1$2'");
if (!/require\('@mailwire\/linux-x64-gnu'\)/.test(after)) {
  console.error('build-native.js: native.js has no mailwire-linux-x64-gnu to rename; has napi-rs changed its loader?');
  process.exit(1);
}
writeFileSync(loader, after);

if (!args.includes('--release') && !args.includes('--profile')) {
  console.error(
    [
      '',
      '*****************************************************************************',
      '* mailwire: this native addon is a DEBUG build, for developing mailwire.    *',
      '* It is several times slower and about 100 MB. To use mailwire from a clone, *',
      '* build the release addon:  npm run build:release                           *',
      '*****************************************************************************',
      '',
    ].join('\n'),
  );
}
