#!/usr/bin/env bash
# Prints one line naming the state of the sources the packages are built from: a hash of their
# committed content and one of any uncommitted change (tracked or not) under them. ./package.sh writes it into
# dist/BUILD-INFO; bench/run rebuilds dist/ when it differs.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Cargo.toml Cargo.lock core python node/src node/lib node/package.json node/native.js
  node/native.d.ts node/index.mjs bindings/ffi kotlin/pom.xml kotlin/src/main package.sh packaging)
# The committed content of those paths (not the commit: a change elsewhere does not count).
head=$(git ls-tree -r HEAD -- "${paths[@]}" 2>/dev/null | sha256sum | cut -c1-16)
changes=$( { git diff HEAD -- "${paths[@]}"; git ls-files --others --exclude-standard -z -- "${paths[@]}" \
  | xargs -0r sha256sum; } 2>/dev/null | sha256sum | cut -c1-16)
echo "$head+$changes"
