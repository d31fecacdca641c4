#!/usr/bin/env python3
"""The version of every mailwire package comes from one place: `[workspace.package] version`
in the root Cargo.toml. The Rust crates inherit it, the Python package reads it at build time
(maturin, `mailwire.__version__` is the crate's CARGO_PKG_VERSION) and so does
`require('mailwire').version` (compiled into the addon). Two files must repeat it, because
their tools read no Cargo.toml: node/package.json (and the loader native.js generated from
it) and kotlin/pom.xml; the READMEs show the Maven coordinates. This script checks them, or
sets all of them.

    packaging/version.py            # prints the version
    packaging/version.py --check    # fails when a package states another version
    packaging/version.py --set 0.2.0
"""

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARGO = ROOT / "Cargo.toml"
PACKAGE_JSON = ROOT / "node" / "package.json"
LOADER = ROOT / "node" / "native.js"
POM = ROOT / "kotlin" / "pom.xml"
# The Maven coordinates users copy from the READMEs.
DOCS = [ROOT / "README.md", ROOT / "kotlin" / "README.md"]
# The project's own <version>, right after <artifactId>mailwire</artifactId>.
POM_VERSION = re.compile(r"(<artifactId>mailwire</artifactId>\s*<version>)([^<]+)(</version>)")
DIST_JAR = re.compile(r"dist/mailwire-(\d+\.\d+\.\d+[^ /]*?)\.(?:jar|pom)\b")
LOADER_VERSION = re.compile(r"(expected |!== ')(\d+\.\d+\.\d+[^ ']*)")


def cargo_version() -> str:
    return tomllib.loads(CARGO.read_text())["workspace"]["package"]["version"]


def stated() -> dict[str, set[str]]:
    m = POM_VERSION.search(POM.read_text())
    return {
        "node/package.json": {json.loads(PACKAGE_JSON.read_text())["version"]},
        "node/native.js": {v for _, v in LOADER_VERSION.findall(LOADER.read_text())},
        "kotlin/pom.xml": {m.group(2)} if m else {"(none found)"},
    } | {
        str(d.relative_to(ROOT)): {v for _, v, _ in POM_VERSION.findall(d.read_text())}
        | set(DIST_JAR.findall(d.read_text()))
        for d in DOCS
    }


def check() -> int:
    want = cargo_version()
    bad = {f: v for f, v in stated().items() if v != {want}}
    for f, v in bad.items():
        print(f"version.py: {f} states {', '.join(sorted(v))}; Cargo.toml says {want}", file=sys.stderr)
    if bad:
        print("version.py: run packaging/version.py --set " + want, file=sys.stderr)
        return 1
    print(want)
    return 0


def set_version(new: str) -> int:
    if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", new):
        print(f"version.py: {new!r} is not a semantic version", file=sys.stderr)
        return 2
    text = CARGO.read_text()
    text, n = re.subn(
        r'(\[workspace\.package\][^\[]*?\nversion = ")[^"]+(")', rf"\g<1>{new}\g<2>", text
    )
    assert n == 1, "no [workspace.package] version in Cargo.toml"
    CARGO.write_text(text)
    pkg = json.loads(PACKAGE_JSON.read_text())
    pkg["version"] = new
    PACKAGE_JSON.write_text(json.dumps(pkg, indent=2) + "\n")
    LOADER.write_text(LOADER_VERSION.sub(rf"\g<1>{new}", LOADER.read_text()))
    POM.write_text(POM_VERSION.sub(rf"\g<1>{new}\g<3>", POM.read_text(), count=1))
    for d in DOCS:
        text = POM_VERSION.sub(rf"\g<1>{new}\g<3>", d.read_text())
        d.write_text(DIST_JAR.sub(lambda m: m.group(0).replace(m.group(1), new), text))
    print(f"version.py: set {new}; run `cargo update --workspace` to update Cargo.lock")
    return check()


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        print(cargo_version())
    elif args == ["--check"]:
        sys.exit(check())
    elif len(args) == 2 and args[0] == "--set":
        sys.exit(set_version(args[1]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
