#!/usr/bin/env bash
# Runs every test suite of mailwire against the real mail servers of devserver/.
# Installs what it needs (Debian packages through devserver/devserver install), starts the
# servers (idempotent), runs the suites, and leaves the servers running for the next run
# unless MAILWIRE_STOP_AFTER=1.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

step_start=$SECONDS
step() {
  [ -n "${step_name:-}" ] && printf '\n(%s: %d s)\n' "$step_name" $((SECONDS - step_start))
  step_name=$*
  step_start=$SECONDS
  printf '\n== %s\n' "$*"
}

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

step "ffi: build the cdylib, regenerate the Kotlin and Swift bindings, check they are current"
libdir=$(bindings/ffi/generate.sh --check)

step "kotlin: JUnit through Maven against the devserver (and the Kotlin quickstart)"
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven default-jdk-headless
fi
(cd kotlin && mvn -B -ntp -Dmailwire.lib.dir="$libdir" test)

step "swift: XCTest in a Debian 13 root against the devserver (and the Swift quickstart)"
swift/run-tests.sh "$libdir"

step "done"
echo
echo "all suites passed"
