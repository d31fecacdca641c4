#!/usr/bin/env bash
# Runs the Swift package's tests (and builds the Swift quickstart) on a Debian 12 host:
# inside a Debian 13 "trixie" root with Debian's swiftlang (trixie-root.sh builds it once and
# caches it), linking the cdylib that cargo built on the host, against the devserver on
# loopback (the root shares the host's network).
#
#   swift/run-tests.sh LIBDIR [FILTER]
#       LIBDIR holds libmailwire_ffi.so (bindings/ffi/generate.sh prints it); needs root and
#       the MAILWIRE_* variables. FILTER (e.g. ImapTests/testUidRangesStayRanges) runs only
#       the matching tests and skips the quickstart. Runs wait for each other (a lock on
#       /run/lock/mailwire-swift-root.lock): they share the root and its scratch path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
libdir=${1:?usage: run-tests.sh LIBDIR [FILTER]}
filter=${2:-}
: "${MAILWIRE_HOST:?eval \"\$(devserver/devserver env)\" first}"

# One run at a time: runs share the cached root, its /proc and /dev mounts (unmounted on
# exit) and the scratch path.
mkdir -p /run/lock
exec 9>/run/lock/mailwire-swift-root.lock
flock 9

t0=$SECONDS
root=$("$here/trixie-root.sh")
echo "swift: trixie root ready in $((SECONDS - t0)) s ($root)"

mounts=()
cleanup() {
  [ -n "${relay_pid:-}" ] && kill "$relay_pid" 2>/dev/null || true
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { # bind SRC DEST-inside-root
  mkdir -p "$root$2"
  mount --bind "$1" "$root$2"
  mounts+=("$root$2")
}
mkdir -p "$root/proc" && mount -t proc proc "$root/proc" && mounts+=("$root/proc")
bind /dev /dev
bind "$repo" "$repo"
# The hostile-server peer serves TLS with the devserver's certificate and key.
state=${MAILWIRE_DEVSERVER_DIR:-}
if [ -n "$state" ] && [ -d "$state" ] && [[ "$(realpath "$state")/" != "$(realpath "$repo")/"* ]]; then
  bind "$state" "$state"
fi

# The library and the CA go to fixed places inside the root.
mkdir -p "$root/opt/mailwire/lib"
cp "$libdir/libmailwire_ffi.so" "$root/opt/mailwire/lib/"
cp "$MAILWIRE_CA" "$root/opt/mailwire/ca.pem"

# Outage tests call `devserver kill-sessions USER [SIGNAL]`, which needs the host's Dovecot tools: a relay
# on the host runs it for requests the tests write into a shared folder.
relay=/tmp/mailwire-kill-relay
rm -rf "$root$relay" && mkdir -p "$root$relay"
(
  while :; do
    if [ -f "$root$relay/request" ]; then
      read -r user signal <"$root$relay/request" || true; rm -f "$root$relay/request"
      "$MAILWIRE_DEVSERVER" kill-sessions "$user" ${signal:+"$signal"} >"$root$relay/done.tmp" 2>&1 || true
      mv "$root$relay/done.tmp" "$root$relay/done"
    fi
    sleep 0.05
  done
) &
relay_pid=$!

envs=(PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8
  MAILWIRE_CA=/opt/mailwire/ca.pem MAILWIRE_KILL_RELAY=$relay)
while IFS='=' read -r k v; do
  case $k in MAILWIRE_CA | MAILWIRE_KILL_RELAY) ;; MAILWIRE_*) envs+=("$k=$v") ;; esac
done < <(env)
link=(-Xlinker -L/opt/mailwire/lib -Xlinker -rpath -Xlinker /opt/mailwire/lib)
inroot() { chroot "$root" /usr/bin/env -i "${envs[@]}" "$@"; }

t1=$SECONDS
# The child process of the hostile-server suite (HostileTests), built first so that the
# tests can find it.
inroot swift build --package-path "$repo/swift" --scratch-path /root/.build/mailwire "${link[@]}" --product HostileChild
envs+=("MAILWIRE_HOSTILE_CHILD=$(inroot swift build --package-path "$repo/swift" --scratch-path /root/.build/mailwire "${link[@]}" --show-bin-path | tail -n1)/HostileChild")
inroot swift test --disable-swift-testing --package-path "$repo/swift" --scratch-path /root/.build/mailwire "${link[@]}" \
  ${filter:+--filter "$filter"}
echo "swift: tests took $((SECONDS - t1)) s"
[ -z "$filter" ] || exit 0

t2=$SECONDS
inroot swift build --package-path "$repo/examples/swift/quickstart" --scratch-path /root/.build/examples "${link[@]}"
if [ "${MAILWIRE_RUN_EXAMPLES:-1}" = 1 ]; then
  inroot /root/.build/examples/debug/quickstart t99
fi
echo "swift: quickstart example took $((SECONDS - t2)) s"
