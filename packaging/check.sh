#!/usr/bin/env bash
# Installs what ./package.sh wrote to dist/ the way a user would, on a PATH without cargo and
# rustc, each in a fresh temporary folder, and runs the quickstarts against the devserver:
#
#   python: a new venv, `pip install dist/mailwire-*.whl`, examples/python/quickstart.py
#   node:   an empty npm project, `npm install` of both tarballs (offline, from dist/),
#           examples/node/quickstart.mjs through require() and through import, the typings
#   kotlin: `mvn install:install-file` of the jar and pom into the local Maven repository,
#           a Maven project depending only on dev.mailwire:mailwire runs the Kotlin quickstart;
#           JNA loads the library from inside the jar
#
# and checks every package states the version of Cargo.toml.
#
#   packaging/check.sh            # after ./package.sh; starts the devserver if needed
#   packaging/check.sh --sdist    # also builds the sdist from source (needs Rust; dev profile)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=$root/dist
sdist=0
for a in "$@"; do
  case $a in
    --sdist) sdist=1 ;;
    *) echo "usage: packaging/check.sh [--sdist]" >&2; exit 2 ;;
  esac
done

step_start=$SECONDS
step() {
  [ -n "${step_name:-}" ] && printf '(%s: %d s)\n' "$step_name" $((SECONDS - step_start))
  step_name=$*
  step_start=$SECONDS
  printf '\n== check: %s\n' "$*"
}
die() { echo "check.sh: $*" >&2; exit 1; }

version=$(python3 packaging/version.py --check)
wheel=$(echo "$dist"/mailwire-"$version"-cp310-abi3-*manylinux*_x86_64.whl)
for f in "$wheel" "$dist/mailwire-$version.tgz" "$dist/mailwire-linux-x64-gnu-$version.tgz" \
  "$dist/mailwire-$version.jar" "$dist/mailwire-$version.pom"; do
  [ -f "$f" ] || die "$f is missing: run ./package.sh first"
done
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || die "dist/ differs from its SHA256SUMS"

ds=${MAILWIRE_DEVSERVER:-$root/devserver/devserver}
"$ds" start >/dev/null
eval "$("$ds" env)"
user=t49   # an account no test suite uses

work=$(mktemp -d /tmp/mailwire-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A user's shell: no Rust on PATH, nothing pointing into this repository's builds.
rust_path=$PATH
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '/\.cargo/bin' -e '/\.rustup/' | paste -sd: -)
export PATH
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  die "cargo or rustc is still on PATH ($(command -v cargo rustc | tr '\n' ' '))"
fi
unset CARGO_TARGET_DIR LD_LIBRARY_PATH NAPI_RS_NATIVE_LIBRARY_PATH MAILWIRE_NODE_PACKAGE PYTHONPATH NODE_PATH
echo "PATH has no cargo and no rustc"

step "python: pip install the wheel into a new venv, run the quickstarts"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
(
  cd "$work"
  got=$(venv/bin/python -c 'import mailwire, sys; print(mailwire.__version__, mailwire.__file__)')
  [ "${got%% *}" = "$version" ] || die "mailwire.__version__ is ${got%% *}, not $version"
  case ${got#* } in "$work"/venv/*) ;; *) die "python imported mailwire from ${got#* }" ;; esac
  MAILWIRE_USER=$user venv/bin/python "$root/examples/python/quickstart.py" > python-quickstart.txt
  MAILWIRE_USER=$user venv/bin/python "$root/examples/python/quickstart_async.py" > python-quickstart-async.txt
  tail -n 2 python-quickstart.txt
)
echo "python: mailwire $version from the wheel; quickstart.py and quickstart_async.py ran"

step "node: npm install both tarballs (offline) into an empty project, require and import"
mkdir "$work/node"
(
  cd "$work/node"
  npm init -y >/dev/null
  npm install --offline --no-audit --no-fund --loglevel=error \
    "$dist/mailwire-$version.tgz" "$dist/mailwire-linux-x64-gnu-$version.tgz"
  [ -z "$(find node_modules/mailwire -name '*.node')" ] || die "the main package carries an addon"
  addon=$(node -p "require.resolve('@mailwire/linux-x64-gnu')")
  echo "addon: ${addon#"$work"/} ($(stat -c %s "$addon") bytes)"
  got=$(node -p "require('mailwire').version")
  [ "$got" = "$version" ] || die "require('mailwire').version is $got, not $version"
  got=$(node --input-type=module -e "import { version } from 'mailwire'; console.log(version)")
  [ "$got" = "$version" ] || die "import { version } from 'mailwire' gives $got, not $version"
  # The quickstart as published (require through createRequire) ...
  cp "$root/examples/node/quickstart.mjs" quickstart-require.mjs
  MAILWIRE_USER=$user MAILWIRE_NODE_PACKAGE=mailwire node quickstart-require.mjs > node-require.txt
  # ... and with an ES import in place of the require.
  sed -E "s|^const \{ ImapClient, SmtpClient \} = require\(.*\);$|import { ImapClient, SmtpClient } from 'mailwire';|" \
    "$root/examples/node/quickstart.mjs" > quickstart-import.mjs
  grep -q "^import { ImapClient, SmtpClient } from 'mailwire';$" quickstart-import.mjs \
    || die "could not turn the quickstart's require into an import"
  MAILWIRE_USER=$user node quickstart-import.mjs > node-import.txt
  tail -n 2 node-import.txt
  # The typings, as a TypeScript user compiles against them (the repository's tsc and
  # @types/node; the project itself has neither).
  tsc=$root/node/node_modules/typescript/bin/tsc
  [ -f "$tsc" ] || die "no TypeScript in node/node_modules: run npm ci in node/"
  cat > use.ts <<'EOF'
import { ImapClient, MailError, version, type MessageSummary } from 'mailwire';
export async function subjects(host: string): Promise<(string | undefined)[]> {
  const imap = await ImapClient.connect({ host, auth: { user: 'me', pass: 'secret' } });
  const out: (string | undefined)[] = [];
  for await (const m of imap.fetch('INBOX', await imap.search('INBOX', { seen: false }))) {
    const s: MessageSummary = m;
    out.push(s.envelope.subject ?? undefined);
  }
  return out;
}
export const v: string = version;
export const isMailError = (e: unknown): boolean => e instanceof MailError;
EOF
  node "$tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext \
    --typeRoots "$root/node/node_modules/@types" --types node use.ts
)
echo "node: mailwire $version from both tarballs; quickstart ran through require and import; typings compile"

step "kotlin: install the jar into the local Maven repository, a project that depends on it"
mvn -B -q -ntp -Dstyle.color=never install:install-file -Dfile="$dist/mailwire-$version.jar" -DpomFile="$dist/mailwire-$version.pom"
kotlin_version=$(sed -n 's|.*<kotlin.version>\(.*\)</kotlin.version>.*|\1|p' "$dist/mailwire-$version.pom")
mkdir -p "$work/kotlin/src/main/kotlin"
cp "$root/examples/kotlin/Quickstart.kt" "$work/kotlin/src/main/kotlin/"
cat > "$work/kotlin/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>uses-mailwire</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <kotlin.compiler.jvmTarget>17</kotlin.compiler.jvmTarget>
    <kotlin.compiler.daemon>false</kotlin.compiler.daemon>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.mailwire</groupId>
      <artifactId>mailwire</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
  <build>
    <sourceDirectory>src/main/kotlin</sourceDirectory>
    <plugins>
      <plugin>
        <groupId>org.jetbrains.kotlin</groupId>
        <artifactId>kotlin-maven-plugin</artifactId>
        <version>$kotlin_version</version>
        <executions><execution><id>compile</id><goals><goal>compile</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
EOF
(
  cd "$work/kotlin"
  mvn -B -q -ntp -Dstyle.color=never compile dependency:build-classpath -Dmdep.outputFile=classpath.txt
  grep -q "dev/mailwire/mailwire/$version/mailwire-$version.jar" classpath.txt \
    || die "the project's classpath has no mailwire-$version.jar"
  java -Djna.debug_load=true -cp "target/classes:$(cat classpath.txt)" dev.mailwire.examples.QuickstartKt "$user" \
    > kotlin-quickstart.txt 2> kotlin-jna.txt || { cat kotlin-jna.txt >&2; die "the Kotlin quickstart failed"; }
  grep -E "Found library resource at .*mailwire-$version\.jar!/linux-x86-64/libmailwire_ffi\.so" kotlin-jna.txt \
    || { cat kotlin-jna.txt >&2; die "JNA did not load libmailwire_ffi.so from the jar"; }
  tail -n 2 kotlin-quickstart.txt
)
echo "kotlin: dev.mailwire:mailwire:$version from the local Maven repository; the quickstart ran"

if [ $sdist = 1 ]; then
  step "python: the sdist builds from source (with Rust again; dev profile to save time)"
  PATH=$rust_path
  python3 -m venv "$work/sdist-venv"
  # maturin's PEP 517 backend takes its build options from MATURIN_PEP517_ARGS.
  MATURIN_PEP517_ARGS="--profile dev" CARGO_TARGET_DIR=$work/sdist-target \
    "$work/sdist-venv/bin/pip" install -q --disable-pip-version-check "$dist/mailwire-$version.tar.gz"
  got=$(cd "$work" && sdist-venv/bin/python -c 'import mailwire; print(mailwire.__version__)')
  [ "$got" = "$version" ] || die "the sdist's mailwire.__version__ is $got, not $version"
  echo "python: the sdist built and imports (mailwire $version)"
fi

step "done"
echo "packaging: $((3 + sdist)) passed, 0 failed"
