#!/usr/bin/env bash
# Runs every test suite of mailwire against the real mail servers of devserver/.
# Installs what it needs (Debian packages through devserver/devserver install), starts the
# servers (idempotent), runs the suites, and leaves the servers running for the next run
# unless MAILWIRE_STOP_AFTER=1.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

step() { printf '\n== %s\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo (Rust >= 1.80) is required" >&2; exit 1; }

step "devserver: install and start"
devserver/devserver install
devserver/devserver start
eval "$(devserver/devserver env)"

if [ "${MAILWIRE_STOP_AFTER:-0}" = 1 ]; then
  trap 'devserver/devserver stop' EXIT
fi

step "rust: format, lint, docs"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p mailwire --no-deps

step "rust: unit, integration and doc tests (core)"
cargo test --workspace

step "rust: the quickstart example"
cargo run -q -p mailwire-examples --bin quickstart

step "bench: smoke run (tiny sizes; not a pass/fail of speed, only that it still runs)"
bench/run --smoke

echo
echo "all suites passed"
