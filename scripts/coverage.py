#!/usr/bin/env python3
"""The README's coverage table: year by year, what the package knows and from which source.

    python scripts/coverage.py            # print the table
    python scripts/coverage.py --write    # replace the table between the markers in README.md
    python scripts/coverage.py --check    # exit 1 if README.md's table is out of date

Generated from the data so that it can never disagree with it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .package_io import ROOT, CannotRun, load_descriptor, read_raw, resources

START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"
FIRST_YEAR = 2000
DIMENSIONS = ["total", "sex", "age", "sex_age", "exploitation"]


def load(root: Path, name: str) -> pd.DataFrame:
    return read_raw(root / resources(load_descriptor(root))[name].path)


def cell(rows: pd.DataFrame) -> str:
    """Sources of the rows, with a mark for secondary sources and for part-year or longer spans."""
    if rows.empty:
        return ""
    labels = []
    for source_id, group in rows.groupby("source_id", sort=True):
        kinds = set(group["period_kind"])
        mark = "" if kinds <= {"calendar_year"} else "†"
        labels.append(f"{source_id}{mark}")
    return ", ".join(labels)


def coverage_table(root: Path) -> str:
    tiers = load(root, "tier_status").set_index("edition")
    demo = load(root, "victim_demographics")
    origin = load(root, "origin_countries")
    profiles = load(root, "profile_countries")
    last = max(int(tiers.index.astype(int).max()), int(demo["reference_year"].astype(int).max()))
    header = ["year", "tier in that year's TIP edition"] + [f"victims: {d}" for d in DIMENSIONS] + ["origin counts/shares", "countries named"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for year in range(FIRST_YEAR, last + 1):
        y = str(year)
        tier = ""
        if y in tiers.index:
            t = tiers.loc[y]
            tier = t["tier"] or (f"({t['assessed_entity_tier']} for {t['assessed_entity']})" if t["assessed_entity_tier"] else "not found")
            tier += " *inferred*" if t["tier_basis"] == "inferred" else ""
        in_year = demo[demo["reference_year"] == y]
        dims = [cell(in_year[in_year["dimension"] == d]) for d in DIMENSIONS]
        o = origin[origin["reference_year"] == y]
        named = ", ".join(sorted(set(o[o["basis"] == "named"]["source_id"]) | set(profiles[profiles["edition"] == y]["source_id"])))
        lines.append("| " + " | ".join([y, tier] + dims + [cell(o[o["basis"] != "named"]), named]) + " |")
    notes = [
        "",
        "Cells name the source_id of every source that gives a figure (see `data/sources.csv`); an empty cell",
        "means no figure was found. † marks a figure for part of the year or for a span of years, not for the",
        "calendar year. The tier column is for the edition published that year (it reports mostly on the year",
        "before); a tier in brackets belongs to the larger entry Kosovo was part of, not to Kosovo.",
        "Countries named in a TIP edition's trafficking profile (profile_countries) are listed under the edition's year:",
        "the profile describes the edition's reporting period, which it does not date.",
    ]
    return "\n".join(lines + notes) + "\n"


def replace_between_markers(text: str, table: str) -> str:
    if START not in text or END not in text:
        raise ValueError(f"README.md has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    root = Path(args.package)
    try:
        table = coverage_table(root)
        readme = root / "README.md"
        if not (args.write or args.check):
            sys.stdout.write(table)
            return 0
        current = readme.read_text(encoding="utf-8")
        updated = replace_between_markers(current, table)
    except (CannotRun, OSError, KeyError, ValueError) as exc:
        print(f"coverage: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if updated != current:
            print("README.md's coverage table is out of date: run `python scripts/coverage.py --write`", file=sys.stderr)
            return 1
        print("README.md's coverage table is up to date")
        return 0
    readme.write_text(updated, encoding="utf-8")
    print(f"wrote the coverage table into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
