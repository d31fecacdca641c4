#!/usr/bin/env bash
# Builds (once) a Debian 13 "trixie" root with Swift (and python3 for the hostile-server
# suite and the Gmail peer; dnsmasq-base and openssl for the discovery servers), for running the Swift tests on a Debian 12 host. Prints the root's path. Cached in
# $MAILWIRE_TRIXIE_ROOT (default /var/cache/mailwire-trixie); reused when complete.
# Needs root and network access to Debian's package mirrors.
#
# The cache: `.mailwire-ready` in the root marks it complete and records the package list it
# holds. When `packages` below changes, the next run installs the list into the cached root
# (a marker from before the list was recorded is empty); a root without the marker (an
# interrupted first build) is rebuilt from scratch; `rm -rf` the root to start over.
set -euo pipefail
root=${MAILWIRE_TRIXIE_ROOT:-/var/cache/mailwire-trixie}
mirror=${MAILWIRE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(swiftlang libc6-dev libstdc++-14-dev ca-certificates python3 dnsmasq-base openssl)
ready=$root/.mailwire-ready

# Installs those of `packages` that the root lacks (installed ones are left as they are,
# not upgraded) and records the list.
install_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    [ "$(chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    [ -f "$ready" ] && chroot "$root" apt-get update -qq >&2
    chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    chroot "$root" apt-get clean >&2
  fi
  echo "${packages[*]}" >"$ready.tmp"
  mv "$ready.tmp" "$ready"
}

if [ -f "$ready" ]; then
  [ "$(cat "$ready")" = "${packages[*]}" ] || install_packages
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
install_packages
echo "$root"
