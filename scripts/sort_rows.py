#!/usr/bin/env python3
"""Sort every resource's rows by its primary key, in place, so that diffs show only real changes.

    python scripts/sort_rows.py [PACKAGE_DIR]

Only the order of rows changes; cell text is written back exactly as it was read.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .package_io import ROOT, csv_text, write_atomic, load_descriptor, primary_key_order, read_raw, resources, to_typed


def sort_resource(root: Path, resource) -> bool:
    path = root / resource.path
    raw = read_raw(path)
    key = resource.primary_key
    order = primary_key_order(to_typed(raw, resource), key)
    if order.equals(raw.index):
        return False
    write_atomic(path, csv_text(raw.loc[order]))
    return True


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else ROOT
    for name, resource in resources(load_descriptor(root)).items():
        if resource.primary_key and sort_resource(root, resource):
            print(f"sorted {resource.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
