"""Validate the data package: frictionless's checks plus the package's own rules.

    python -m scripts.validate [--json] [PACKAGE_DIR]

Exit status: 0 valid, 1 the data is invalid, 2 the validator cannot run (a missing or
unreadable descriptor or data file). Every problem names the file, the row (the header
is row 1) and the field. Nothing is ever written: the validator only reads.

The checks run in stages (see scripts/rules/): each resource's declaration, then its file's bytes
(encoding, line ends, header, CSV structure), then frictionless (types, constraints, keys)
on the files that could be read, then the package's own rules on the parsed tables.
One cause gives one problem: a rule's problem on a row or field that already has a cell
error is dropped, and one bad value repeated down a column is reported once. Content
problems come first, a stale hash last.

In-process callers (tests, release.py, bench.py) use validate_package(root) -> problems or
run(root) -> Outcome. Within one process, results for inputs already seen byte for byte
are remembered (Memo below), which makes validating many near-copies of the package fast.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .package_io import CannotRun, Resource, load_descriptor, read_raw, resources, to_typed
from .rules import Context, FileContent, Problem, Table, all_rules, today
from .rules.files import unsafe_path_reason  # noqa: F401  (part of this module's interface: release.py uses it)

SHOWN_PER_RULE = 20  # the human report shows this many problems per file and rule
CELL_ERRORS = {"type-error", "constraint-error"}
LAST = {"stale-hash"}  # reported after every content problem: fixing those changes the hash again


# --------------------------------------------------------------------------------------
# frictionless (types, constraints, enums, primary and foreign keys)
# --------------------------------------------------------------------------------------

# Reported already by the file stage, with clearer messages.
FRICTIONLESS_REPLACED = {"blank-header", "missing-label", "extra-label", "incorrect-label", "duplicate-label",
                         "blank-label", "encoding-error", "hash-count", "byte-count", "missing-cell", "extra-cell"}


def for_frictionless(resource: dict, skipped: set[str]) -> dict:
    """The resource as frictionless gets it: without bytes/hash (the file stage checks them) and without
    foreign keys into resources whose files could not be read (reported already)."""
    resource = {k: v for k, v in resource.items() if k not in ("bytes", "hash")}
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not skipped:
        return resource
    kept = [fk for fk in schema.get("foreignKeys", []) if fk.get("reference", {}).get("resource") not in skipped]
    return resource | {"schema": schema | {"foreignKeys": kept}}


def shown(value, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "...")


# How to write a value of each type: (what it is called, how to write it).
TYPE_FORMS = {
    "date": ("a date", "write YYYY-MM-DD"),
    "integer": ("a whole number", "write digits only, without spaces, dots or commas"),
    "number": ("a number", "write digits with a decimal point, not a comma"),
    "boolean": ("true or false", "write true or false in lower case"),
    "year": ("a year", "write four digits"),
}


def cell_message(error, spec: dict) -> str:
    """A cell error told the way a contributor can act on it: the bad value, the expected form, an example."""
    value, kind = error.cell, spec.get("type", "string")
    constraints = spec.get("constraints", {})
    example = f", e.g. {spec['example']}" if spec.get("example") not in (None, "") else ""
    if error.type == "type-error":
        if kind == "boolean":
            words = spec.get("trueValues", ["true"])[:1] + spec.get("falseValues", ["false"])[:1]
            case = " in lower case" if str(value).strip().lower() in words else ""
            return f"{shown(value)} is not {' or '.join(words)}: write {' or '.join(words)}{case}{example}"
        if kind == "string" and spec.get("format") in ("uri", "email"):
            return f"{shown(value)} is not a valid {spec['format'].upper()}: write it in full{example}"
        if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value).strip()):
            # The form is right but the calendar has no such day (month 13, 31 April ...).
            return f"{shown(value)} is written YYYY-MM-DD but no such day exists: check the month and the day{example}"
        what, how = TYPE_FORMS.get(kind, (f"a {kind}", f"write a {kind}"))
        return f"{shown(value)} is not {what}: {how}{example}"
    which = error.note.split('"')[1] if error.note.count('"') >= 2 else ""
    bound = constraints.get(which)
    if which == "required":
        return f"the cell is empty, but {error.field_name} is required: write a value{example}"
    if which == "minimum":
        return f"{shown(value)} is below the minimum of {bound}: write {bound} or more{example}"
    if which == "maximum":
        return f"{shown(value)} is above the maximum of {bound}: write {bound} or less{example}"
    if which == "enum":
        return f"{shown(value)} is not one of the allowed values: write one of {', '.join(map(str, bound or []))}"
    if which == "pattern":
        return f"{shown(value)} does not have the expected form: write it like {spec.get('example', '')!s} (pattern {bound})"
    if which == "maxLength":
        return f"{shown(value)} has {len(str(value))} characters, more than the maximum of {bound}: shorten it"
    if which == "minLength":
        return f"{shown(value)} has {len(str(value))} characters, fewer than the minimum of {bound}{example}"
    return f"{shown(value)} breaks the constraint {error.note}{example}"


def earlier_row(error) -> str:
    """Where the repeated value of a unique or primary-key error stands first: the row frictionless
    names ('the same as in the row at position "15"'), or an earlier row when it names none."""
    found = re.search(r"(\d+)", error.note or "")
    return f"row {found.group(1)}" if found else "an earlier row"


def foreign_key_message(error, paths: dict[str, str]) -> str:
    target = paths.get(error.reference_name, error.reference_name)
    pairs = " and ".join(f"{name} {value!r}" for name, value in zip(error.reference_field_names, error.field_cells))
    return f"no row of {target} has {pairs}: add it there, or correct this row"


# frictionless spends most of its time reading the descriptor, not the data. Within one process (the
# test suite validates hundreds of copies of the package that differ in one file), a resource whose
# inputs are byte for byte those of an earlier run is not validated again: its declaration, its
# file, and the declarations and files its foreign keys look up.
class Memo(OrderedDict):
    """Results remembered within one process; the least recently used are forgotten first."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


_MEMO = Memo(4096)  # a run of the real package fills about 150 entries


def memo_key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


WELL_FORMED_HASH = re.compile(r"(sha256:)?[0-9a-f]{64}")  # as make hashes writes it


def with_stand_in_stats(descriptor: dict) -> dict:
    """The package descriptor with each resource's bytes and hash, where they are well formed, replaced
    by a fixed stand-in of the same form: whether the descriptor is valid does not depend on their
    values, and they change with every data edit. A malformed one is kept, for frictionless to report."""
    def stand_in(resource):
        if not isinstance(resource, dict):
            return resource
        out = dict(resource)
        if type(out.get("bytes")) is int and out["bytes"] >= 0:
            out["bytes"] = 0
        if isinstance(out.get("hash"), str) and WELL_FORMED_HASH.fullmatch(out["hash"]):
            out["hash"] = out["hash"][:-64] + "0" * 64
        return out
    resources_ = descriptor.get("resources")
    if not isinstance(resources_, list):
        return descriptor
    return descriptor | {"resources": [stand_in(r) for r in resources_]}


DOCUMENTATION = {"title", "description", "example", "examples"}  # and x- properties: no check reads them


def without_documentation(resource: dict) -> dict:
    """The resource as its rows are checked: without titles, descriptions, examples and x- properties,
    which frictionless would spend its time copying and validating again for each check."""
    def lean(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in DOCUMENTATION and not str(k).startswith("x-")}
    out = lean(resource)
    schema = out.get("schema")
    if isinstance(schema, dict):
        out["schema"] = lean(schema)
        if isinstance(schema.get("fields"), list):
            out["schema"]["fields"] = [lean(f) if isinstance(f, dict) else f for f in schema["fields"]]
    return out


def looked_up(table: Table | None, fields: list[str], digest: str | None):
    """What a foreign key into table reads of it: the text of the referenced fields (the same text gives
    the same typed values). A resource is validated again when this changes, not when another cell of
    the table it refers to does. Where the fields cannot be read, the whole file's digest stands for it."""
    if table is None or not isinstance(fields, list) or not set(fields) <= set(table.raw.columns):
        return digest
    return memo_key(table.raw[fields].to_numpy().tolist())


def for_lookup(resource: dict, fields: set[str]) -> dict:
    """A resource that this run only looks up through foreign keys, as frictionless gets it: only the
    fields the keys read, matched to the file's columns by name ("fieldsMatch": "subset": the file may
    have more); the resource's own report is remembered from an earlier run. Same lookup, less parsing."""
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return resource
    kept = [f for f in schema["fields"] if isinstance(f, dict) and f.get("name") in fields]
    if len(kept) != len(fields):  # a looked-up field the schema lacks or repeats: let frictionless say so
        kept = schema["fields"]
    return resource | {"schema": {"fields": kept, "fieldsMatch": "subset"}}


def as_looked_up(resource, fields) -> object:
    """The part of a resource's declaration that a foreign key into it reads (as for_lookup gives it)."""
    if not isinstance(resource, dict):
        return resource
    return for_lookup(resource, set(fields) if isinstance(fields, list) else {fields})


def frictionless_errors(package_descriptor: dict, root: Path, digests: dict[str, str],
                        tables: dict[str, Table]) -> tuple[list, list]:
    """frictionless's report as (resource name, error) pairs of the rows, and the descriptor's errors."""
    from frictionless import FrictionlessException, Package  # imported here: slow to import, and only this step needs it

    # A descriptor valid but for its resources' bytes and hash is valid with any well-formed ones; an
    # invalid one is remembered by its exact text, as its messages may quote any part of it.
    valid_key = memo_key("valid descriptor", with_stand_in_stats(package_descriptor))
    if valid_key not in _MEMO:
        package_key = memo_key("descriptor", package_descriptor)
        if package_key not in _MEMO:
            try:
                Package(package_descriptor, basepath=str(root)).to_descriptor(validate=True)
                _MEMO[valid_key] = True
            except FrictionlessException as exc:
                _MEMO[package_key] = exc.to_errors()
        if valid_key not in _MEMO:
            return [], _MEMO[package_key]  # as frictionless does: an invalid descriptor, no data checks
    lean = {k: v for k, v in package_descriptor.items() if k in ("$schema", "profile", "name")} | {
        "resources": [without_documentation(r) for r in package_descriptor["resources"]]}
    declared = {r.get("name"): r for r in lean["resources"]}
    keys, references = {}, {}
    for name, r in declared.items():
        references[name] = [(fk.get("reference", {}).get("resource") or name, fk.get("reference", {}).get("fields"))
                            for fk in Resource(r).foreign_keys]
        # What a foreign key reads of another resource: its key fields' declarations and text (a change
        # elsewhere in that resource, say a wider enum, leaves this resource's report as it was).
        keys[name] = memo_key({k: v for k, v in lean.items() if k != "resources"}, r, digests.get(name),
                              [(t, declared.get(t), fields) if t == name else
                               (t, as_looked_up(declared.get(t), fields), looked_up(tables.get(t), fields, digests.get(t)))
                               for t, fields in references[name]])
    todo = [name for name, key in keys.items() if key not in _MEMO]
    if todo:
        # frictionless reads (and checks) every declaration it is given: give it only the resources
        # to validate and those their foreign keys look up.
        looked_up_fields: dict[str, set[str]] = {}
        for name in todo:
            for t, fields in references[name]:
                looked_up_fields.setdefault(t, set()).update(fields if isinstance(fields, list) else [fields])
        given = [r if r.get("name") in todo else for_lookup(r, looked_up_fields[r.get("name")])
                 for r in lean["resources"] if r.get("name") in set(todo) | set(looked_up_fields)]
        package = Package(lean | {"resources": given}, basepath=str(root))
        for name in todo:
            report = package.get_resource(name).validate()
            _MEMO[keys[name]] = ([(name, e) for task in report.tasks for e in task.errors], list(report.errors))
    results = [_MEMO[keys[name]] for name in declared]
    return [e for rows, _ in results for e in rows], [e for _, errors in results for e in errors]


def frictionless_problems(descriptor: dict, root: Path, skip: set[str], digests: dict[str, str],
                          tables: dict[str, Table]) -> tuple[list[Problem], set[tuple]]:
    """frictionless's problems, and the damaged places: (file, row) and (file, field) of every cell error."""
    checked = [for_frictionless(r, skip) for r in descriptor["resources"] if r.get("name") not in skip]
    if not checked:
        return [], set()
    package_descriptor = {k: v for k, v in descriptor.items() if k != "resources"} | {"resources": checked}
    try:
        row_errors, package_errors = frictionless_errors(package_descriptor, root, digests, tables)
    except Exception as exc:  # frictionless raises on descriptors it cannot load
        return [Problem("datapackage.json", None, None, "descriptor", f"frictionless cannot load the package: {exc}")], set()
    declared = resources(package_descriptor)
    paths = {name: r.path for name, r in declared.items()}
    errors = [(name, e) for name, e in row_errors if e.type not in FRICTIONLESS_REPLACED]
    cell_errors = [(name, e) for name, e in errors if e.type in CELL_ERRORS]
    repeated_keys = {(name, e.row_number) for name, e in errors if e.type == "primary-key"}
    damaged_rows = {(name, e.row_number) for name, e in cell_errors}
    damaged_fields = {(name, e.field_name) for name, e in cell_errors}
    repeats: dict[tuple, tuple[int, list[int]]] = {}  # one bad value down one column: (problem index, its rows)
    problems = []
    for name, error in errors:
        file = paths.get(name, name)
        row = getattr(error, "row_number", None)
        if error.type in CELL_ERRORS:
            key = (name, error.type, error.field_name, error.cell)
            if key in repeats:
                repeats[key][1].append(row)
                continue
            repeats[key] = (len(problems), [row])
            spec = next((f for f in declared[name].fields if f["name"] == error.field_name), {})
            problems.append(Problem(file, row, error.field_name, error.type, cell_message(error, spec)))
        elif error.type == "unique-error":
            if (name, row) in repeated_keys:
                continue  # a row given twice: its primary key says so once
            problems.append(Problem(file, row, error.field_name, error.type,
                                    f"{shown(error.cell)} is already in {earlier_row(error)}: "
                                    f"{error.field_name} must be unique"))
        elif error.type == "primary-key":
            if (name, row) in damaged_rows:
                continue  # a key cell that could not be read is no key at all: its cell error says so
            key = ", ".join(declared[name].primary_key)
            problems.append(Problem(file, row, None, error.type,
                                    f"the primary key ({key}) is the same as in {earlier_row(error)}: "
                                    "is the row given twice? delete one, or correct the key"))
        elif error.type == "foreign-key":
            # A consequence of a cell error: in this row, or in the looked-up fields of the other table.
            if (name, row) in damaged_rows or any((error.reference_name, f) in damaged_fields
                                                  for f in error.reference_field_names):
                continue
            problems.append(Problem(file, row, ", ".join(error.field_names), error.type,
                                    foreign_key_message(error, paths)))
        else:
            problems.append(Problem(file, row, getattr(error, "field_name", None) or None, error.type,
                                    error.note or error.message))
    for i, rows in repeats.values():
        if len(rows) > 1:
            p = problems[i]
            listed = ", ".join(map(str, rows[1:6])) + (", ..." if len(rows) > 6 else "")
            problems[i] = Problem(p.file, p.row, p.field, p.rule,
                                  f"{p.message} (the same value is in {len(rows) - 1} more row(s): {listed})")
    for error in package_errors:
        problems.append(Problem("datapackage.json", None, None, error.type, error.note or error.message))
    damaged = ({(paths.get(n, n), e.row_number) for n, e in cell_errors}
               | {(paths.get(n, n), e.field_name) for n, e in cell_errors})
    return problems, damaged


# --------------------------------------------------------------------------------------
# The whole validation
# --------------------------------------------------------------------------------------

def validate_package(root: Path) -> list[Problem]:
    """All problems of the package at root, content first. Raises CannotRun when it cannot be read."""
    root = Path(root)
    descriptor = load_descriptor(root)
    declared = resources(descriptor)
    problems: list[Problem] = []
    unreadable: set[str] = set()
    tables: dict[str, Table] = {}
    digests: dict[str, str] = {}
    for name, resource in declared.items():
        if not run_stage("descriptor", resource, problems, root, resource, declared):
            unreadable.add(name)
            continue
        path = root / resource.path
        if not path.is_file():
            raise CannotRun(f"{resource.path}: data file of resource {name!r} not found")
        try:
            content = FileContent(path, path.read_bytes())
        except OSError as exc:
            raise CannotRun(f"{resource.path}: cannot be read ({exc})")
        digests[name] = hashlib.sha256(content.data).hexdigest()
        if not file_stage(resource, content, digests[name], problems):
            unreadable.add(name)
            continue
        try:
            tables[name] = parse(path, resource, digests[name])
        except (pd.errors.ParserError, ValueError) as exc:  # the file stage should have caught it: say what pandas says
            problems.append(Problem(resource.path, None, None, "csv-structure",
                                    f"the file cannot be read as a table: {str(exc).strip()}"))
            unreadable.add(name)
    targets = {fk.get("reference", {}).get("resource") for r in declared.values() for fk in r.foreign_keys}
    undeclared = {t for t in targets if t} - set(declared)  # reported by the descriptor stage
    found, damaged = frictionless_problems(descriptor, root, unreadable | undeclared, digests, tables)
    # The own rules read the resources' declarations, never the package's title, version or dates.
    descriptor_key = memo_key([for_frictionless(r, set()) for r in descriptor["resources"]])
    problems += found + own_rule_problems(tables, declared, damaged, digests, descriptor_key)
    return sorted(problems, key=lambda p: p.rule in LAST)


def parse(path: Path, resource: Resource, digest: str) -> Table:
    """The file as a table of text cells and of typed values (remembered, as frictionless's reports are)."""
    key = memo_key("table", {k: v for k, v in resource.descriptor.items() if k not in ("bytes", "hash")}, digest)
    if key not in _MEMO:
        raw = read_raw(path)
        _MEMO[key] = (raw, to_typed(raw, resource))
    raw, typed = _MEMO[key]
    return Table(resource, raw.copy(), typed.copy())  # a rule that changed a frame would change only its own copy


def file_stage(resource: Resource, content: FileContent, digest: str, problems: list[Problem]) -> bool:
    """The file stage's rules (remembered: they read only the bytes and the resource's declaration)."""
    key = memo_key("file", resource.descriptor, digest)
    if key not in _MEMO:
        found: list[Problem] = []
        _MEMO[key] = (run_stage("file", resource, found, content, resource), found)
    readable, found = _MEMO[key]
    problems += found
    return readable


def run_stage(stage: str, resource: Resource, problems: list[Problem], *args) -> bool:
    """Run the rules of one stage on a resource; False if a blocking rule found a problem."""
    for r in all_rules(stage):
        if r.applies_to(resource):
            found = r.check(*args)
            problems += found
            if found and r.blocking:
                return False
    return True


class TrackedTables(Mapping):
    """The tables as one rule sees them through its Context: notes which ones it looks at."""

    def __init__(self, tables: dict[str, Table]):
        self.tables, self.read, self.all = tables, set(), False

    def __getitem__(self, name: str) -> Table:
        self.read.add(name)
        return self.tables[name]

    def __contains__(self, name) -> bool:
        self.read.add(name)
        return name in self.tables

    def __iter__(self):
        self.all = True
        return iter(self.tables)

    def __len__(self) -> int:
        self.all = True
        return len(self.tables)


def own_rule_problems(tables: dict[str, Table], declared: dict[str, Resource], damaged: set[tuple],
                      digests: dict[str, str], descriptor_key: str) -> list[Problem]:
    """The table stage, without the problems that only repeat a cell error: those in a damaged (file, row)
    or (file, field).

    A rule's result is remembered like frictionless's reports: a rule is a function of its table, the
    descriptor, the date and the tables it looks at through its Context, which are noted on its first
    run; when all of them are as they were, it is not run again.
    """
    state = lambda names: [(n, digests.get(n) if n in tables else None) for n in sorted(names)]
    problems = []
    for name, table in tables.items():
        for r in all_rules("table"):
            if not r.applies_to(table.resource):
                continue
            base = memo_key("rule", r.check.__module__, r.check.__qualname__, id(r.check), name, digests[name],
                            descriptor_key, str(today()))
            reads = _MEMO.get(base)
            found = None if reads is None else _MEMO.get(memo_key(base, state(tables if reads == "*" else reads)))
            if found is None:
                tracked = TrackedTables(tables)
                try:
                    found = r.check(table, Context(tracked, declared))
                except KeyError as exc:  # the descriptor lacks a field or setting this rule is about
                    found = [Problem("datapackage.json", None, None, "schema",
                                     f"resource {name!r}: rule {r.check.__name__} cannot run: the schema lacks "
                                     f"a field or setting it needs ({exc})")]
                reads = "*" if tracked.all else sorted(tracked.read)
                _MEMO[base] = reads
                _MEMO[memo_key(base, state(tables if reads == "*" else reads))] = found
            problems += [p for p in found if (p.file, p.row) not in damaged and (p.file, p.field) not in damaged]
    return problems


@dataclass
class Outcome:
    """What a run of the validator ends with: the exit status and the problems, or why it cannot run."""

    code: int
    problems: list[Problem] = field(default_factory=list)
    cannot_run: str | None = None


def run(root: Path) -> Outcome:
    """Validate the package at root; never raises (a bug of the validator is an exit-2 outcome)."""
    try:
        problems = validate_package(Path(root))
    except CannotRun as exc:
        return Outcome(2, cannot_run=str(exc))
    except Exception as exc:  # a bug of the validator, not of the data: say so, without a traceback
        return Outcome(2, cannot_run=f"internal error: {type(exc).__name__}: {exc} "
                                     "(please report it with the package that caused it)")
    return Outcome(1 if problems else 0, problems)


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------

def human_report(problems: list[Problem], root: Path, seconds: float) -> str:
    if not problems:
        return f"VALID: {Path(root).resolve()} ({seconds:.1f} s)"
    lines = [f"INVALID: {len(problems)} problem(s) in {Path(root).resolve()}"]
    counts: dict[tuple[str, str], int] = {}
    for p in problems:
        n = counts.get((p.file, p.rule), 0)
        counts[(p.file, p.rule)] = n + 1
        if n < SHOWN_PER_RULE:
            lines.append("  " + p.line())
    for (file, rule), n in counts.items():
        if n > SHOWN_PER_RULE:
            lines.append(f"  {file}: [{rule}] ... and {n - SHOWN_PER_RULE} more (see --json for all)")
    lines.append(f"({seconds:.1f} s)")
    return "\n".join(lines)


def json_report(outcome: Outcome, root: Path, seconds: float) -> str:
    if outcome.cannot_run is not None:
        return json.dumps({"valid": False, "cannot_run": outcome.cannot_run, "errors": []}, indent=2)
    return json.dumps({"valid": not outcome.problems, "package": str(Path(root).resolve()), "seconds": round(seconds, 3),
                       "error_count": len(outcome.problems), "errors": [asdict(p) for p in outcome.problems]}, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the Kosovo human trafficking data package.",
                                     epilog="Exit status: 0 valid, 1 problems found, 2 cannot run.")
    parser.add_argument("package", nargs="?", default=".", help="folder holding datapackage.json (default: current folder)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    args = parser.parse_args(argv)
    root = Path(args.package)
    started = time.perf_counter()
    outcome = run(root)
    seconds = time.perf_counter() - started
    if args.json:
        print(json_report(outcome, root, seconds))
    elif outcome.cannot_run is not None:
        print(f"CANNOT RUN: {outcome.cannot_run}", file=sys.stderr)
    else:
        print(human_report(outcome.problems, root, seconds))
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
