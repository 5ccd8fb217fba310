"""scripts/load.py (the installed module's `load`) and the README's loading recipes.

The python blocks of the README's loading section (between <!-- loading:start --> and
<!-- loading:end -->) are run exactly as a reader would run them: one after another, in a
fresh Python whose working directory is the package root. A reader who installed the package
has `kosovo_human_trafficking`; in the checkout that module is the `scripts` package (the same
code: tests/test_install.py proves the installed one loads the same way), so the run makes
that name importable before the blocks.

The helper's own tests work on a copy of the real package, edited where a case needs it.
"""
from __future__ import annotations

import csv
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO_ROOT

import scripts
from scripts.load import CannotLoad, LoadError, declared_dtypes, load, package_root, package_version, resource_names
from scripts.load import main as load_main
from scripts.package_io import load_descriptor, resources

START, END = "<!-- loading:start -->", "<!-- loading:end -->"
PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
INSTALLED_NAME_IN_CHECKOUT = "import sys as _sys, scripts as _kht\n_sys.modules['kosovo_human_trafficking'] = _kht\n"

# Spelled out, not derived, so that a change in the type mapping itself is noticed too.
SPOT_CHECKS = {
    ("tier_status", "edition"): "Int64",
    ("tier_status", "tier"): "string",
    ("tier_status", "kosovo_ranked"): "boolean",
    ("sources", "accessed"): "datetime64",
    ("victim_demographics", "victims"): "Int64",
    ("victim_demographics", "period_start"): "datetime64",
    ("origin_countries", "share_percent"): "Float64",
    ("countries", "country_code"): "string",
}


def loading_section(markdown: str) -> str:
    assert START in markdown and END in markdown, f"README.md has no {START} ... {END} section"
    return markdown.split(START, 1)[1].split(END, 1)[0]


def readme_blocks() -> list[str]:
    """The README's loading blocks, then the data dictionary's per-table pandas recipes."""
    readme = PYTHON_BLOCK.findall(loading_section((REPO_ROOT / "README.md").read_text(encoding="utf-8")))
    dictionary = PYTHON_BLOCK.findall((REPO_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8"))
    return readme + dictionary


def comparable(dtype) -> str:
    """A dtype's name, with the datetime resolution left out: pandas versions differ in it."""
    return "datetime64" if pd.api.types.is_datetime64_any_dtype(dtype) else str(dtype)


def same_datetime_unit(frame: pd.DataFrame) -> pd.DataFrame:
    dates = [c for c, d in frame.dtypes.items() if pd.api.types.is_datetime64_any_dtype(d)]
    return frame.astype({c: "datetime64[ns]" for c in dates}).reset_index(drop=True)


def run_blocks(blocks: list[str], cwd: Path, out: Path) -> dict[str, pd.DataFrame]:
    """Run the blocks as one script in a fresh interpreter; return the data frames it made."""
    dump = (
        "\nimport pickle as _p, pandas as _pd\n"
        f"_p.dump({{k: v for k, v in dict(globals()).items() if isinstance(v, _pd.DataFrame)}}, open({str(out)!r}, 'wb'))\n"
    )
    done = subprocess.run([sys.executable, "-c", INSTALLED_NAME_IN_CHECKOUT + "\n\n".join(blocks) + dump], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the README's python blocks fail when run as written:\n{done.stderr[-3000:]}"
    with open(out, "rb") as fh:
        return pickle.load(fh)


def check_frames_against_schema(frames: dict[str, pd.DataFrame], root: Path) -> None:
    declared = resources(load_descriptor(root))
    missing = [name for name in declared if name not in frames]
    assert not missing, f"no pandas recipe (a frame named after the resource) for: {missing}"
    for name, resource in declared.items():
        frame = frames[name]
        assert list(frame.columns) == resource.field_names, f"{name}: columns differ from the schema"
        expected = {col: comparable(dt) for col, dt in declared_dtypes(resource).items()}
        got = {col: comparable(dt) for col, dt in frame.dtypes.items()}
        assert got == expected, f"{name}: recipe dtypes differ from the schema: " + str(
            {c: (got[c], expected[c]) for c in expected if got.get(c) != expected[c]})
        helper = load(name, root)
        pd.testing.assert_frame_equal(same_datetime_unit(helper), same_datetime_unit(frame), check_dtype=False,
                                      obj=f"{name}: load() vs the README recipe")
    for (name, field), dtype in SPOT_CHECKS.items():
        assert comparable(frames[name][field].dtype) == dtype, f"{name}.{field} is {frames[name][field].dtype}, expected {dtype}"


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the real package (descriptor and data), to edit."""
    root = tmp_path / "package"
    root.mkdir()
    shutil.copy(REPO_ROOT / "datapackage.json", root / "datapackage.json")
    shutil.copytree(REPO_ROOT / "data", root / "data")
    return root


def add_namibia(root: Path) -> None:
    with (root / "data" / "countries.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("NA,NAM,Namibia\n")


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------
# The README's recipes
# --------------------------------------------------------------------------------------

def test_readme_recipes_give_the_declared_dtypes_and_keep_namibia_and_empty_cells_apart(package, tmp_path):
    """The recipes run as written, in one fresh interpreter, on a copy of the real package with one row
    more (Namibia, whose code NA pandas would read as missing unless told not to)."""
    blocks = readme_blocks()
    assert len(blocks) >= 3, "README.md and docs/data-dictionary.md: expected the loading blocks and one recipe per table"
    add_namibia(package)
    shutil.copytree(REPO_ROOT / "scripts", package / "scripts", ignore=shutil.ignore_patterns("__pycache__"))  # the recipes import it
    frames = run_blocks(blocks, package, tmp_path / "frames.pkl")
    check_frames_against_schema(frames, package)
    assert "NA" in list(frames["countries"]["country_code"])
    empty_notes = sum(1 for row in csv_rows(package / "data" / "tier_status.csv") if row["notes"] == "")
    assert frames["tier_status"]["notes"].isna().sum() == empty_notes  # an empty cell is missing, not ""
    identified = frames["identified"]  # the README's one measure of the annual series: a year once, numbers as numbers
    assert identified["reference_year"].is_unique and str(identified["victims"].dtype) == "Int64"


# --------------------------------------------------------------------------------------
# load()
# --------------------------------------------------------------------------------------

def test_load_reads_types_and_keeps_NA_as_a_code(package):
    add_namibia(package)
    countries = load("countries", package)
    assert countries.loc[countries["name"] == "Namibia", "country_code"].tolist() == ["NA"]
    assert countries["country_code"].isna().sum() == 0
    tiers = load("tier_status", package)
    raw = csv_rows(package / "data" / "tier_status.csv")
    assert tiers["kosovo_ranked"].tolist() == [row["kosovo_ranked"] == "true" for row in raw]
    assert tiers["edition"].tolist() == [int(row["edition"]) for row in raw]
    assert tiers["tier"].isna().sum() == sum(1 for row in raw if row["tier"] == "")
    demo = load("victim_demographics", package)
    first = csv_rows(package / "data" / "victim_demographics.csv")[0]
    assert demo.loc[0, "period_start"] == pd.Timestamp(first["period_start"])
    empty = sum(1 for row in csv_rows(package / "data" / "victim_demographics.csv") if row["breakdown_complete"] == "")
    assert empty > 0 and demo["breakdown_complete"].isna().sum() == empty  # totals leave the flag empty


def test_load_gives_every_resource_its_declared_dtypes():
    for name, resource in resources(load_descriptor(REPO_ROOT)).items():
        frame = load(name)
        assert {c: comparable(d) for c, d in frame.dtypes.items()} == {
            c: comparable(pd.Series(dtype=d).dtype) for c, d in declared_dtypes(resource).items()}, name


def test_load_reports_a_cell_that_does_not_parse(package):
    path = package / "data" / "tier_status.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("2007,"))
    lines[row] = re.sub(r"^2007,([^,]*),false,", r"2007,\1,yes,", lines[row])
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(LoadError, match=rf"data/tier_status.csv: row {row + 1}, field 'kosovo_entry': 'yes' is not a valid boolean"):
        load("tier_status", package)


def test_load_reports_a_header_that_differs_from_the_schema(package):
    path = package / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("iso3,name", "iso,name"), encoding="utf-8")
    with pytest.raises(LoadError, match=r"missing column.*iso3.*column\(s\) not in the schema iso"):
        load("countries", package)


def test_load_names_the_resources_when_the_name_is_wrong(package):
    with pytest.raises(CannotLoad, match="no resource named 'tiers'.*tier_status"):
        load("tiers", package)
    (package / "data" / "countries.csv").unlink()
    with pytest.raises(CannotLoad, match="data/countries.csv: file not found"):
        load("countries", package)


def test_load_reports_a_blank_line_instead_of_a_row_of_nothing(package):
    path = package / "data" / "countries.csv"
    text = path.read_text(encoding="utf-8")
    second = text.split("\n")[2]
    path.write_text(text.replace(second + "\n", second + "\n\n", 1), encoding="utf-8")
    with pytest.raises(LoadError, match=r"data/countries.csv, row 4: the line is blank"):
        load("countries", package)


def test_load_command_prints_dtypes_and_exits_with_clear_codes(package, capsys):
    """One run through the command line; the exit codes in process."""
    ok = subprocess.run([sys.executable, "-m", "scripts.load", "tier_status", "--root", str(package)],
                        cwd=REPO_ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"edition\s+Int64", ok.stdout) and re.search(r"kosovo_ranked\s+boolean", ok.stdout)
    assert "Federal Republic of Yugoslavia" in ok.stdout
    assert load_main(["nope", "--root", str(package)]) == 2
    err = capsys.readouterr().err
    assert "no resource named 'nope'" in err and "Traceback" not in err
    path = package / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("AL,ALB", "AL,ALB,extra"), encoding="utf-8")
    assert load_main(["countries", "--root", str(package)]) == 1
    err = capsys.readouterr().err
    assert "data/countries.csv, row 2: 4 cells, but the header has 3" in err and "Traceback" not in err


# --------------------------------------------------------------------------------------
# The package's own names (kht.load, kht.resources, kht.__version__)
# --------------------------------------------------------------------------------------

def test_in_a_checkout_the_data_are_the_repository_s():
    assert package_root() == REPO_ROOT
    descriptor = load_descriptor(REPO_ROOT)
    assert resource_names() == [r["name"] for r in descriptor["resources"]]
    assert package_version() == descriptor["version"]


def test_package_names_load_resources_and_version():
    assert scripts.__version__ == load_descriptor(REPO_ROOT)["version"]
    assert scripts.resources() == resource_names()
    assert scripts.load is load, "the package's load is the function, though scripts/load.py is imported"
    assert scripts.LoadError is LoadError and scripts.CannotLoad is CannotLoad
    pd.testing.assert_frame_equal(scripts.load("countries"), load("countries"))
    with pytest.raises(AttributeError):
        scripts.no_such_name  # noqa: B018
