#!/usr/bin/env bash
# Builds the mailwire-ffi cdylib and generates the Kotlin and Swift bindings from it with
# the pinned uniffi-bindgen (library mode). The library holds two uniffi components: this
# crate's `mailwire` (clients, streams, errors) and the core's `mailwire_core` (the records
# and enums the core derives with its `uniffi` feature; settings in core/uniffi.toml). Both
# go into one Kotlin package and one Swift module. The generated files are committed; with
# --check, fails when regenerating changes them.
#
#   bindings/ffi/generate.sh [--check]
#
# Prints the folder of the built library (for jna.library.path / -L).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
profile=${MAILWIRE_FFI_PROFILE:-debug}
flag=(); [ "$profile" = release ] && flag=(--release)

cargo build -q -p mailwire-ffi --lib --bin uniffi-bindgen "${flag[@]}" >&2
lib=$target/$profile/libmailwire_ffi.so
bindgen=$target/$profile/uniffi-bindgen

kt_out=kotlin/src/main/kotlin
sw_out=swift/Sources/Mailwire
ffi_out=swift/Sources/mailwireFFI
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bindgen" generate --library "$lib" --language kotlin \
  --no-format --out-dir "$tmp/kotlin" >&2
"$bindgen" generate --library "$lib" --language swift \
  --no-format --out-dir "$tmp/swift" >&2

# uniffi's Kotlin error classes report a field dump as their message; make the message the
# readable `text` the Rust side wrote (DESIGN §4).
kt=$tmp/kotlin/dev/mailwire/mailwire.kt
sed -i -E 's/^( *get\(\) = )"text=\$\{ ?`?text`? ?\}, .*"$/\1text/' "$kt"
grep -q 'get() = "text=' "$kt" && { echo "generate.sh: the Kotlin message patch did not apply" >&2; exit 1; }

# uniffi makes every Kotlin object AutoCloseable with a `close()` that frees it, which clashes
# with the clients' own `suspend fun close()` (uniffi-rs issue 2955): the clients keep
# `Disposable` (`destroy()`, `use {}`) and drop AutoCloseable and that alias.
perl -0pi -e 's/(open class (?:ImapClient|SmtpClient): Disposable), AutoCloseable,/$1,/g;
  s/(open class (?:ImapClient|SmtpClient):.*?)\n *\@Synchronized\n *override fun close\(\) \{\n *this\.destroy\(\)\n *\}\n/$1\n/gs' "$kt"
[ "$(grep -cE '^open class (ImapClient|SmtpClient): Disposable, (Imap|Smtp)ClientInterface' "$kt")" = 2 ] \
  || { echo "generate.sh: the Kotlin AutoCloseable patch did not apply" >&2; exit 1; }

# The core's Kotlin file shares package dev.mailwire with mailwire.kt (Kotlin reaches no
# `Flag.Seen` through a typealias); it keeps its types and drops its copy of uniffi's runtime.
kt_core=$tmp/kotlin/dev/mailwire/mailwire_core.kt
python3 bindings/ffi/kotlin-shared-package.py "$kt" "$kt_core"

mkdir -p "$kt_out/dev/mailwire" "$sw_out" "$ffi_out"
cp "$kt" "$kt_out/dev/mailwire/mailwire.kt"
cp "$kt_core" "$kt_out/dev/mailwire/mailwire_core.kt"
# Swift: both components' sources in the Mailwire module, both headers in the one C module
# mailwireFFI (its module.modulemap is ours; the headers are written to share it).
cp "$tmp/swift/Mailwire.swift" "$sw_out/Mailwire.swift"
cp "$tmp/swift/mailwire_core.swift" "$sw_out/mailwire_core.swift"
cp "$tmp/swift/mailwireFFI.h" "$ffi_out/mailwireFFI.h"
cp "$tmp/swift/mailwire_coreFFI.h" "$ffi_out/mailwire_coreFFI.h"

if [ "${1:-}" = --check ]; then
  if ! git diff --exit-code -- "$kt_out" "$sw_out" "$ffi_out" >&2 \
    || [ -n "$(git status --porcelain -- "$kt_out" "$sw_out" "$ffi_out")" ]; then
    echo "generate.sh: the committed bindings are stale; run bindings/ffi/generate.sh and commit" >&2
    exit 1
  fi
fi
dirname "$lib"
