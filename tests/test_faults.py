"""The fault corpus (tests/faults/*.yaml): broken packages the validator must catch, cleanly.

For every fault: apply its steps to a fresh copy of the real package, run the validator on
it in this interpreter (network blocked) and check
 - the exit code (1 invalid, 2 cannot run) and the expected problems (rule, file, row, field);
 - that the report a person reads names the file, and the row and field where there are ones;
 - that nothing ended in an internal error;
 - that no file of the copy changed.
The command line itself is tested once, in test_validate.py.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import PackageCopy, copy_real_package, validate_copy
from scripts.rules import FRICTIONLESS_IDS, all_rules
from scripts.validate import human_report

FAULTS_DIR = Path(__file__).resolve().parent / "faults"
FAULTS = sorted(p.stem for p in FAULTS_DIR.glob("*.yaml"))
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where PyYAML has it: same result, faster
VALIDATOR_IDS = {"descriptor", "schema"}  # given by scripts/validate.py itself: the descriptor cannot be used

pytestmark = pytest.mark.usefixtures("offline")


def load_fault(name: str) -> dict:
    fault = yaml.load((FAULTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    assert isinstance(fault, dict) and fault.get("description") and fault.get("steps") and fault.get("expect"), \
        f"{name}.yaml needs description, steps and expect"
    return fault


# --------------------------------------------------------------------------------------
# Applying a fault's steps
# --------------------------------------------------------------------------------------

def text(value) -> str:
    """YAML may read 1999 or true as numbers and booleans; cells are text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def cells(mapping: dict | None) -> dict:
    return {k: ([text(x) for x in v] if isinstance(v, list) else text(v)) for k, v in (mapping or {}).items()}


def apply_step(pkg: PackageCopy, step: dict, marks: dict[str, int]) -> None:
    [(kind, args)] = step.items()
    args = dict(args)
    file = args.pop("file", None)
    mark = args.pop("mark", None)
    row = None
    if kind == "set_cell":
        row = pkg.set_cell(file, args["field"], text(args["value"]), cells(args.get("where")), args.get("nth", 0))
    elif kind == "delete_row":
        row = pkg.delete_row(file, cells(args.get("where")), args.get("nth", 0))
    elif kind == "duplicate_row":
        row = pkg.duplicate_row(file, cells(args.get("where")), args.get("nth", 0), cells(args.get("changes")))
    elif kind == "swap_rows":
        pkg.swap_rows(file, args["a"], args["b"])
    elif kind == "add_rows":
        records = [dict(r) for r in args["rows"]]
        names = [r.pop("_mark", None) for r in records]
        rows = pkg.add_rows(file, [cells(r) for r in records], sort=args.get("sort", True))
        marks.update({n: r for n, r in zip(names, rows) if n})
    elif kind == "drop_column":
        pkg.drop_column(file, args["field"])
    elif kind == "add_column":
        pkg.add_column(file, args["field"], text(args.get("value")))
    elif kind == "swap_columns":
        pkg.swap_columns(file, args["a"], args["b"])
    elif kind == "rename_column":
        pkg.rename_column(file, args["old"], args["new"])
    elif kind == "replace_cells":  # every cell that reads old, in every row, as a spreadsheet's save would write it
        rows = pkg.rows(file)
        pkg.write_rows(file, rows[:1] + [[text(args["new"]) if c == text(args["old"]) else c for c in r] for r in rows[1:]])
    elif kind == "header_only":
        pkg.write_rows(file, pkg.rows(file)[:1])
    elif kind == "truncate_last_line":
        rows = pkg.rows(file)
        row = len(rows)
        last = PackageCopy.serialise([rows[-1][: args["keep_fields"]]]).rstrip("\n")
        pkg.write_bytes(file, PackageCopy.serialise(rows[:-1]).encode("utf-8") + last.encode("utf-8"))
    elif kind == "replace_bytes":
        old, new = text(args["old"]).encode("utf-8"), text(args["new"]).encode("utf-8")
        data = pkg.read_bytes(file)
        assert old in data, f"replace_bytes: {args['old']!r} is not in {file}"
        pkg.write_bytes(file, data.replace(old, new, args.get("count", -1)))
    elif kind == "prepend_bytes":
        pkg.write_bytes(file, bytes.fromhex(args["hex"]) + pkg.read_bytes(file))
    elif kind == "encode_as":
        data = pkg.read_bytes(file).decode("utf-8")
        pkg.write_bytes(file, data.encode(args["encoding"], errors="replace"))
    elif kind == "write_text":
        pkg.write_bytes(file, text(args["text"]).encode("utf-8"))
    elif kind == "delete_file":
        pkg.path(file).unlink()
    elif kind == "set_resource":
        pkg.set_resource_property(args["resource"], args["key"], args["value"])
    elif kind == "drop_resource":
        descriptor = pkg.descriptor
        descriptor["resources"] = [r for r in descriptor["resources"] if r.get("name") != args["resource"]]
        pkg.write_descriptor(descriptor)
    else:
        raise ValueError(f"unknown step {kind!r}")
    if mark:
        assert row is not None, f"step {kind} marks no row"
        marks[mark] = row


def build_fault(name: str, dest: Path) -> tuple[PackageCopy, dict, dict[str, int]]:
    fault = load_fault(name)
    pkg = copy_real_package(dest)
    pkg.refresh_hashes = fault.get("refresh_hashes", True)
    marks: dict[str, int] = {}
    for step in fault["steps"]:
        apply_step(pkg, step, marks)
    return pkg, fault, marks


def expected_row(value, marks: dict[str, int]):
    if isinstance(value, str) and value.startswith("$"):
        return marks[value[1:]]
    return value


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------

def test_corpus_covers_the_required_fault_classes():
    required = {"wrong-type-in-cell", "missing-column", "extra-column", "reordered-header", "duplicate-primary-key",
                "dangling-foreign-key-source", "orphan-source", "enum-outside-set", "negative-count",
                "breakdown-does-not-add-up", "two-preferred-rows", "derived-preferred-over-stated", "share-above-100",
                "utf8-bom", "crlf-line-endings", "latin1-bytes", "empty-file", "header-only", "truncated-last-line",
                "missing-data-file", "invalid-json-descriptor", "path-escapes-with-dotdot", "path-absolute",
                "formula-injection", "url-not-http", "future-access-date"}
    assert required <= set(FAULTS), sorted(required - set(FAULTS))


def test_every_registered_problem_id_has_a_fault():
    """A rule without a broken case that triggers it is a rule nobody has seen fail."""
    registered = {i for r in all_rules() for i in r.ids}
    expected = {e["rule"] for name in FAULTS for e in load_fault(name)["expect"].get("errors", [])}
    assert not registered - expected, f"no fault in tests/faults/ expects: {sorted(registered - expected)}"
    unknown = expected - registered - set(FRICTIONLESS_IDS) - VALIDATOR_IDS
    assert not unknown, f"faults expect ids no rule gives: {sorted(unknown)}"


@pytest.mark.parametrize("fault", FAULTS)
def test_fault(fault, tmp_path):
    pkg, spec, marks = build_fault(fault, tmp_path / "package")
    outcome = validate_copy(pkg)
    expect = spec["expect"]
    assert "internal error" not in (outcome.cannot_run or ""), outcome.cannot_run
    problems = [p.__dict__ for p in outcome.problems]
    assert outcome.code == expect["exit"], outcome.cannot_run or json.dumps(problems[:30], indent=1)
    if expect["exit"] == 2:
        assert expect["cannot_run"] in outcome.cannot_run
        assert expect.get("message", "") in outcome.cannot_run
        return
    for want in expect["errors"]:
        row = expected_row(want.get("row"), marks)
        hits = [p for p in problems if p["rule"] == want["rule"] and p["file"] == want["file"] and p["row"] == row
                and p["field"] == want.get("field")]
        assert hits, (f"expected [{want['rule']}] at {want['file']}, row {row}, field {want.get('field')!r}; got\n"
                      + json.dumps(problems[:30], indent=1))
        if "message" in expect and want is expect["errors"][0]:
            assert any(expect["message"] in h["message"] for h in hits), hits
    if "only_rules" in expect:
        assert {p["rule"] for p in problems} <= set(expect["only_rules"]), json.dumps(problems[:30], indent=1)
    if "count" in expect:  # one cause, one problem: nothing else follows from it
        assert len(problems) == expect["count"], json.dumps(problems[:30], indent=1)
    # The report a person reads names the file, and the row and field where there are ones.
    human = human_report(outcome.problems, pkg.root, 0.0)
    want = expect["errors"][0]
    row = expected_row(want.get("row"), marks)
    where = want["file"] + (f", row {row}" if row is not None else "") + \
        (f", field '{want['field']}'" if want.get("field") else "")
    assert re.search(re.escape(where) + r": \[" + re.escape(want["rule"]) + r"\]", human), human[:3000]


# Three faults in one copy, one per way a remembered result can be reused: a table read by other
# tables' rules, a key column that foreign keys look up, a file-stage problem.
REUSE_FAULTS = ["accessed-before-published", "orphan-source", "crlf-line-endings"]


def test_remembered_results_are_those_of_a_fresh_run(tmp_path, monkeypatch):
    """The validator remembers results of unchanged inputs within a process (scripts/validate.py, Memo):
    a run that starts from nothing gives exactly what a run with everything remembered gives."""
    from scripts import validate
    pkg = copy_real_package(tmp_path / "package")
    marks: dict[str, int] = {}
    for fault in REUSE_FAULTS:
        for step in load_fault(fault)["steps"]:
            apply_step(pkg, step, marks)
    validate.run(pkg.root)  # remembers what earlier tests had not seen
    warm = validate.run(pkg.root)
    assert {p.rule for p in warm.problems} >= {"accessed-before-published", "orphan", "line-endings"}, warm
    monkeypatch.setattr(validate, "_MEMO", validate.Memo(4096))
    assert validate.run(pkg.root) == warm
