'use strict';
// Lays out the npm packages the napi-rs way, for `npm pack` (./package.sh and the release
// workflow): the main package `mailwire` (JavaScript, typings, loader) with an optional
// dependency on one package per platform, `@mailwire/<platform>`, each holding one
// prebuilt addon. npm installs only the platform package whose os/cpu/libc match.
//
//   node scripts/pack.js main OUT_DIR PLATFORM...          # e.g. main /tmp/m linux-x64-gnu
//   node scripts/pack.js platform OUT_DIR PLATFORM ADDON   # ADDON: the built .node file
const { cpSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

const root = join(__dirname, '..');
const pkg = require('../package.json');

// napi-rs platform names -> what npm matches them against.
const PLATFORMS = {
  'linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'darwin-universal': { os: ['darwin'], cpu: ['x64', 'arm64'] },
  'win32-x64-msvc': { os: ['win32'], cpu: ['x64'] },
  'win32-arm64-msvc': { os: ['win32'], cpu: ['arm64'] },
};

function fail(msg) {
  console.error(`pack.js: ${msg}`);
  process.exit(2);
}

function platformOf(name) {
  if (!PLATFORMS[name]) fail(`unknown platform ${name}; known: ${Object.keys(PLATFORMS).join(', ')}`);
  return PLATFORMS[name];
}

function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

const common = {
  version: pkg.version,
  license: pkg.license,
  repository: pkg.repository,
  engines: pkg.engines,
};

const [cmd, out, ...rest] = process.argv.slice(2);
if (cmd === 'main' && out && rest.length > 0) {
  fresh(out);
  const main = { ...pkg };
  delete main.scripts;
  delete main.devDependencies;
  main.files = pkg.files.filter((f) => !f.endsWith('.node'));
  main.optionalDependencies = Object.fromEntries(
    rest.map((p) => (platformOf(p), [`@mailwire/${p}`, pkg.version])),
  );
  writeFileSync(join(out, 'package.json'), JSON.stringify(main, null, 2) + '\n');
  for (const f of ['dist', 'index.mjs', 'native.js', 'native.d.ts', 'README.md']) {
    cpSync(join(root, f), join(out, f), { recursive: true });
  }
} else if (cmd === 'platform' && out && rest.length === 2) {
  const [name, addon] = rest;
  const file = `${pkg.napi.binaryName}.${name}.node`;
  fresh(out);
  cpSync(addon, join(out, file));
  const platform = {
    name: `@mailwire/${name}`,
    ...common,
    description: `The ${name} native addon of mailwire (installed by the mailwire package)`,
    ...platformOf(name),
    main: file,
    files: [file],
  };
  writeFileSync(join(out, 'package.json'), JSON.stringify(platform, null, 2) + '\n');
  writeFileSync(
    join(out, 'README.md'),
    `# @mailwire/${name}\n\nThe prebuilt ${name} addon (${basename(file)}) of [mailwire](https://www.npmjs.com/package/mailwire); install \`mailwire\`, which depends on it.\n`,
  );
} else {
  fail('usage: pack.js main OUT_DIR PLATFORM... | pack.js platform OUT_DIR PLATFORM ADDON');
}
