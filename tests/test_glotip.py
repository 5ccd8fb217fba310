"""scripts/glotip.py on a small fixture cut from UNODC's GLOTIP file (the real file is not in the repository)."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from scripts import glotip
from scripts.package_io import read_raw

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "glotip_sample.csv"


def fixture_xlsx(tmp_path: Path) -> Path:
    """The fixture rows in GLOTIP's layout: two preamble rows, the header on row 3."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data_glotip_1"
    sheet.append(["UNODC"])
    sheet.append(["14/04/2025"])
    with FIXTURE.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    path = tmp_path / "data_glotip.xlsx"
    book.save(path)
    return path


@pytest.fixture
def package(tmp_path: Path) -> Path:
    dest = tmp_path / "package"
    shutil.copytree(REPO / "data", dest / "data")
    shutil.copy(REPO / "datapackage.json", dest)
    return dest


def test_extracts_every_kosovo_label_and_keeps_suppressed_values_empty(tmp_path, package):
    rows = glotip.extract(fixture_xlsx(tmp_path), package, check_hash=False)
    fixture = list(csv.DictReader(FIXTURE.open(encoding="utf-8")))
    expected = [r for r in fixture if "kosov" in r["Category"].lower() and r["Indicator"] == glotip.INDICATOR]
    assert len(rows) == len(expected) > 0
    assert set(rows["source_phrase"]) == {r["Category"] for r in expected}
    suppressed = rows[rows["published_below"] != ""]
    assert (suppressed["victims"] == "").all() and set(suppressed["published_below"]) == {"5"}
    counted = rows[rows["published_below"] == ""]
    assert sorted(counted["victims"].astype(int)) == sorted(int(r["txtVALUE"]) for r in expected if not r["txtVALUE"].startswith("<"))
    assert (rows["population"] == "detected_abroad").all() and (rows["role"] == "destination").all()


def test_write_replaces_only_its_own_rows_and_the_package_stays_valid(tmp_path, package):
    from scripts.hashes import main as refresh_hashes
    from scripts.validate import validate_package

    before = read_raw(package / "data" / "origin_countries.csv")
    others = before[before["source_id"] != glotip.GLOTIP_SOURCE]
    assert glotip.main([str(fixture_xlsx(tmp_path)), "--package", str(package), "--write", "--no-hash-check"]) == 0
    after = read_raw(package / "data" / "origin_countries.csv")
    assert len(after[after["source_id"] != glotip.GLOTIP_SOURCE]) == len(others)
    assert refresh_hashes([str(package)]) == 0
    # The fixture holds fewer reporting countries than the real file: only their code-list
    # entries may go unused; every new row itself must pass every rule.
    problems = [p.line() for p in validate_package(package) if not (p.rule == "orphan" and p.file == "data/countries.csv")]
    assert problems == []


def test_refuses_a_file_that_is_not_the_recorded_copy(tmp_path, package, capsys):
    assert glotip.main([str(fixture_xlsx(tmp_path)), "--package", str(package)]) == 2
    assert "sha256" in capsys.readouterr().err


def test_an_unreadable_value_is_an_error_not_a_number():
    with pytest.raises(glotip.ExtractError, match="neither a count"):
        glotip.value_cells("61,10x", "row 9")
    assert glotip.value_cells("1,639", "row 9") == ("1639", "")
    assert glotip.value_cells("<5", "row 9") == ("", "5")
