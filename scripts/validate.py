#!/usr/bin/env python3
"""Validate the data package: frictionless's checks plus the package's own rules.

    python scripts/validate.py [--json] [PACKAGE_DIR]

Exit status: 0 valid, 1 the data is invalid, 2 the validator cannot run (a missing or
unreadable descriptor or data file). Every problem names the file, the row (the header
is row 1) and the field. Nothing is ever written: the validator only reads.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path, PurePosixPath

import pandas as pd

from .rules import Context, Problem, Table, all_rules
from .package_io import (
    CannotRun,
    describe_header_difference,
    file_stats_against_record,
    Resource,
    load_descriptor,
    read_raw,
    resources,
    to_typed,
)

SHOWN_PER_RULE = 20  # the human report shows this many problems per file and rule


# --------------------------------------------------------------------------------------
# Step 1: the descriptor and the files themselves
# --------------------------------------------------------------------------------------

def unsafe_path_reason(path: str) -> str | None:
    """Why a resource path would reach outside the package folder, or None if it is safe."""
    if not isinstance(path, str) or not path:
        return "no path given"
    if "://" in path:
        return "a remote URL; the validator reads only the package's own files"
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or (len(path) > 1 and path[1] == ":"):
        return "an absolute path"
    if ".." in pure.parts:
        return "it climbs out of the package folder with '..'"
    if any(part.startswith(".") for part in pure.parts):
        return "it points into a hidden folder"
    return None


def check_file_bytes(path: Path, resource: Resource) -> tuple[list[Problem], bool]:
    """Encoding, BOM, line endings, final newline and header. Returns (problems, readable)."""
    name = resource.path
    data = path.read_bytes()
    if not data:
        return [Problem(name, None, None, "empty-file", "the file is empty: it has no header row")], False
    problems = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(name, 1, None, "bom", "the file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, None, None, "encoding",
                                f"line {line}: byte 0x{data[exc.start]:02x} is not valid UTF-8 (is the file Latin-1 or Windows-1252?); save it as UTF-8"))
        return problems, False
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        problems.append(Problem(name, None, None, "line-endings",
                                f"line {line}: carriage return found; lines must end with LF only, not CRLF"))
    if not text.endswith("\n"):
        problems.append(Problem(name, None, None, "final-newline",
                                "the last line does not end with a newline: the file may be truncated"))
    header = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r").split(",")
    expected = resource.field_names
    if header != expected:
        problems.append(Problem(name, 1, None, "header", describe_header_difference(header, expected)))
        return problems, False
    return problems, True


# --------------------------------------------------------------------------------------
# Step 2: frictionless (types, constraints, enums, primary keys)
# --------------------------------------------------------------------------------------

# Reported already by step 1, with clearer messages.
FRICTIONLESS_REPLACED = {"blank-header", "missing-label", "extra-label", "incorrect-label",
                         "duplicate-label", "blank-label", "encoding-error", "hash-count", "byte-count"}


def without_foreign_keys_to(resource: dict, skipped: set[str]) -> dict:
    """The resource without its foreign keys into skipped resources (files that could not be read):
    frictionless would fail on them, and the unreadable file is reported already."""
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not skipped:
        return resource
    kept = [fk for fk in schema.get("foreignKeys", []) if fk.get("reference", {}).get("resource") not in skipped]
    return resource | {"schema": schema | {"foreignKeys": kept}}


def frictionless_problems(descriptor: dict, root: Path, skip: set[str]) -> list[Problem]:
    from frictionless import Package  # imported here: slow to import, and only this step needs it

    checked = [without_foreign_keys_to(r, skip) for r in descriptor["resources"] if r.get("name") not in skip]
    if not checked:
        return []
    package_descriptor = {k: v for k, v in descriptor.items() if k != "resources"} | {"resources": checked}
    problems = []
    try:
        package = Package(package_descriptor, basepath=str(root))
        report = package.validate()
    except Exception as exc:  # frictionless raises on descriptors it cannot load
        return [Problem("datapackage.json", None, None, "descriptor", f"frictionless cannot load the package: {exc}")]
    paths = {r.get("name"): r.get("path") for r in checked}
    for task in report.tasks:
        file = paths.get(task.name, task.name)
        for error in task.errors:
            if error.type in FRICTIONLESS_REPLACED:
                continue
            problems.append(Problem(file, getattr(error, "row_number", None),
                                    getattr(error, "field_name", None) or None, error.type, error.note or error.message))
    for error in report.errors:
        problems.append(Problem("datapackage.json", None, None, error.type, error.note or error.message))
    return problems


def stale_hash_problems(resource: Resource, path: Path) -> list[Problem]:
    """The descriptor's bytes/hash must describe the file beside it (frictionless's own
    message for this names neither cause nor cure)."""
    actual, differs = file_stats_against_record(resource.descriptor, path)
    if not differs:
        return []
    return [Problem(resource.path, None, None, "stale-hash",
                    f"the file changed after its bytes/hash were recorded in datapackage.json "
                    f"(recorded {resource.descriptor.get('hash', '?')[:19]}..., now {actual['hash'][:19]}...): "
                    "run `python scripts/hashes.py` (make hashes) to record the new ones")]


def validate_package(root: Path) -> list[Problem]:
    """All problems of the package at root. Raises CannotRun when it cannot be read."""
    descriptor = load_descriptor(root)
    declared = resources(descriptor)
    problems: list[Problem] = []
    unreadable: set[str] = set()
    tables: dict[str, Table] = {}
    for name, resource in declared.items():
        reason = unsafe_path_reason(resource.path)
        if reason:
            problems.append(Problem("datapackage.json", None, None, "unsafe-path",
                                    f"resource {name!r}: path {resource.path!r} is not allowed: {reason}"))
            unreadable.add(name)
            continue
        path = root / resource.path
        if not path.resolve().is_relative_to(root.resolve()):
            problems.append(Problem("datapackage.json", None, None, "unsafe-path",
                                    f"resource {name!r}: path {resource.path!r} is not allowed: "
                                    "it leads outside the package folder through a link"))
            unreadable.add(name)
            continue
        if not path.is_file():
            raise CannotRun(f"{resource.path}: data file of resource {name!r} not found")
        try:
            file_problems, readable = check_file_bytes(path, resource)
        except OSError as exc:
            raise CannotRun(f"{resource.path}: cannot be read ({exc})")
        problems += file_problems
        problems += stale_hash_problems(resource, path)
        if not readable:
            unreadable.add(name)
            continue
        try:
            raw = read_raw(path)
        except (pd.errors.ParserError, ValueError) as exc:
            # A row with too many cells or an unclosed quote: frictionless names the row.
            problems.append(Problem(resource.path, None, None, "csv-structure",
                                    f"the file cannot be read as a table, so the package's own rules were not run on it: "
                                    f"{str(exc).strip()}"))
            continue  # frictionless still checks it, and names the row
        tables[name] = Table(resource, raw, to_typed(raw, resource))
    problems += frictionless_problems(descriptor, root, skip=unreadable)
    ctx = Context(tables, declared)
    for name, table in tables.items():
        for rule in all_rules():
            if not rule.applies_to(table.resource):
                continue
            try:
                problems += rule.check(table, ctx)
            except KeyError as exc:  # the descriptor lacks a field or setting this rule is about
                problems.append(Problem("datapackage.json", None, None, "schema",
                                        f"resource {name!r}: rule {rule.check.__name__} cannot run: the schema lacks "
                                        f"a field or setting it needs ({exc})"))
    return problems


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------

def human_report(problems: list[Problem], root: Path, seconds: float) -> str:
    if not problems:
        return f"VALID: {root.resolve()} ({seconds:.1f} s)"
    lines = [f"INVALID: {len(problems)} problem(s) in {root.resolve()}"]
    shown: dict[tuple[str, str], int] = {}
    for p in problems:
        n = shown.get((p.file, p.rule), 0)
        shown[(p.file, p.rule)] = n + 1
        if n < SHOWN_PER_RULE:
            lines.append("  " + p.line())
    for (file, rule), n in shown.items():
        if n > SHOWN_PER_RULE:
            lines.append(f"  {file}: [{rule}] ... and {n - SHOWN_PER_RULE} more (see --json for all)")
    lines.append(f"({seconds:.1f} s)")
    return "\n".join(lines)


def cannot_run(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"valid": False, "cannot_run": message, "errors": []}, indent=2))
    else:
        print(f"CANNOT RUN: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the Kosovo human trafficking data package.")
    parser.add_argument("package", nargs="?", default=".", help="folder holding datapackage.json (default: current folder)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    args = parser.parse_args(argv)
    root = Path(args.package)
    started = time.perf_counter()
    try:
        problems = validate_package(root)
    except CannotRun as exc:
        return cannot_run(str(exc), args.json)
    except Exception as exc:  # a bug of the validator, not of the data: say so, without a traceback
        return cannot_run(f"internal error: {type(exc).__name__}: {exc} (please report it with the package that caused it)",
                          args.json)
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({"valid": not problems, "package": str(root.resolve()), "seconds": round(seconds, 3),
                          "error_count": len(problems), "errors": [asdict(p) for p in problems]}, indent=2))
    else:
        print(human_report(problems, root, seconds))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
