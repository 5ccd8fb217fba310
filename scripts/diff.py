#!/usr/bin/env python3
"""Compare two versions of the package and say which SemVer level the change needs.

    python -m scripts.diff OLD NEW [--json] [--repo DIR]
    make diff OLD=v1.0.0 NEW=HEAD

OLD and NEW are each a released version (v1.0.0 or 1.0.0: its tag where there is one, else
its release commit found in the history, see scripts/versions.py, so a clone without tags
works), a git ref (HEAD, a branch, a commit), a release archive (.zip) or a package folder
(e.g. `.` for the working tree). The report goes resource by resource:
rows added, removed and changed (matched by primary key, with the old and new value of
every changed cell), fields added, removed, renamed, retyped or reordered, enum values
added or removed, other constraint changes. By default it prints a Markdown draft of a
CHANGELOG entry; --json prints everything, machine-readable.

The level follows the Data Package version recipe, which is stricter than software SemVer:
  major  anything a user's code may trip over: a resource or field removed, renamed,
         added (a new column) or reordered; a type, format or key changed; a constraint
         made stricter (an enum narrowed); rows removed; a file moved
  minor  data added: new rows, a new resource, a constraint loosened (an enum widened)
  patch  values corrected, descriptions or other metadata changed
  none   nothing but the version, dates and hashes changed

Exit status: 0 the comparison ran (whatever it found), 2 it cannot run (a version that is
not released, unknown ref, unreadable archive, missing file).
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from . import versions
from .package_io import DESCRIPTOR, ROOT, CannotRun, Resource, read_raw, resources

LEVELS = versions.LEVELS  # none < patch < minor < major
SHOWN_PER_LIST = 20  # the Markdown draft lists this many rows per resource and kind; --json has all

# Properties that only describe; changing them is a patch.
DESCRIPTIVE = {"title", "description", "example", "examples", "keywords", "contributors", "licenses",
               "sources", "homepage", "image", "id"}
# Properties that change whenever anything changes; they are not a change of their own.
BOOKKEEPING = {"version", "created", "bytes", "hash"}


def higher(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


# --------------------------------------------------------------------------------------
# Reading a version: a git ref, a release archive or a folder
# --------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    """One version of the package: its descriptor and a way to read its files."""

    label: str
    descriptor: dict
    read: Callable[[str], bytes]  # package-relative path -> bytes; raises CannotRun

    @property
    def resources(self) -> dict[str, Resource]:
        return resources(self.descriptor)

    def table(self, resource: Resource) -> pd.DataFrame:
        data = self.read(resource.path)
        try:
            return read_raw(io.BytesIO(data))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CannotRun(f"{self.label}: {resource.path} cannot be read as CSV ({exc})")


def parse_descriptor(text: bytes, where: str) -> dict:
    try:
        descriptor = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CannotRun(f"{where}: {DESCRIPTOR} is not valid UTF-8 JSON ({exc})")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise CannotRun(f"{where}: {DESCRIPTOR} is not a data package (no 'resources' list)")
    return descriptor


def folder_snapshot(folder: Path) -> Snapshot:
    def read(path: str) -> bytes:
        try:
            return (folder / path).read_bytes()
        except OSError as exc:
            raise CannotRun(f"{folder}: cannot read {path} ({exc.strerror or exc})")

    return Snapshot(str(folder), parse_descriptor(read(DESCRIPTOR), str(folder)), read)


def zip_snapshot(archive: Path) -> Snapshot:
    try:
        with zipfile.ZipFile(archive) as z:
            members = {name: z.read(name) for name in z.namelist() if not name.endswith("/")}
    except (OSError, zipfile.BadZipFile) as exc:
        raise CannotRun(f"{archive}: not a readable zip archive ({exc})")

    def read(path: str) -> bytes:
        if path not in members:
            raise CannotRun(f"{archive}: the archive has no {path}")
        return members[path]

    return Snapshot(archive.name, parse_descriptor(read(DESCRIPTOR), archive.name), read)


def git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise CannotRun("git is not installed (needed to read a version from a git ref)")
    if done.returncode != 0:
        raise CannotRun(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def git_snapshot(repo: Path, ref: str, label: str | None = None) -> Snapshot:
    """The package as committed at ref (anything `git rev-parse` takes), labelled label or ref."""
    label = label or ref
    if ref.startswith("-"):
        raise CannotRun(f"{ref!r} is not a git ref")
    try:
        commit = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except CannotRun:
        raise CannotRun(f"{ref!r} is neither a release archive (.zip), a package folder, nor a git ref in {repo}")

    def read(path: str) -> bytes:
        try:
            return git(repo, "show", f"{commit}:{path}")
        except CannotRun:
            raise CannotRun(f"{label}: the commit has no {path}")

    return Snapshot(label, parse_descriptor(read(DESCRIPTOR), label), read)


def open_snapshot(spec: str, repo: Path = ROOT) -> Snapshot:
    """A .zip file, a folder holding datapackage.json, a released version (vX.Y.Z or X.Y.Z,
    by tag or release commit), or else a git ref of repo."""
    path = Path(spec)
    if spec.endswith(".zip") and path.is_file():
        return zip_snapshot(path)
    if path.is_dir() and (path / DESCRIPTOR).is_file():
        return folder_snapshot(path)
    if versions.is_version(spec):
        return git_snapshot(repo, versions.resolve(spec, repo).commit, label=spec)
    return git_snapshot(repo, spec)


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------

@dataclass
class Change:
    """One thing that changed, the section of the CHANGELOG it belongs to and the level it needs."""

    resource: str | None  # None: the package itself
    kind: str             # Added / Changed / Removed (Keep a Changelog sections)
    level: str
    message: str
    rows: str | None = None  # "added" / "removed" / "changed": the Markdown lists those rows under it


@dataclass
class ResourceDiff:
    name: str
    status: str  # added / removed / changed / unchanged
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_renamed: list[dict] = field(default_factory=list)
    fields_retyped: list[dict] = field(default_factory=list)
    fields_reordered: bool = False
    enums: list[dict] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    rows_added: list[dict] = field(default_factory=list)
    rows_removed: list[dict] = field(default_factory=list)
    rows_changed: list[dict] = field(default_factory=list)


@dataclass
class Report:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    resources: dict[str, ResourceDiff] = field(default_factory=dict)

    @property
    def level(self) -> str:
        level = "none"
        for c in self.changes:
            level = higher(level, c.level)
        return level

    def add(self, resource: str | None, kind: str, level: str, message: str, rows: str | None = None) -> None:
        self.changes.append(Change(resource, kind, level, message, rows))


def compare(old: Snapshot, new: Snapshot) -> Report:
    report = Report(old.label, new.label)
    compare_package_metadata(old.descriptor, new.descriptor, report)
    old_res, new_res = old.resources, new.resources
    for name in old_res:
        if name not in new_res:
            report.resources[name] = ResourceDiff(name, "removed")
            report.add(name, "Removed", "major", f"resource `{name}` removed ({old_res[name].path})")
    for name, resource in new_res.items():
        if name not in old_res:
            diff = ResourceDiff(name, "added", fields_added=resource.field_names)
            diff.rows_added = records(new.table(resource))
            report.resources[name] = diff
            report.add(name, "Added", "minor", f"new resource `{name}` ({resource.path}, {len(diff.rows_added)} rows)")
        else:
            report.resources[name] = compare_resource(old, new, old_res[name], resource, report)
    return report


def compare_package_metadata(old: dict, new: dict, report: Report) -> None:
    if old.get("name") != new.get("name"):
        report.add(None, "Changed", "major", f"package name changed from `{old.get('name')}` to `{new.get('name')}`")
    for key in sorted((set(old) | set(new)) - {"name", "resources"} - BOOKKEEPING):
        if old.get(key) != new.get(key):
            report.add(None, "Changed", "patch", f"package metadata `{key}` changed")


def compare_resource(old: Snapshot, new: Snapshot, o: Resource, n: Resource, report: Report) -> ResourceDiff:
    diff = ResourceDiff(n.name, "unchanged")
    before = len(report.changes)
    compare_resource_metadata(o, n, report)
    compare_fields(o, n, diff, report)
    compare_rows(old.table(o), new.table(n), n, diff, report)
    if len(report.changes) > before:
        diff.status = "changed"
    return diff


def compare_resource_metadata(o: Resource, n: Resource, report: Report) -> None:
    name = n.name
    if o.path != n.path:
        # Stricter than the recipe (which needs no new version for a move): users here read
        # the files by path and by tag-pinned URL, and a moved file breaks both.
        report.add(name, "Changed", "major", f"`{name}` moved from {o.path} to {n.path}")
    for key in sorted((set(o.descriptor) | set(n.descriptor)) - {"name", "path", "schema"} - BOOKKEEPING):
        if o.descriptor.get(key) == n.descriptor.get(key):
            continue
        level = "patch" if key in DESCRIPTIVE else "major"
        why = "" if level == "patch" else " (the file is read differently)"
        report.add(name, "Changed", level, f"`{name}`: `{key}` changed{why}")
    os_, ns = o.schema, n.schema
    if o.primary_key != n.primary_key:
        report.add(name, "Changed", "major",
                   f"`{name}`: primary key changed from ({', '.join(o.primary_key)}) to ({', '.join(n.primary_key)})")
    old_fks = [json.dumps(fk, sort_keys=True) for fk in o.foreign_keys]
    new_fks = [json.dumps(fk, sort_keys=True) for fk in n.foreign_keys]
    for fk in new_fks:
        if fk not in old_fks:
            report.add(name, "Added", "major", f"`{name}`: new foreign key {fk} (a stricter rule)")
    for fk in old_fks:
        if fk not in new_fks:
            report.add(name, "Removed", "minor", f"`{name}`: foreign key {fk} dropped (a looser rule)")
    for key in sorted((set(os_) | set(ns)) - {"fields", "primaryKey", "foreignKeys"}):
        if os_.get(key) != ns.get(key):
            level = "patch" if key in DESCRIPTIVE else "major"
            report.add(name, "Changed", level, f"`{name}`: schema `{key}` changed")


def find_renames(o: Resource, n: Resource) -> dict[str, str]:
    """Old name -> new name for fields that look renamed: one gone and one new at the same
    position with the same type. A heuristic: the draft says so, a human confirms."""
    old_names, new_names = o.field_names, n.field_names
    renames = {}
    for i, old_name in enumerate(old_names):
        if old_name in new_names or i >= len(new_names):
            continue
        new_name = new_names[i]
        if new_name in old_names:
            continue
        if o.field(old_name).get("type", "string") == n.field(new_name).get("type", "string"):
            renames[old_name] = new_name
    return renames


def compare_fields(o: Resource, n: Resource, diff: ResourceDiff, report: Report) -> None:
    name = n.name
    renames = find_renames(o, n)
    diff.fields_renamed = [{"from": a, "to": b} for a, b in renames.items()]
    for a, b in renames.items():
        report.add(name, "Changed", "major", f"`{name}`: field `{a}` renamed to `{b}` (guessed: same type and position)")
    diff.fields_removed = [f for f in o.field_names if f not in n.field_names and f not in renames]
    diff.fields_added = [f for f in n.field_names if f not in o.field_names and f not in renames.values()]
    for f in diff.fields_removed:
        report.add(name, "Removed", "major", f"`{name}`: field `{f}` removed")
    for f in diff.fields_added:
        report.add(name, "Added", "major", f"`{name}`: new field `{f}` (a new column breaks code that reads columns by position or checks the header)")
    common_old = [f for f in o.field_names if f in n.field_names or f in renames]
    as_new = [renames.get(f, f) for f in common_old]
    common_new = [f for f in n.field_names if f in as_new]
    if as_new != common_new:
        diff.fields_reordered = True
        report.add(name, "Changed", "major", f"`{name}`: fields reordered: now {', '.join(common_new)}")
    for old_name, new_name in zip(common_old, as_new):
        compare_field(o.field(old_name), n.field(new_name), name, diff, report)


def compare_field(of: dict, nf: dict, resource: str, diff: ResourceDiff, report: Report) -> None:
    fname = nf["name"]
    where = f"`{resource}.{fname}`"
    for key in ("type", "format"):
        if of.get(key) != nf.get(key):
            diff.fields_retyped.append({"field": fname, "property": key, "old": of.get(key), "new": nf.get(key)})
            report.add(resource, "Changed", "major", f"{where}: {key} changed from {of.get(key)} to {nf.get(key)}")
    compare_constraints(of.get("constraints", {}), nf.get("constraints", {}), where, fname, resource, diff, report)
    for key in sorted((set(of) | set(nf)) - {"name", "type", "format", "constraints"}):
        if of.get(key) == nf.get(key):
            continue
        if key in DESCRIPTIVE:
            report.add(resource, "Changed", "patch", f"{where}: {key} changed")
        else:
            report.add(resource, "Changed", "major", f"{where}: `{key}` changed (cannot tell whether it still reads the same way)")


# For each constraint: the direction in which a new value is stricter.
STRICTER_WHEN_HIGHER = {"minimum", "exclusiveMinimum", "minLength"}
STRICTER_WHEN_LOWER = {"maximum", "exclusiveMaximum", "maxLength"}
STRICTER_WHEN_TRUE = {"required", "unique"}


def compare_constraints(oc: dict, nc: dict, where: str, fname: str, resource: str, diff: ResourceDiff, report: Report) -> None:
    if oc.get("enum") != nc.get("enum"):
        old_enum, new_enum = oc.get("enum"), nc.get("enum")
        removed = [v for v in (old_enum or []) if new_enum is not None and v not in new_enum]
        added = [v for v in (new_enum or []) if old_enum is not None and v not in old_enum]
        diff.enums.append({"field": fname, "removed": removed, "added": added,
                           "enum_added": old_enum is None, "enum_dropped": new_enum is None})
        if old_enum is None:
            report.add(resource, "Added", "major", f"{where}: now restricted to {', '.join(map(str, new_enum))}")
        elif new_enum is None:
            report.add(resource, "Removed", "minor", f"{where}: no longer restricted to a list of values")
        else:
            if removed:
                report.add(resource, "Removed", "major", f"{where}: value(s) no longer allowed: {', '.join(map(str, removed))}")
            if added:
                report.add(resource, "Added", "minor", f"{where}: new allowed value(s): {', '.join(map(str, added))}")
            if not removed and not added:
                report.add(resource, "Changed", "patch", f"{where}: allowed values reordered")
    for key in sorted((set(oc) | set(nc)) - {"enum"}):
        a, b = oc.get(key), nc.get(key)
        if a == b:
            continue
        level = constraint_level(key, a, b)
        verb = "stricter" if level == "major" else "looser"
        report.add(resource, "Changed", level, f"{where}: constraint {key} {describe_value(a)} -> {describe_value(b)} ({verb})")


def constraint_level(key: str, old, new) -> str:
    """major if the new constraint may reject a value the old one accepted, else minor."""
    if key in STRICTER_WHEN_TRUE:
        return "major" if bool(new) and not bool(old) else "minor"
    if new is None:
        return "minor"  # a constraint dropped
    if old is None:
        return "major"  # a constraint added
    try:
        if key in STRICTER_WHEN_HIGHER:
            return "major" if new > old else "minor"
        if key in STRICTER_WHEN_LOWER:
            return "major" if new < old else "minor"
    except TypeError:
        pass
    return "major"  # a changed pattern or anything else: cannot tell it is looser


def describe_value(value) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


# --- rows ------------------------------------------------------------------------------

def records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict(orient="records")


def keyed(frame: pd.DataFrame, key: list[str]) -> dict[tuple, dict]:
    """The frame's rows (as text, column by column) by their key. A repeated key (an invalid
    package) gets a running number so that the comparison still runs instead of failing.
    Plain dicts: the tables are small, and pandas' index operations cost more than they save."""
    rows: dict[tuple, dict] = {}
    seen: dict[tuple, int] = {}
    for row in records(frame):
        k = tuple(row[f] for f in key)
        rows[k + (seen.get(k, 0),)] = row
        seen[k] = seen.get(k, 0) + 1
    return rows


def key_dict(key: list[str], index_value: tuple) -> dict:
    return dict(zip(key, index_value))  # drops the trailing running number


def compare_rows(old: pd.DataFrame, new: pd.DataFrame, n: Resource, diff: ResourceDiff, report: Report) -> None:
    name = n.name
    renames = {a: b for a, b in ((r["from"], r["to"]) for r in diff.fields_renamed)}
    old = old.rename(columns=renames)
    common = [c for c in new.columns if c in old.columns]
    key = [k for k in n.primary_key if k in common]
    if not key or len(key) != len(n.primary_key):
        compare_rows_without_key(old[common], new[common], diff, report, name)
        return
    diff.key = key
    a, b = keyed(old[common], key), keyed(new[common], key)
    diff.rows_added = [key_dict(key, k) | row for k, row in b.items() if k not in a]
    diff.rows_removed = [key_dict(key, k) | row for k, row in a.items() if k not in b]
    values = [c for c in common if c not in key]
    for k, row in b.items():
        if k not in a:
            continue  # added, listed above
        changes = {f: {"old": a[k][f], "new": row[f]} for f in values if a[k][f] != row[f]}
        if changes:
            diff.rows_changed.append({"key": key_dict(key, k), "changes": changes})
    summarise_rows(diff, report, name)


def compare_rows_without_key(old: pd.DataFrame, new: pd.DataFrame, diff: ResourceDiff, report: Report, name: str) -> None:
    """No usable primary key: rows are compared whole, as a multiset."""
    cols = list(new.columns)
    counted_old = old.groupby(cols, sort=False).size() if cols else pd.Series(dtype=int)
    counted_new = new.groupby(cols, sort=False).size() if cols else pd.Series(dtype=int)
    delta = counted_new.sub(counted_old, fill_value=0)
    for row, n in delta.items():
        row = dict(zip(cols, row if isinstance(row, tuple) else (row,)))
        (diff.rows_added if n > 0 else diff.rows_removed).extend([row] * int(abs(n)))
    summarise_rows(diff, report, name)


def summarise_rows(diff: ResourceDiff, report: Report, name: str) -> None:
    if diff.rows_added:
        report.add(name, "Added", "minor", f"`{name}`: {len(diff.rows_added)} row(s) added", rows="added")
    if diff.rows_removed:
        # Major: code that looks a row up by its key breaks. When the removal only corrects an
        # error (a duplicate, a misread figure), the maintainer may release it lower with --allow-level.
        report.add(name, "Removed", "major", f"`{name}`: {len(diff.rows_removed)} row(s) removed", rows="removed")
    if diff.rows_changed:
        cells = sum(len(r["changes"]) for r in diff.rows_changed)
        report.add(name, "Changed", "patch", f"`{name}`: {cells} value(s) changed in {len(diff.rows_changed)} row(s)",
                   rows="changed")


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------

def describe_key(key: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def row_lines(diff: ResourceDiff, which: str) -> list[str]:
    """The indented detail lines under a resource's row summary: the key of each row added
    or removed, or the key and old -> new value of each changed cell."""
    if which in ("added", "removed"):
        listed = diff.rows_added if which == "added" else diff.rows_removed
        rows = [describe_key({k: r[k] for k in diff.key} if diff.key else r) for r in listed]
    else:
        rows = [f"{describe_key(r['key'])}: " + "; ".join(f"`{f}` {json.dumps(c['old'], ensure_ascii=False)} → "
                                                          f"{json.dumps(c['new'], ensure_ascii=False)}"
                                                          for f, c in r["changes"].items())
                for r in diff.rows_changed]
    lines = [f"  - {r}" for r in rows[:SHOWN_PER_LIST]]
    if len(rows) > SHOWN_PER_LIST:
        lines.append(f"  - … and {len(rows) - SHOWN_PER_LIST} more (see `--json`)")
    return lines


def to_markdown(report: Report) -> str:
    level = report.level
    reasons = [c for c in report.changes if c.level == level and level != "none"]
    if level == "none":
        verdict = "this change needs no new version"
    else:
        verdict = (f"this change needs a {level.upper()} release because: "
                   + "; ".join(c.message.replace("`", "") for c in reasons[:5]))
    lines = [f"<!-- diff {report.old} → {report.new}: {verdict} -->", ""]
    if not report.changes:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    order = [None] + list(report.resources)
    for kind in ("Added", "Changed", "Removed"):
        entries = [c for c in report.changes if c.kind == kind]
        if not entries:
            continue
        lines += [f"### {kind}", ""]
        for resource in order:  # grouped by resource, package-level first
            for c in (c for c in entries if c.resource == resource):
                lines.append(f"- {c.message}")
                if c.rows:
                    lines += row_lines(report.resources[resource], c.rows)
        lines.append("")
    return "\n".join(lines)


def to_json(report: Report) -> dict:
    return {
        "old": report.old,
        "new": report.new,
        "level": report.level,
        "changes": [c.__dict__ for c in report.changes],
        "resources": {name: d.__dict__ for name, d in report.resources.items()},
    }


def main(argv: list[str] | None = None, repo: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description="Compare two versions of the data package (git refs, .zip archives or folders).")
    parser.add_argument("old", help="the older version: a released version (v1.0.0), a git ref, a release .zip or a package folder")
    parser.add_argument("new", help="the newer version, likewise (`.` is the working tree)")
    parser.add_argument("--json", action="store_true", help="print the full comparison as JSON")
    parser.add_argument("--repo", type=Path, default=repo, help="git repository that refs are looked up in (default: this package)")
    args = parser.parse_args(argv)
    try:
        report = compare(open_snapshot(args.old, args.repo), open_snapshot(args.new, args.repo))
    except CannotRun as exc:
        print(f"CANNOT RUN: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(to_json(report), indent=2, ensure_ascii=False, default=str) if args.json else to_markdown(report)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
