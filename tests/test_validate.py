"""scripts/validate.py: the real package is valid, and every rule catches the smallest break of it.

Each rule case below copies the real package, breaks one thing, and at its `yield` hands
the copy to the validator (--json); it gets back (exit code, report) and expects exit 1 and
the rule's id at the right file, row and field. test_rule runs every case and also checks
that no file of the copy changed and that nothing printed a traceback. Where a break needs
rows the real data may not have, the case adds them itself: a made-up source
(zz-test-source), a made-up country (QZ) and figures for a period no real source covers
(1999-03-07 to 1999-05-19), so the cases keep working as the data grows.

Why cases and not plain tests: each validator run costs ~0.4 s, so the cases are broken
first and validated together, in parallel, by warm fork servers (see conftest.py), one per
core; the few plain tests below call validate.main() in-process or the script itself.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ValidationJob, copy_real_package, validate_selected_in_parallel

REPO_ROOT = Path(__file__).resolve().parent.parent

SOURCES = "data/sources.csv"
TIERS = "data/tier_status.csv"
DEMO = "data/victim_demographics.csv"
COUNTRIES = "data/countries.csv"
ORIGINS = "data/origin_countries.csv"

TEST_SOURCE = {
    "source_id": "zz-test-source", "title": "Made-up report for the tests", "publisher": "Test Office",
    "published": "2020-01", "url": "https://example.org/zz-test-source",
    "consulted_url": "https://example.org/zz-test-source", "accessed": "2021-01-01", "kind": "news",
    "primary": "false", "language": "en", "notes": "",
}
SECOND_SOURCE = TEST_SOURCE | {"source_id": "zz-test-source-2", "url": "https://example.org/zz-2",
                               "consulted_url": "https://example.org/zz-2"}
TEST_COUNTRY = {"country_code": "QZ", "iso3": "QZZ", "name": "Testland"}

# A period no real source covers, so that the made-up figures compete with none.
PERIOD = {"year": "1999", "period_start": "1999-03-07", "period_end": "1999-05-19", "period_kind": "part_of_year"}


def demo_row(dimension: str, category: str, victims, **changes) -> dict:
    """A victim_demographics row of the test source, valid on its own unless changed."""
    total = dimension == "total"
    row = PERIOD | {
        "population": "potential", "dimension": dimension, "category": category, "victims": str(victims),
        "source_id": TEST_SOURCE["source_id"], "locator": "p. 1", "restatement": "false", "derived": "false",
        "breakdown_complete": "" if total else "true", "breakdown_exclusive": "" if total else "true",
        "preferred": "true", "notes": "",
    }
    return row | {k: str(v) for k, v in changes.items()}


def origin_row(basis: str, value="", **changes) -> dict:
    """An origin_countries row of the test source about the test country."""
    row = PERIOD | {
        "population": "potential", "role": "origin", "country_code": TEST_COUNTRY["country_code"], "basis": basis,
        "victims": str(value) if basis == "count" else "", "share_percent": str(value) if basis == "share" else "",
        "source_id": TEST_SOURCE["source_id"], "locator": "p. 2", "restatement": "false", "derived": "false",
        "breakdown_complete": "" if basis == "named" else "false", "preferred": "true", "notes": "",
    }
    return row | {k: str(v) for k, v in changes.items()}


def add_test_source(pkg, source: dict = TEST_SOURCE) -> int:
    return pkg.add_rows(SOURCES, [source])[0]


def add_test_country(pkg) -> int:
    return pkg.add_rows(COUNTRIES, [TEST_COUNTRY])[0]


def run_json(pkg, run) -> tuple[int, dict]:
    """Run the validator with --json; the package's files must be byte for byte the same afterwards."""
    before = pkg.file_hashes()
    code, out, err = run(pkg.root, "--json")
    assert pkg.file_hashes() == before, "the validator changed a file"
    assert "Traceback" not in out + err
    assert "internal error" not in out + err
    return code, json.loads(out)


# --------------------------------------------------------------------------------------
# Rule cases: generators that break a copy, yield, and check the (exit code, report) sent back
# --------------------------------------------------------------------------------------

RULE_CASES: dict = {}


def rule_case(fn):
    RULE_CASES[fn.__name__] = fn
    return fn


def rule_cases(names: str, values: list, ids: list[str] | None = None):
    """Like pytest.mark.parametrize, for rule cases: one case per value, named fn[id]."""
    def register(fn):
        for i, value in enumerate(values):
            args = value if "," in names else (value,)
            label = ids[i] if ids else (str(value) if isinstance(value, (str, int)) else str(i))
            RULE_CASES[f"{fn.__name__}[{label}]"] = functools.partial(fn, **dict(zip(
                [n.strip() for n in names.split(",")], args)))
        return fn
    return register


def assert_reported(report: dict, rule: str, file: str, row: int | None, field: str | None) -> dict:
    hits = [e for e in report["errors"] if e["rule"] == rule]
    for e in hits:
        if e["file"] == file and e["row"] == row and e["field"] == field:
            return e
    raise AssertionError(f"expected [{rule}] at {file}, row {row}, field {field!r}; "
                         f"the report has: {json.dumps(hits or report['errors'], indent=1)[:3000]}")


def expect_invalid(result: tuple[int, dict], rule: str, file: str, row: int | None, field: str | None) -> dict:
    code, report = result
    assert code == 1, report
    assert report["valid"] is False
    return assert_reported(report, rule, file, row, field)


# --------------------------------------------------------------------------------------
# The real package, and the command line
# --------------------------------------------------------------------------------------

def test_real_package_is_valid(validator_run):
    """The command line, in a fresh interpreter whose network is blocked (see conftest)."""
    code, out, err = validator_run(REPO_ROOT)
    assert code == 0, out + err
    assert out.startswith("VALID"), out
    assert "Traceback" not in out + err and "NETWORK ACCESS BLOCKED" not in out + err


def test_network_blocker_blocks(network_blocker_dir):
    """What makes the test above a test of "no network access": the blocker really blocks."""
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9), 1)"],
                           capture_output=True, text=True, env={"PYTHONPATH": str(network_blocker_dir)})
    assert probe.returncode != 0 and "NETWORK ACCESS BLOCKED" in probe.stderr


@rule_case
def real_package_json_report_is_valid(pkg):
    code, report = yield
    assert code == 0, report
    assert report["valid"] is True and report["error_count"] == 0 and report["errors"] == []


def test_invalid_package_human_report_names_file_row_and_field(pkg_copy, validator_run_inprocess):
    row = pkg_copy.set_cell(SOURCES, "notes", '=HYPERLINK("http://example.org")')
    code, out, err = validator_run_inprocess(pkg_copy.root)
    assert code == 1
    assert out.startswith("INVALID")
    assert f"{SOURCES}, row {row}, field 'notes': [formula-injection]" in out


@rule_case
def every_problem_in_json_has_file_row_field_rule_message(pkg):
    pkg.set_cell(DEMO, "victims", "-1")
    pkg.write_bytes(COUNTRIES, b"\xef\xbb\xbf" + pkg.read_bytes(COUNTRIES))
    code, report = yield
    assert code == 1 and report["error_count"] == len(report["errors"]) >= 2
    for error in report["errors"]:
        assert set(error) == {"file", "row", "field", "rule", "message"}
        assert error["file"] and error["rule"] and error["message"]
        assert error["row"] is None or (isinstance(error["row"], int) and error["row"] >= 1)


def test_missing_descriptor_cannot_run(tmp_path, validator_run_inprocess):
    code, out, err = validator_run_inprocess(tmp_path)
    assert code == 2
    assert "datapackage.json" in err and "not found" in err


def test_missing_descriptor_cannot_run_json(tmp_path, validator_run_inprocess):
    code, out, err = validator_run_inprocess(tmp_path, "--json")
    assert code == 2
    report = json.loads(out)
    assert report["valid"] is False and "datapackage.json" in report["cannot_run"]


def test_unexpected_exception_is_reported_without_traceback(pkg_copy, validator_run_inprocess, monkeypatch):
    from scripts import validate

    def broken_rule(table, ctx):
        raise ZeroDivisionError("made-up bug")
    monkeypatch.setattr(validate, "GENERAL_RULES", validate.GENERAL_RULES + [broken_rule])
    code, out, err = validator_run_inprocess(pkg_copy.root)
    assert code == 2
    assert "internal error: ZeroDivisionError: made-up bug" in err and "Traceback" not in out + err


# --------------------------------------------------------------------------------------
# Step 1: the files themselves and the descriptor
# --------------------------------------------------------------------------------------

@rule_case
def empty_file(pkg):
    pkg.write_bytes(COUNTRIES, b"")
    expect_invalid((yield), "empty-file", COUNTRIES, None, None)


@rule_case
def byte_order_mark(pkg):
    pkg.write_bytes(COUNTRIES, b"\xef\xbb\xbf" + pkg.read_bytes(COUNTRIES))
    expect_invalid((yield), "bom", COUNTRIES, 1, None)


@rule_case
def latin1_file(pkg):
    add_test_country(pkg)
    pkg.set_cell(COUNTRIES, "name", "Curaçao Testland", {"country_code": "QZ"})
    text = pkg.read_bytes(COUNTRIES).decode("utf-8")
    pkg.write_bytes(COUNTRIES, text.encode("latin-1", errors="replace"))
    problem = expect_invalid((yield), "encoding", COUNTRIES, None, None)
    assert "0xe7" in problem["message"]


@rule_case
def crlf_line_endings(pkg):
    pkg.write_bytes(TIERS, pkg.read_bytes(TIERS).replace(b"\n", b"\r\n"))
    expect_invalid((yield), "line-endings", TIERS, None, None)


@rule_case
def missing_final_newline(pkg):
    pkg.write_bytes(COUNTRIES, pkg.read_bytes(COUNTRIES).rstrip(b"\n"))
    expect_invalid((yield), "final-newline", COUNTRIES, None, None)


@rule_cases("change, words", [
    (lambda p: p.rename_column(DEMO, "victims", "Victims"), "missing column(s) victims; column(s) not in the schema Victims"),
    (lambda p: p.swap_columns(DEMO, "victims", "category"), "out of order"),
], ids=["renamed", "reordered"])  # more in the fault corpus
def header_differs_from_schema(pkg, change, words):
    change(pkg)
    problem = expect_invalid((yield), "header", DEMO, 1, None)
    assert words in problem["message"]


@rule_case
def row_with_an_extra_cell(pkg):
    rows = pkg.rows(COUNTRIES)
    rows[2].append("surplus")
    pkg.write_rows(COUNTRIES, rows)
    code, report = yield
    assert code == 1
    assert_reported(report, "csv-structure", COUNTRIES, None, None)
    assert_reported(report, "extra-cell", COUNTRIES, 3, None)


@rule_cases("path, words", [
    ("data/../../countries.csv", ".."), ("C:/data/countries.csv", "absolute"), (".git/config", "hidden"),
])
def unsafe_resource_path(pkg, path, words):
    pkg.set_resource_property("countries", "path", path)
    problem = expect_invalid((yield), "unsafe-path", "datapackage.json", None, None)
    assert words in problem["message"] and "countries" in problem["message"]


@rule_case
def resource_path_escaping_through_a_link(pkg):
    outside = pkg.root.parent / "outside.csv"
    outside.write_bytes(pkg.read_bytes(COUNTRIES))
    pkg.path(COUNTRIES).unlink()
    pkg.path(COUNTRIES).symlink_to(outside)
    problem = expect_invalid((yield), "unsafe-path", "datapackage.json", None, None)
    assert "outside the package" in problem["message"]


@rule_case
def descriptor_frictionless_cannot_load(pkg):
    descriptor = pkg.descriptor
    pkg.resource(descriptor, "countries")["schema"]["fields"][2]["type"] = "no-such-type"
    pkg.write_descriptor(descriptor)
    problem = expect_invalid((yield), "descriptor", "datapackage.json", None, None)
    assert "no-such-type" in problem["message"]


@rule_case
def schema_without_a_field_a_rule_needs(pkg):
    descriptor = pkg.descriptor
    fields = pkg.resource(descriptor, "sources")["schema"]["fields"]
    fields[:] = [f for f in fields if f["name"] != "consulted_url"]
    pkg.write_descriptor(descriptor)
    pkg.drop_column(SOURCES, "consulted_url")
    problem = expect_invalid((yield), "schema", "datapackage.json", None, None)
    assert "consulted_url" in problem["message"]


@rule_case
def foreign_key_to_an_undeclared_resource(pkg):
    descriptor = pkg.descriptor
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "countries"]
    pkg.write_descriptor(descriptor)
    problem = expect_invalid((yield), "foreign-key", "datapackage.json", None, None)
    assert "'countries'" in problem["message"]


@pytest.mark.parametrize("text", ['{"resources": [', "[]", '{"name": "x"}', '{"resources": ["x"]}',
                                  '{"resources": [{"name": "x", "schema": {"fields": [{"type": "string"}]}}]}'])
def test_broken_descriptor_cannot_run(pkg_copy, validator_run_inprocess, text):
    pkg_copy.path("datapackage.json").write_text(text, encoding="utf-8")
    code, out, err = validator_run_inprocess(pkg_copy.root, "--json")
    assert code == 2
    assert "datapackage.json" in json.loads(out)["cannot_run"]


def test_missing_data_file_cannot_run(pkg_copy, validator_run_inprocess):
    pkg_copy.path(COUNTRIES).unlink()
    code, out, err = validator_run_inprocess(pkg_copy.root)
    assert code == 2
    assert COUNTRIES in err and "not found" in err


# Step 2, frictionless's own checks (types, enums, primary keys ...), is exercised by the
# fault corpus (test_faults.py); here only what the validator adds to it.

def stale_hash(pkg):
    pkg.set_resource_property("countries", "hash", "sha256:" + "0" * 64)
    expect_invalid((yield), "stale-hash", COUNTRIES, None, None)


# --------------------------------------------------------------------------------------
# Step 3: the package's own rules, every resource
# --------------------------------------------------------------------------------------

@rule_case
def no_rows(pkg):
    pkg.write_rows(TIERS, pkg.rows(TIERS)[:1])
    expect_invalid((yield), "no-rows", TIERS, None, None)


@rule_case
def sort_order(pkg):
    pkg.swap_rows(COUNTRIES, 2, 3)
    expect_invalid((yield), "sort-order", COUNTRIES, 2, None)


@rule_cases("text", ["@SUM(A1)", "\tx", "+1", "-x"])
def formula_injection(pkg, text):
    row = pkg.set_cell(SOURCES, "notes", text, nth=-1)
    expect_invalid((yield), "formula-injection", SOURCES, row, "notes")


@rule_case
def foreign_key_source(pkg):
    row = pkg.add_rows(DEMO, [demo_row("total", "all", 10, source_id="zz-no-such-source")])[0]
    expect_invalid((yield), "foreign-key", DEMO, row, "source_id")


@rule_case
def foreign_key_country(pkg):
    add_test_source(pkg)
    row = pkg.add_rows(ORIGINS, [origin_row("named")])[0]  # QZ is not in countries.csv
    expect_invalid((yield), "foreign-key", ORIGINS, row, "country_code")


@rule_case
def orphan_source(pkg):
    row = add_test_source(pkg)
    expect_invalid((yield), "orphan", SOURCES, row, "source_id")


@rule_case
def orphan_country(pkg):
    row = add_test_country(pkg)
    expect_invalid((yield), "orphan", COUNTRIES, row, "country_code")


@rule_cases("url", ["example.org/report", "https://example.org/a report.pdf"])
def url_not_http_with_host(pkg, url):
    row = pkg.set_cell(SOURCES, "consulted_url", url)
    expect_invalid((yield), "url", SOURCES, row, "consulted_url")


@rule_case
def accessed_in_the_future(pkg):
    row = pkg.set_cell(SOURCES, "accessed", (dt.date.today() + dt.timedelta(days=2)).isoformat())
    expect_invalid((yield), "future-date", SOURCES, row, "accessed")


@rule_case
def accessed_before_published(pkg):
    row = pkg.add_rows(SOURCES, [TEST_SOURCE | {"accessed": "2019-12-31"}])[0]
    pkg.add_rows(DEMO, [demo_row("total", "all", 10)])
    expect_invalid((yield), "accessed-before-published", SOURCES, row, "accessed")


@rule_case
def editions_gap(pkg):
    pkg.delete_row(TIERS, {"report_year": "2002"})
    problem = expect_invalid((yield), "editions-gap", TIERS, None, "report_year")
    assert "2002" in problem["message"]


@rule_case
def edition_in_the_future(pkg):
    last = pkg.records(TIERS)[-1]
    year = max(int(last["report_year"]), dt.date.today().year) + 1
    new = [last | {"report_year": str(y)} for y in range(int(last["report_year"]) + 1, year + 1)]
    rows = pkg.add_rows(TIERS, new)
    expect_invalid((yield), "future-date", TIERS, rows[-1], "report_year")


@rule_case
def ranked_separately_but_not_kosovo(pkg):
    row = pkg.set_cell(TIERS, "ranked_separately", "false", {"assessed_entity": "Kosovo"})
    expect_invalid((yield), "tier-entity", TIERS, row, "ranked_separately")


@rule_case
def kosovo_tier_differs_from_entity_tier(pkg):
    row = pkg.set_cell(TIERS, "tier", "Tier 3", {"assessed_entity": "Kosovo", "assessed_entity_tier": "Tier 2"})
    expect_invalid((yield), "tier-entity", TIERS, row, "tier")


@rule_case
def tier_of_a_larger_entity_given_to_kosovo(pkg):
    where = {"ranked_separately": "false", "tier_basis": ["stated", "inferred"]}
    row = pkg.find_row(TIERS, where)
    pkg.set_cell(TIERS, "tier", pkg.cell(TIERS, row, "assessed_entity_tier"), where)
    expect_invalid((yield), "tier-not-own", TIERS, row, "tier")


@rule_case
def not_found_but_tier_given(pkg):
    row = pkg.set_cell(TIERS, "tier_basis", "not_found", {"tier_basis": "stated", "ranked_separately": "false"})
    expect_invalid((yield), "tier-basis", TIERS, row, "tier_basis")


@rule_case
def stated_but_no_tier(pkg):
    row = pkg.set_cell(TIERS, "assessed_entity_tier", "", {"tier_basis": "stated", "ranked_separately": "false"})
    expect_invalid((yield), "tier-basis", TIERS, row, "assessed_entity_tier")


@rule_case
def known_tier_without_locator(pkg):
    row = pkg.set_cell(TIERS, "locator", "", {"tier_basis": "stated"})
    expect_invalid((yield), "tier-source", TIERS, row, "source_id")


# --- periods, derived figures, preferred rows (both tables of figures) ------------------

@rule_cases("changes, field", [
    ({"year": "2000"}, "year"),
    ({"period_start": "1999-05-19", "period_end": "1999-03-07"}, "period_end"),
    ({"period_kind": "calendar_year"}, "period_kind"),
    ({"period_kind": "span_of_years"}, "period_kind"),
    ({"period_start": "1999-01-01", "period_end": "1999-12-31"}, "period_kind"),
], ids=["year-not-of-start", "end-before-start", "not-calendar-year", "not-span", "full-year-as-part"])
def period_demographics(pkg, changes, field):
    add_test_source(pkg)
    row = pkg.add_rows(DEMO, [demo_row("total", "all", 10, **changes)])[0]
    expect_invalid((yield), "period", DEMO, row, field)


@rule_cases("changes, field", [
    ({"period_kind": "reporting_period"}, "period_start"),
    ({"period_start": "", "period_end": ""}, "period_start"),
    ({"period_kind": "span_of_years", "period_end": "1999-12-31"}, "period_kind"),
], ids=["reporting-period-with-dates", "no-dates", "not-span"])
def period_origins(pkg, changes, field):
    add_test_source(pkg)
    add_test_country(pkg)
    row = pkg.add_rows(ORIGINS, [origin_row("named", **changes)])[0]
    expect_invalid((yield), "period", ORIGINS, row, field)


@rule_case
def period_ends_in_the_future(pkg):
    add_test_source(pkg)
    year = str(dt.date.today().year + 1)
    row = pkg.add_rows(DEMO, [demo_row("total", "all", 10, year=year, period_start=f"{year}-01-01",
                                            period_end=f"{year}-12-31", period_kind="calendar_year")])[0]
    expect_invalid((yield), "future-date", DEMO, row, "period_end")


@rule_case
def derived_without_notes(pkg):
    add_test_source(pkg)
    add_test_country(pkg)
    row = pkg.add_rows(ORIGINS, [origin_row("named", derived="true")])[0]
    expect_invalid((yield), "derived-unexplained", ORIGINS, row, "notes")


@rule_case
def no_preferred_row(pkg):
    add_test_source(pkg)
    row = pkg.add_rows(DEMO, [demo_row("total", "all", 10, preferred="false")])[0]
    expect_invalid((yield), "preferred-none", DEMO, row, "preferred")


@rule_case
def two_preferred_rows_origins(pkg):
    add_test_source(pkg)
    add_test_source(pkg, SECOND_SOURCE)
    add_test_country(pkg)
    rows = pkg.add_rows(ORIGINS, [origin_row("named"), origin_row("named", source_id=SECOND_SOURCE["source_id"])])
    expect_invalid((yield), "preferred-many", ORIGINS, rows[1], "preferred")


@rule_case
def derived_preferred_over_stated(pkg):
    add_test_source(pkg)
    add_test_source(pkg, SECOND_SOURCE)
    rows = pkg.add_rows(DEMO, [
        demo_row("total", "all", 10, preferred="false"),
        demo_row("total", "all", 11, source_id=SECOND_SOURCE["source_id"], derived="true", notes="sum of two figures"),
    ])
    expect_invalid((yield), "preferred-derived", DEMO, rows[1], "preferred")


# --- victim_demographics ----------------------------------------------------------------

@rule_case
def category_outside_its_dimension(pkg):
    add_test_source(pkg)
    rows = pkg.add_rows(DEMO, [demo_row("total", "all", 10),
                                    demo_row("sex", "child", 4, breakdown_complete="false")])
    expect_invalid((yield), "category-dimension", DEMO, rows[1], "category")


@rule_cases("rows_, bad, field", [
    ([demo_row("total", "all", 10, breakdown_complete="true")], 0, "breakdown_complete"),
    ([demo_row("total", "all", 10, breakdown_exclusive="false")], 0, "breakdown_exclusive"),
    ([demo_row("total", "all", 10), demo_row("sex", "female", 4, breakdown_complete="")], 1, "breakdown_complete"),
    ([demo_row("total", "all", 10), demo_row("age", "child", 4, breakdown_complete="false", breakdown_exclusive="false")],
     1, "breakdown_exclusive"),
    ([demo_row("total", "all", 10), demo_row("sex", "female", 4, breakdown_complete="false"),
      demo_row("sex", "male", 6, breakdown_complete="true")], 1, "breakdown_complete"),
], ids=["total-complete", "total-exclusive", "part-without-flag", "sex-overlapping", "breakdown-disagrees"])
def breakdown_flags(pkg, rows_, bad, field):
    add_test_source(pkg)
    rows = pkg.add_rows(DEMO, rows_)
    expect_invalid((yield), "breakdown-flags", DEMO, rows[bad], field)


@rule_case
def category_exceeds_total(pkg):
    add_test_source(pkg)
    rows = pkg.add_rows(DEMO, [demo_row("total", "all", 10),
                                    demo_row("sex", "female", 12, breakdown_complete="false")])
    expect_invalid((yield), "exceeds-total", DEMO, rows[1], "victims")


@rule_cases("inner, outer", [("girl", ("age", "child")), ("man", ("sex", "male"))])
def nested_category_exceeds_its_container(pkg, inner, outer):
    add_test_source(pkg)
    rows = pkg.add_rows(DEMO, [demo_row("total", "all", 20),
                                    demo_row(outer[0], outer[1], 5, breakdown_complete="false"),
                                    demo_row("sex_age", inner, 8, breakdown_complete="false")])
    problem = expect_invalid((yield), "exceeds-total", DEMO, rows[2], "victims")
    assert outer[1] in problem["message"]


@rule_case
def complete_breakdown_does_not_add_up(pkg):
    add_test_source(pkg)
    rows = pkg.add_rows(DEMO, [demo_row("total", "all", 10), demo_row("sex", "female", 3),
                                    demo_row("sex", "male", 4)])
    problem = expect_invalid((yield), "breakdown-sum", DEMO, min(rows[1:]), "victims")
    assert "7" in problem["message"] and "10" in problem["message"]


@rule_case
def overlapping_breakdown_need_not_add_up(pkg):
    add_test_source(pkg)
    pkg.add_rows(DEMO, [demo_row("total", "all", 10),
                             demo_row("exploitation", "sex_trafficking", 8, breakdown_exclusive="false"),
                             demo_row("exploitation", "forced_labor", 5, breakdown_exclusive="false")])
    code, report = yield
    assert code == 0, report


@rule_case
def complete_breakdown_without_total(pkg):
    add_test_source(pkg)
    rows = pkg.add_rows(DEMO, [demo_row("sex", "female", 3), demo_row("sex", "male", 4)])
    expect_invalid((yield), "breakdown-no-total", DEMO, min(rows), "dimension")


# --- origin_countries --------------------------------------------------------------------

@rule_cases("changes, field", [
    ({"basis": "count", "victims": ""}, "victims"),
    ({"basis": "named", "share_percent": "5", "breakdown_complete": ""}, "share_percent"),
], ids=["count-without-victims", "named-with-share"])
def basis_and_values(pkg, changes, field):
    add_test_source(pkg)
    add_test_country(pkg)
    pkg.add_rows(DEMO, [demo_row("total", "all", 10)])
    row = pkg.add_rows(ORIGINS, [origin_row("count", 2) | changes])[0]
    expect_invalid((yield), "basis-value", ORIGINS, row, field)


@rule_cases("basis, flag", [("named", "false"), ("count", "")])
def origin_breakdown_flag(pkg, basis, flag):
    add_test_source(pkg)
    add_test_country(pkg)
    pkg.add_rows(DEMO, [demo_row("total", "all", 10)])
    row = pkg.add_rows(ORIGINS, [origin_row(basis, 2, breakdown_complete=flag)])[0]
    expect_invalid((yield), "breakdown-flags", ORIGINS, row, "breakdown_complete")


@rule_case
def count_of_unspecified_population(pkg):
    add_test_source(pkg)
    add_test_country(pkg)
    row = pkg.add_rows(ORIGINS, [origin_row("share", 20, population="unspecified")])[0]
    expect_invalid((yield), "population-basis", ORIGINS, row, "population")


@rule_case
def shares_above_100(pkg):
    add_test_source(pkg)
    add_test_country(pkg)
    pkg.add_rows(COUNTRIES, [{"country_code": "QY", "iso3": "QYY", "name": "Testland Two"}])
    rows = pkg.add_rows(ORIGINS, [origin_row("share", 60), origin_row("share", 50, country_code="QY")])
    problem = expect_invalid((yield), "shares-over-100", ORIGINS, min(rows), "share_percent")
    assert "110" in problem["message"]


@rule_case
def country_count_exceeds_demographic_total(pkg):
    add_test_source(pkg)
    add_test_country(pkg)
    pkg.add_rows(DEMO, [demo_row("total", "all", 10)])
    row = pkg.add_rows(ORIGINS, [origin_row("count", 11)])[0]
    expect_invalid((yield), "exceeds-total", ORIGINS, row, "victims")


@rule_case
def complete_country_counts_do_not_add_up(pkg):
    add_test_source(pkg)
    add_test_country(pkg)
    pkg.add_rows(DEMO, [demo_row("total", "all", 10)])
    row = pkg.add_rows(ORIGINS, [origin_row("count", 7, breakdown_complete="true")])[0]
    problem = expect_invalid((yield), "breakdown-sum", ORIGINS, row, "victims")
    assert "7" in problem["message"] and "10" in problem["message"]


@rule_case
def complete_country_counts_without_total(pkg):
    add_test_source(pkg)
    add_test_country(pkg)
    row = pkg.add_rows(ORIGINS, [origin_row("count", 7, breakdown_complete="true")])[0]
    expect_invalid((yield), "breakdown-no-total", ORIGINS, row, "victims")


@rule_case
def made_up_rows_are_valid_on_their_own(pkg):
    """The tests above break the made-up rows one thing at a time: whole, they must be valid."""
    add_test_source(pkg)
    add_test_country(pkg)
    pkg.add_rows(DEMO, [demo_row("total", "all", 10), demo_row("sex", "female", 4), demo_row("sex", "male", 6),
                             demo_row("sex_age", "girl", 3, breakdown_complete="false")])
    pkg.add_rows(ORIGINS, [origin_row("count", 10, breakdown_complete="true"), origin_row("share", 40),
                                origin_row("named", role="transit")])
    code, report = yield
    assert code == 0, report


# --------------------------------------------------------------------------------------
# Robustness: odd input never crashes a rule
# --------------------------------------------------------------------------------------

@rule_cases("value", ["1e400", "99999999999999999999999"])
def odd_numbers_do_not_crash(pkg, value):
    row = pkg.set_cell(DEMO, "victims", value, {"dimension": "total"})
    code, report = yield
    assert code in (0, 1)
    if value != "99999999999999999999999":  # a huge whole number is a valid integer to frictionless
        assert any(e["row"] == row and e["field"] == "victims" for e in report["errors"]), report


@rule_case
def duplicate_total_does_not_crash(pkg):
    row = pkg.duplicate_row(DEMO, {"dimension": "total"})
    expect_invalid((yield), "primary-key", DEMO, row, None)


@rule_case
def blank_line_keeps_row_numbers(pkg):
    rows = pkg.rows(SOURCES)
    rows.insert(2, [])
    rows[-1][rows[0].index("notes")] = "=1+1"
    pkg.write_rows(SOURCES, rows)
    code, report = yield
    assert_reported(report, "blank-row", SOURCES, 3, None)
    assert_reported(report, "formula-injection", SOURCES, len(rows), "notes")


@rule_case
def unreadable_sources_do_not_make_every_source_an_orphan(pkg):
    pkg.rename_column(DEMO, "notes", "remarks")
    code, report = yield
    assert code == 1
    assert {e["rule"] for e in report["errors"]} == {"header"}, report


# --------------------------------------------------------------------------------------
# scripts/bench.py: a smoke test on a tiny size (the benchmark itself is not a test)
# --------------------------------------------------------------------------------------

def test_bench_synthetic_package_is_valid(tmp_path, validator_run_inprocess):
    import bench
    counts = bench.synthesise(tmp_path / "synthetic", 400)
    assert counts["victim_demographics"] >= 400 and counts["origin_countries"] >= 60
    code, out, err = validator_run_inprocess(tmp_path / "synthetic", "--json")
    assert code == 0, out[:3000]


def test_bench_runs_on_a_tiny_size(tmp_path):
    out_json = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "bench.py"), "--sizes", "100",
                           "--json", str(out_json)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [result] = json.loads(out_json.read_text())
    assert result["validate_exit"] == 0 and result["frictionless_exit"] == 0
    assert result["validate_s"] > 0 and result["validate_mib"] > 10 and result["frictionless_mib"] > 10


# --------------------------------------------------------------------------------------
# Running the rule cases
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rule_case_runs(request, tmp_path_factory, validator_fork_servers):
    def build(name, dest):
        pkg = copy_real_package(dest)
        case = RULE_CASES[name](pkg)
        next(case)  # break the copy, up to the case's yield
        return pkg, case
    return validate_selected_in_parallel(request, tmp_path_factory, validator_fork_servers, "case", "test_validate",
                                         build, runs=(("--json",),))


@pytest.mark.parametrize("case", list(RULE_CASES))
def test_rule(case, rule_case_runs):
    job: ValidationJob = rule_case_runs[case].result()
    [(code, out, err)] = job.results
    assert "Traceback" not in out + err and "internal error" not in out + err, out + err
    assert job.after == job.before, "the validator changed a file"
    with pytest.raises(StopIteration):
        job.payload.send((code, json.loads(out)))
