"""scripts/conflicts.py lists every key on which sources give different numbers."""
import shutil
import subprocess
import sys
import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def conflicts_json(root):
    result = subprocess.run([sys.executable, "scripts/conflicts.py", str(root), "--json"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def copy_package(tmp_path):
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def test_known_2019_disagreement_is_listed():
    found = conflicts_json(ROOT)
    keys = {(c["key"]["year"], c["key"]["dimension"], c["key"]["category"]) for c in found}
    assert ("2019", "exploitation", "sex_trafficking") in keys
    # forced begging is absent from the 2021 edition's complete breakdown: an implied 0
    assert ("2019", "exploitation", "forced_begging") in keys


def test_a_new_disagreement_appears(tmp_path):
    root = copy_package(tmp_path)
    path = root / "data" / "victim_demographics.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["source_id"] == "tip-2022" and row["year"] == "2020" and row["dimension"] == "total":
            row["victims"] = "18"  # the 2021 edition says 17
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=rows[0].keys(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    found = conflicts_json(root)
    totals_2020 = [c for c in found if c["key"]["year"] == "2020" and c["key"]["dimension"] == "total"]
    assert len(totals_2020) == 1
    values = sorted(o["value"] for o in totals_2020[0]["observations"])
    assert values == ["17", "18"]
