#!/usr/bin/env bash
# Builds and runs one fuzz target for SECONDS, single job, then appends one line to
# fuzz/STATS.md: target, date, git revision, seconds, executions, crashes.
#
#   fuzz/run.sh TARGET SECONDS
#
# The run starts from a temporary copy of the committed seeds in fuzz/corpus/TARGET; what the
# fuzzer adds to it is thrown away. A crash stops the run and is saved in
# fuzz/artifacts/TARGET/ (see fuzz/README.md for turning it into a regression test). The
# full libFuzzer output of the last run is in fuzz/artifacts/TARGET/last-run.log.
# Exits non-zero when the run found a crash or could not run.
set -euo pipefail

usage() {
    echo "usage: $0 TARGET SECONDS" >&2
    echo "targets: $(sed -n 's/^name = "\(.*\)"$/\1/p' "$here/Cargo.toml" | grep -v mailwire-fuzz | tr '\n' ' ')" >&2
    exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 2 ] || usage
target="$1"
seconds="$2"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
grep -qx "name = \"$target\"" "$here/Cargo.toml" || usage

# The message-layer targets need mailwire::__fuzz (core/src/fuzz_api.rs).
features=()
case "$target" in
    message_parse | header_roundtrip | address_roundtrip | smtp_reply | dot_stuffing)
        features=(--features message) ;;
esac

cd "$here"
# cargo-fuzz builds in fuzz/target; a CARGO_TARGET_DIR set for the workspace would override it.
unset CARGO_TARGET_DIR

cargo +nightly fuzz build "${features[@]}" "$target"

corpus="$(mktemp -d "${TMPDIR:-/tmp}/mailwire-fuzz-$target.XXXXXX")"
trap 'rm -rf "$corpus"' EXIT
if [ -d "corpus/$target" ]; then
    cp -R "corpus/$target/." "$corpus/"
fi

artifacts="artifacts/$target"
mkdir -p "$artifacts"
log="$artifacts/last-run.log"
crashes_before="$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)"

start=$SECONDS
status=0
# CPU seconds (user + system) of the fuzzer, measured by GNU time: on a shared machine the
# wall time overstates the fuzzing done.
cpu_file="$artifacts/cpu"
/usr/bin/time -f '%U %S' -o "$cpu_file" \
    cargo +nightly fuzz run "${features[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
elapsed=$((SECONDS - start))
cpu="$(awk 'END { printf "%d", $1 + $2 }' "$cpu_file" 2>/dev/null || echo '?')"

crashes_after="$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)"
crashes=$((crashes_after - crashes_before))

# libFuzzer's final stats (also printed when it stops on a crash); "Done N runs" as a fallback.
execs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
if [ -z "$execs" ]; then
    execs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)"
fi
execs="${execs:-?}"

rev="$(git rev-parse --short=10 HEAD)"
if ! git diff --quiet HEAD -- ../core ../Cargo.toml . ':!STATS.md' 2>/dev/null; then
    rev="$rev+dirty"
fi

stats="STATS.md"
if [ ! -f "$stats" ]; then
    {
        echo "# Fuzzing runs"
        echo
        echo "One line per \`fuzz/run.sh TARGET SECONDS\` run (single job, one core): seconds is the"
        echo "wall time the fuzzer ran (shorter than asked when it stopped on a crash), CPU seconds its"
        echo "user + system time; executions is"
        echo "libFuzzer's final \`stat::number_of_executed_units\`; crashes counts new files in"
        echo "\`fuzz/artifacts/TARGET/\` (crash, oom, timeout, leak)."
        echo
        echo "| target | date (UTC) | rev | seconds | CPU seconds | executions | crashes |"
        echo "|---|---|---|---:|---:|---:|---:|"
    } >"$stats"
fi
echo "| $target | $(date -u +%Y-%m-%dT%H:%MZ) | $rev | $elapsed | $cpu | $execs | $crashes |" >>"$stats"

tail -n 1 "$stats"
if [ "$crashes" -gt 0 ] || [ "$status" -ne 0 ]; then
    echo "fuzzing $target stopped (exit $status, $crashes new artifact(s) in fuzz/$artifacts); see fuzz/$log" >&2
    exit 1
fi
