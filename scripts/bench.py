"""Time the validator on the real package enlarged to a given size (an optional tool, not a test).

    python -m scripts.bench [--rows 5000] [--keep DIR]

The enlarged package is the real one plus copies of its figures: copy k of every source is a new
source (its id ending in -bk) that gives the same figures, never preferred. The copies obey every
rule (one preferred row per key, breakdowns adding up, sorted files, current hashes), so the run
times the validator's work on valid data. Exit 0 if the enlarged package is valid.
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from .hashes import refreshed
from .package_io import DESCRIPTOR, ROOT, csv_text, dump_descriptor, load_descriptor, read_raw, resources, write_atomic
from .sort_rows import sort_resource
from .validate import validate_package

COPIED = ["sources", "victim_demographics", "origin_countries", "profile_countries"]  # resources citing sources


def enlarge(dest: Path, rows: int) -> dict[str, int]:
    """Write the real package into dest with enough copies for about `rows` rows of victim_demographics."""
    shutil.copy2(ROOT / DESCRIPTOR, dest / DESCRIPTOR)
    shutil.copytree(ROOT / "data", dest / "data")
    declared = resources(load_descriptor(dest))
    frames = {name: read_raw(dest / declared[name].path) for name in COPIED}
    copies = max(0, math.ceil(rows / max(1, len(frames["victim_demographics"]))) - 1)
    cited = set().union(*(set(frame["source_id"]) for name, frame in frames.items() if name != "sources"))
    for name, frame in frames.items():
        copied = frame[frame["source_id"].isin(cited)]  # a source cited only by tier_status has no copies
        extra = []
        for k in range(1, copies + 1):
            copy = copied.assign(source_id=copied["source_id"] + f"-b{k}")
            if "preferred" in copy:
                copy["preferred"] = "false"
            extra.append(copy)
        frame = pd.concat([frame, *extra], ignore_index=True)
        write_atomic(dest / declared[name].path, csv_text(frame))
        sort_resource(dest, declared[name])
    descriptor = refreshed(load_descriptor(dest), dest)
    write_atomic(dest / DESCRIPTOR, dump_descriptor(descriptor))
    return {name: len(read_raw(dest / r.path)) for name, r in declared.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="rows of victim_demographics (default 5000)")
    parser.add_argument("--keep", type=Path, help="write the enlarged package into this new folder and keep it")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts = enlarge(work, args.rows)
        built = time.perf_counter()
        problems = validate_package(work)
        done = time.perf_counter()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{sum(counts.values()):,} rows ({', '.join(f'{n} {c:,}' for n, c in counts.items())})")
    print(f"enlarged in {built - started:.1f} s; validated in {done - built:.1f} s: "
          f"{'valid' if not problems else f'{len(problems)} problem(s)'}")
    for problem in problems[:10]:
        print("  " + problem.line())
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
