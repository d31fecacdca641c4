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

step "conformance table; rust: format, lint, docs (the Python and Node API references are built in their steps)"
python3 docs/conformance.py   # every capability proved in every face, or a known gap (docs/CONFORMANCE.md)
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p mailwire --no-deps

step "rust: unit, integration and doc tests (core)"
cargo test --workspace

step "rust: the quickstart example"
cargo run -q -p mailwire-examples --bin quickstart

step "python: build the abi3 wheel once, install it, pytest, stubtest, quickstarts"
# A venv of its own with the pinned tools; the wheel is built once (debug profile: the
# tests do not need speed, and cargo reuses the dependencies `cargo test` just built) and
# installed without building again. `pip install ./python` builds the same wheel (release).
python=${PYTHON:-python3}
venv=$root/python/.venv
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt
wheels=$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c \
  'import json,sys; print(json.load(sys.stdin)["target_directory"])')/python-wheels
rm -rf "$wheels"
"$venv/bin/maturin" build -q -m python/Cargo.toml -o "$wheels"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/mailwire-*-abi3-*.whl
(cd python && "$venv/bin/python" -m pytest -q -p no:cacheprovider)
(cd /tmp && "$venv/bin/python" -m mypy.stubtest mailwire._core)
"$venv/bin/python" -m mypy --cache-dir=/dev/null python/python/mailwire
# The API reference from the docstrings and stubs (pdoc); a pdoc warning fails.
(cd /tmp && "$venv/bin/python" -W error -m pdoc mailwire -o "$wheels/../doc/python" >/dev/null)
echo "python: API reference in $(cd "$wheels/.." && pwd)/doc/python"
(cd /tmp && MAILWIRE_USER=t62 "$venv/bin/python" "$root/examples/python/quickstart.py" >/dev/null)
(cd /tmp && MAILWIRE_USER=t62 "$venv/bin/python" "$root/examples/python/quickstart_async.py" >/dev/null)
echo "python: quickstart.py and quickstart_async.py ran"

step "node: build the addon and the facade (debug), check the generated typings, node --test, API reference, quickstart"
node_docs=$(dirname "$wheels")/doc/node
# `npm run build` = napi build (debug; the same target/ as every other crate) + tsc. The
# typings napi-rs generates from the Rust signatures and doc comments (native.d.ts) and its
# loader (native.js) are committed; a difference after the build means they are stale.
command -v node >/dev/null || { echo "node (>= 20) is required" >&2; exit 1; }
(
  cd node
  # --ignore-scripts: `prepare` would build the release addon; the tests use the debug one.
  if [ -d node_modules ]; then npm install --ignore-scripts --no-audit --no-fund --loglevel=error; else npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; fi
  npm run -s build
  npm run -s check:dts
  npm test
  # The API reference from the TypeScript sources (TypeDoc); a warning fails.
  npx typedoc --logLevel Warn --out "$node_docs"
  echo "node: API reference in $node_docs"
)
(cd /tmp && MAILWIRE_USER=t76 node "$root/examples/node/quickstart.mjs" >/dev/null)
echo "node: quickstart.mjs ran"

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

step "bench: smoke run (tiny sizes; not a pass/fail of speed, only that it still runs)"
bench/run --smoke

step "packaging: ./package.sh (dist/: release builds), then packaging/check.sh installs them without Rust"
# The release workflow is checked with actionlint (built from its Go module, cached in GOBIN).
gobin=$(dirname "$wheels")/tools
[ -x "$gobin/actionlint" ] || GOBIN=$gobin PATH=/usr/local/go/bin:$PATH go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
"$gobin/actionlint" .github/workflows/*.yml && echo "actionlint: .github/workflows clean"
./package.sh
packaging/check.sh --sdist

step "done"
echo
echo "all suites passed"
