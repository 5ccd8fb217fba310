#!/usr/bin/env python3
"""Draw the package's charts as PNG files in docs/charts/.

    python -m scripts.charts [PACKAGE_DIR] [--out DIR] [--force]

The charts are drawn so that they cannot be misread:

- Figures from a secondary source (sources.primary is false: news or a report retelling
  someone else's figures) are drawn lighter and stippled; primary ones solid.
- A figure for part of a year (period_kind part_of_year) is an outlined, dashed bar with its
  period written above it ("Jan-Sep"); it is never read as a whole year, nor hidden as "no data".
- A year with no figure at all is a hatched "no figure in the sources" gap, never a zero bar.
- The per-year charts use the preferred rows; their x axis is the reference year (the year
  the figures describe), the tier chart's is the TIP edition (the year it was published).
- Special Case (2008) is not a tier: it is a band outside the tier scale. A tier given to the
  larger state whose entry covered Kosovo is drawn apart from Kosovo's own.
- A breakdown by country that names only some of the victims' countries says so.

Every chart's footnote names its source_ids. Same data, same PNG bytes.

Drawing takes seconds, so the charts are drawn again only when what they are drawn from has
changed: docs/charts/fingerprint.json records the sha256 of the inputs (the data files,
datapackage.json's resources, the drawing and loading code, the versions of matplotlib, Pillow,
numpy and pandas) and of each PNG. A changed input, or a PNG that is not the one recorded,
redraws them all; --force redraws them anyway.

Exit status: 0 written, 1 the data does not match its schema, 2 cannot run.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must come before anything imports pyplot
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from PIL import Image  # noqa: E402  (installed with matplotlib)

from .load import CannotLoad, LoadError, load
from .package_io import ROOT, CannotRun, load_descriptor, resources, write_atomic, write_bytes_atomic

OUT_DIR = Path("docs") / "charts"

# Settings that make the PNGs reproducible and independent of anyone's matplotlibrc.
RC = {
    "svg.hashsalt": "kosovo-human-trafficking",
    "font.family": "DejaVu Sans",  # ships with matplotlib, so every machine draws the same glyphs
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 110,
    "hatch.linewidth": 0.6,
}
DPI = 110
PNG_COLOURS = 128  # the PNGs are stored with a palette: a third of the bytes, no visible change

# Okabe-Ito: distinguishable with the common kinds of colour blindness.
PALETTE = ["#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#999999",
           "#882255", "#44AA99", "#117733", "#332288"]
GAP_COLOUR = "0.7"
TOTAL_COLOUR = "black"
POPULATION_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "0.45"]  # in the schema's enum order
BASIS_MARKERS = {"count": "o", "share": "s", "named": "^"}
SECONDARY_HATCH = "...."
MARKER_HATCH = "...."  # the same stipple on markers
GAP_HATCH = "///"
ENTITY_COLOUR = "0.45"
KOSOVO_COLOUR = "#0072B2"

WIDTH_IN = 10.0
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.4}  # keeps a number legible over a hatched gap
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
REFERENCE_YEAR_AXIS = "reference year (the year the figures describe)"
EDITION_AXIS = "TIP edition (year published)"


@dataclass
class Chart:
    """One drawn chart and what it shows, so that tests can check the plotted values."""

    name: str
    title: str
    figure: Figure
    values: pd.DataFrame  # index: year or edition; NaN (never 0) where the chart shows no figure
    gap_years: list[int] = field(default_factory=list)  # hatched: no figure of what the chart shows
    sources: list[str] = field(default_factory=list)
    marks: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per drawn figure
    empty_years: list[int] = field(default_factory=list)  # no figure at all (not even a total)

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


@dataclass
class Lookups:
    """What the charts need to know besides the figures: category order, tier scale, sources."""

    categories: dict[str, list[str]]  # dimension -> categories in the categories table's order
    tier_levels: list[str]  # Tier 1 first, as the tier field's enum lists them
    primary: dict[str, bool]  # source_id -> sources.primary
    kinds: dict[str, str]  # source_id -> sources.kind
    populations: list[str]  # population codes in the schema's order


# --- selecting rows -------------------------------------------------------------------------

def flag(frame: pd.DataFrame, name: str) -> pd.Series:
    """A boolean column as plain True/False: a missing flag counts as false."""
    return frame[name].astype("boolean").fillna(False).astype(bool)


def year_span(years) -> list[int]:
    years = pd.Series(years).dropna().astype(int)
    return list(range(int(years.min()), int(years.max()) + 1)) if len(years) else []


def period_label(start, end) -> str:
    """A period as a reader says it: "Jan–Sep", "1 Jan–4 Dec", "Feb 2000–Apr 2002"."""
    if pd.isna(start) or pd.isna(end):
        return "period not given"
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    whole_months = start.day == 1 and end.is_month_end
    if start.year != end.year:
        if whole_months:
            return f"{MONTHS[start.month - 1]} {start.year}–{MONTHS[end.month - 1]} {end.year}"
        return f"{start.day} {MONTHS[start.month - 1]} {start.year}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    if whole_months:
        if start.month == end.month:
            return MONTHS[start.month - 1]
        return f"{MONTHS[start.month - 1]}–{MONTHS[end.month - 1]}"
    return f"{start.day} {MONTHS[start.month - 1]}–{end.day} {MONTHS[end.month - 1]}"


def choose_period(rows: pd.DataFrame) -> pd.DataFrame:
    """Of one year's rows, those of a single period: the whole calendar year if there is one,
    else the longest part of the year (the later one on a tie)."""
    if rows.empty:
        return rows
    full = rows[rows["period_kind"] == "calendar_year"]
    if not full.empty:
        return full
    periods = rows[["period_start", "period_end"]].drop_duplicates()
    periods = periods.assign(_length=periods["period_end"] - periods["period_start"])
    best = periods.sort_values(["_length", "period_end"], ascending=False, kind="stable").iloc[0]
    return rows[(rows["period_start"] == best["period_start"]) & (rows["period_end"] == best["period_end"])]


def figures_by_year(victims: pd.DataFrame, dimension: str, lookups: Lookups) -> pd.DataFrame:
    """The figures a per-year chart draws for one dimension: preferred rows of identified victims,
    one period per year (a whole year wins over a part of it), with how to draw each."""
    keep = (flag(victims, "preferred") & (victims["population"] == "identified")
            & victims["period_kind"].isin(["calendar_year", "part_of_year"]) & (victims["dimension"] == dimension))
    rows = victims[keep]
    chosen = [choose_period(group) for _, group in rows.groupby("reference_year", sort=True)]
    columns = ["year", "category", "victims", "source_id", "primary", "part_year", "period", "locator",
               "period_start", "period_end"]
    if not chosen:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(chosen)
    part = rows["period_kind"] != "calendar_year"
    marks = pd.DataFrame({
        "year": rows["reference_year"].astype(int).to_numpy(),
        "category": rows["category"].astype(str).to_numpy(),
        "victims": rows["victims"].astype("Float64").astype(float).to_numpy(),
        "source_id": rows["source_id"].astype(str).to_numpy(),
        "primary": [lookups.primary.get(s, False) for s in rows["source_id"]],
        "part_year": part.to_numpy(),
        "period": [period_label(s, e) if p else "" for s, e, p in zip(rows["period_start"], rows["period_end"], part)],
        "locator": rows["locator"].astype(str).to_numpy(),
        "period_start": rows["period_start"].to_numpy(),
        "period_end": rows["period_end"].to_numpy(),
    })
    order = {c: i for i, c in enumerate(lookups.categories.get(dimension, []))}
    marks["_order"] = marks["category"].map(order).fillna(len(order))
    return marks.sort_values(["year", "_order", "category"], kind="stable").drop(columns="_order").reset_index(drop=True)


def categories_in_order(declared: list[str], present) -> list[str]:
    """The categories that occur in the data, in the categories table's order (then any others)."""
    present = set(present)
    return [c for c in declared if c in present] + sorted(present - set(declared))


LABELS = {"slavery_servitude": "slavery or servitude", "sale_of_child": "sale of a child"}


def label(code: str) -> str:
    return LABELS.get(code, code.replace("_", " "))


def lighter(colour, amount: float = 0.6) -> tuple:
    """The colour mixed with white: amount 0 is the colour, 1 is white."""
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def secondary_phrase(source_ids, lookups: Lookups) -> str:
    """How the legend names the secondary sources a chart uses, from their kind."""
    kinds = {lookups.kinds.get(s, "") for s in source_ids if not lookups.primary.get(s, False)}
    if kinds and kinds <= {"news"}:
        return "news retelling official figures"
    if "news" in kinds:
        return "news or reports retelling others' figures"
    return "a report retelling others' figures"


# --- drawing helpers ------------------------------------------------------------------------

def new_figure(height_in: float) -> Figure:
    return Figure(figsize=(WIDTH_IN, height_in))


def caption_lines(text: str) -> list[str]:
    return textwrap.wrap(text, width=165, break_on_hyphens=False)


def add_caption(fig: Figure, text: str, left_in: float = 0.7, top_in: float = 0.55, bottom_in: float = 0.75) -> None:
    """The footnote under the chart; the axes are moved up to make room for it."""
    lines = caption_lines(text)
    height = fig.get_figheight()
    caption_in = 0.15 * len(lines) + 0.12
    fig.text(0.01, 0.04 / height, "\n".join(lines), ha="left", va="bottom", fontsize=7.5, color="0.25", linespacing=1.3)
    fig.subplots_adjust(left=left_in / WIDTH_IN, right=0.76, top=1 - top_in / height,
                        bottom=(caption_in + bottom_in) / height)


def draw_gaps(ax, years: list[int], text: str = "", labelled=None) -> None:
    """A hatched band: the reader sees a missing figure, never a zero. The text is written
    in the years of labelled (default: all of them)."""
    for year in years:
        ax.axvspan(year - 0.4, year + 0.4, facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, linewidth=0, zorder=0)
        if text and (labelled is None or year in labelled):
            ax.text(year, 0.03, text, transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="bottom",
                    fontsize=7, color="0.3", zorder=1, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})


def year_axis(ax, years: list[int], axis_label: str, tick_labels: dict[int, str] | None = None) -> None:
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
    ax.set_xticks(years)
    texts = [tick_labels.get(y, str(y)) if tick_labels else str(y) for y in years]
    ax.set_xticklabels(texts, rotation=90 if len(years) > 12 else 0)
    ax.set_xlabel(axis_label, fontsize=9)


def bar_style(colour, primary: bool, part_year: bool) -> dict:
    """How one bar looks: solid for a primary whole-year figure, lighter and stippled for a
    secondary one, outlined with a dashed edge for part of a year."""
    style = {"edgecolor": colour, "linewidth": 0.8}
    if part_year:
        style.update(facecolor="white", linestyle=(0, (3, 1.5)), linewidth=1.3)
    elif primary:
        style.update(facecolor=colour)
    else:
        style.update(facecolor=lighter(colour, 0.55))
    if not primary:
        style["hatch"] = SECONDARY_HATCH
    return style


def text_colour(primary: bool, part_year: bool) -> str:
    return "white" if primary and not part_year else "black"


def draw_totals(ax, totals: pd.DataFrame) -> None:
    """The total of each year as a short black line with its number: the reference for a partial
    breakdown. Solid for a primary source, dashed for a secondary one."""
    for row in totals.itertuples():
        style = "-" if row.primary else (0, (2.5, 1.5))
        ax.hlines(row.victims, row.year - 0.42, row.year + 0.42, colors=TOTAL_COLOUR, linewidth=1.6,
                  linestyles=[style], zorder=4)
        ax.annotate(f"{row.victims:g}", (row.year, row.victims), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7.5, zorder=4, bbox=LABEL_BOX)


def empty_chart(name: str, title: str, caption: str) -> Chart:
    fig = new_figure(3.0)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, "no figures in the package yet", ha="center", va="center", fontsize=11, color="0.4",
            transform=ax.transAxes)
    ax.set_title(title, loc="left", fontsize=11)
    add_caption(fig, caption, bottom_in=0.2)
    return Chart(name, title, fig, pd.DataFrame(dtype=float))


def sources_text(sources: list[str]) -> str:
    return "Sources (source_id): " + (", ".join(sources) if sources else "none") + "."


def style_handles(lookups: Lookups, sources, any_part_year: bool) -> list:
    """Legend entries for primary, secondary and part-year figures, as the chart uses them."""
    handles = []
    used_primary = [s for s in sources if lookups.primary.get(s, False)]
    used_secondary = [s for s in sources if not lookups.primary.get(s, False)]
    if used_primary:
        handles.append(Patch(**bar_style("0.35", True, False), label="primary source"))
    if used_secondary:
        handles.append(Patch(**bar_style("0.35", False, False),
                             label="secondary source:\n" + secondary_phrase(used_secondary, lookups)))
    if any_part_year:
        handles.append(Patch(**bar_style("0.35", True, True), label="part of the year only\n(months written above)"))
    return handles


# --- (a) and (b): victims per year ------------------------------------------------------------

VICTIM_CHARTS = {
    # name: (dimension, title, stacked?, only the years from the first to the last figure by dimension?)
    # Side-by-side bars need the room: over two decades they are too thin to read.
    "victims-by-sex": ("sex", "Identified victims per year, by sex", True, False),
    "victims-by-age": ("age", "Identified victims per year, by age (child: under 18)", True, False),
    "victims-by-exploitation": ("exploitation", "Identified victims per year, by form of exploitation", False, True),
}


def victims_chart(victims: pd.DataFrame, name: str, lookups: Lookups) -> Chart:
    dimension, title, stacked, trimmed = VICTIM_CHARTS[name]
    marks = figures_by_year(victims, dimension, lookups)
    totals = figures_by_year(victims, "total", lookups)
    totals, other_period = same_period_totals(marks, totals)
    years = year_span(pd.concat([marks["year"], totals["year"]]))
    left_out = ""
    if other_period:
        left_out += ("Not drawn: a total that covers another period than the year's breakdown ("
                     + "; ".join(f"{y}: {p}" for y, p in other_period) + "). ")
    if trimmed and len(marks):
        years = year_span(marks["year"])
        outside = sorted(set(totals.loc[~totals["year"].isin(years), "year"]))
        totals = totals[totals["year"].isin(years)].reset_index(drop=True)
        if outside:
            left_out += (f"Only {years[0]}-{years[-1]} are shown: no other year has a figure by {label(dimension)} "
                        "(the victims-by-sex chart shows every year's total). ")
    caption_head = (
        "Officially identified victims; the preferred figure for each year and category. A whole calendar year is a filled bar; "
        "an outlined, dashed bar covers only part of the year, whose months stand above it. "
        f"Hatched grey = no figure by {label(dimension)} for that year (not zero); "
        "'no figure in the sources' = not even a total. Black line = total identified that year (dashed: secondary source)")
    caption_head += (": a stack lower than it means the source broke down only part of the victims. " if stacked else
                     ": forms of exploitation can overlap, so bars need not add up to it. ")
    if not years:
        return empty_chart(name, title, caption_head + sources_text([]))
    categories = categories_in_order(lookups.categories.get(dimension, []), marks["category"])
    values = (marks.set_index(["year", "category"])["victims"].unstack("category")
              .reindex(index=years, columns=categories).astype(float)) if len(marks) else \
        pd.DataFrame(np.nan, index=years, columns=categories)
    values.index.name = "year"
    gaps = [y for y in years if values.loc[y].isna().all()]
    empty = [y for y in gaps if not (totals["year"] == y).any()]

    fig = new_figure(4.9)
    ax = fig.add_subplot()
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(lookups.categories.get(dimension, categories))}
    for c in categories:
        colours.setdefault(c, PALETTE[len(colours) % len(PALETTE)])
    top = np.nanmax(np.r_[values.sum(axis=1).to_numpy() if stacked else values.to_numpy().ravel(),
                          totals["victims"].to_numpy(dtype=float), 1.0])
    if stacked:
        draw_stacked(ax, marks, colours, min_label=0.05 * top)
    else:
        draw_grouped(ax, marks, colours, categories)
    draw_totals(ax, totals)
    draw_gaps(ax, gaps, "no figure in the sources", labelled=empty)
    ax.set_ylim(0, max(top * 1.3, 1))
    draw_periods(ax, marks, totals, stacked, top)
    year_axis(ax, years, REFERENCE_YEAR_AXIS)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("victims")
    ax.set_title(title, loc="left", fontsize=11)
    used = sorted(set(marks["source_id"]) | set(totals["source_id"]))
    handles = [Patch(facecolor=colours[c], edgecolor=colours[c], label=label(c)) for c in categories]
    handles += style_handles(lookups, used, bool(marks["part_year"].any() or totals["part_year"].any()))
    if totals["primary"].any():
        handles.append(Line2D([], [], color=TOTAL_COLOUR, linewidth=1.6, label="total identified"))
    if (~totals["primary"].astype(bool)).any():
        handles.append(Line2D([], [], color=TOTAL_COLOUR, linewidth=1.6, linestyle=(0, (2.5, 1.5)),
                              label="total identified,\nsecondary source"))
    if gaps:
        handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, label=f"no figure by {label(dimension)}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8, handlelength=2.2,
              handleheight=1.4, labelspacing=0.7)
    add_caption(fig, caption_head + left_out + f"Years shown: {years[0]}-{years[-1]}. " + sources_text(used)
                + " Drawn by scripts/charts.py from data/victim_demographics.csv.", bottom_in=0.75 if len(years) > 12 else 0.55)
    return Chart(name, title, fig, values, gaps, used, pd.concat([marks, totals.assign(category="total")],
                                                                    ignore_index=True), empty)


def same_period_totals(marks: pd.DataFrame, totals: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """The totals to draw: in a year with a breakdown, only a total for the same period, so that
    a stack is never compared with a line that counts another span of time. Also returns the
    years and periods of the totals left out."""
    periods = {int(y): (s, e) for y, s, e in zip(marks["year"], marks["period_start"], marks["period_end"])}
    keep = [int(y) not in periods or periods[int(y)] == (s, e)
            for y, s, e in zip(totals["year"], totals["period_start"], totals["period_end"])]
    keep = pd.Series(keep, index=totals.index, dtype=bool)
    dropped = totals[~keep]
    left_out = [(int(y), period_label(s, e) if p else "the whole year")
                for y, s, e, p in zip(dropped["year"], dropped["period_start"], dropped["period_end"], dropped["part_year"])]
    return totals[keep].reset_index(drop=True), left_out


def draw_stacked(ax, marks: pd.DataFrame, colours: dict[str, str], min_label: float = 0) -> None:
    """Stacked bars, only in the years that have a figure; segments too thin for a number go unlabelled."""
    for year, column in marks.groupby("year", sort=True):
        bottom = 0.0
        for row in column.itertuples():
            style = bar_style(colours.get(row.category, "0.5"), row.primary, row.part_year)
            bars = ax.bar([year], [row.victims], bottom=bottom, width=0.7, zorder=2, **style)
            if row.victims >= min_label:
                ax.bar_label(bars, labels=[f"{row.victims:g}"], label_type="center", fontsize=7,
                             color=text_colour(row.primary, row.part_year),
                             bbox=None if row.primary and not row.part_year else
                             {"facecolor": "white", "edgecolor": "none", "pad": 0.6})
            elif row.victims > 0:  # too thin for a number inside: beside the bar
                ax.text(year + 0.44, bottom + row.victims / 2, f"{row.victims:g}", ha="left", va="center", fontsize=6.5,
                        color=colours.get(row.category, "0.3"), zorder=5)
            bottom += row.victims


def draw_grouped(ax, marks: pd.DataFrame, colours: dict[str, str], categories: list[str]) -> None:
    """Per year, side by side only the forms that have a figure, in the categories table's order."""
    widest = max(int(marks.groupby("year").size().max()), 1) if len(marks) else 1
    width = 0.8 / widest
    for year, column in marks.groupby("year", sort=True):
        start = year - width * len(column) / 2 + width / 2
        for i, row in enumerate(column.itertuples()):
            style = bar_style(colours.get(row.category, "0.5"), row.primary, row.part_year)
            bars = ax.bar(start + i * width, row.victims, width=width * 0.95, zorder=2, **style)
            ax.bar_label(bars, labels=[f"{row.victims:g}"], fontsize=6.5, padding=1)


def draw_periods(ax, marks: pd.DataFrame, totals: pd.DataFrame, stacked: bool, top: float) -> None:
    """Above a column with part-year figures, the months they cover, e.g. "Jan–Sep only"."""
    both = pd.concat([marks[["year", "victims", "part_year", "period"]], totals[["year", "victims", "part_year", "period"]]])
    for year, column in both.groupby("year", sort=True):
        periods = list(dict.fromkeys(column.loc[column["part_year"], "period"]))
        if not periods:
            continue
        height = column["victims"].max() if not stacked else max(
            marks.loc[marks["year"] == year, "victims"].sum(), totals.loc[totals["year"] == year, "victims"].max()
            if (totals["year"] == year).any() else 0)
        ax.text(year, height + 0.11 * top, " / ".join(periods) + " only", rotation=90, ha="center", va="bottom",
                fontsize=7, style="italic", color="0.15", zorder=5, bbox=LABEL_BOX)


# --- (c): TIP tier by edition -----------------------------------------------------------------

def tier_values(tiers: pd.DataFrame, tier_levels: list[str], primary: dict[str, bool]) -> pd.DataFrame:
    """Per edition: Kosovo's own tier, the tier of the larger state's entry that covered Kosovo,
    or a status without a tier (Special Case); each empty where it does not apply."""
    by_edition = tiers.set_index(tiers["edition"].astype(int)).sort_index()
    entry = flag(by_edition, "kosovo_entry")
    ranked = flag(by_edition, "kosovo_ranked")
    entity_tier = by_edition["assessed_entity_tier"].astype("string")
    on_scale = entity_tier.isin(tier_levels)
    values = pd.DataFrame({
        "kosovo_tier": by_edition["tier"].astype("string").where(ranked & by_edition["tier"].isin(tier_levels)),
        "larger_entity_tier": entity_tier.where(~entry & on_scale),
        "not_ranked": entity_tier.where(entity_tier.notna() & ~on_scale & ~ranked),
        "inferred": by_edition["tier_basis"].astype("string") == "inferred",
        "primary": [primary.get(str(x), False) if pd.notna(x) else True for x in by_edition["source_id"]],
        "assessed_entity": by_edition["assessed_entity"].astype("string"),
    }, index=by_edition.index)
    values.index.name = "edition"
    return values


def tier_chart(tiers: pd.DataFrame, lookups: Lookups) -> Chart:
    name, title = "tip-tiers", "Kosovo in the TIP Report: tier by edition"
    tier_levels = lookups.tier_levels
    caption_head = ("Blue circles = Kosovo's own tier (open: the edition's own entry was not in reach; a later edition "
                    "says Kosovo remained on it; stippled: read in a secondary source). Grey squares = the tier of the larger state's entry that covered Kosovo: "
                    "that state's tier, never Kosovo's own. A shaded column = Kosovo had an entry of its own but no tier "
                    "(Special Case is a status, not a level of the tier scale). Hatched = no tier found in the sources in reach. "
                    "Top: the entry Kosovo was assessed in. ")
    years = year_span(tiers["edition"])
    if not years:
        return empty_chart(name, title, caption_head + sources_text([]))
    found = tier_values(tiers, tier_levels, lookups.primary)
    values = found.reindex(years)
    level = {t: len(tier_levels) - i for i, t in enumerate(tier_levels)}  # Tier 1 at the top
    gaps = [y for y in years if values.loc[y, ["kosovo_tier", "larger_entity_tier", "not_ranked"]].isna().all()]

    fig = new_figure(4.6)
    ax = fig.add_subplot()
    own = values["kosovo_tier"].map(level).astype(float)  # NaN breaks the line: no line across a year without a tier
    ax.plot(own.index, own, color=KOSOVO_COLOUR, linewidth=1, zorder=2)
    inferred = values["inferred"].fillna(False).astype(bool)
    secondary = ~values["primary"].fillna(True).astype(bool)
    for column, marker, colour in (("kosovo_tier", "o", KOSOVO_COLOUR), ("larger_entity_tier", "s", ENTITY_COLOUR)):
        heights = values[column].map(level).astype(float)
        for kind, face, hatch in (("stated", colour, None), ("inferred", "white", None),
                                  ("secondary", lighter(colour, 0.75), MARKER_HATCH)):
            mask = heights.notna() & {"stated": ~inferred & ~secondary, "inferred": inferred,
                                      "secondary": ~inferred & secondary}[kind]
            if mask.any():
                ax.scatter(heights.index[mask], heights[mask], marker=marker, s=52, zorder=3, linewidths=1.4,
                           facecolors=[face], edgecolors=[colour], hatch=hatch)
    for edition, status in values["not_ranked"].dropna().items():
        ax.axvspan(edition - 0.4, edition + 0.4, facecolor="#FFF1D6", edgecolor="#E69F00", linewidth=0.8, zorder=1)
        own_entry = flag(tiers.set_index(tiers["edition"].astype(int)), "kosovo_entry").get(edition, False)
        who = "own entry" if own_entry else f"{values.loc[edition, 'assessed_entity']}'s entry"
        ax.text(edition, 0.5, f"{who}, not ranked\n({status})", transform=ax.get_xaxis_transform(), rotation=90,
                ha="center", va="center", fontsize=7, color="0.1", zorder=4, linespacing=1.1)
    draw_gaps(ax, gaps, "not found")
    draw_entity_spans(ax, values["assessed_entity"], len(tier_levels))
    year_axis(ax, years, EDITION_AXIS)
    ax.set_yticks(list(level.values()), list(level.keys()))
    ax.set_ylim(0.4, len(tier_levels) + 0.6)
    ax.grid(axis="y", color="0.9", zorder=0)
    ax.set_title(title, loc="left", fontsize=11, pad=42)
    has = {column: {kind: bool((values[column].notna() & mask).any()) for kind, mask in
                    (("inferred", inferred), ("secondary", ~inferred & secondary))}
           for column in ("kosovo_tier", "larger_entity_tier")}
    handles = [Line2D([], [], marker="o", linestyle="-", linewidth=1, color=KOSOVO_COLOUR, label="Kosovo's own tier")]
    if has["kosovo_tier"]["inferred"]:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor=KOSOVO_COLOUR,
                              label="Kosovo's own tier,\ninferred from a later edition"))
    if has["kosovo_tier"]["secondary"]:
        handles.append(Patch(facecolor=lighter(KOSOVO_COLOUR, 0.55), edgecolor=KOSOVO_COLOUR, hatch=SECONDARY_HATCH,
                             label="Kosovo's own tier, read in a\nsecondary source (news\nquoting the report)"))
    handles.append(Line2D([], [], marker="s", linestyle="", color=ENTITY_COLOUR,
                          label="tier of the larger state's entry\n(not Kosovo's own)"))
    if has["larger_entity_tier"]["inferred"]:
        handles.append(Line2D([], [], marker="s", linestyle="", markerfacecolor="white", markeredgecolor=ENTITY_COLOUR,
                              label="larger state's tier, inferred"))
    if has["larger_entity_tier"]["secondary"]:
        handles.append(Patch(facecolor=lighter(ENTITY_COLOUR, 0.55), edgecolor=ENTITY_COLOUR, hatch=SECONDARY_HATCH,
                             label="larger state's tier, read\nin a secondary source"))
    if values["not_ranked"].notna().any():
        handles.append(Patch(facecolor="#FFF1D6", edgecolor="#E69F00", label="entry without a tier\n(outside the tier scale)"))
    if gaps:
        handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, label="not found"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.05), frameon=False, fontsize=8, labelspacing=0.9)
    sources = sorted(tiers["source_id"].dropna().unique())
    add_caption(fig, caption_head + sources_text(sources) + " Drawn by scripts/charts.py from data/tier_status.csv.",
                left_in=1.25, top_in=1.15)
    return Chart(name, title, fig, values, gaps, sources)


def draw_entity_spans(ax, entity_by_year: pd.Series, top_level: int) -> None:
    """Above the plot, which entry Kosovo was assessed in: one bracket per run of editions."""
    runs: list[list] = []  # [first, last, entity]
    for year, entity in entity_by_year.items():
        entity = None if pd.isna(entity) else str(entity)
        if runs and runs[-1][2] == entity and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year, entity])
    y = top_level + 0.85
    for first, last, entity in runs:
        if entity is None:
            continue
        ax.plot([first - 0.4, last + 0.4], [y, y], color="0.3", linewidth=1, clip_on=False)
        wrapped = "\n".join(textwrap.wrap(entity, width=max(12, 5 * (last - first + 1))))
        ax.text((first + last) / 2, y + 0.08, wrapped, ha="center", va="bottom", fontsize=7, color="0.2", clip_on=False)


# --- (d): countries of origin and destination ------------------------------------------------

BASIS_ORDER = ["count", "share", "named"]
PERIOD_ORDER = ["calendar_year", "part_of_year", "span_of_years"]


def rank(values: pd.Series, order: list[str]) -> pd.Series:
    return values.map({v: i for i, v in enumerate(order)}).astype(float).fillna(len(order))


def country_cells(origins: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """One preferred row per role, country and reference year: a count over a share over a mere
    name, a full calendar year over a shorter or longer period, populations in the schema's order,
    a primary source over a secondary one."""
    rows = origins[flag(origins, "preferred")].copy()
    rows["year"] = rows["reference_year"].astype(int)
    rows["primary"] = [lookups.primary.get(s, False) for s in rows["source_id"]]
    rows = rows.assign(_basis=rank(rows["basis"], BASIS_ORDER), _period=rank(rows["period_kind"], PERIOD_ORDER),
                       _population=rank(rows["population"], lookups.populations), _secondary=~rows["primary"])
    rows = rows.sort_values(["role", "country_code", "year", "_basis", "_period", "_population", "_secondary", "source_id"],
                            kind="stable")
    rows = rows.drop_duplicates(["role", "country_code", "year"]).drop(columns=["_basis", "_period", "_population", "_secondary"])
    rows["complete"] = flag(rows, "breakdown_complete")
    return rows.reset_index(drop=True)


def cell_label(row) -> str:
    if row["basis"] == "count" and pd.notna(row["victims"]):
        return f"{int(row['victims'])}"
    if row["basis"] == "count" and "published_below" in row and pd.notna(row["published_below"]):
        return f"<{int(row['published_below'])}"
    if row["basis"] == "share" and pd.notna(row["share_percent"]):
        return f"{float(row['share_percent']):g}%"
    return ""


OTHERS = "__others__"
NOT_GIVEN = "?"  # in the "other origins" row: the source names only some countries
OTHER_LABELS = {"origin": "other origins: not given", "destination": "other destinations: not given",
                "transit": "other transit countries: not given"}


def origin_chart(origins: pd.DataFrame, countries: pd.DataFrame, lookups: Lookups) -> Chart:
    name, title = "origin-countries", "Countries of origin and destination in the figures, by reference year"
    caption_head = ("Preferred rows only; per cell the strongest evidence: a count, else a share, else the country only named. "
                    "Colour = whom the figure counts. Filled = a whole calendar year; open = part of a year or a span of years, "
                    "whose period is given under the year (a span is filed under the year it starts). Stippled = secondary source. "
                    "'?' in the row 'other origins: not given' = the source names only some of the countries of that year's "
                    "victims; the others are not given (not zero). Hatched = no row for that year. "
                    "Countries that a TIP edition's trafficking profile only names "
                    "(data/profile_countries.csv) are not shown: they are dated by edition, not by year. ")
    cells = country_cells(origins, lookups)
    years = year_span(cells["year"])
    if not years:
        return empty_chart(name, title, caption_head + sources_text([]))
    names = dict(zip(countries["country_code"], countries["name"]))
    roles = [r for r in ("origin", "destination", "transit") if (cells["role"] == r).any()]
    incomplete = {r: sorted(set(cells.loc[(cells["role"] == r) & ~cells["complete"], "year"])) for r in roles}
    heights = [cells.loc[cells["role"] == r, "country_code"].nunique() + (1 if incomplete[r] else 0) for r in roles]
    periods = period_ticks(cells)
    sources = sorted(cells["source_id"].dropna().unique())
    caption = caption_head + sources_text(sources) + " Drawn by scripts/charts.py from data/origin_countries.csv."
    # Laid out in inches: a fixed height per country row, the year labels (with their periods) and the caption below.
    row_in, gap_in, top_in = 0.24, 0.3, 0.45
    ticks_in = 0.35 + 0.068 * max([len(t) for t in periods.values()] + [4])
    caption_in = 0.15 * len(caption_lines(caption)) + 0.16
    plot_in = row_in * (sum(heights) + 1.1 * len(roles)) + gap_in * (len(roles) - 1)
    height = top_in + plot_in + ticks_in + caption_in
    fig = new_figure(height)
    axes = np.atleast_1d(fig.subplots(len(roles), 1, sharex=True, gridspec_kw={
        "height_ratios": [h + 1.1 for h in heights], "hspace": gap_in / (plot_in / len(roles))}))
    gaps = [y for y in years if not (cells["year"] == y).any()]
    for ax, role in zip(axes, roles):
        draw_country_matrix(ax, cells[cells["role"] == role], role, names, years, gaps, incomplete[role], lookups)
    axes[0].set_title(title, loc="left", fontsize=11)
    year_axis(axes[-1], years, REFERENCE_YEAR_AXIS, periods)
    handles = [Line2D([], [], marker=BASIS_MARKERS[b], linestyle="", color="0.3", label={"count": "count of victims",
               "share": "share of victims", "named": "country only named"}[b]) for b in BASIS_ORDER if (cells["basis"] == b).any()]
    handles += [Patch(facecolor=c, label=f"{label(p)} victims") for p, c in population_colours(lookups).items()
                if (cells["population"] == p).any()]
    if cells["primary"].any():
        handles.append(Patch(facecolor="0.3", edgecolor="0.3", label="primary source, whole year"))
    if not cells["primary"].all():
        secondary = sorted(set(cells.loc[~cells["primary"], "source_id"]))
        handles.append(Patch(facecolor=lighter("0.3", 0.55), edgecolor="0.3", hatch=SECONDARY_HATCH,
                             label="secondary source:\n" + secondary_phrase(secondary, lookups)))
    if (cells["period_kind"] != "calendar_year").any():
        handles.append(Patch(facecolor="white", edgecolor="0.3", label="part of a year or a span\n(period under the year)"))
    if any(incomplete.values()):
        handles.append(Line2D([], [], marker=f"${NOT_GIVEN}$", linestyle="", color="0.3", markersize=7,
                              label="the source names only some\ncountries: the others are\nnot given (not zero)"))
    handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, label="no row for that year"))
    axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8, labelspacing=0.8)
    values = cells.pivot_table(index="year", columns=["role", "country_code"], values="basis", aggfunc="first").reindex(years)
    fig.text(0.01, 0.04 / height, "\n".join(caption_lines(caption)), ha="left", va="bottom", fontsize=7.5, color="0.25",
             linespacing=1.3)
    longest = max(len(f"{names.get(c, c)} ({c})") for c in cells["country_code"])
    longest = max(longest, max(len(OTHER_LABELS.get(r, "")) for r in roles) if any(incomplete.values()) else 0)
    fig.subplots_adjust(left=(0.45 + 0.063 * longest) / WIDTH_IN, right=0.76, top=1 - top_in / height, bottom=(caption_in + ticks_in) / height)
    marks = cells.assign(not_given=~cells["complete"])
    return Chart(name, title, fig, values, gaps, sources, marks)


def population_colours(lookups: Lookups) -> dict[str, str]:
    return {p: POPULATION_COLOURS[i % len(POPULATION_COLOURS)] for i, p in enumerate(lookups.populations)}


def period_ticks(cells: pd.DataFrame) -> dict[int, str]:
    """Tick labels that name the periods other than a calendar year drawn in a year's column."""
    ticks = {}
    for year, column in cells.groupby("year", sort=True):
        other = column[column["period_kind"] != "calendar_year"]
        periods = list(dict.fromkeys(period_label(s, e) for s, e in zip(other["period_start"], other["period_end"])))
        if periods:
            ticks[int(year)] = f"{year} ({'; '.join(periods)})"
    return ticks


def draw_country_matrix(ax, cells: pd.DataFrame, role: str, names: dict, years: list[int], gaps: list[int],
                        incomplete: list[int], lookups: Lookups) -> None:
    # Most often documented countries at the top; the "not given" row at the bottom.
    order = cells.groupby("country_code").size()
    codes = sorted(order.index, key=lambda c: (-order[c], names.get(c, c)))
    if incomplete:
        codes.append(OTHERS)
    position = {code: len(codes) - i for i, code in enumerate(codes)}
    colours = population_colours(lookups)
    for _, row in cells.iterrows():
        colour = colours.get(row["population"], "0.45")
        full_year = row["period_kind"] == "calendar_year"
        face = (colour if row["primary"] else lighter(colour, 0.75)) if full_year else "white"
        x, y = int(row["year"]), position[row["country_code"]]
        ax.scatter([x], [y], marker=BASIS_MARKERS.get(row["basis"], "o"), s=60, linewidths=1.3, zorder=3,
                   facecolors=[face], edgecolors=[colour], hatch=None if row["primary"] else MARKER_HATCH)
        text = cell_label(row)
        if text:
            ax.text(x + 0.2, y + 0.16, text, fontsize=6.5, ha="left", va="bottom", zorder=4)
    for year in incomplete:
        ax.text(year, position[OTHERS], NOT_GIVEN, fontsize=8.5, fontweight="bold", ha="center", va="center",
                color="0.3", zorder=4)
    for year in gaps:
        ax.axvspan(year - 0.4, year + 0.4, facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, linewidth=0, zorder=0)
    ax.set_yticks(list(position.values()),
                  [OTHER_LABELS.get(role, "others: not given") if c == OTHERS else f"{names.get(c, c)} ({c})" for c in codes], fontsize=8)
    if incomplete:
        ax.get_yticklabels()[-1].set_fontstyle("italic")
    ax.set_ylim(0.3, len(codes) + 0.8)
    ax.set_ylabel(role, fontsize=9)
    ax.grid(axis="y", color="0.92", zorder=0)
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)


# --- (e) law enforcement -----------------------------------------------------------------------

# Rows of the chart, top to bottom: a measure and unit, in the order an investigation runs.
LAW_ROWS = [
    ("operations", "operations", "police operations"),
    ("premises_inspected", "premises", "premises inspected"),
    ("premises_closed", "premises", "premises closed"),
    ("cases_investigated", "cases", "cases opened"),
    ("persons_arrested", "persons", "persons arrested"),
    ("criminal_reports", "cases", "criminal reports (cases)"),
    ("criminal_reports", "persons", "criminal reports (persons)"),
    ("persons_prosecuted", "persons", "persons prosecuted"),
    ("cases_prosecuted", "cases", "cases prosecuted"),
    ("persons_convicted", "persons", "persons convicted"),
    ("persons_sentenced_to_prison", "persons", "persons sentenced to prison"),
]
OFFENCE_MARKS = {"trafficking": "", "trafficking_and_related": "+", "related_only": "r", "as_reported": "?"}


def law_cells(law: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """One cell per row of the chart and year: the preferred figure, of the whole calendar year
    if there is one, else the longest period starting that year; trafficking-only figures first."""
    rows = law[flag(law, "preferred")].copy()
    rows["year"] = rows["reference_year"].astype(int)
    rows["primary"] = rows["source_id"].map(lambda s: lookups.primary.get(str(s), False))
    rows["_scope"] = rows["offences"].map(list(OFFENCE_MARKS).index)
    cells = []
    for (measure, unit, year), group in rows.groupby(["measure", "unit", "year"], sort=True):
        chosen = choose_period(group).sort_values(["_scope", "value"], kind="stable")
        cells.append(chosen.iloc[0])
    return pd.DataFrame(cells).reset_index(drop=True) if cells else rows.iloc[0:0]


def law_chart(law: pd.DataFrame, lookups: Lookups) -> Chart:
    title = "Law enforcement against trafficking, by reference year"
    if law.empty:
        return empty_chart("law-enforcement", title, "No law-enforcement figure in the package.")
    cells = law_cells(law, lookups)
    used = [(m, u, name) for m, u, name in LAW_ROWS if ((cells["measure"] == m) & (cells["unit"] == u)).any()]
    position = {(m, u): len(used) - i for i, (m, u, _) in enumerate(used)}
    years = year_span(cells["year"])
    fig = new_figure(0.42 * len(used) + 2.8)
    ax = fig.add_subplot()
    for row in cells.itertuples():
        y = position[(row.measure, row.unit)]
        part = row.period_kind != "calendar_year"
        colour = "#0072B2"
        face = "white" if part else (colour if row.primary else lighter(colour, 0.75))
        ax.scatter([row.year], [y], marker="s", s=70, linewidths=1.2, zorder=3, facecolors=[face], edgecolors=[colour],
                   linestyle="--" if part else "-", hatch=None if row.primary else MARKER_HATCH)
        text = f"{int(row.value)}{OFFENCE_MARKS[row.offences]}" + ("*" if part else "")
        ax.text(row.year, y + 0.2, text, fontsize=6.5, ha="center", va="bottom", zorder=4)
    gaps = [y for y in years if not (cells["year"] == y).any()]
    for year in gaps:
        ax.axvspan(year - 0.4, year + 0.4, facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, linewidth=0, zorder=0)
    ax.set_yticks(list(position.values()), [name for _, _, name in used], fontsize=8)
    ax.set_ylim(0.3, len(used) + 0.8)
    ax.grid(axis="y", color="0.92", zorder=0)
    year_axis(ax, years, REFERENCE_YEAR_AXIS)
    handles = [
        Patch(facecolor="#0072B2", edgecolor="#0072B2", label="primary source, whole year"),
        Patch(facecolor=lighter("#0072B2", 0.75), edgecolor="#0072B2", hatch=MARKER_HATCH,
              label="secondary source (news retelling others' figures)"),
        Patch(facecolor="white", edgecolor="#0072B2", linestyle="--", label="part of a year or a span (number marked *)"),
        Patch(facecolor="none", edgecolor=GAP_COLOUR, hatch=GAP_HATCH, label="no figure for that year"),
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=2, fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=11, pad=42)
    sources = sorted(set(cells["source_id"]))
    caption = ("Preferred figures only, one per measure and year: the whole calendar year where a source gives it, "
               "else the longest period starting that year (marked *). Numbers are as reported and are not comparable "
               "across rows or bodies: + = trafficking and related offences together, r = related offences only "
               "(e.g. child abandonment in begging cases), ? = scope not stated; no mark = trafficking only. "
               "Hatched = no law-enforcement figure for that year (not zero). " + sources_text(sources)
               + " Drawn by scripts/charts.py from data/law_enforcement.csv.")
    add_caption(fig, caption, left_in=2.0, top_in=1.1, bottom_in=0.75)
    fig.subplots_adjust(right=0.98)  # the legend is above the plot: the years get the whole width
    values = cells.set_index(["year", "measure", "unit"])["value"].astype(float).unstack(["measure", "unit"])
    return Chart("law-enforcement", title, fig, values, gap_years=gaps, sources=sources, marks=cells)


# --- all charts ------------------------------------------------------------------------------

def schema_lookups(root: Path) -> Lookups:
    declared = resources(load_descriptor(root))
    tier_levels = declared["tier_status"].field("tier").get("constraints", {}).get("enum", [])
    populations = declared["origin_countries"].field("population").get("constraints", {}).get("enum", [])
    categories = load("categories", root)
    categories = categories.sort_values(["position", "dimension", "category"], kind="stable")
    by_dimension: dict[str, list[str]] = {}
    for dimension, category in zip(categories["dimension"], categories["category"]):
        by_dimension.setdefault(str(dimension), []).append(str(category))
    sources = load("sources", root)
    primary = {str(s): bool(p) for s, p in zip(sources["source_id"], sources["primary"].fillna(False))}
    kinds = {str(s): str(k) for s, k in zip(sources["source_id"], sources["kind"].fillna(""))}
    return Lookups(by_dimension, list(tier_levels), primary, kinds, list(populations))


def build_charts(root: Path) -> list[Chart]:
    root = Path(root)
    lookups = schema_lookups(root)
    victims = load("victim_demographics", root)
    charts = [victims_chart(victims, name, lookups) for name in VICTIM_CHARTS]
    charts.append(tier_chart(load("tier_status", root), lookups))
    charts.append(origin_chart(load("origin_countries", root), load("countries", root), lookups))
    charts.append(law_chart(load("law_enforcement", root), lookups))
    return charts


def png_bytes(chart: Chart) -> bytes:
    """The chart as PNG bytes: drawn by Agg, stored with a fixed palette and no metadata, so that
    the same data always give the same bytes."""
    buffer = io.BytesIO()
    chart.figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    quantised = image.quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantised.save(out, format="PNG", compress_level=9)
    return out.getvalue()


def save(chart: Chart, out_dir: Path) -> Path:
    path = out_dir / chart.filename
    write_bytes_atomic(path, png_bytes(chart))
    return path


FINGERPRINT = "fingerprint.json"
CODE = ["charts.py", "load.py", "package_io.py"]  # this folder's modules that the drawing depends on


def inputs_fingerprint(root: Path) -> str:
    """sha256 of everything the charts are drawn from: each resource's declaration (without its
    bytes and hash, which follow the data) and data file, the code, and the drawing libraries."""
    import PIL

    digest = hashlib.sha256()
    for name in CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    digest.update(" ".join([matplotlib.__version__, PIL.__version__, np.__version__, pd.__version__]).encode())
    for resource in resources(load_descriptor(root)).values():
        declared = {k: v for k, v in resource.descriptor.items() if k not in ("bytes", "hash")}
        digest.update(json.dumps(declared, sort_keys=True).encode())
        path = root / resource.path
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()


def recorded(out_dir: Path, inputs: str) -> dict:
    """What fingerprint.json says about the charts in out_dir: the inputs and each PNG's sha256."""
    return {"inputs": inputs, "charts": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                                         for p in sorted(out_dir.glob("*.png"))}}


def up_to_date(out_dir: Path, inputs: str) -> bool:
    """The PNGs in out_dir are those fingerprint.json records, drawn from these very inputs."""
    try:
        written = json.loads((out_dir / FINGERPRINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return written == recorded(out_dir, inputs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the charts of the package into docs/charts/.")
    parser.add_argument("package", nargs="?", default=str(ROOT), help="folder holding datapackage.json (default: this repository)")
    parser.add_argument("--out", default=None, help="output folder (default: PACKAGE/docs/charts)")
    parser.add_argument("--force", action="store_true", help="draw the charts even if their inputs have not changed")
    args = parser.parse_args(argv)
    root = Path(args.package)
    out_dir = Path(args.out) if args.out else root / OUT_DIR
    try:
        inputs = inputs_fingerprint(root)
    except CannotRun as exc:
        print(f"CANNOT RUN: {exc}", file=sys.stderr)
        return 2
    if not args.force and up_to_date(out_dir, inputs):
        print(f"{out_dir}: the charts are those of the data (fingerprint.json); --force draws them again")
        return 0
    with matplotlib.rc_context(RC):
        try:
            charts = build_charts(root)
        except (CannotLoad, CannotRun) as exc:
            print(f"CANNOT RUN: {exc}", file=sys.stderr)
            return 2
        except LoadError as exc:
            print(f"INVALID: {exc}", file=sys.stderr)
            return 1
        except (KeyError, StopIteration) as exc:
            print(f"CANNOT RUN: datapackage.json lacks a resource or field the charts need: {exc}", file=sys.stderr)
            return 2
        out_dir.mkdir(parents=True, exist_ok=True)
        for chart in charts:
            print(f"wrote {save(chart, out_dir)}")
    write_atomic(out_dir / FINGERPRINT, json.dumps(recorded(out_dir, inputs), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
