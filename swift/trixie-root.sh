#!/usr/bin/env bash
# Builds (once) a Debian 13 "trixie" root with Swift, for running the Swift tests on a
# Debian 12 host. Prints the root's path. Cached in $MAILWIRE_TRIXIE_ROOT
# (default /var/cache/mailwire-trixie); reused when complete. Needs root and network access
# to Debian's package mirrors.
set -euo pipefail
root=${MAILWIRE_TRIXIE_ROOT:-/var/cache/mailwire-trixie}
mirror=${MAILWIRE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -f "$root/.mailwire-ready" ]; then
  echo "$root"
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi
# A half-built root from an interrupted run is rebuilt from scratch.
for m in proc dev/pts dev sys; do umount -l "$root/$m" 2>/dev/null || true; done
rm -rf "$root"
mkdir -p "$(dirname "$root")"
debootstrap --variant=minbase trixie "$root" "$mirror" >&2
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends swiftlang libc6-dev libstdc++-14-dev ca-certificates >&2
chroot "$root" apt-get clean >&2
touch "$root/.mailwire-ready"
echo "$root"
