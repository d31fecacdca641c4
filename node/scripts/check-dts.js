'use strict';
// Fails when the generated native typings (native.d.ts) or loader (native.js) differ from
// what is committed: run after `npm run build`, which regenerates both from the Rust doc
// comments and signatures.
const { execFileSync } = require('node:child_process');

try {
  execFileSync('git', ['diff', '--exit-code', '--stat', '--', 'native.d.ts', 'native.js'], { stdio: 'inherit', cwd: __dirname + '/..' });
} catch {
  console.error('node/native.d.ts or node/native.js is stale: run `cd node && npm run build` and commit them');
  process.exit(1);
}
console.log('node: native.d.ts and native.js are current');
