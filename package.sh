#!/usr/bin/env bash
# Builds what users install, for Linux x86_64 (glibc >= 2.17), into dist/:
#
#   mailwire-V-cp310-abi3-manylinux_2_17_x86_64.whl   pip install (CPython >= 3.10)
#   mailwire-V.tar.gz                                  the sdist (builds with Rust where no wheel fits)
#   mailwire-V.tgz                                     npm: the main package (JS, typings, loader)
#   mailwire-linux-x64-gnu-V.tgz                       npm: @mailwire/linux-x64-gnu, the addon
#   mailwire-V.jar + mailwire-V.pom                    Maven dev.mailwire:mailwire:V, with
#                                                      linux-x86-64/libmailwire_ffi.so inside
#   SHA256SUMS
#
# V is the workspace version of Cargo.toml (packaging/version.py). Every native library is
# built once with the `dist` profile (release, stripped, thin LTO) and linked against glibc
# 2.17 with zig, so it loads on any Linux from 2014 on. packaging/check.sh then installs them
# as a user would, without Rust. The other platforms are built by
# .github/workflows/release.yml (see RELEASING.md).
#
# Needs Rust, Python >= 3.10, Node >= 20, Maven and a JDK >= 17; installs its pinned build
# tools (packaging/requirements.txt) into packaging/.venv.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
dist=$root/dist
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
profile=dist
triple=x86_64-unknown-linux-gnu
glibc=2.17            # manylinux2014 = manylinux_2_17
wheel_limit=8000000   # bytes; goals of issue 14
addon_limit=10000000

step_start=$SECONDS
step() {
  [ -n "${step_name:-}" ] && printf '(%s: %d s)\n' "$step_name" $((SECONDS - step_start))
  step_name=$*
  step_start=$SECONDS
  printf '\n== package: %s\n' "$*"
}
die() { echo "package.sh: $*" >&2; exit 1; }

# The newest GLIBC_x.y symbol version a library needs; what auditwheel checks for a wheel.
glibc_needed() { objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1; }
check_native() {
  local lib=$1 needed
  needed=$(glibc_needed "$lib")
  [ "$(printf '%s\n%s\n' "$needed" "$glibc" | sort -V | tail -1)" = "$glibc" ] \
    || die "$lib needs GLIBC_$needed, newer than $glibc"
  if readelf -S "$lib" | grep ' .symtab ' >/dev/null; then die "$lib is not stripped"; fi
  echo "$(basename "$lib"): $(stat -c %s "$lib") bytes, stripped, newest glibc symbol GLIBC_$needed (limit $glibc)"
}

step "tools (packaging/.venv) and version"
command -v cargo >/dev/null || die "cargo is required to build the packages"
venv=$root/packaging/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! cmp -s packaging/requirements.txt "$venv/.installed" 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check -r packaging/requirements.txt
  cp packaging/requirements.txt "$venv/.installed"
fi
# maturin and cargo-zigbuild find zig through this venv's python (the ziglang package).
export PATH=$venv/bin:$PATH
version=$(python3 packaging/version.py --check)
echo "version $version (Cargo.toml)"
rm -rf "$dist"
mkdir -p "$dist"

step "python: the abi3 manylinux wheel (maturin + zig) and the sdist"
maturin build -m python/Cargo.toml --profile "$profile" --zig --compatibility manylinux2014 \
  --target "$triple" -o "$dist"
maturin sdist -m python/Cargo.toml -o "$dist"
wheel=$(echo "$dist"/mailwire-"$version"-cp310-abi3-*manylinux_2_17_x86_64*.whl)
[ -f "$wheel" ] || die "no manylinux_2_17 wheel in $dist"
[ -f "$dist/mailwire-$version.tar.gz" ] || die "no sdist in $dist"
echo "-- auditwheel show $(basename "$wheel")"
auditwheel show "$wheel" | tee "$CARGO_TARGET_DIR/auditwheel.txt"
grep -q '"manylinux_2_17_x86_64"' "$CARGO_TARGET_DIR/auditwheel.txt" \
  || die "auditwheel does not find the wheel consistent with manylinux_2_17_x86_64"

step "native libraries for Node and the JVM (profile $profile, glibc $glibc, zig)"
# Through the zig wrappers maturin just wrote, so that cargo reuses its builds of the crates
# the libraries share: with other compiler paths (cargo-zigbuild writes its own), ring's C
# would build again, and everything above it, and the next wheel build the same again.
cc=$(grep -lF "\"$venv/bin/maturin\" zig cc" \
  "${XDG_CACHE_HOME:-$HOME/.cache}"/cargo-zigbuild/*/wrappers/*/zigcc-$triple.$glibc-*.sh 2>/dev/null | head -n 1 || true)
if [ -n "$cc" ] && [ -x "${cc/zigcc-/zigcxx-}" ] && [ -x "$(dirname "$cc")/ar" ]; then
  t=${triple//-/_}
  env "CC_$t=$cc" "CXX_$t=${cc/zigcc-/zigcxx-}" "AR_$t=$(dirname "$cc")/ar" \
    "CARGO_TARGET_${t^^}_LINKER=$cc" CARGO_TARGET_APPLIES_TO_HOST=false \
    cargo build -q --profile "$profile" -p mailwire-node -p mailwire-ffi --lib --target "$triple"
else
  echo "(maturin's zig wrappers not found; cargo-zigbuild)"
  cargo zigbuild -q --profile "$profile" -p mailwire-node -p mailwire-ffi --lib --target "$triple.$glibc"
fi
out=$CARGO_TARGET_DIR/$triple/$profile
check_native "$out/libmailwire_node.so"
check_native "$out/libmailwire_ffi.so"

step "node: the main package and @mailwire/linux-x64-gnu"
(
  cd node
  [ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  npm run -s build:ts
)
stage=$CARGO_TARGET_DIR/npm-stage
node node/scripts/pack.js main "$stage/main" linux-x64-gnu
node node/scripts/pack.js platform "$stage/linux-x64-gnu" linux-x64-gnu "$out/libmailwire_node.so"
npm pack -q --ignore-scripts --pack-destination "$dist" "$stage/main" "$stage/linux-x64-gnu" >/dev/null
[ -f "$dist/mailwire-$version.tgz" ] && [ -f "$dist/mailwire-linux-x64-gnu-$version.tgz" ] \
  || die "npm pack did not write both tarballs"
tar -tzf "$dist/mailwire-$version.tgz" | grep -x 'package/dist/index.d.ts' >/dev/null || die "the npm package has no typings"

step "kotlin: the jar with linux-x86-64/libmailwire_ffi.so inside, and its pom"
natives=$CARGO_TARGET_DIR/jvm-natives
rm -rf "$natives"
mkdir -p "$natives/linux-x86-64"
cp "$out/libmailwire_ffi.so" "$natives/linux-x86-64/"
mvn -B -q -ntp -Dstyle.color=never -f kotlin/pom.xml -Dmaven.test.skip=true \
  -Dmailwire.build.dir="$CARGO_TARGET_DIR/kotlin-dist" -Dmailwire.native.dir="$natives" clean package
cp "$CARGO_TARGET_DIR/kotlin-dist/mailwire-$version.jar" "$dist/"
cp kotlin/pom.xml "$dist/mailwire-$version.pom"
python3 -c 'import sys, zipfile; sys.exit("linux-x86-64/libmailwire_ffi.so" not in zipfile.ZipFile(sys.argv[1]).namelist())' \
  "$dist/mailwire-$version.jar" || die "the jar has no linux-x86-64/libmailwire_ffi.so"

step "dist/"
printf 'version=%s\nprofile=%s\ntarget=%s (glibc %s)\nsources=%s\n' \
  "$version" "$profile" "$triple" "$glibc" "$(packaging/source-state.sh)" > "$dist/BUILD-INFO"
(cd "$dist" && sha256sum -- * > SHA256SUMS)
ls -l "$dist" | tail -n +2
addon_size=$(stat -c %s "$out/libmailwire_node.so")
wheel_size=$(stat -c %s "$wheel")
echo "wheel $wheel_size bytes (goal < $wheel_limit); .node $addon_size bytes (goal < $addon_limit)"
[ "$wheel_size" -lt "$wheel_limit" ] || die "the wheel is larger than $wheel_limit bytes"
[ "$addon_size" -lt "$addon_limit" ] || die "the .node is larger than $addon_limit bytes"
step "done"
echo "package.sh: dist/ holds mailwire $version for linux x86_64; packaging/check.sh installs it without Rust"
