"""Sort every resource's rows by its primary key, in place, so that diffs show only real changes.

    python -m scripts.sort_rows [PACKAGE_DIR]

Only the order of rows changes; cell text is written back exactly as it was read. Exit 0 done,
2 the package cannot be read (run `make validate` to see why).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .package_io import ROOT, CannotRun, csv_text, load_descriptor, primary_key_order, read_raw, resources, to_typed, write_atomic


def sort_resource(root: Path, resource) -> bool:
    path = root / resource.path
    raw = read_raw(path)
    key = resource.primary_key
    order = primary_key_order(to_typed(raw[key], resource), key)  # only the key's columns need their types
    if order.equals(raw.index):
        return False
    write_atomic(path, csv_text(raw.loc[order]))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT), help="folder holding datapackage.json")
    root = Path(parser.parse_args(argv).package)
    try:
        for resource in resources(load_descriptor(root)).values():
            if resource.primary_key and sort_resource(root, resource):
                print(f"sorted {resource.path}")
    except CannotRun as exc:
        print(f"sort_rows: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, KeyError, ValueError) as exc:
        print(f"sort_rows: cannot sort {getattr(exc, 'filename', None) or 'the package'}: "
              f"{type(exc).__name__}: {exc} (run `make validate` to see why)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
