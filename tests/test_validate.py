"""scripts/validate.py: the command line (once each, in a fresh interpreter), what the validator adds
to frictionless, and the checks of a file's bytes on small texts. The broken packages themselves are
in tests/faults/ (test_faults.py); everything here but the two command-line tests runs in-process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, validate_copy
from scripts import hashes, sort_rows, validate
from scripts.package_io import Resource
from scripts.rules import REGISTRY, FileContent, Rule, all_rules, rules_markdown
from scripts import rules_doc
from scripts.rules.files import rule_csv_structure, unsafe_path_reason

SOURCES = "data/sources.csv"
DEMO = "data/victim_demographics.csv"
COUNTRIES = "data/countries.csv"

pytestmark = pytest.mark.usefixtures("offline")

NETWORK_BLOCKER = '''\
import socket
def _blocked(*args, **kwargs):
    raise OSError("NETWORK ACCESS BLOCKED: the validator must not use the network")
socket.socket.connect = socket.create_connection = socket.getaddrinfo = _blocked
'''


def command(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """python -m scripts.validate ARGS in a fresh interpreter whose network is blocked."""
    blocker = tmp_path / "no_network"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(NETWORK_BLOCKER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(blocker))
    return subprocess.run([sys.executable, "-m", "scripts.validate", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------------------
# The command line: one run
# --------------------------------------------------------------------------------------

def test_the_real_package_is_valid(capsys):
    assert validate.main([str(REPO_ROOT)]) == 0
    assert capsys.readouterr().out.startswith(f"VALID: {REPO_ROOT}")


def test_command_line_json_report(tmp_path, pkg_copy):
    """The one run through the command line, in a fresh interpreter whose network is blocked."""
    row = pkg_copy.set_cell(SOURCES, "notes", '=HYPERLINK("https://example.org")', nth=-1)
    done = command(tmp_path, "--json", str(pkg_copy.root))
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] is False and report["error_count"] == len(report["errors"]) == 1
    assert report["errors"][0] == {"file": SOURCES, "row": row, "field": "notes", "rule": "formula-injection",
                                   "message": report["errors"][0]["message"]}
    assert "'='" in report["errors"][0]["message"]
    assert "Traceback" not in done.stderr and "NETWORK" not in done.stderr


# --------------------------------------------------------------------------------------
# Reports and exit codes, in-process
# --------------------------------------------------------------------------------------

def test_human_report_names_file_row_and_field(pkg_copy, capsys):
    row = pkg_copy.set_cell(COUNTRIES, "name", "@Testland", nth=-1)
    assert validate.main([str(pkg_copy.root)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("INVALID: 1 problem(s)")
    assert f"  {COUNTRIES}, row {row}, field 'name': [formula-injection] text cell starts with '@'" in out


def test_missing_descriptor_cannot_run(tmp_path, capsys):
    assert validate.main([str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"CANNOT RUN: datapackage.json: file not found in {tmp_path}\n"
    assert validate.main(["--json", str(tmp_path)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and "datapackage.json: file not found" in report["cannot_run"]


@pytest.mark.parametrize("text", ['{"resources": [', "[]", '{"name": "x"}', '{"resources": ["x"]}',
                                  '{"resources": [{"name": "x", "schema": {"fields": [{"type": "string"}]}}]}'])
def test_broken_descriptor_cannot_run(pkg_copy, text):
    pkg_copy.path("datapackage.json").write_text(text, encoding="utf-8")
    outcome = validate_copy(pkg_copy)
    assert outcome.code == 2 and outcome.cannot_run.startswith("datapackage.json")


def test_a_bug_of_the_validator_is_an_internal_error_without_traceback(pkg_copy, monkeypatch, capsys):
    def broken_rule(table, ctx):
        raise ZeroDivisionError("made-up bug")
    monkeypatch.setattr("scripts.rules.REGISTRY", REGISTRY + [Rule(("made-up",), ("*",), "A bug.", broken_rule)])
    assert validate.main([str(pkg_copy.root)]) == 2
    captured = capsys.readouterr()
    assert "internal error: ZeroDivisionError: made-up bug" in captured.err
    assert "Traceback" not in captured.out + captured.err


def test_content_problems_come_before_the_stale_hash(pkg_copy):
    pkg_copy.refresh_hashes = False
    pkg_copy.set_cell(COUNTRIES, "name", "=Testland", nth=-1)
    problems = validate_copy(pkg_copy).problems
    assert [p.rule for p in problems] == ["formula-injection", "stale-hash"]
    assert "make hashes" in problems[-1].message


def test_overlapping_breakdown_need_not_add_up(pkg_copy):
    """Forms of exploitation may overlap (breakdown_exclusive false): 8 + 5 against a total of 10 is valid."""
    source = {"source_id": "zz-test-source", "title": "Made-up report", "publisher": "Test Office",
              "published": "2020-01", "url": "https://example.org/zz", "consulted_url": "https://example.org/zz",
              "accessed": "2021-01-01", "kind": "news", "primary": "false", "language": "en"}
    pkg_copy.add_rows(SOURCES, [source])
    figure = {"reference_year": "1999", "period_start": "1999-03-07", "period_end": "1999-05-19",
              "period_kind": "part_of_year", "population": "potential", "dimension": "total", "category": "all",
              "victims": "10", "source_id": "zz-test-source", "locator": "p. 1", "restatement": "false",
              "derived": "false", "preferred": "true"}
    part = figure | {"dimension": "exploitation", "breakdown_complete": "true", "breakdown_exclusive": "false"}
    pkg_copy.add_rows(DEMO, [figure, part | {"category": "sex_trafficking", "victims": "8"},
                             part | {"category": "forced_labor", "victims": "5"}])
    outcome = validate_copy(pkg_copy)
    assert outcome.code == 0, outcome.problems


# --------------------------------------------------------------------------------------
# What the validator adds to frictionless: the descriptor
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, words", [
    ("data/../../countries.csv", "'..'"), ("C:/data/countries.csv", "absolute"), ("/etc/passwd", "absolute"),
    (".git/config", "hidden"), ("https://example.org/x.csv", "remote URL"), ("", "no path"),
])
def test_unsafe_paths(path, words):
    assert words in unsafe_path_reason(path)


def test_safe_path():
    assert unsafe_path_reason("data/countries.csv") is None


def test_path_leading_out_through_a_link_is_unsafe(pkg_copy):
    outside = pkg_copy.root.parent / "outside.csv"
    outside.write_bytes(pkg_copy.read_bytes(COUNTRIES))
    pkg_copy.path(COUNTRIES).unlink()
    pkg_copy.path(COUNTRIES).symlink_to(outside)
    problems = validate_copy(pkg_copy).problems
    assert any(p.rule == "unsafe-path" and "outside the package folder through a link" in p.message for p in problems)


def test_descriptor_frictionless_cannot_load(pkg_copy):
    descriptor = pkg_copy.descriptor
    next(r for r in descriptor["resources"] if r["name"] == "countries")["schema"]["fields"][2]["type"] = "no-such-type"
    pkg_copy.write_descriptor(descriptor)
    [problem] = validate_copy(pkg_copy).problems
    assert problem.file == "datapackage.json" and problem.rule in ("field-error", "descriptor")
    assert 'field type "no-such-type" is not supported' in problem.message


def test_schema_without_a_field_a_rule_needs(pkg_copy):
    descriptor = pkg_copy.descriptor
    sources = next(r for r in descriptor["resources"] if r["name"] == "sources")
    sources["schema"]["fields"] = [f for f in sources["schema"]["fields"] if f["name"] != "published"]
    pkg_copy.write_descriptor(descriptor)
    pkg_copy.drop_column(SOURCES, "published")
    problems = validate_copy(pkg_copy).problems
    assert problems and {(p.file, p.rule) for p in problems} == {("datapackage.json", "schema")}
    assert all("'published'" in p.message for p in problems)


# --------------------------------------------------------------------------------------
# The CSV structure of a file, on small texts: the row where the broken record starts
# --------------------------------------------------------------------------------------

TABLE = Resource({"name": "t", "path": "data/t.csv", "schema": {"fields": [{"name": n} for n in "abc"]}})


def structure(text: str) -> list[tuple[int, str]]:
    return [(p.row, p.message) for p in rule_csv_structure(FileContent(Path("t.csv"), text.encode()), TABLE)]


@pytest.mark.parametrize("text, row, words", [
    ('a,b,c\n1,2,3\n4,"five,6\n7,8,9\n', 3, 'the quoted cell that opens on line 3 never closes'),
    ('a,b,c\n1,"two "2" two",3\n', 2, "after the closing quote of a cell comes '2'"),
    ('a,b,c\n1,2,3\n4,fi"ve,6\n', 3, 'a quote (") inside a cell that is not in quotes'),
    ('a,b,c\n1,"two\nlines",3\n4,"5,6\n', 3, "opens on line 4 never closes"),  # row 3 starts on line 4
    ('a,b,c\n1,2\x00,3\n', 2, "NUL byte"),
    ('a,b,c\n1,2,3\n4,5\r,6\n', 3, "carriage return (CR) that does not end the line"),
    ('a,b,c\n1,"2\r",3\n', 2, "carriage return (CR) that does not end the line"),
    ('a,b,c\n1,2,3\n4,5,6,7\n', 3, "the row has 4 cells, the header has 3: a cell may hold a comma"),
    ('a,b,c\n1,2,3\n4,5', 3, "the row has 2 cells, the header has 3: cells are missing"),
    ("a,b,c\n1," + "x" * 100_000 + ",3\n", 2, "a cell of 100,000 characters"),
    ('a,b,c\n1,2,3\n\n4,5,6\n', 3, "the row is blank"),
    ('a,b,c\n1,2,3\n,,\n', 3, "the row is blank"),
], ids=["unclosed", "stray-in-quoted", "quote-in-unquoted", "after-multiline", "nul", "lone-cr", "cr-in-quotes",
        "extra-cell", "missing-cells", "huge-cell", "blank-line", "only-commas"])
def test_malformed_csv_names_the_row(text, row, words):
    [(found_row, message)] = structure(text)
    assert found_row == row and words in message, message


@pytest.mark.parametrize("text", ['a,b,c\n1,"two\nlines",3\n', 'a,b,c\r\n1,2,3\r\n', 'a,b,c\n1,"say ""hi""",3\n',
                                  'a,b,c\n1,,3\n', 'a,b,c\n1,2,3'])
def test_well_formed_csv(text):
    assert structure(text) == []


# --------------------------------------------------------------------------------------
# The other commands on a folder that is not a package
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("main", [sort_rows.main, hashes.main], ids=["sort_rows", "hashes"])
def test_commands_without_a_descriptor_say_so_in_one_line(main, tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "datapackage.json: file not found" in err and "Traceback" not in err


# --------------------------------------------------------------------------------------
# The list of rules in CONTRIBUTING.md, generated from the registry
# --------------------------------------------------------------------------------------

def test_list_of_rules_in_contributing_is_current():
    assert rules_doc.main([str(REPO_ROOT), "--check"]) == 0, "run `python -m scripts.rules_doc --write`"


def test_list_of_rules_names_every_problem_id():
    table = rules_markdown()
    assert all(f"`{i}`" in table for r in all_rules() for i in r.ids)


def test_list_of_rules_write_and_check(tmp_path):
    doc = tmp_path / "CONTRIBUTING.md"
    doc.write_text(f"# Contributing\n\n{rules_doc.START}\nold\n{rules_doc.END}\n\nMore.\n", encoding="utf-8")
    assert rules_doc.main([str(tmp_path), "--check"]) == 1
    assert rules_doc.main([str(tmp_path), "--write"]) == 0
    assert rules_doc.main([str(tmp_path), "--check"]) == 0
    assert doc.read_text(encoding="utf-8") == (f"# Contributing\n\n{rules_doc.START}\n{rules_markdown()}"
                                               f"{rules_doc.END}\n\nMore.\n")


def test_list_of_rules_adds_its_section_where_there_is_none(tmp_path):
    doc = tmp_path / "CONTRIBUTING.md"
    doc.write_text("# Contributing\n\nHow to help.\n", encoding="utf-8")
    assert rules_doc.main([str(tmp_path), "--check"]) == 1
    assert rules_doc.main([str(tmp_path), "--write"]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Contributing\n\nHow to help.\n\n## Validation rules\n")
    assert f"{rules_doc.START}\n{rules_markdown()}{rules_doc.END}\n" in text
    assert rules_doc.main([str(tmp_path), "--check"]) == 0


# --------------------------------------------------------------------------------------
# scripts/bench.py: a smoke test on the smallest enlargement (the timing itself is no test)
# --------------------------------------------------------------------------------------

def test_bench_enlarges_the_package_and_it_stays_valid(capsys):
    from scripts import bench
    assert bench.main(["--rows", "100"]) == 0
    out = capsys.readouterr().out
    assert "validated in" in out and out.rstrip().endswith("valid")
