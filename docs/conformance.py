#!/usr/bin/env python3
"""The conformance check: every capability of docs/CONFORMANCE.md is proved by a test in
every face (Rust core, Python, Node, Kotlin, Swift), or the missing test is listed there as
a known gap (or the capability as not applicable to that face).

A test names the rows it proves in a comment on the line(s) directly above it (above its
attributes, decorators or annotations; other comments may sit in between, blank lines not):

    // conformance: imap.fetch.raw, imap.fetch.range     (Rust, Node, Kotlin, Swift)
    # conformance: imap.fetch.raw, imap.fetch.range      (Python)

    python3 docs/conformance.py           check; exit 1 with a list of what is wrong
    python3 docs/conformance.py --write   regenerate the table's test columns from the tags
                                          and drop the known gaps that a test now closes

The check fails when a tag names an unknown row or is not directly above a test; when a row
has no tagged test in some face and that (row, face) is not a known gap or not applicable;
when a known gap or a not-applicable pair has a tagged test (the gap list only shrinks:
remove the entry, or run --write); and when the table differs from what --write would
write. Python 3.11 standard library only; reads files, runs nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "CONFORMANCE.md"


@dataclass(frozen=True)
class Face:
    key: str
    title: str
    dirs: tuple[str, ...]
    suffixes: tuple[str, ...]
    comment: str
    decl: re.Pattern[str]


FACES = (
    Face(
        "rust",
        "Rust core",
        ("core/src", "core/tests"),
        (".rs",),
        "//",
        re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+(\w+)"),
    ),
    Face(
        "python",
        "Python",
        ("python/tests",),
        (".py",),
        "#",
        re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)"),
    ),
    Face(
        "node",
        "Node",
        ("node/tests",),
        (".js", ".mjs", ".cjs", ".ts"),
        "//",
        re.compile(r"""^\s*test\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`([^`]*)`)"""),
    ),
    Face(
        "kotlin",
        "Kotlin",
        ("kotlin/src/test/kotlin",),
        (".kt",),
        "//",
        re.compile(r"^\s*(?:(?:internal|public|suspend)\s+)*fun\s+(\w+)"),
    ),
    Face(
        "swift",
        "Swift",
        ("swift/Tests",),
        (".swift",),
        "//",
        re.compile(r"^\s*(?:@\w+\s+)*(?:(?:public|internal)\s+)?func\s+(test\w*)"),
    ),
)
FACE_KEYS = tuple(f.key for f in FACES)
ROW_ID = re.compile(r"^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*$")

MARK = "<!-- conformance:{}:{} -->"


@dataclass
class Test:
    face: str
    name: str
    where: str
    rows: list[str] = field(default_factory=list)


@dataclass
class Doc:
    text: str
    rows: dict[str, str]  # id -> meaning, in table order
    gaps: dict[tuple[str, str], str]  # (row, face) -> why
    na: dict[tuple[str, str], str]
    gap_lines: dict[tuple[str, str], str]  # (row, face) -> the line as written
    errors: list[str]


# ------------------------------------------------------------------ reading the tags -----


def display_name(face: Face, path: Path, decl: str) -> str:
    rel = path.relative_to(ROOT)
    if face.key == "rust":
        parts = rel.with_suffix("").parts[1:]  # drop "core"
        if parts[0] == "tests":
            parts = parts[1:]
        return "/".join(parts) + "::" + decl
    if face.key == "python":
        return f"{path.stem}::{decl}"
    if face.key == "node":
        return f"{path.name.split('.')[0]}: {decl}"
    return f"{path.stem}.{decl}"


def source_files(face: Face) -> list[Path]:
    files: list[Path] = []
    for d in face.dirs:
        for p in sorted((ROOT / d).rglob("*")):
            if p.is_file() and p.suffix in face.suffixes and "node_modules" not in p.parts:
                files.append(p)
    return files


def tags_of(face: Face, path: Path, errors: list[str]) -> list[Test]:
    """The tagged tests of one file."""
    tag = re.compile(r"^\s*" + re.escape(face.comment) + r"\s*conformance:\s*(.*?)\s*$")
    lines = path.read_text(encoding="utf-8").splitlines()
    tests: list[Test] = []
    i = 0
    while i < len(lines):
        m = tag.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        rows: list[str] = []
        where = f"{path.relative_to(ROOT)}:{start + 1}"
        # The tag lines, then comments and attributes, then the test itself.
        j = i
        seen_attrs: list[str] = []
        depth = 0
        decl = None
        while j < len(lines):
            line = lines[j]
            stripped = line.strip()
            t = tag.match(line)
            if depth > 0:
                depth += stripped.count("(") + stripped.count("[") - stripped.count(")") - stripped.count("]")
            elif t:
                rows += [r.strip() for r in t.group(1).split(",") if r.strip()]
            elif stripped.startswith(face.comment) or (face.key == "rust" and stripped.startswith("///")):
                pass
            elif face.key == "rust" and stripped.startswith("#["):
                seen_attrs.append(stripped)
                depth = stripped.count("[") - stripped.count("]")
            elif face.key in ("python", "kotlin", "swift") and stripped.startswith("@") and not face.decl.match(line):
                seen_attrs.append(stripped)
                depth = stripped.count("(") - stripped.count(")")
            else:
                d = face.decl.match(line)
                if d:
                    decl = next(g for g in d.groups() if g is not None)
                break
            j += 1
        i = j + 1
        if decl is None:
            errors.append(f"{where}: a conformance tag not directly above a test")
            continue
        if face.key == "rust" and decl != "main" and not any(
            a.startswith("#[test]") or re.match(r"#\[(tokio::)?test\b", a) for a in seen_attrs
        ):
            errors.append(f"{where}: a conformance tag above `fn {decl}`, which is not a #[test]")
            continue
        if face.key == "kotlin" and not any(a.startswith("@Test") for a in seen_attrs):
            errors.append(f"{where}: a conformance tag above `fun {decl}`, which has no @Test")
            continue
        if not rows:
            errors.append(f"{where}: a conformance tag that names no row")
            continue
        tests.append(Test(face.key, display_name(face, path, decl), where, list(dict.fromkeys(rows))))
    return tests


def read_tags(errors: list[str]) -> list[Test]:
    tests: list[Test] = []
    for face in FACES:
        for path in source_files(face):
            tests += tags_of(face, path, errors)
    return tests


# --------------------------------------------------------------- reading the document -----


def cells(line: str) -> list[str]:
    """The cells of a Markdown table line (`\\|` does not split)."""
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def section(text: str, name: str) -> tuple[int, int] | None:
    """The span of text between the start and end markers of `name`."""
    start, end = MARK.format(name, "start"), MARK.format(name, "end")
    a, b = text.find(start), text.find(end)
    if a < 0 or b < a:
        return None
    return a + len(start), b


def table_lines(body: str) -> list[str]:
    """The data lines of the Markdown table in `body` (header and rule skipped)."""
    lines = [line for line in body.splitlines() if line.strip().startswith("|")]
    return [line for line in lines[2:]]


def unquote(cell: str) -> str:
    return cell.strip().strip("`").strip()


def read_doc() -> Doc:
    text = DOC.read_text(encoding="utf-8")
    errors: list[str] = []
    rows: dict[str, str] = {}
    gaps: dict[tuple[str, str], str] = {}
    na: dict[tuple[str, str], str] = {}
    gap_lines: dict[tuple[str, str], str] = {}

    span = section(text, "table")
    if span is None:
        errors.append(f"{DOC.name}: the markers {MARK.format('table', 'start')} … end are missing")
    else:
        for line in table_lines(text[span[0] : span[1]]):
            c = cells(line)
            row, meaning = unquote(c[0]), (c[1] if len(c) > 1 else "")
            if not ROW_ID.match(row):
                errors.append(f"{DOC.name}: row id {row!r} is not of the form area.thing-detail")
            elif row in rows:
                errors.append(f"{DOC.name}: row {row} is listed twice")
            elif not meaning:
                errors.append(f"{DOC.name}: row {row} says nothing about what it means")
            rows.setdefault(row, meaning)

    for name, into in (("gaps", gaps), ("na", na)):
        span = section(text, name)
        if span is None:
            errors.append(f"{DOC.name}: the markers {MARK.format(name, 'start')} … end are missing")
            continue
        for line in table_lines(text[span[0] : span[1]]):
            c = cells(line)
            if len(c) < 3:
                errors.append(f"{DOC.name}: {name} line {line.strip()!r} needs | row | face | why |")
                continue
            row, face, why = unquote(c[0]), unquote(c[1]), c[2]
            key = (row, face)
            if row not in rows:
                errors.append(f"{DOC.name}: {name} entry names the unknown row {row!r}")
            if face not in FACE_KEYS:
                errors.append(f"{DOC.name}: {name} entry {row} names the unknown face {face!r} (one of {', '.join(FACE_KEYS)})")
            if not why:
                errors.append(f"{DOC.name}: {name} entry ({row}, {face}) says not why")
            if key in gaps or key in na:
                errors.append(f"{DOC.name}: ({row}, {face}) is listed twice in Known gaps / Not applicable")
            into[key] = why
            if name == "gaps":
                gap_lines[key] = line
    return Doc(text, rows, gaps, na, gap_lines, errors)


# ------------------------------------------------------------------------ the table -----


def render_table(doc: Doc, by_cell: dict[tuple[str, str], list[str]]) -> str:
    head = "| row | what it means | " + " | ".join(f.title for f in FACES) + " |"
    rule = "|---|---|" + "---|" * len(FACES)
    out = [head, rule]
    for row, meaning in doc.rows.items():
        parts = [f"`{row}`", meaning]
        for face in FACE_KEYS:
            names = by_cell.get((row, face), [])
            if names:
                parts.append("<br>".join(n.replace("|", "\\|") for n in names))
            elif (row, face) in doc.na:
                parts.append("n/a")
            else:
                parts.append("**gap**")
        out.append("| " + " | ".join(parts) + " |")
    return "\n".join(out)


def replace_section(text: str, name: str, body: str) -> str:
    span = section(text, name)
    assert span is not None
    return text[: span[0]] + "\n" + body + "\n" + text[span[1] :]


# ----------------------------------------------------------------------------- main -----


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="regenerate the table and drop closed gaps")
    args = ap.parse_args()

    doc = read_doc()
    errors = list(doc.errors)
    tests = read_tags(errors)

    by_cell: dict[tuple[str, str], list[str]] = {}
    for t in tests:
        for row in t.rows:
            if row not in doc.rows:
                errors.append(f"{t.where}: {t.name} names the unknown row {row!r}")
                continue
            names = by_cell.setdefault((row, t.face), [])
            if t.name not in names:
                names.append(t.name)

    closed = [k for k in doc.gaps if k in by_cell]
    text = doc.text
    if args.write and not doc.errors:
        for key in closed:
            text = text.replace(doc.gap_lines[key] + "\n", "", 1)
            del doc.gaps[key]
        text = replace_section(text, "table", render_table(doc, by_cell))
        if text != doc.text:
            DOC.write_text(text, encoding="utf-8")
            print(f"conformance: wrote {DOC.relative_to(ROOT)}")
        for row, face in closed:
            print(f"conformance: the gap ({row}, {face}) is closed by a test; removed from Known gaps")
        closed = []

    for row in doc.rows:
        for face in FACE_KEYS:
            key = (row, face)
            if key in by_cell:
                if key in doc.na:
                    errors.append(f"({row}, {face}) is listed as not applicable but {', '.join(by_cell[key])} is tagged with it")
                continue
            if key not in doc.gaps and key not in doc.na:
                errors.append(f"({row}, {face}): no {face} test is tagged `conformance: {row}`, and it is not a known gap")
    for row, face in closed:
        errors.append(
            f"({row}, {face}) is a known gap, but {', '.join(by_cell[(row, face)])} now proves it: "
            "remove it from Known gaps (python3 docs/conformance.py --write does)"
        )
    span = section(text, "table")
    if span and not doc.errors and render_table(doc, by_cell) != text[span[0] : span[1]].strip("\n"):
        errors.append(f"{DOC.relative_to(ROOT)}: the table is stale: run python3 docs/conformance.py --write")

    if errors:
        print("conformance: FAILED", file=sys.stderr)
        for e in errors:
            print(f"  - {e}", file=sys.stderr)
        return 1
    gaps = {f: sum(1 for (_, face) in doc.gaps if face == f) for f in FACE_KEYS}
    print(
        f"conformance: {len(doc.rows)} rows × {len(FACES)} faces proved by {len(tests)} tagged tests; "
        "known gaps: " + ", ".join(f"{f} {n}" for f, n in gaps.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
