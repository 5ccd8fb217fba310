#!/usr/bin/env python3
"""Benchmark the validator on synthetic packages of growing size.

    python scripts/bench.py [--sizes 10000,100000,1000000] [--keep DIR]

For each size it writes a package with the real datapackage.json and synthetic rows that
obey every rule of scripts/validate.py (sorted, one preferred row per key, foreign keys
resolving, breakdowns adding up), then times `scripts/validate.py` and plain
`frictionless validate` on it and reports wall time and peak memory (RSS) of each.
This is a benchmark, not a test: a 1M-row run takes minutes.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .package_io import DESCRIPTOR, ROOT, dump_descriptor, file_digest, load_descriptor, resources, with_stats
from .validate import preferred_key_of  # the key lives in one place

# Each figure group (source, year, period, population) of victim_demographics holds one
# total and every category of every dimension; values are multiples of one unit m so
# that every breakdown adds up and girls <= females, children, and so on.
DEMOGRAPHIC_SHARES = [  # (dimension, category, victims per unit)
    ("total", "all", 20),
    ("sex", "female", 12), ("sex", "male", 8),
    ("age", "child", 6), ("age", "adult", 14),
    ("sex_age", "girl", 4), ("sex_age", "boy", 2), ("sex_age", "woman", 8), ("sex_age", "man", 6),
    ("exploitation", "sex_trafficking", 9), ("exploitation", "forced_labor", 4),
    ("exploitation", "forced_begging", 2), ("exploitation", "domestic_servitude", 1),
    ("exploitation", "forced_marriage", 1), ("exploitation", "slavery_servitude", 1),
    ("exploitation", "forced_criminality", 1), ("exploitation", "other", 1),
]
UNIT_TOTAL = 20            # victims per unit in the total row
COUNTRIES_PER_ROLE = 20    # an origin breakdown: 20 countries with one unit each = the total
MAX_SOURCES = 40
MAX_COUNTRIES = 26 * 26   # every two-letter code
YEARS = list(range(1999, 2025))
POPULATIONS = ["identified", "potential", "assisted"]


def source_ids(n: int) -> list[str]:
    return [f"src-{i:04d}" for i in range(n)]


def country_codes(n: int) -> list[tuple[str, str, str]]:
    """n made-up (alpha-2, alpha-3, name) triples that match the schema's patterns."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [a + b for a in letters for b in letters][:n]
    return [(c, c + "X", f"Country {c}") for c in codes]


def figure_groups(n_groups: int, n_sources: int) -> pd.DataFrame:
    """The first n_groups (source, year, period, population) combinations.

    Period 0 is the calendar year; period p > 0 runs from 1 January for p days
    (a part of the year), so there are as many distinct periods as needed.
    """
    per_period = n_sources * len(YEARS) * len(POPULATIONS)
    g = np.arange(n_groups)
    period = g // per_period
    rest = g % per_period
    source = rest % n_sources
    rest //= n_sources
    pop = rest % len(POPULATIONS)
    year = np.array(YEARS)[rest // len(POPULATIONS)]
    start = pd.to_datetime(pd.Series(year).astype(str) + "-01-01")
    end = (start + pd.to_timedelta(np.where(period == 0, 364, period), unit="D"))
    end = end.where(period > 0, pd.to_datetime(pd.Series(year).astype(str) + "-12-31"))
    return pd.DataFrame({
        "group": g,
        "period": period,
        "year": year.astype(str),
        "period_start": start.dt.strftime("%Y-%m-%d"),
        "period_end": end.dt.strftime("%Y-%m-%d"),
        "period_kind": np.where(period == 0, "calendar_year", "part_of_year"),
        "population": np.array(POPULATIONS)[pop],
        "source_id": np.array(source_ids(n_sources))[source],
        "unit": 1 + g % 7,
    })


def flags(mask: np.ndarray) -> np.ndarray:
    return np.where(mask, "true", "false")


def mark_preferred(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Exactly one preferred row per key (the first); later rows of a key alternate as derived."""
    first = ~frame.duplicated(key)
    frame["preferred"] = flags(first.to_numpy())
    derived = (~first).to_numpy() & (np.arange(len(frame)) % 2 == 0)
    frame["derived"] = flags(derived)
    frame["notes"] = np.where(derived, "computed by the benchmark as a sum of other rows", "")
    return frame


def demographics(groups: pd.DataFrame) -> pd.DataFrame:
    shares = pd.DataFrame(DEMOGRAPHIC_SHARES, columns=["dimension", "category", "per_unit"])
    rows = groups.merge(shares, how="cross")
    is_total = rows["dimension"] == "total"
    # Half of the exploitation breakdowns overlap (non-exclusive): allowed only there.
    overlap = (rows["dimension"] == "exploitation") & (rows["group"] % 2 == 1)
    rows["victims"] = (rows["per_unit"] * rows["unit"]).astype(str)
    rows["locator"] = "table " + (rows["group"] % 9 + 1).astype(str)
    rows["restatement"] = "false"
    rows["breakdown_complete"] = np.where(is_total, "", "true")
    rows["breakdown_exclusive"] = np.where(is_total, "", flags(~overlap))
    return rows


def origins(groups: pd.DataFrame, n_countries: int) -> pd.DataFrame:
    """Per group: 20 counted origins adding up to the total, 20 destination shares
    (4.5 % each) and 20 named transit countries. Each period of a source's year takes
    other countries, as the primary key leaves the period out."""
    codes = np.array([c for c, _, _ in country_codes(n_countries)])
    k = COUNTRIES_PER_ROLE
    rows = groups.loc[groups.index.repeat(3 * k)].reset_index(drop=True)
    j = np.tile(np.arange(k), 3 * len(groups))
    role_i = np.tile(np.repeat(np.arange(3), k), len(groups))
    rows["role"] = np.array(["origin", "destination", "transit"])[role_i]
    rows["basis"] = np.array(["count", "share", "named"])[role_i]
    rows["country_code"] = codes[(rows["period"].to_numpy() * k + j) % n_countries]
    unit_share = UNIT_TOTAL // k  # k countries times unit_share units = the total
    rows["victims"] = np.where(role_i == 0, (rows["unit"] * unit_share).astype(str), "")
    rows["share_percent"] = np.where(role_i == 1, f"{90 / k:g}", "")
    rows["locator"] = "annex " + (rows["group"] % 5 + 1).astype(str)
    rows["restatement"] = "false"
    rows["breakdown_complete"] = np.where(role_i == 2, "", "true")
    return rows


def sources_frame(n: int) -> pd.DataFrame:
    ids = source_ids(n)
    return pd.DataFrame({
        "source_id": ids,
        "title": [f"Synthetic report {i}" for i in range(n)],
        "publisher": "Benchmark Ministry",
        "published": "2025-01",
        "url": [f"https://example.org/{s}" for s in ids],
        "consulted_url": [f"https://example.org/{s}" for s in ids],
        "accessed": "2025-06-01",
        "kind": "government_report",
        "primary": "true",
        "language": "en",
        "notes": "",
    })


def tier_status_frame(first: int, last: int, ids: list[str]) -> pd.DataFrame:
    years = np.arange(first, last + 1)
    own = years >= 2008
    return pd.DataFrame({
        "report_year": years.astype(str),
        "assessed_entity": np.where(own, "Kosovo", "Serbia and Montenegro"),
        "ranked_separately": flags(own),
        "assessed_entity_tier": "Tier 2",
        "tier": np.where(own, "Tier 2", ""),
        "tier_basis": "stated",
        "source_id": [ids[i % len(ids)] for i in range(len(years))],
        "locator": "country narrative",
        "notes": "",
    })


def write_table(frame: pd.DataFrame, resource, root: Path) -> None:
    key = resource.primary_key
    # Every key column sorts as text the way it sorts typed: years have four digits,
    # dates are ISO, and report_year runs 2001..2100.
    frame = frame[resource.field_names].sort_values(key, kind="stable")
    path = root / resource.path
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def synthesise(root: Path, rows: int) -> dict[str, int]:
    """Write a valid package with about `rows` rows in each big table; returns row counts."""
    descriptor = load_descriptor(ROOT)
    declared = resources(descriptor)
    root.mkdir(parents=True, exist_ok=True)

    n_demo_groups = max(1, math.ceil(rows / len(DEMOGRAPHIC_SHARES)))
    n_sources = max(1, min(MAX_SOURCES, n_demo_groups))
    groups = figure_groups(n_demo_groups, n_sources)
    n_origin_groups = max(1, min(n_demo_groups, math.ceil(rows / (3 * COUNTRIES_PER_ROLE))))
    # As many countries as the periods need, so that every country is used.
    n_countries = COUNTRIES_PER_ROLE * (int(groups["period"].iloc[n_origin_groups - 1]) + 1)
    if n_countries > MAX_COUNTRIES:
        raise SystemExit(f"bench: {rows} rows would need {n_countries} countries; at most {MAX_COUNTRIES} codes exist")

    demo = mark_preferred(demographics(groups), preferred_key_of("victim_demographics"))
    orig = mark_preferred(origins(groups.iloc[:n_origin_groups], n_countries), preferred_key_of("origin_countries"))
    ids = source_ids(n_sources)
    countries = pd.DataFrame(country_codes(n_countries), columns=["country_code", "iso3", "name"])
    first_edition = declared["tier_status"].field("report_year")["constraints"]["minimum"]
    tiers = tier_status_frame(first_edition, 2025, ids)

    frames = {"sources": sources_frame(n_sources), "tier_status": tiers, "victim_demographics": demo,
              "countries": countries, "origin_countries": orig}
    for name, frame in frames.items():
        write_table(frame, declared[name], root)
    # The descriptor records each file's bytes and hash: record those of the synthetic files.
    descriptor["resources"] = [with_stats(r, *file_digest(root / r["path"])) if r.get("name") in frames else r
                               for r in descriptor["resources"]]
    (root / DESCRIPTOR).write_text(dump_descriptor(descriptor), encoding="utf-8")
    return {name: len(frame) for name, frame in frames.items()}


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------

# Started with `python -S -c`: forks the command and reports its wall time and peak RSS.
# The detour matters: on Linux a child's ru_maxrss starts at the RSS its parent had when it
# forked, and this script holds a whole synthetic package in memory by then; the small
# launcher forks the command from a fresh, small process, so only the command is measured.
LAUNCHER = r"""
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "maxrss_kib": usage.ru_maxrss,
                  "exit": os.waitstatus_to_exitcode(status)}))
"""


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Run cmd; return (wall seconds, peak RSS of the command in MiB, exit code)."""
    proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *cmd], cwd=cwd, capture_output=True, text=True,
                          check=True)
    result = json.loads(proc.stdout)
    return result["seconds"], result["maxrss_kib"] / 1024, result["exit"]


def frictionless_command() -> list[str]:
    exe = Path(sys.executable).with_name("frictionless")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "frictionless"]


def bench(sizes: list[int], keep: Path | None) -> list[dict]:
    results = []
    validator = [sys.executable, str(ROOT / "scripts" / "validate.py"), "."]
    plain = frictionless_command() + ["validate", DESCRIPTOR]
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-{size}-", dir=keep))
        try:
            counts = synthesise(work, size)
            own = measure(validator, work)
            fl = measure(plain, work)
        finally:
            if keep is None:
                shutil.rmtree(work, ignore_errors=True)
        result = {"size": size, "rows": counts,
                  "validate_s": own[0], "validate_mib": own[1], "validate_exit": own[2],
                  "frictionless_s": fl[0], "frictionless_mib": fl[1], "frictionless_exit": fl[2]}
        results.append(result)
        print(format_row(result), flush=True)
    return results


def format_row(r: dict) -> str:
    total = r["rows"]["victim_demographics"] + r["rows"]["origin_countries"]
    return (f"{r['size']:>9,} | {total:>10,} | {r['validate_s']:8.1f} s {r['validate_mib']:7.0f} MiB (exit {r['validate_exit']}) | "
            f"{r['frictionless_s']:8.1f} s {r['frictionless_mib']:7.0f} MiB (exit {r['frictionless_exit']}) | "
            f"{r['validate_s'] / r['frictionless_s']:5.2f}x time {r['validate_mib'] / r['frictionless_mib']:5.2f}x memory")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers separated by commas, not {text!r}")
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("10000,100000,1000000"),
                        help="rows per big table, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--keep", type=Path, help="write the synthetic packages under this folder and keep them")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    print("     size | rows (demo+origin) | scripts/validate.py | frictionless validate | ratio", flush=True)
    results = bench(args.sizes, args.keep)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["validate_exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
