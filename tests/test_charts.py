"""scripts/charts.py draws every chart, reproducibly, and never draws a missing year as zero."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
from scripts import charts  # noqa: E402
from scripts.load import load  # noqa: E402

CHARTS_PY = str(REPO_ROOT / "scripts" / "charts.py")
EXPECTED = ["victims-by-sex.png", "victims-by-age.png", "victims-by-exploitation.png", "tip-tiers.png", "origin-countries.png"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def texts_of(chart) -> str:
    parts = [t.get_text() for t in chart.figure.texts]
    for ax in chart.figure.axes:
        parts += [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_yticklabels()]
    return "\n".join(parts)


def bars_at(chart, year: int) -> list:
    """The drawn bars whose span covers the given year."""
    return [bar for ax in chart.figure.axes for container in ax.containers for bar in container
            if bar.get_x() <= year <= bar.get_x() + bar.get_width() or abs(bar.get_x() + bar.get_width() / 2 - year) < 0.45]


@pytest.fixture(scope="module")
def sample_charts(ux_sample_package_shared):
    return {c.name: c for c in charts.build_charts(ux_sample_package_shared)}


def test_charts_run_on_the_real_package_and_write_every_file(tmp_path):
    done = subprocess.run([sys.executable, CHARTS_PY, str(REPO_ROOT), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(EXPECTED)
    for name in EXPECTED:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name


def test_committed_charts_section_links_every_chart():
    section = (REPO_ROOT / "docs" / "charts-readme-section.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f"](docs/charts/{name})" in section, f"docs/charts-readme-section.md does not show {name}"


def test_output_is_reproducible_byte_for_byte(ux_sample_package, tmp_path):
    for out in ("a", "b"):
        assert charts.main([str(ux_sample_package), "--out", str(tmp_path / out)]) == 0
    for name in EXPECTED:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_year_without_figures_is_a_gap_not_a_zero(sample_charts):
    # The made-up package has figures for 2018 and 2020 and none at all for 2019.
    for name in ("victims-by-sex", "victims-by-age", "victims-by-exploitation"):
        chart = sample_charts[name]
        assert 2019 in chart.values.index, name
        assert chart.values.loc[2019].isna().all(), f"{name}: 2019 has values {chart.values.loc[2019].tolist()}"
        assert 0 not in chart.values.to_numpy(), f"{name}: a zero was made up"
        assert 2019 in chart.gap_years
        assert not bars_at(chart, 2019), f"{name}: a bar is drawn for 2019"
        assert "no data" in texts_of(chart)


def test_a_partial_breakdown_leaves_the_missing_category_empty(sample_charts):
    sex = sample_charts["victims-by-sex"]
    assert sex.values.loc[2020, "female"] == 22
    assert pd.isna(sex.values.loc[2020, "male"])  # the source gave only the number of women and girls
    heights_2020 = sorted(bar.get_height() for bar in bars_at(sex, 2020))
    assert heights_2020 == [22]
    assert sex.values.loc[2018].tolist() == [26, 6]


def test_only_preferred_calendar_year_figures_are_drawn(sample_charts):
    sex = sample_charts["victims-by-sex"]
    assert 2021 not in sex.values.index  # 2021 has only a January-June figure
    assert "news-2021" not in sex.sources  # its total for 2020 is not the preferred one
    assert sex.sources == ["tip-2019", "tip-2021"]
    assert "tip-2019, tip-2021" in texts_of(sex)


def test_tier_of_the_larger_entity_is_never_kosovos_own(sample_charts):
    tiers = sample_charts["tip-tiers"]
    before_2007 = tiers.values.loc[2001:2006]
    assert before_2007["kosovo_tier"].isna().all()
    assert before_2007["larger_entity_tier"].notna().sum() == 2  # 2001 and 2003
    assert tiers.values.loc[2007:2009, "kosovo_tier"].notna().all()
    assert tiers.gap_years == [2002, 2004, 2005, 2006]
    assert "not found" in texts_of(tiers)
    assert tiers.sources == ["tip-2001", "tip-2003", "tip-2007", "tip-2009"]


def test_origin_matrix_keeps_namibia_and_names_its_sources(sample_charts):
    origin = sample_charts["origin-countries"]
    text = texts_of(origin)
    assert "Namibia (NA)" in text and "Germany (DE)" in text
    assert "tip-2019, tip-2021" in text
    assert origin.gap_years == [2019]
    assert origin.values.loc[2018, ("origin", "XK")] == "count"
    assert origin.values.loc[2020, ("origin", "NA")] == "named"


def test_strongest_evidence_wins_a_cell():
    rows = pd.DataFrame({
        "year": [2019, 2019, 2019], "role": ["origin"] * 3, "country_code": ["XK"] * 3,
        "basis": ["named", "count", "count"], "period_kind": ["reporting_period", "part_of_year", "calendar_year"],
        "population": ["unspecified", "identified", "identified"], "source_id": ["a", "b", "c"],
        "preferred": pd.array([True, True, True], dtype="boolean"),
    })
    cell = charts.country_cells(rows)
    assert cell["source_id"].tolist() == ["c"]  # a full-year count over a part-year one over a mere name


def test_empty_tables_still_give_every_chart(ux_sample_package, tmp_path):
    for csv in (ux_sample_package / "data").glob("*.csv"):
        csv.write_text(csv.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert charts.main([str(ux_sample_package), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(EXPECTED)


def test_bad_data_gives_a_clear_message_and_no_file(ux_sample_package, tmp_path):
    path = ux_sample_package / "data" / "victim_demographics.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",32,tip-2019", ",thirty-two,tip-2019"), encoding="utf-8")
    done = subprocess.run([sys.executable, CHARTS_PY, str(ux_sample_package), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "data/victim_demographics.csv: row 8, field 'victims': 'thirty-two' is not a valid integer" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_the_sample_really_has_the_awkward_cases(ux_sample_package):
    """Guards the fixture the tests above rely on."""
    victims = load("victim_demographics", ux_sample_package)
    assert 2019 not in set(victims["year"])
