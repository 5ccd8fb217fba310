"""The headline series: one figure per reference year and measure, the one to quote.

    python -m scripts.headline            # print data/headline_series.csv as it would be written
    python -m scripts.headline --write    # write it (part of `make generate`)

It is a view of victim_demographics, never edited by hand: identified victims, full calendar
years only, preferred rows only. A year with no such figure has no row (never a zero). Each
row keeps the key of the victim_demographics row it comes from, so the two can be joined.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .package_io import ROOT, CannotRun, csv_text, replace_between, load_descriptor, read_raw, resources, write_atomic

RESOURCE = "headline_series"
SOURCE = "victim_demographics"
POPULATION = "identified"  # the headline counts officially identified victims only

# The measure a (dimension, category) pair becomes; exploitation forms keep their code.
NAMED_MEASURES = {
    ("total", "all"): "identified_victims",
    ("age", "child"): "children",
    ("age", "adult"): "adults",
    ("sex", "female"): "female",
    ("sex", "male"): "male",
    ("sex_age", "girl"): "girls",
    ("sex_age", "boy"): "boys",
    ("sex_age", "woman"): "women",
    ("sex_age", "man"): "men",
}


def measure_of(dimension: str, category: str) -> str:
    return NAMED_MEASURES.get((dimension, category), category)


def headline_frame(root: Path) -> pd.DataFrame:
    """The headline rows, as text cells in the order and sort of the resource's schema."""
    descriptor = load_descriptor(root)
    declared = resources(descriptor)
    figures = read_raw(root / declared[SOURCE].path)
    # A duplicated source_id is the validator's to report; the first row stands here.
    sources = read_raw(root / declared["sources"].path).drop_duplicates("source_id").set_index("source_id")
    chosen = figures[(figures["population"] == POPULATION) & (figures["period_kind"] == "calendar_year")
                     & (figures["preferred"] == "true")].copy()
    chosen["measure"] = [measure_of(d, c) for d, c in zip(chosen["dimension"], chosen["category"])]
    chosen["primary_source"] = chosen["source_id"].map(sources["primary"]).fillna("")
    target = declared[RESOURCE]
    out = chosen[target.field_names]
    # Sorted by the primary key (year, then measure), like every resource of the package.
    order = out.assign(_year=out["reference_year"].astype(int)).sort_values(["_year", "measure"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def headline_text(root: Path) -> str:
    return csv_text(headline_frame(root))


def target_path(root: Path) -> Path:
    return root / resources(load_descriptor(root))[RESOURCE].path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT))
    parser.add_argument("--write", action="store_true", help="write data/headline_series.csv")
    args = parser.parse_args(argv)
    root = Path(args.package)
    try:
        text = headline_text(root)
        if args.write:
            write_atomic(target_path(root), text)
            readme = root / "README.md"
            if readme.is_file():  # the README's table is the same series, so it is written with it
                write_atomic(readme, readme_with_headline(readme.read_text(encoding="utf-8"), headline_markdown(root)))
        else:
            sys.stdout.write(text)
    except (CannotRun, KeyError, OSError, ValueError) as exc:
        print(f"headline: cannot build the headline series: {exc}", file=sys.stderr)
        return 2
    return 0



# --- the README's headline table --------------------------------------------------------

README_START, README_END = "<!-- headline:start -->", "<!-- headline:end -->"
README_COLUMNS = [("identified_victims", "identified victims"), ("children", "children"),
                  ("female", "female"), ("male", "male")]


def headline_markdown(root: Path) -> str:
    """Years down, the main measures across; † marks a figure that rests on a secondary source."""
    frame = headline_frame(root)
    lines = ["| year | " + " | ".join(title for _, title in README_COLUMNS) + " | source |",
             "|---:|" + "---:|" * len(README_COLUMNS) + "---|"]
    for year, rows in frame.groupby(frame["reference_year"].astype(int), sort=True):
        by_measure = rows.set_index("measure")
        cells = []
        for measure, _ in README_COLUMNS:
            if measure not in by_measure.index:
                cells.append("")
                continue
            row = by_measure.loc[measure]
            marks = ("" if row["primary_source"] == "true" else "†") + ("‡" if row["derived"] == "true" else "") \
                + ("°" if row["restatement"] == "true" else "")
            cells.append(row["victims"] + (f" {marks}" if marks else ""))
        sources = ", ".join(sorted(set(rows["source_id"])))
        lines.append(f"| {year} | " + " | ".join(cells) + f" | {sources} |")
    first, last = int(frame["reference_year"].astype(int).min()), int(frame["reference_year"].astype(int).max())
    totals = frame[frame["measure"] == "identified_victims"]["reference_year"].astype(int)
    gaps = sorted(set(range(first, last + 1)) - set(totals))
    lines += ["", "† the figure rests on a secondary source (news retelling official figures); ‡ the maintainers computed it "
              "from the source's figures; ° a later report's restatement (the report for that year was not in reach). "
              "An empty cell: the source gives no such breakdown. "
              + (f"No full-year total of identified victims was found for {', '.join(map(str, gaps))}: a gap, not a zero." if gaps else "")]
    return "\n".join(lines) + "\n"


def readme_with_headline(text: str, table: str) -> str:
    return replace_between(text, README_START, README_END, table, "README.md")


if __name__ == "__main__":
    sys.exit(main())
