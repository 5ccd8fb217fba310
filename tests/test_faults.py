"""The fault corpus (tests/faults/*.yaml): broken packages the validator must catch, cleanly.

For every fault: apply its steps to a fresh copy of the real package, run
`scripts/validate.py --json` and `scripts/validate.py` on it, each in a process of its own
with the network blocked, and check
 - the exit code (1 invalid, 2 cannot run) and the expected problems (rule, file, row, field);
 - that the human report names the file, and the row and field where there are ones;
 - that nothing printed a traceback or an internal error;
 - that no file of the copy changed.

The processes are forked from warm fork servers (see conftest.py: a fresh interpreter
spends ~1.5 s importing pandas and frictionless) and run in parallel, one per core, the
first time a fault test asks for its result; test_fork_server_matches_a_fresh_interpreter
checks that this gives what a plain `python scripts/validate.py` gives.
"""
from __future__ import annotations

import json
import re
from concurrent.futures import Future
from pathlib import Path

import pytest
import yaml

from conftest import PackageCopy, ValidationJob, copy_real_package, run_validator_subprocess, validate_selected_in_parallel

FAULTS_DIR = Path(__file__).resolve().parent / "faults"
FAULTS = sorted(p.stem for p in FAULTS_DIR.glob("*.yaml"))


def load_fault(name: str) -> dict:
    fault = yaml.safe_load((FAULTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
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
    elif kind == "header_only":
        pkg.write_rows(file, pkg.rows(file)[:1])
    elif kind == "truncate_last_line":
        rows = pkg.rows(file)
        row = len(rows)
        pkg.write_rows(file, rows[:-1])
        last = PackageCopy.serialise([rows[-1][: args["keep_fields"]]]).rstrip("\n")
        pkg.write_bytes(file, pkg.read_bytes(file) + last.encode("utf-8"))
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


# --------------------------------------------------------------------------------------
# Running the validator on every selected fault, in parallel
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def fault_runs(request, tmp_path_factory, validator_fork_servers) -> dict[str, Future]:
    """name -> Future of a ValidationJob (results: the --json run, then the human one)."""
    def build(name, dest):
        pkg, fault, marks = build_fault(name, dest)
        return pkg, (fault, marks)
    return validate_selected_in_parallel(request, tmp_path_factory, validator_fork_servers, "fault", "test_faults", build)


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


@pytest.mark.parametrize("fault", FAULTS)
def test_fault(fault, fault_runs):
    job: ValidationJob = fault_runs[fault].result()
    (fault_, marks), [(code, out, err), (human_code, human_out, human_err)] = job.payload, job.results
    expect = fault_["expect"]
    output = out + err + human_out + human_err

    # It ends cleanly: the expected exit code, no traceback, no internal error, no network.
    assert "Traceback" not in output, output[-3000:]
    assert "internal error" not in output, output[-3000:]
    assert "NETWORK ACCESS BLOCKED" not in output
    assert code == expect["exit"], output[-3000:]
    # It only read: every file of the copy is byte for byte what it was.
    assert job.after == job.before, "the validator changed a file"

    report = json.loads(out)
    assert report["valid"] is False
    if expect["exit"] == 2:
        assert expect["cannot_run"] in report["cannot_run"], report
        if "message" in expect:
            assert expect["message"] in report["cannot_run"], report
    for want in expect.get("errors", []):
        row = expected_row(want.get("row"), marks)
        hits = [e for e in report["errors"]
                if e["rule"] == want["rule"] and e["file"] == want["file"] and e["row"] == row
                and e["field"] == want.get("field")]
        assert hits, (f"expected [{want['rule']}] at {want['file']}, row {row}, field {want.get('field')!r}; got\n"
                      + json.dumps(report["errors"][:30], indent=1))
        if "message" in expect and want is expect["errors"][0]:
            assert any(expect["message"] in h["message"] for h in hits), hits
    if "only_rules" in expect:
        assert {e["rule"] for e in report["errors"]} <= set(expect["only_rules"]), report["errors"]

    # The report a person reads names the file, and the row and field where there are ones.
    assert human_code == expect["exit"]
    human = human_out + human_err
    if expect["exit"] == 2:
        assert human.startswith("CANNOT RUN:") and expect["cannot_run"] in human
    for want in expect.get("errors", [])[:1]:
        row = expected_row(want.get("row"), marks)
        where = want["file"] + (f", row {row}" if row is not None else "") + \
            (f", field '{want['field']}'" if want.get("field") else "")
        assert re.search(re.escape(where) + r": \[" + re.escape(want["rule"]) + r"\]", human), human[:3000]


@pytest.mark.parametrize("fault", ["latin1-bytes", "missing-data-file"])
def test_fork_server_matches_a_fresh_interpreter(fault, fault_runs, network_blocker_dir):
    """The harness above gives exactly what `python scripts/validate.py --json` gives."""
    job: ValidationJob = fault_runs[fault].result()
    code, out, err = run_validator_subprocess(job.pkg.root, "--json", blocker=network_blocker_dir)
    strip = lambda text: re.sub(r'"seconds": [0-9.]+', "", text)
    assert (code, strip(out), err) == (job.results[0][0], strip(job.results[0][1]), job.results[0][2])
