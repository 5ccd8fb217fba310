"""scripts/charts.py draws every chart reproducibly, and so that it cannot be misread: no missing
year drawn as zero, no part-year figure hidden or passed off as a whole year, secondary sources
marked, Special Case kept off the tier scale, incomplete country breakdowns saying so."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.colors
import pandas as pd
from matplotlib.collections import LineCollection
import pytest

from scripts import charts

REPO_ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ["victims-by-sex.png", "victims-by-age.png", "victims-by-exploitation.png", "tip-tiers.png", "origin-countries.png",
            "law-enforcement.png"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 150_000

# A made-up package in the 2.0 schema: the real datapackage.json and categories, invented rows
# that hold every awkward case the charts must show right.
SAMPLE_CSV = {
    "sources.csv": """\
source_id,title,publisher,published,url,consulted_url,accessed,kind,primary,language,notes
news-2021,Police report 31 victims in 2020,Example News,2021-02,https://news.example.org/a,https://news.example.org/a,2026-11-01,news,false,en,
news-2023,Police figures for 2022,Example News,2023-01,https://news.example.org/b,https://news.example.org/b,2026-11-01,news,false,en,
news-2024,Police figures for 2023,Example News,2024-01,https://news.example.org/c,https://news.example.org/c,2026-11-01,news,false,en,
tip-2001,2001 Trafficking in Persons Report: Federal Republic of Yugoslavia,U.S. Department of State,2001-07,https://www.state.gov/tip-2001/,https://www.state.gov/tip-2001/,2026-11-01,government_report,true,en,
tip-2003,2003 Trafficking in Persons Report: Serbia and Montenegro,U.S. Department of State,2003-06,https://www.state.gov/tip-2003/,https://www.state.gov/tip-2003/,2026-11-01,government_report,true,en,
tip-2007,2007 Trafficking in Persons Report: Serbia,U.S. Department of State,2007-06,https://www.state.gov/tip-2007/,https://www.state.gov/tip-2007/,2026-11-01,government_report,true,en,
tip-2008,2008 Trafficking in Persons Report: Special Cases,U.S. Department of State,2008-06,https://www.state.gov/tip-2008/,https://www.state.gov/tip-2008/,2026-11-01,government_report,true,en,
tip-2009,2009 Trafficking in Persons Report: Kosovo,U.S. Department of State,2009-06,https://www.state.gov/tip-2009/,https://www.state.gov/tip-2009/,2026-11-01,government_report,true,en,
tip-2011,2011 Trafficking in Persons Report: Kosovo,U.S. Department of State,2011-06,https://www.state.gov/tip-2011/,https://www.state.gov/tip-2011/,2026-11-01,government_report,true,en,
tip-2019,2019 Trafficking in Persons Report: Kosovo,U.S. Department of State,2019-06,https://www.state.gov/tip-2019/,https://www.state.gov/tip-2019/,2026-11-01,government_report,true,en,
tip-2021,2021 Trafficking in Persons Report: Kosovo,U.S. Department of State,2021-06,https://www.state.gov/tip-2021/,https://www.state.gov/tip-2021/,2026-11-01,government_report,true,en,
tip-2022,2022 Trafficking in Persons Report: Kosovo,U.S. Department of State,2022-07,https://www.state.gov/tip-2022/,https://www.state.gov/tip-2022/,2026-11-01,government_report,true,en,
""",
    "tier_status.csv": """\
edition,assessed_entity,kosovo_entry,kosovo_ranked,assessed_entity_tier,tier,tier_basis,source_id,locator,notes
2001,Federal Republic of Yugoslavia,false,false,Tier 2,,stated,tip-2001,country heading,
2002,Federal Republic of Yugoslavia,false,false,,,not_found,,,no copy in reach
2003,Serbia and Montenegro,false,false,Tier 2,,stated,tip-2003,country heading,
2004,Serbia and Montenegro,false,false,,,not_found,,,
2005,Serbia and Montenegro,false,false,,,not_found,,,
2006,Serbia and Montenegro,false,false,,,not_found,,,
2007,Serbia,false,false,Tier 2 Watch List,,stated,tip-2007,country heading,
2008,Kosovo,true,false,Special Case,,stated,tip-2008,Special Cases,
2009,Kosovo,true,true,Tier 2,Tier 2,stated,tip-2009,country heading,
2010,Kosovo,true,true,Tier 2 Watch List,Tier 2 Watch List,inferred,tip-2011,first paragraph,
2011,Kosovo,true,true,Tier 2,Tier 2,stated,news-2021,quotation,
""",
    "victim_demographics.csv": """\
reference_year,period_start,period_end,period_kind,population,dimension,category,victims,source_id,locator,source_phrase,restatement,derived,breakdown_complete,breakdown_exclusive,preferred,notes
2016,2016-01-01,2016-09-30,part_of_year,identified,total,all,20,news-2021,3rd paragraph,,false,false,,,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,age,adult,20,tip-2019,"PROTECTION, 1st paragraph",,false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,age,child,12,tip-2019,"PROTECTION, 1st paragraph",,false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,exploitation,forced_begging,4,tip-2019,"PROTECTION, 1st paragraph",,false,false,false,false,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,exploitation,sex_trafficking,25,tip-2019,"PROTECTION, 1st paragraph",,false,false,false,false,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,sex,female,26,tip-2019,"PROTECTION, 1st paragraph",,false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,sex,male,6,tip-2019,"PROTECTION, 1st paragraph",,false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,total,all,32,tip-2019,"PROTECTION, 1st paragraph",,false,false,,,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,exploitation,forced_labor,5,tip-2021,"PROTECTION, 1st paragraph",,false,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,exploitation,sex_trafficking,20,tip-2021,"PROTECTION, 1st paragraph",,false,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,sex,female,22,tip-2021,"PROTECTION, 1st paragraph",,false,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,total,all,31,news-2021,3rd paragraph,,false,false,,,false,secondary source
2020,2020-01-01,2020-12-31,calendar_year,identified,total,all,30,tip-2021,"PROTECTION, 1st paragraph",,false,false,,,true,
2020,2020-01-01,2020-12-31,calendar_year,potential,total,all,50,tip-2021,"PROTECTION, 1st paragraph",,false,false,,,true,
2021,2021-01-01,2021-06-30,part_of_year,identified,sex,female,8,tip-2022,"PROTECTION, 1st paragraph",,false,false,false,true,true,
2021,2021-01-01,2021-06-30,part_of_year,identified,total,all,10,tip-2022,"PROTECTION, 1st paragraph",,false,false,,,true,
2022,2022-01-01,2022-12-31,calendar_year,identified,sex,female,9,news-2023,2nd paragraph,,false,false,true,true,true,
2022,2022-01-01,2022-12-31,calendar_year,identified,sex,male,3,news-2023,2nd paragraph,,false,false,true,true,true,
2022,2022-01-01,2022-12-31,calendar_year,identified,total,all,12,news-2023,2nd paragraph,,false,false,,,true,
2023,2023-01-01,2023-10-31,part_of_year,identified,total,all,9,news-2024,1st paragraph,,false,false,,,true,
2023,2023-01-01,2023-12-31,calendar_year,identified,sex,female,7,news-2024,2nd paragraph,,false,false,false,true,true,
""",
    "countries.csv": """\
country_code,iso3,name
AL,ALB,Albania
DE,DEU,Germany
NA,NAM,Namibia
XK,XKX,Kosovo
""",
    "origin_countries.csv": """\
reference_year,period_start,period_end,period_kind,population,role,country_code,basis,victims,share_percent,published_below,source_id,locator,source_phrase,restatement,derived,breakdown_complete,preferred,notes
2018,2018-01-01,2018-12-31,calendar_year,identified,origin,AL,count,2,,,tip-2019,"PROTECTION, 1st paragraph",,false,false,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,origin,XK,count,30,,,tip-2019,"PROTECTION, 1st paragraph",,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,destination,DE,count,,,5,news-2021,3rd paragraph,,false,false,false,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,origin,AL,share,,10,,tip-2021,"PROTECTION, 1st paragraph",,false,false,false,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,origin,NA,named,,,,tip-2021,"PROTECTION, 1st paragraph",,false,false,,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,origin,XK,share,,80,,tip-2021,"PROTECTION, 1st paragraph",,false,false,false,true,
2021,2021-01-01,2021-06-30,part_of_year,identified,origin,AL,count,1,,,tip-2022,"PROTECTION, 1st paragraph",,false,false,false,true,
""",
    "profile_countries.csv": """\
edition,role,country_code,source_id,locator,source_phrase,notes
2019,origin,AL,tip-2019,trafficking profile,,
""",
}


def write_sample(dest: Path) -> Path:
    (dest / "data").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "datapackage.json", dest / "datapackage.json")
    shutil.copy(REPO_ROOT / "data" / "categories.csv", dest / "data" / "categories.csv")
    for generated_or_later in ("headline_series", "law_enforcement"):  # empty tables: their header only
        header = (REPO_ROOT / "data" / f"{generated_or_later}.csv").read_text(encoding="utf-8").splitlines()[0]
        (dest / "data" / f"{generated_or_later}.csv").write_text(header + "\n", encoding="utf-8")
    for name, text in SAMPLE_CSV.items():
        (dest / "data" / name).write_text(text, encoding="utf-8", newline="\n")
    return dest


@pytest.fixture
def sample_package(tmp_path) -> Path:
    return write_sample(tmp_path / "package")


@pytest.fixture(scope="module")
def sample_charts(tmp_path_factory):
    root = write_sample(tmp_path_factory.mktemp("charts") / "package")
    import matplotlib
    with matplotlib.rc_context(charts.RC):
        return {c.name: c for c in charts.build_charts(root)}


@pytest.fixture(scope="module")
def real_charts():
    import matplotlib
    with matplotlib.rc_context(charts.RC):
        return {c.name: c for c in charts.build_charts(REPO_ROOT)}


# --- what the charts show, read back from the drawn figure -----------------------------------

def texts_of(chart) -> str:
    parts = [t.get_text() for t in chart.figure.texts]
    for ax in chart.figure.axes:
        parts += [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_yticklabels()]
        parts += [ax.get_xlabel()] + [t.get_text() for t in ax.get_xticklabels()]
        legend = ax.get_legend()
        if legend:
            parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


def bars_at(chart, year: float) -> list:
    """The drawn bars whose span covers the given year."""
    return [bar for ax in chart.figure.axes for container in ax.containers for bar in container
            if bar.get_x() - 0.01 <= year <= bar.get_x() + bar.get_width() + 0.01]


def points(chart, ax_index: int = 0) -> list[tuple[float, float, object]]:
    """Every scatter marker of one axes: (x, y, collection)."""
    ax = chart.figure.axes[ax_index]
    return [(float(x), float(y), c) for c in ax.collections if hasattr(c, "get_offsets")
            for x, y in c.get_offsets()]


def is_secondary(patch) -> bool:
    return patch.get_hatch() == charts.SECONDARY_HATCH


def total_line_at(chart, year: int):
    """The short horizontal line drawn for the year's total."""
    (line,) = [c for ax in chart.figure.axes for c in ax.collections if isinstance(c, LineCollection)
               and abs(c.get_segments()[0][:, 0].mean() - year) < 0.01]
    return line


# --- the command line and the files ----------------------------------------------------------

def test_command_line_runs_as_a_module_and_names_what_is_missing(tmp_path):
    """The one run through the command line; what the charts hold is tested in process below, and
    that the committed PNGs are those of the data (drawn again, byte for byte) by the freshness test
    in test_generate.py."""
    done = subprocess.run([sys.executable, "-m", "scripts.charts", str(tmp_path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 2, done.stderr
    assert "datapackage.json: file not found" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_chart_drawn_here_is_byte_for_byte_the_committed_one(real_charts):
    """Drawing is reproducible on this machine: the freshness test (test_generate.py) trusts
    fingerprint.json to say whether the committed PNGs are those of the data."""
    import matplotlib
    with matplotlib.rc_context(charts.RC):
        drawn = charts.png_bytes(real_charts["victims-by-sex"])
    assert drawn == (REPO_ROOT / "docs" / "charts" / "victims-by-sex.png").read_bytes()


def test_charts_are_drawn_again_only_when_an_input_or_a_png_changed(tmp_path, monkeypatch, capsys):
    root = tmp_path / "package"
    shutil.copytree(REPO_ROOT / "data", root / "data")
    shutil.copytree(REPO_ROOT / "docs" / "charts", root / "docs" / "charts")
    shutil.copy(REPO_ROOT / "datapackage.json", root)

    def drawing(_root):
        raise RuntimeError("drawn")
    monkeypatch.setattr(charts, "build_charts", drawing)
    assert charts.main([str(root)]) == 0
    assert "the charts are those of the data" in capsys.readouterr().out
    png = root / "docs" / "charts" / "tip-tiers.png"
    png.write_bytes(png.read_bytes() + b"\0")
    with pytest.raises(RuntimeError, match="drawn"):
        charts.main([str(root)])
    png.write_bytes(png.read_bytes()[:-1])
    assert charts.main([str(root)]) == 0
    tiers = root / "data" / "tier_status.csv"
    tiers.write_text(tiers.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="drawn"):
        charts.main([str(root)])


def test_committed_charts_are_every_chart_and_small():
    folder = REPO_ROOT / "docs" / "charts"
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(EXPECTED)
    assert sorted(json.loads((folder / charts.FINGERPRINT).read_text(encoding="utf-8"))["charts"]) == sorted(EXPECTED)
    for name in EXPECTED:
        data = (folder / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and 5_000 < len(data) < MAX_PNG_BYTES, (name, len(data))


def test_other_data_other_bytes(sample_package):
    """The checks above would pass for a constant picture; a changed figure must change the file."""
    import matplotlib

    def sex_png() -> bytes:
        with matplotlib.rc_context(charts.RC):
            lookups = charts.schema_lookups(sample_package)
            victims = charts.load("victim_demographics", sample_package)
            return charts.png_bytes(charts.victims_chart(victims, "victims-by-sex", lookups))
    before = sex_png()
    path = sample_package / "data" / "victim_demographics.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",sex,female,26,", ",sex,female,25,"), encoding="utf-8")
    assert before.startswith(PNG_MAGIC) and sex_png() != before


def test_empty_tables_still_give_every_chart(sample_package, tmp_path):
    for csv in (sample_package / "data").glob("*.csv"):
        if csv.name not in ("categories.csv", "sources.csv"):
            csv.write_text(csv.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    import matplotlib
    with matplotlib.rc_context(charts.RC):
        drawn = charts.build_charts(sample_package)
    assert sorted(c.filename for c in drawn) == sorted(EXPECTED)


def test_bad_data_gives_a_clear_message_and_no_file(sample_package, tmp_path, capsys):
    path = sample_package / "data" / "victim_demographics.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",32,tip-2019", ",thirty-two,tip-2019"), encoding="utf-8")
    assert charts.main([str(sample_package), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "data/victim_demographics.csv: row 9, field 'victims': 'thirty-two' is not a valid integer" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


# --- per-year charts ---------------------------------------------------------------------------

def test_a_year_without_any_figure_is_a_labelled_gap_never_a_zero(sample_charts):
    for name in ("victims-by-sex", "victims-by-age"):
        chart = sample_charts[name]
        for year in (2017, 2019):  # nothing at all in the sources
            assert chart.values.loc[year].isna().all(), name
            assert year in chart.gap_years and year in chart.empty_years, name
            assert not bars_at(chart, year), f"{name}: a bar is drawn for {year}"
        assert 0 not in chart.values.to_numpy(), f"{name}: a zero was made up"
        assert "no figure in the sources" in texts_of(chart)
        assert chart.figure.axes[0].get_xlabel() == "reference year (the year the figures describe)"


def test_a_year_with_a_total_but_no_breakdown_is_hatched_but_not_empty(sample_charts):
    sex = sample_charts["victims-by-sex"]
    assert 2016 in sex.gap_years and 2016 not in sex.empty_years  # a January-September total, no sex


def test_a_part_year_figure_is_drawn_as_one_with_its_months(sample_charts):
    sex = sample_charts["victims-by-sex"]
    assert sex.values.loc[2021, "female"] == 8  # drawn, not "no data"
    assert 2021 not in sex.gap_years
    (bar,) = bars_at(sex, 2021)
    assert bar.get_height() == 8
    assert bar.get_facecolor()[:3] == (1.0, 1.0, 1.0) and bar.get_linestyle() != "solid"  # outlined, dashed
    assert "Jan–Jun only" in texts_of(sex)
    row = sex.marks[(sex.marks["year"] == 2021) & (sex.marks["category"] == "female")].iloc[0]
    assert row["part_year"] and row["period"] == "Jan–Jun"
    # a whole-year bar is filled
    (female_2018, _male) = bars_at(sex, 2018)
    assert female_2018.get_facecolor()[:3] != (1.0, 1.0, 1.0)


def test_a_total_for_another_period_is_not_set_against_a_whole_year_breakdown(sample_charts):
    sex = sample_charts["victims-by-sex"]
    assert sex.values.loc[2023, "female"] == 7
    assert not ((sex.marks["year"] == 2023) & (sex.marks["category"] == "total")).any()
    assert "Not drawn: a total that covers another period than the year's breakdown (2023: Jan–Oct)" in \
        " ".join(texts_of(sex).split())


def test_secondary_figures_look_different_and_the_legend_says_so(sample_charts):
    sex = sample_charts["victims-by-sex"]
    secondary = bars_at(sex, 2022)  # news-2023
    primary = bars_at(sex, 2018)  # tip-2019
    assert len(secondary) == 2 and all(is_secondary(b) for b in secondary)
    assert primary and not any(is_secondary(b) for b in primary)
    assert total_line_at(sex, 2018).get_linestyle()[0][1] is None  # solid
    assert total_line_at(sex, 2022).get_linestyle()[0][1] is not None  # dashed
    assert "secondary source:\nnews retelling official figures" in texts_of(sex)


def test_a_partial_breakdown_leaves_the_missing_category_empty(sample_charts):
    sex = sample_charts["victims-by-sex"]
    assert sex.values.loc[2020, "female"] == 22
    assert pd.isna(sex.values.loc[2020, "male"])  # the source gave only the number of women and girls
    assert sorted(bar.get_height() for bar in bars_at(sex, 2020)) == [22]
    assert sex.values.loc[2018].tolist() == [26, 6]


def test_only_preferred_identified_figures_are_drawn(sample_charts):
    sex = sample_charts["victims-by-sex"]
    totals = sex.marks[sex.marks["category"] == "total"].set_index("year")["victims"]
    assert totals[2020] == 30  # not the news' 31, not the 50 potential victims
    assert "news-2021" in sex.sources  # for its 2016 total only
    assert "tip-2019, tip-2021, tip-2022" in texts_of(sex)


def test_side_by_side_chart_keeps_to_the_years_with_figures_and_shows_gaps_inside(sample_charts):
    exploitation = sample_charts["victims-by-exploitation"]
    assert list(exploitation.values.index) == [2018, 2019, 2020]
    assert exploitation.gap_years == [2019] and not bars_at(exploitation, 2019)
    assert exploitation.values.loc[2020, "forced_labor"] == 5


def test_period_labels():
    ts = pd.Timestamp
    assert charts.period_label(ts("2019-01-01"), ts("2019-09-30")) == "Jan–Sep"
    assert charts.period_label(ts("2018-01-01"), ts("2018-12-04")) == "1 Jan–4 Dec"
    assert charts.period_label(ts("2000-02-01"), ts("2002-04-30")) == "Feb 2000–Apr 2002"
    assert charts.period_label(ts("2018-06-01"), ts("2018-06-30")) == "Jun"


# --- tier chart ---------------------------------------------------------------------------------

def test_special_case_is_not_a_tier_level(sample_charts):
    tiers = sample_charts["tip-tiers"]
    ax = tiers.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3"]
    assert ax.get_ylim()[0] > 0.3  # nothing below Tier 3
    assert tiers.values.loc[2008, "not_ranked"] == "Special Case"
    assert tiers.values.loc[2008, ["kosovo_tier", "larger_entity_tier"]].isna().all()
    assert not [p for p in points(tiers) if p[0] == 2008], "a marker is drawn for 2008"
    line = ax.get_lines()[0]  # Kosovo's own tiers: no line from 2008 to 2009
    ydata = dict(zip(line.get_xdata(), line.get_ydata()))
    assert pd.isna(ydata[2008]) and ydata[2009] == 3
    assert "own entry, not ranked\n(Special Case)" in texts_of(tiers)
    assert ax.get_xlabel() == "TIP edition (year published)"


def test_tier_of_the_larger_entity_is_never_kosovos_own(sample_charts):
    tiers = sample_charts["tip-tiers"]
    assert tiers.values.loc[2001:2007, "kosovo_tier"].isna().all()
    assert tiers.values["larger_entity_tier"].dropna().to_dict() == {2001: "Tier 2", 2003: "Tier 2", 2007: "Tier 2 Watch List"}
    assert tiers.values["kosovo_tier"].dropna().to_dict() == {2009: "Tier 2", 2010: "Tier 2 Watch List", 2011: "Tier 2"}
    drawn = {int(x): y for x, y, _c in points(tiers)}
    assert (drawn[2001], drawn[2003], drawn[2007]) == (3, 3, 2)  # Tier 2, Tier 2, Tier 2 Watch List
    assert tiers.gap_years == [2002, 2004, 2005, 2006]
    assert "tier of the larger state's entry\n(not Kosovo's own)" in texts_of(tiers)


def test_tier_read_in_a_secondary_source_or_inferred_is_marked(sample_charts):
    tiers = sample_charts["tip-tiers"]
    by_year = {int(x): c for x, _y, c in points(tiers)}
    assert by_year[2011].get_hatch() == charts.MARKER_HATCH  # news-2021
    assert not by_year[2009].get_hatch()
    assert matplotlib.colors.to_hex(by_year[2010].get_facecolor()[0]) == "#ffffff"  # inferred: open


def test_real_tiers_2008_is_special_case_and_2009_the_first_ranked(real_charts):
    values = real_charts["tip-tiers"].values
    assert values.loc[2008, "not_ranked"] == "Special Case" and pd.isna(values.loc[2008, "kosovo_tier"])
    assert values["kosovo_tier"].first_valid_index() == 2009
    assert values.loc[2004, "larger_entity_tier"] == "Tier 2 Watch List"


# --- origins chart -------------------------------------------------------------------------------

def test_a_breakdown_naming_only_some_countries_says_the_rest_are_not_given(sample_charts):
    origin = sample_charts["origin-countries"]
    ax = origin.figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "other origins: not given"
    marked = sorted(int(t.get_position()[0]) for t in ax.texts if t.get_text() == charts.NOT_GIVEN)
    assert marked == [2020, 2021]  # 2018 adds up; 2020's shares and 2021's one Albanian do not
    assert "the others are\nnot given (not zero)" in texts_of(origin)


def test_origin_matrix_labels_and_sources(sample_charts):
    origin = sample_charts["origin-countries"]
    text = texts_of(origin)
    assert "Namibia (NA)" in text and "Germany (DE)" in text
    assert "<5" in text and "10%" in text
    assert "2021 (Jan–Jun)" in text  # the part-year column names its months
    assert origin.gap_years == [2019]
    assert origin.values.loc[2018, ("origin", "XK")] == "count"
    assert origin.values.loc[2020, ("origin", "NA")] == "named"
    assert "profile_countries.csv) are not shown" in " ".join(text.split())
    assert origin.figure.axes[-1].get_xlabel() == "reference year (the year the figures describe)"
    by_year = {(int(x), int(y)): c for x, y, c in points(origin, 1)}
    (destination,) = by_year.values()
    assert destination.get_hatch() == charts.MARKER_HATCH  # news-2021: secondary


def test_real_origins_2021_albania_says_others_not_given(real_charts):
    marks = real_charts["origin-countries"].marks
    albania_2021 = marks[(marks["year"] == 2021) & (marks["country_code"] == "AL") & (marks["role"] == "origin")]
    assert albania_2021["victims"].tolist() == [1] and albania_2021["not_given"].tolist() == [True]


def test_strongest_evidence_wins_a_cell():
    rows = pd.DataFrame({
        "reference_year": [2019, 2019, 2019, 2019], "role": ["origin"] * 4, "country_code": ["XK"] * 4,
        "basis": ["named", "count", "count", "count"],
        "period_kind": ["calendar_year", "part_of_year", "calendar_year", "calendar_year"],
        "population": ["identified", "identified", "identified", "identified"], "source_id": ["a", "b", "c", "d"],
        "preferred": pd.array([True, True, True, False], dtype="boolean"),
        "breakdown_complete": pd.array([None, True, True, True], dtype="boolean"),
    })
    lookups = charts.Lookups({}, [], {"a": True, "b": True, "c": False, "d": True}, {}, ["identified"])
    cell = charts.country_cells(rows, lookups)
    assert cell["source_id"].tolist() == ["c"]  # a preferred full-year count over a part-year one over a mere name


def test_real_law_enforcement_chart_shows_preferred_figures_and_gaps(real_charts):
    chart = real_charts["law-enforcement"]
    law = pd.read_csv(REPO_ROOT / "data" / "law_enforcement.csv", dtype=str, keep_default_na=False)
    preferred = law[law["preferred"] == "true"]
    drawn = {(int(m.year), m.measure, m.unit, str(int(m.value))) for m in chart.marks.itertuples()}
    on_file = {(int(r.reference_year), r.measure, r.unit, r.value) for r in preferred.itertuples()}
    assert drawn <= on_file, "every drawn number is a preferred figure of the table"
    years_with_figures = {int(y) for y in preferred["reference_year"]}
    assert set(chart.gap_years).isdisjoint(years_with_figures) and chart.gap_years, "gaps are the years without a figure"
    assert {y for y, *_ in drawn} == years_with_figures, "every year with a figure has a mark"
    # primary and secondary sources are told apart in the legend
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert any("primary" in t for t in legend) and any("secondary" in t for t in legend)
