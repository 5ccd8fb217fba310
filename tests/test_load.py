"""The loading recipes in the README work as written, and scripts/load.py agrees with them.

The python blocks of the README's loading section (or docs/loading-readme-section.md,
until the lead pastes it into README.md between <!-- loading:start --> and
<!-- loading:end -->) are run exactly as a reader would run them: one after another, in
a fresh Python whose working directory is the package root.
"""
from __future__ import annotations

import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

from scripts.load import CannotLoad, LoadError, declared_dtypes, load  # noqa: E402
from scripts.package_io import load_descriptor, resources  # noqa: E402

SECTION = "docs/loading-readme-section.md"
START, END = "<!-- loading:start -->", "<!-- loading:end -->"
PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)

# Spelled out, not derived, so that a change in the type mapping itself is noticed too.
SPOT_CHECKS = {
    ("tier_status", "report_year"): "Int64",
    ("tier_status", "tier"): "string",
    ("tier_status", "ranked_separately"): "boolean",
    ("sources", "accessed"): "datetime64",
    ("victim_demographics", "victims"): "Int64",
    ("victim_demographics", "period_start"): "datetime64",
    ("origin_countries", "share_percent"): "Float64",
    ("countries", "country_code"): "string",
}


def loading_section(markdown: str) -> str:
    """The text between the loading markers, or all of it when there are none."""
    if START in markdown:
        return markdown.split(START, 1)[1].split(END, 1)[0]
    return markdown


def python_blocks(markdown: str) -> list[str]:
    return PYTHON_BLOCK.findall(loading_section(markdown))


def documents_to_test() -> list[str]:
    docs = [SECTION]
    readme = REPO_ROOT / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    if START in text and python_blocks(text):  # empty markers: the section is not pasted in yet
        docs.insert(0, "README.md")
    return docs


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
    done = subprocess.run([sys.executable, "-c", "\n\n".join(blocks) + dump], cwd=cwd,
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
        assert {c: comparable(d) for c, d in helper.dtypes.items()} == got, f"{name}: load() and the recipe disagree on dtypes"
        pd.testing.assert_frame_equal(
            same_datetime_unit(helper), same_datetime_unit(frame), check_dtype=False,
            obj=f"{name}: load() vs the README recipe",
        )
    for (name, field), dtype in SPOT_CHECKS.items():
        assert comparable(frames[name][field].dtype) == dtype, f"{name}.{field} is {frames[name][field].dtype}, expected {dtype}"


@pytest.mark.parametrize("document", documents_to_test())
def test_readme_recipes_give_the_declared_dtypes_on_the_real_package(document, tmp_path):
    blocks = python_blocks((REPO_ROOT / document).read_text(encoding="utf-8"))
    assert len(blocks) >= 3, f"{document}: expected the helper, pandas and frictionless python blocks"
    frames = run_blocks(blocks, REPO_ROOT, tmp_path / "frames.pkl")
    check_frames_against_schema(frames, REPO_ROOT)


def copy_with_scripts(package: Path) -> Path:
    """The made-up package plus the scripts, so that `from scripts.load import load` works in it."""
    shutil.copytree(REPO_ROOT / "scripts", package / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    return package


def test_recipes_keep_namibia_and_empty_cells_apart(ux_sample_package, tmp_path):
    package = copy_with_scripts(ux_sample_package)
    frames = run_blocks(python_blocks((REPO_ROOT / SECTION).read_text(encoding="utf-8")), package, tmp_path / "f.pkl")
    check_frames_against_schema(frames, package)
    assert "NA" in list(frames["countries"]["country_code"])
    assert "NA" in list(frames["origin_countries"]["country_code"])
    notes = frames["tier_status"]["notes"]
    assert notes.isna().sum() == 8 and notes.notna().sum() == 1  # an empty cell is missing, not ""


def test_load_reads_types_and_keeps_NA_as_a_code(ux_sample_package):
    countries = load("countries", ux_sample_package)
    assert countries.loc[countries["name"] == "Namibia", "country_code"].tolist() == ["NA"]
    tiers = load("tier_status", ux_sample_package)
    assert tiers["ranked_separately"].tolist() == [False] * 6 + [True] * 3
    assert tiers["tier"].isna().sum() == 6
    demo = load("victim_demographics", ux_sample_package)
    assert demo.loc[0, "period_start"] == pd.Timestamp("2018-01-01")
    assert demo["breakdown_complete"].isna().sum() == 5  # totals leave the flag empty


def test_load_reports_a_cell_that_does_not_parse(ux_sample_package):
    path = ux_sample_package / "data" / "tier_status.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2007,Kosovo,true", "2007,Kosovo,yes"), encoding="utf-8")
    with pytest.raises(LoadError, match=r"data/tier_status.csv: row 8, field 'ranked_separately': 'yes' is not a valid boolean"):
        load("tier_status", ux_sample_package)


def test_load_reports_a_header_that_differs_from_the_schema(ux_sample_package):
    path = ux_sample_package / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("iso3,name", "iso,name"), encoding="utf-8")
    with pytest.raises(LoadError, match=r"missing column.*iso3.*column\(s\) not in the schema iso"):
        load("countries", ux_sample_package)


def test_load_names_the_resources_when_the_name_is_wrong(ux_sample_package):
    with pytest.raises(CannotLoad, match="no resource named 'tiers'.*tier_status"):
        load("tiers", ux_sample_package)
    (ux_sample_package / "data" / "countries.csv").unlink()
    with pytest.raises(CannotLoad, match="data/countries.csv: file not found"):
        load("countries", ux_sample_package)


def test_load_command_prints_dtypes_and_exits_with_clear_codes(ux_sample_package):
    script = str(REPO_ROOT / "scripts" / "load.py")
    ok = subprocess.run([sys.executable, script, "tier_status", "--root", str(ux_sample_package)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"report_year\s+Int64", ok.stdout) and re.search(r"ranked_separately\s+boolean", ok.stdout)
    assert "Federal Republic of Yugoslavia" in ok.stdout
    unknown = subprocess.run([sys.executable, script, "nope", "--root", str(ux_sample_package)], capture_output=True, text=True)
    assert unknown.returncode == 2 and "no resource named 'nope'" in unknown.stderr and "Traceback" not in unknown.stderr
    path = ux_sample_package / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("AL,ALB", "AL,ALB,extra"), encoding="utf-8")
    bad = subprocess.run([sys.executable, script, "countries", "--root", str(ux_sample_package)], capture_output=True, text=True)
    assert bad.returncode == 1 and "data/countries.csv, row 2: 4 cells, but the header has 3" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_load_reports_a_blank_line_instead_of_a_row_of_nothing(ux_sample_package):
    path = ux_sample_package / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("DE,DEU,Germany\n", "DE,DEU,Germany\n\n"), encoding="utf-8")
    with pytest.raises(LoadError, match=r"data/countries.csv, row 4: the line is blank"):
        load("countries", ux_sample_package)
