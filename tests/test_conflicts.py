"""scripts/conflicts.py lists every key on which sources give different numbers."""
import csv
import shutil
from pathlib import Path

from conftest import REPO_ROOT
from scripts.conflicts import find_conflicts


def copy_package(tmp_path: Path) -> Path:
    shutil.copy(REPO_ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(REPO_ROOT / "data", tmp_path / "data")
    return tmp_path


def test_known_2019_disagreement_is_listed():
    keys = {(c["key"]["reference_year"], c["key"].get("dimension"), c["key"].get("category"))
            for c in find_conflicts(REPO_ROOT)}
    assert ("2019", "exploitation", "sex_trafficking") in keys
    # forced begging is absent from the 2021 edition's complete breakdown: an implied 0
    assert ("2019", "exploitation", "forced_begging") in keys


def test_a_new_disagreement_appears(tmp_path):
    root = copy_package(tmp_path)
    path = root / "data" / "victim_demographics.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["source_id"] == "tip-2022" and row["reference_year"] == "2020" and row["dimension"] == "total":
            row["victims"] = "18"  # the 2021 edition says 17
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=rows[0].keys(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    totals_2020 = [c for c in find_conflicts(root)
                   if c["key"]["reference_year"] == "2020" and c["key"].get("dimension") == "total"
                   and c["resource"] == "victim_demographics"]
    assert len(totals_2020) == 1
    assert sorted(o["value"] for o in totals_2020[0]["observations"]) == ["17", "18"]


def test_law_enforcement_disagreements_are_found_too(tmp_path):
    root = copy_package(tmp_path)
    path = root / "data" / "law_enforcement.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    first = dict(rows[0])
    first.update(source_id="tip-2021", value=str(int(first["value"]) + 1), preferred="false")
    rows.append(first)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=rows[0].keys(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert any(c["resource"] == "law_enforcement" for c in find_conflicts(root))
