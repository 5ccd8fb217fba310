#!/usr/bin/env python3
"""Draw the package's charts as PNG files in docs/charts/.

    python scripts/charts.py [PACKAGE_DIR] [--out DIR]

Charts of figures use only preferred rows (one figure per year and category) and, for
per-year charts, only full calendar years. A year with no figure is drawn as a hatched
"no data" gap and never as a zero bar. Every chart's footnote names its source_ids.
The output is byte-for-byte reproducible: same data, same PNG files.

Exit status: 0 written, 1 the data does not match its schema, 2 cannot run.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must come before anything imports pyplot
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .load import CannotLoad, LoadError, load
from .package_io import ROOT, load_descriptor, resources

OUT_DIR = Path("docs") / "charts"

# Settings that make the PNGs reproducible and independent of anyone's matplotlibrc.
RC = {
    "svg.hashsalt": "kosovo-human-trafficking",
    "font.family": "DejaVu Sans",  # ships with matplotlib, so every machine draws the same glyphs
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 120,
    "hatch.linewidth": 0.6,
}
SAVE = {"format": "png", "dpi": 120, "metadata": {"Software": None}, "pil_kwargs": {"optimize": False}}

# Okabe-Ito: distinguishable with the common kinds of colour blindness.
PALETTE = ["#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#999999",
           "#882255", "#44AA99", "#117733", "#332288"]
GAP_COLOUR = "0.6"
TOTAL_COLOUR = "black"
POPULATION_COLOURS = {"identified": "#0072B2", "assisted": "#E69F00", "potential": "#009E73", "unspecified": "0.45"}
BASIS_MARKERS = {"count": "o", "share": "s", "named": "^"}

WIDTH_IN = 10.0


@dataclass
class Chart:
    """One drawn chart and what it shows, so that tests can check the plotted values."""

    name: str
    title: str
    figure: Figure
    values: pd.DataFrame  # index: year; NaN (never 0) where the chart shows no figure
    gap_years: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


# --- selecting rows -------------------------------------------------------------------------

def flag(frame: pd.DataFrame, name: str) -> pd.Series:
    """A boolean column as plain True/False: a missing flag counts as false."""
    return frame[name].fillna(False).astype(bool)


def preferred_calendar_years(frame: pd.DataFrame, population: str = "identified") -> pd.DataFrame:
    keep = flag(frame, "preferred") & (frame["period_kind"] == "calendar_year") & (frame["population"] == population)
    return frame[keep.fillna(False)]


def year_span(years) -> list[int]:
    years = pd.Series(years).dropna().astype(int)
    return list(range(years.min(), years.max() + 1)) if len(years) else []


def yearly_values(rows: pd.DataFrame, dimension: str, categories: list[str], years: list[int]) -> pd.DataFrame:
    """Victims per year (rows) and category (columns); NaN where the data has no figure."""
    chosen = rows[rows["dimension"] == dimension]
    table = (chosen.assign(victims=chosen["victims"].astype("Float64").astype(float))
             .groupby(["year", "category"])["victims"].first().unstack("category"))
    table.index = table.index.astype(int)
    return table.reindex(index=years, columns=categories).astype(float)


def categories_in_order(declared: list[str], present) -> list[str]:
    """The categories that occur in the data, in the schema's order (then any undeclared ones)."""
    present = set(present)
    return [c for c in declared if c in present] + sorted(present - set(declared))


def label(code: str) -> str:
    return code.replace("_", " ")


# --- drawing helpers ------------------------------------------------------------------------

def new_figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in))
    return fig


def caption_lines(text: str) -> list[str]:
    return textwrap.wrap(text, width=150, break_on_hyphens=False)


def add_caption(fig: Figure, text: str, left_in: float = 0.7, top_in: float = 0.55) -> None:
    """The footnote under the chart; the axes are moved up to make room for it."""
    lines = caption_lines(text)
    height = fig.get_figheight()
    caption_in = 0.16 * len(lines) + 0.15
    fig.text(0.01, 0.02 / height, "\n".join(lines), ha="left", va="bottom", fontsize=7.5, color="0.25", linespacing=1.35)
    fig.subplots_adjust(left=left_in / WIDTH_IN, right=0.8, top=1 - top_in / height, bottom=(caption_in + 0.55) / height)


def draw_gaps(ax, years: list[int], text: str = "no data", labelled=None) -> None:
    """A hatched band: the reader sees a missing figure, never a zero. The label is written
    in the years of labelled (default: all of them)."""
    for year in years:
        ax.axvspan(year - 0.4, year + 0.4, facecolor="none", edgecolor=GAP_COLOUR, hatch="///", linewidth=0, zorder=0)
        if labelled is None or year in labelled:
            ax.text(year, 0.02, text, transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="bottom",
                    fontsize=7, color="0.35", zorder=1, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})


def year_axis(ax, years: list[int]) -> None:
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years], rotation=90 if len(years) > 12 else 0)


def draw_totals(ax, totals: pd.Series) -> bool:
    """The total of each year as a short black line with its number: the reference for a partial breakdown."""
    drawn = False
    for year, value in totals.dropna().items():
        ax.hlines(value, year - 0.42, year + 0.42, colors=TOTAL_COLOUR, linewidth=1.6, zorder=4)
        ax.text(year, value, f"{value:g}", ha="center", va="bottom", fontsize=7.5, zorder=4)
        drawn = True
    return drawn


def empty_chart(name: str, title: str, caption: str) -> Chart:
    fig = new_figure(3.0)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, "no figures in the package yet", ha="center", va="center", fontsize=11, color="0.4",
            transform=ax.transAxes)
    ax.set_title(title, loc="left", fontsize=11)
    add_caption(fig, caption)
    return Chart(name, title, fig, pd.DataFrame(dtype=float))


def sources_text(sources: list[str]) -> str:
    return "Sources (source_id): " + (", ".join(sources) if sources else "none") + "."


# --- (a) and (b): victims per year ------------------------------------------------------------

VICTIM_CHARTS = {
    # name: (dimension, title, stacked?)
    "victims-by-sex": ("sex", "Identified victims per year, by sex", True),
    "victims-by-age": ("age", "Identified victims per year, by age (child: under 18)", True),
    "victims-by-exploitation": ("exploitation", "Identified victims per year, by form of exploitation", False),
}


def victims_chart(victims: pd.DataFrame, name: str, categories_by_dimension: dict[str, list[str]]) -> Chart:
    dimension, title, stacked = VICTIM_CHARTS[name]
    rows = preferred_calendar_years(victims)
    years = year_span(rows["year"])
    caption_head = ("Identified victims, full calendar years only, the preferred figure for each year and category. "
                    f"Hatched = no figure by {label(dimension)} for that year (not zero); 'no data' = not even a total. "
                    "Black line = total identified that year")
    caption_head += (": a stack lower than it means the source broke down only part of the victims. " if stacked else
                     ": forms of exploitation can overlap, so bars need not add up to it. ")
    if not years:
        return empty_chart(name, title, caption_head + sources_text([]))
    present = rows.loc[rows["dimension"] == dimension, "category"]
    categories = categories_in_order(categories_by_dimension.get(dimension, []), present)
    values = yearly_values(rows, dimension, categories, years)
    totals = yearly_values(rows, "total", ["all"], years)["all"]
    gaps = [y for y in years if values.loc[y].isna().all()]

    fig = new_figure(4.6)
    ax = fig.add_subplot()
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories_by_dimension.get(dimension, categories))}
    if stacked:
        draw_stacked(ax, values, colours, min_label=0.05 * np.nanmax(np.r_[values.sum(axis=1).to_numpy(), totals.to_numpy(), 1.0]))
    else:
        draw_grouped(ax, values, colours)
    has_total = draw_totals(ax, totals)
    draw_gaps(ax, gaps, "no data", labelled=[y for y in gaps if pd.isna(totals[y])])
    year_axis(ax, years)
    ax.set_ylim(0, max(np.nanmax(np.r_[values.sum(axis=1).to_numpy() if stacked else values.to_numpy().ravel(),
                                         totals.to_numpy(), 1.0]) * 1.15, 1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("victims")
    ax.set_title(title, loc="left", fontsize=11)
    handles = [Patch(facecolor=colours.get(c, "0.5"), label=label(c)) for c in categories]
    if has_total:
        handles.append(Line2D([], [], color=TOTAL_COLOUR, linewidth=1.6, label="total identified"))
    handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch="///", label=f"no figure by {label(dimension)}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    used = rows[rows["dimension"].isin([dimension, "total"])]
    sources = sorted(used["source_id"].dropna().unique())
    add_caption(fig, caption_head + f"Years shown: {years[0]}-{years[-1]}. " + sources_text(sources)
                + " Drawn by scripts/charts.py from data/victim_demographics.csv.")
    return Chart(name, title, fig, values, gaps, sources)


def draw_stacked(ax, values: pd.DataFrame, colours: dict[str, str], min_label: float = 0) -> None:
    """Stacked bars, only in the years that have a figure; segments too thin for a number go unlabelled."""
    bottom = pd.Series(0.0, index=values.index)
    for category in values.columns:
        heights = values[category]
        shown = heights.notna()
        if shown.any():
            bars = ax.bar(heights.index[shown], heights[shown], bottom=bottom[shown], width=0.7,
                          color=colours.get(category, "0.5"), label=label(category), zorder=2)
            ax.bar_label(bars, labels=[f"{v:g}" if v >= min_label else "" for v in heights[shown]], label_type="center",
                         fontsize=7, color="white")
        bottom = bottom + heights.fillna(0)


def draw_grouped(ax, values: pd.DataFrame, colours: dict[str, str]) -> None:
    """Per year, side by side only the forms that have a figure, in the schema's order."""
    widest = max(int(values.notna().sum(axis=1).max()), 1)
    width = 0.8 / widest
    for year, row in values.iterrows():
        shown = row.dropna()
        start = year - width * len(shown) / 2 + width / 2
        for i, (category, value) in enumerate(shown.items()):
            bars = ax.bar(start + i * width, value, width=width * 0.95, color=colours.get(category, "0.5"), zorder=2)
            ax.bar_label(bars, labels=[f"{value:g}"], fontsize=6.5, padding=1)


# --- (c): TIP tier by edition -----------------------------------------------------------------

def tier_chart(tiers: pd.DataFrame, tier_levels: list[str]) -> Chart:
    name, title = "tip-tiers", "Kosovo in the TIP Report: tier by edition"
    caption_head = ("Filled circle = Kosovo's own tier as stated in the edition; open circle = inferred from a later edition. "
                    "Grey square = the tier of the larger entity Kosovo was assessed in (not Kosovo's own). "
                    "Hatched = no tier found in the sources in reach. ")
    years = year_span(tiers["report_year"])
    if not years:
        return empty_chart(name, title, caption_head + sources_text([]))
    level = {t: len(tier_levels) - i for i, t in enumerate(tier_levels)}  # Tier 1 at the top
    by_year = tiers.set_index(tiers["report_year"].astype(int))
    own = by_year["ranked_separately"].fillna(False).astype(bool)
    own_tier = by_year["tier"].where(own)
    entity_tier = by_year["assessed_entity_tier"].where(~own)
    inferred = by_year["tier_basis"] == "inferred"
    values = pd.DataFrame({"kosovo_tier": own_tier.map(level).astype(float),
                           "larger_entity_tier": entity_tier.map(level).astype(float)}).reindex(years)
    gaps = [y for y in years if values.loc[y].isna().all()]

    fig = new_figure(4.4)
    ax = fig.add_subplot()
    ax.plot(values.index, values["kosovo_tier"], color=POPULATION_COLOURS["identified"], linewidth=1, zorder=2)
    for column, marker, colour in (("kosovo_tier", "o", POPULATION_COLOURS["identified"]), ("larger_entity_tier", "s", "0.45")):
        for is_inferred in (False, True):
            mask = values[column].notna() & (inferred.reindex(years).fillna(False).astype(bool) == is_inferred)
            ax.scatter(values.index[mask], values.loc[mask, column], marker=marker, s=46, zorder=3, linewidths=1.4,
                       facecolors="white" if is_inferred else colour, edgecolors=colour)
    draw_gaps(ax, gaps, "not found")
    draw_entity_spans(ax, by_year["assessed_entity"].reindex(years), len(tier_levels))
    year_axis(ax, years)
    ax.set_yticks(list(level.values()), list(level.keys()))
    ax.set_ylim(0.4, len(tier_levels) + 1.4)
    ax.grid(axis="y", color="0.9", zorder=0)
    ax.set_title(title, loc="left", fontsize=11, pad=30)
    colour = POPULATION_COLOURS["identified"]
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colour, label="Kosovo's own tier"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor=colour, label="Kosovo's own, inferred"),
        Line2D([], [], marker="s", linestyle="", color="0.45", label="tier of the larger entity\n(not Kosovo's own)"),
        Line2D([], [], marker="s", linestyle="", markerfacecolor="white", markeredgecolor="0.45", label="larger entity, inferred"),
        Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch="///", label="not found"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    sources = sorted(tiers["source_id"].dropna().unique())
    add_caption(fig, caption_head + "Top: the entry Kosovo was assessed in. Editions are the year of publication. "
                + sources_text(sources) + " Drawn by scripts/charts.py from data/tier_status.csv.", left_in=1.25, top_in=0.9)
    return Chart(name, title, fig, values, gaps, sources)


def draw_entity_spans(ax, entity_by_year: pd.Series, top_level: int) -> None:
    """Above the plot, which entry Kosovo was assessed in: one bracket per run of editions."""
    runs, start, current = [], None, None
    for year, entity in entity_by_year.items():
        entity = None if pd.isna(entity) else str(entity)
        if entity != current:
            if current is not None:
                runs.append((start, previous, current))
            start, current = year, entity
        previous = year
    if current is not None:
        runs.append((start, previous, current))
    y = top_level + 0.75
    for i, (first, last, entity) in enumerate(runs):
        ax.plot([first - 0.4, last + 0.4], [y, y], color="0.3", linewidth=1, clip_on=False)
        wrapped = "\n".join(textwrap.wrap(entity, width=max(16, 5 * (last - first + 1))))
        ax.text((first + last) / 2, y + 0.08, wrapped, ha="center", va="bottom", fontsize=7, color="0.2", clip_on=False)


# --- (d): countries of origin and destination ------------------------------------------------

BASIS_ORDER = ["count", "share", "named"]
PERIOD_ORDER = ["calendar_year", "part_of_year", "span_of_years", "reporting_period"]
POPULATION_ORDER = ["identified", "assisted", "potential", "unspecified"]


def rank(values: pd.Series, order: list[str]) -> pd.Series:
    return values.map({v: i for i, v in enumerate(order)}).astype(float).fillna(len(order))


def country_cells(origins: pd.DataFrame) -> pd.DataFrame:
    """One preferred row per role, country and year: a count over a share over a mere name,
    a full calendar year over a shorter or longer period, identified victims over assisted,
    potential or unspecified ones."""
    rows = origins[flag(origins, "preferred")]
    rows = rows.assign(_basis=rank(rows["basis"], BASIS_ORDER), _period=rank(rows["period_kind"], PERIOD_ORDER),
                       _population=rank(rows["population"], POPULATION_ORDER))
    rows = rows.sort_values(["role", "country_code", "year", "_basis", "_period", "_population", "source_id"], kind="stable")
    return rows.drop_duplicates(["role", "country_code", "year"]).drop(columns=["_basis", "_period", "_population"])


def cell_label(row) -> str:
    if row["basis"] == "count" and pd.notna(row["victims"]):
        return f"{int(row['victims'])}"
    if row["basis"] == "share" and pd.notna(row["share_percent"]):
        return f"{row['share_percent']:g}%"
    return ""


def origin_chart(origins: pd.DataFrame, countries: pd.DataFrame) -> Chart:
    name, title = "origin-countries", "Countries of origin and destination named or counted, by year"
    caption_head = ("Preferred rows only; per cell the strongest evidence: a count, else a share, else the country only named. "
                    "Colour = whom the figure counts; filled = a full calendar year, open = part of a year, a span of years "
                    "or a TIP reporting period (shown under the year it starts). Hatched = no row for that year. ")
    cells = country_cells(origins)
    years = year_span(cells["year"])
    if not years:
        return empty_chart(name, title, caption_head + sources_text([]))
    names = dict(zip(countries["country_code"], countries["name"]))
    roles = [r for r in ("origin", "destination", "transit") if (cells["role"] == r).any()]
    heights = [max(cells.loc[cells["role"] == r, "country_code"].nunique(), 1) for r in roles]
    fig = new_figure(1.6 + 0.27 * sum(heights) + 0.5 * len(roles))
    axes = fig.subplots(len(roles), 1, sharex=True, gridspec_kw={"height_ratios": heights})
    axes = np.atleast_1d(axes)
    gaps = [y for y in years if not (cells["year"] == y).any()]
    for ax, role in zip(axes, roles):
        draw_country_matrix(ax, cells[cells["role"] == role], role, names, years, gaps)
    axes[0].set_title(title, loc="left", fontsize=11)
    year_axis(axes[-1], years)
    handles = [Line2D([], [], marker=BASIS_MARKERS[b], linestyle="", color="0.3", label={"count": "count of victims",
               "share": "share of victims", "named": "only named"}[b]) for b in BASIS_ORDER]
    handles += [Patch(facecolor=c, label=p) for p, c in POPULATION_COLOURS.items() if (cells["population"] == p).any()]
    handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch="///", label="no data"))
    axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    values = cells.assign(year=cells["year"].astype(int)).pivot_table(
        index="year", columns=["role", "country_code"], values="basis", aggfunc="first").reindex(years)
    sources = sorted(cells["source_id"].dropna().unique())
    add_caption(fig, caption_head + sources_text(sources) + " Drawn by scripts/charts.py from data/origin_countries.csv.",
                left_in=1.6)
    return Chart(name, title, fig, values, gaps, sources)


def draw_country_matrix(ax, cells: pd.DataFrame, role: str, names: dict, years: list[int], gaps: list[int]) -> None:
    # Most often documented countries at the top.
    order = cells.groupby("country_code").size().sort_values(ascending=False, kind="stable")
    codes = sorted(order.index, key=lambda c: (-order[c], names.get(c, c)))
    position = {code: len(codes) - i for i, code in enumerate(codes)}
    for _, row in cells.iterrows():
        colour = POPULATION_COLOURS.get(row["population"], "0.45")
        full_year = row["period_kind"] == "calendar_year"
        x, y = int(row["year"]), position[row["country_code"]]
        ax.scatter([x], [y], marker=BASIS_MARKERS.get(row["basis"], "o"), s=52, linewidths=1.3, zorder=3,
                   facecolors=colour if full_year else "white", edgecolors=colour)
        text = cell_label(row)
        if text:
            ax.text(x + 0.22, y + 0.18, text, fontsize=6.5, ha="left", va="bottom", zorder=4)
    for year in gaps:
        ax.axvspan(year - 0.4, year + 0.4, facecolor="none", edgecolor=GAP_COLOUR, hatch="///", linewidth=0, zorder=0)
    ax.set_yticks(list(position.values()), [f"{names.get(c, c)} ({c})" for c in codes], fontsize=8)
    ax.set_ylim(0.4, len(codes) + 0.7)
    ax.set_ylabel(role, fontsize=9)
    ax.grid(axis="y", color="0.92", zorder=0)
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)


# --- all charts ------------------------------------------------------------------------------

def schema_lists(root: Path) -> tuple[dict[str, list[str]], list[str]]:
    declared = resources(load_descriptor(root))
    category = declared["victim_demographics"].field("category")
    tier = declared["tier_status"].field("tier")
    return category.get("x-categoriesByDimension", {}), tier.get("constraints", {}).get("enum", [])


def build_charts(root: Path) -> list[Chart]:
    categories_by_dimension, tier_levels = schema_lists(root)
    victims = load("victim_demographics", root)
    charts = [victims_chart(victims, name, categories_by_dimension) for name in VICTIM_CHARTS]
    charts.append(tier_chart(load("tier_status", root), tier_levels))
    charts.append(origin_chart(load("origin_countries", root), load("countries", root)))
    return charts


def save(chart: Chart, out_dir: Path) -> Path:
    path = out_dir / chart.filename
    chart.figure.savefig(path, **SAVE)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the charts of the package into docs/charts/.")
    parser.add_argument("package", nargs="?", default=str(ROOT), help="folder holding datapackage.json (default: this repository)")
    parser.add_argument("--out", default=None, help="output folder (default: PACKAGE/docs/charts)")
    args = parser.parse_args(argv)
    root = Path(args.package)
    out_dir = Path(args.out) if args.out else root / OUT_DIR
    with matplotlib.rc_context(RC):
        try:
            charts = build_charts(root)
        except CannotLoad as exc:
            print(f"CANNOT RUN: {exc}", file=sys.stderr)
            return 2
        except LoadError as exc:
            print(f"INVALID: {exc}", file=sys.stderr)
            return 1
        except KeyError as exc:
            print(f"CANNOT RUN: datapackage.json lacks a resource or field the charts need: {exc}", file=sys.stderr)
            return 2
        out_dir.mkdir(parents=True, exist_ok=True)
        for chart in charts:
            print(f"wrote {save(chart, out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
