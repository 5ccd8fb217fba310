#!/usr/bin/env python3
"""The README's coverage table: year by year, what the package knows and from which source.

    python -m scripts.coverage            # print the table
    python -m scripts.coverage --write    # replace the table between the markers in README.md
    python -m scripts.coverage --check    # exit 1 if README.md's table is out of date

Generated from the data so that it can never disagree with it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .package_io import replace_between, ROOT, CannotRun, load_descriptor, read_raw, resources, write_atomic

START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"
FIRST_YEAR = 2000


def load(root: Path, name: str) -> pd.DataFrame:
    return read_raw(root / resources(load_descriptor(root))[name].path)


# Short labels, so that one row of the table shows a whole year at a glance.
DIMENSION_LABELS = {"total": "total", "sex": "sex", "age": "age", "sex_age": "sex×age", "exploitation": "exploitation"}
MEASURE_LABELS = {
    "operations": "operations", "premises_inspected": "premises", "premises_closed": "premises",
    "cases_investigated": "cases", "persons_arrested": "arrests", "criminal_reports": "criminal reports",
    "persons_prosecuted": "prosecutions", "cases_prosecuted": "prosecutions", "persons_convicted": "convictions",
    "persons_sentenced_to_prison": "sentences",
}


def marked(label: str, rows: pd.DataFrame) -> str:
    """The label, with † when none of the rows covers the whole calendar year."""
    return label + ("" if (rows["period_kind"] == "calendar_year").any() else "†")


def labels(rows: pd.DataFrame, column: str, names: dict[str, str]) -> str:
    out = []
    for code, name in names.items():
        if name in out or name + "†" in out:
            continue
        chosen = rows[rows[column].map(names.get) == name]
        if not chosen.empty:
            out.append(marked(name, chosen))
    return ", ".join(out)


def coverage_table(root: Path) -> str:
    tiers = load(root, "tier_status").set_index("edition")
    demo = load(root, "victim_demographics")
    origin = load(root, "origin_countries")
    profiles = load(root, "profile_countries")
    law = load(root, "law_enforcement")
    last = max(int(tiers.index.astype(int).max()), int(demo["reference_year"].astype(int).max()))
    header = ["year", "tier (edition of that year)", "identified victims", "potential / assisted victims",
              "law enforcement", "origins and destinations"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for year in range(FIRST_YEAR, last + 1):
        y = str(year)
        tier = ""
        if y in tiers.index:
            t = tiers.loc[y]
            tier = t["tier"] or (f"({t['assessed_entity_tier']}, {t['assessed_entity']})" if t["assessed_entity_tier"] else "not found")
            tier += " *inferred*" if t["tier_basis"] == "inferred" else ""
        in_year = demo[demo["reference_year"] == y]
        identified = labels(in_year[in_year["population"] == "identified"], "dimension", DIMENSION_LABELS)
        others = ", ".join(marked(pop, in_year[in_year["population"] == pop])
                           for pop in ("potential", "assisted") if (in_year["population"] == pop).any())
        enforcement = labels(law[law["reference_year"] == y], "measure", MEASURE_LABELS)
        o = origin[origin["reference_year"] == y]
        kinds = []
        for name, rows in (("counts", o[(o["basis"] == "count") & (o["population"] != "detected_abroad")]),
                           ("shares", o[o["basis"] == "share"]),
                           ("detected abroad (GLOTIP)", o[o["population"] == "detected_abroad"]),
                           ("named", o[o["basis"] == "named"])):
            if not rows.empty:
                kinds.append(marked(name, rows))
        if (profiles["edition"] == y).any():
            kinds.append("TIP profile")
        lines.append("| " + " | ".join([y, tier, identified, others, enforcement, ", ".join(kinds)]) + " |")
    notes = [
        "",
        "Each cell says what kind of figure exists for the year; the rows themselves name their sources. An empty",
        "cell means no figure was found. † marks kinds found only for part of the year or for a span of years",
        "starting that year, never a full-year figure. The tier column is for the edition published that year (it",
        "reports mostly on the year before); a tier in brackets belongs to the larger entry Kosovo was part of, not",
        "to Kosovo. 'TIP profile': countries the edition of that year names without a date (profile_countries).",
    ]
    return "\n".join(lines + notes) + "\n"


def replace_between_markers(text: str, table: str) -> str:
    return replace_between(text, START, END, table, "README.md")


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
            print("README.md's coverage table is out of date: run `make generate` (python -m scripts.coverage --write)", file=sys.stderr)
            return 1
        print("README.md's coverage table is up to date")
        return 0
    write_atomic(readme, updated)
    print(f"wrote the coverage table into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
