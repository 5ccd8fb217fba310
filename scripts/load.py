#!/usr/bin/env python3
"""Load one resource of the package as a pandas DataFrame with the declared types.

Installed (`pip install .`, or `pip install git+<repository URL>@vX.Y.Z`), from any directory:

    import kosovo_human_trafficking as kht
    kht.resources()                        # the resource names, in datapackage.json's order
    tiers = kht.load("tier_status")        # edition Int64, tier string, kosovo_ranked boolean, ...
    kht.__version__                        # the package version, from datapackage.json

The installed module carries datapackage.json and data/ inside it. In a repository checkout
(not installed), with the repository root as the working directory:

    from scripts.load import load
    tiers = load("tier_status")

From the shell, to see what a resource looks like:

    python -m scripts.load tier_status [--rows N] [--root PACKAGE_DIR]

Every column gets the pandas dtype that its Table Schema type maps to in
package_io.PANDAS_DTYPES (integer -> Int64, number -> Float64, boolean -> boolean read
with the field's trueValues/falseValues, date -> datetime64, string -> string). Only an
empty cell is missing: "NA" is Namibia's code and stays a string. A cell that does not
parse as its declared type is an error naming file, row and field, never a silent NaN.

Exit status of the command: 0 printed, 1 the file does not match its schema, 2 cannot run
(no such resource, missing or unreadable file).
"""
from __future__ import annotations

import argparse
import csv
import sys
from importlib import resources as importlib_resources
from pathlib import Path

import pandas as pd

from .package_io import (DESCRIPTOR, PANDAS_DTYPES, ROOT, CannotRun, Resource, csv_row_number, describe_header_difference,
                         load_descriptor, read_raw, resources, to_typed)

SHOWN_BAD_CELLS = 5  # an error message lists at most this many cells that do not parse


class LoadError(Exception):
    """The file was read but does not match its schema (header or cell types)."""


class CannotLoad(LoadError):
    """The resource cannot be read at all: unknown name, missing or unreadable file."""


def package_root() -> Path:
    """The folder that holds datapackage.json and data/: inside the installed module (the
    wheel ships them there), or else, in a repository checkout, the repository root."""
    here = importlib_resources.files(__package__)
    if isinstance(here, Path) and (here / DESCRIPTOR).is_file():
        return here
    return ROOT


def resource_names(root: str | Path | None = None) -> list[str]:
    """The names of the package's resources, in the order datapackage.json lists them."""
    try:
        return list(resources(load_descriptor(Path(root) if root is not None else package_root())))
    except CannotRun as exc:
        raise CannotLoad(str(exc)) from None


def package_version(root: str | Path | None = None) -> str:
    """The "version" datapackage.json carries."""
    try:
        return str(load_descriptor(Path(root) if root is not None else package_root()).get("version", ""))
    except CannotRun as exc:
        raise CannotLoad(str(exc)) from None


def declared_dtypes(resource: Resource) -> dict[str, str]:
    """The pandas dtype of every field, from its Table Schema type."""
    return {f["name"]: PANDAS_DTYPES.get(f.get("type", "string"), "string") for f in resource.fields}


def pandas_recipe(resource: Resource) -> str:
    """Plain-pandas code that reads the resource with its declared dtypes (for the data dictionary).

    Generated from the schema, so that the recipes a reader copies can never drift from it.
    Text columns are `string`; only an empty cell is missing, so "NA" (Namibia) stays a code.
    """
    dtypes = declared_dtypes(resource)
    special = {name: dt for name, dt in dtypes.items() if dt not in ("string",) and not dt.startswith("datetime64")}
    dates = [name for name, dt in dtypes.items() if dt.startswith("datetime64")]
    booleans = any(dt == "boolean" for dt in dtypes.values())
    var = resource.name
    lines = []
    if special:
        lines += ["from collections import defaultdict", ""]
    lines += ["import pandas as pd", "", f"{var} = pd.read_csv(", f'    "{resource.path}",']
    if special:
        pairs = [f'"{name}": "{dt}"' for name, dt in special.items()]
        lines.append('    dtype=defaultdict(lambda: "string", {' + ", ".join(pairs) + "}),")
    else:
        lines.append('    dtype="string",')
    if dates:
        lines.append("    parse_dates=[" + ", ".join(f'"{d}"' for d in dates) + '], date_format="%Y-%m-%d",')
    if booleans:
        lines.append('    true_values=["true"], false_values=["false"],')
    lines += ['    keep_default_na=False, na_values=[""],  # only an empty cell is missing: NA stays Namibia', ")"]
    return "\n".join(lines) + "\n"


def find_resource(resource_name: str, root: Path) -> Resource:
    try:
        found = resources(load_descriptor(root))
    except CannotRun as exc:
        raise CannotLoad(str(exc)) from None
    if resource_name not in found:
        raise CannotLoad(
            f"datapackage.json: no resource named {resource_name!r}; choose one of: {', '.join(found)}"
        )
    return found[resource_name]


def read_text_cells(resource: Resource, root: Path) -> pd.DataFrame:
    path = root / resource.path
    try:
        check_row_lengths(path, resource)
        return read_raw(path)
    except FileNotFoundError:
        raise CannotLoad(f"{resource.path}: file not found in {root.resolve()}") from None
    except (OSError, UnicodeDecodeError, csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CannotLoad(f"{resource.path}: cannot be read as CSV ({exc})") from None


def check_row_lengths(path: Path, resource: Resource) -> None:
    """Every row has as many cells as the header. pandas would otherwise shift a longer
    first row into an index, or pad a shorter row, without a word."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if header is None:
            raise CannotLoad(f"{resource.path}: the file is empty (no header row)")
        for line, row in enumerate(rows, start=2):
            if not row:
                raise LoadError(f"{resource.path}, row {line}: the line is blank; delete it")
            if len(row) != len(header):
                raise LoadError(f"{resource.path}, row {line}: {len(row)} cells, but the header has {len(header)}")


def check_header(raw: pd.DataFrame, resource: Resource) -> None:
    header, expected = list(raw.columns), resource.field_names
    if header != expected:
        raise LoadError(f"{resource.path}, row 1 (header): {describe_header_difference(header, expected)}")


def check_every_cell_parsed(raw: pd.DataFrame, typed: pd.DataFrame, resource: Resource) -> None:
    """to_typed turns a cell it cannot parse into a missing value; here that is an error."""
    bad = []
    for field in resource.fields:
        name = field["name"]
        lost = (raw[name] != "") & typed[name].isna()
        for index in lost[lost].index:
            bad.append((csv_row_number(index), name, raw.at[index, name], field.get("type", "string")))
    if not bad:
        return
    shown = "; ".join(f"row {row}, field '{name}': {value!r} is not a valid {kind}" for row, name, value, kind in bad[:SHOWN_BAD_CELLS])
    more = f" (and {len(bad) - SHOWN_BAD_CELLS} more)" if len(bad) > SHOWN_BAD_CELLS else ""
    raise LoadError(f"{resource.path}: {shown}{more}. For the full report, validate the package (`make validate` in a clone).")


def load(resource_name: str, root: str | Path | None = None) -> pd.DataFrame:
    """Read the resource named resource_name of the package in root (default: the installed
    module's copy, or in a checkout the repository root)."""
    root = Path(root) if root is not None else package_root()
    return load_resource(find_resource(resource_name, root), root)


def load_resource(resource: Resource, root: str | Path) -> pd.DataFrame:
    """Read one resource, as declared by resource, from the package folder root."""
    root = Path(root)
    raw = read_text_cells(resource, root)
    check_header(raw, resource)
    typed = to_typed(raw, resource)
    check_every_cell_parsed(raw, typed, resource)
    return typed.astype(declared_dtypes(resource))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the dtypes and first rows of one resource.")
    parser.add_argument("resource", help="resource name, e.g. tier_status")
    parser.add_argument("--rows", type=int, default=5, help="how many rows to show (default 5)")
    parser.add_argument("--root", default=None, help="package directory (default: this package)")
    args = parser.parse_args(argv)
    try:
        frame = load(args.resource, args.root)
    except CannotLoad as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.max_colwidth", 40):
        text = f"{args.resource}: {len(frame)} rows\n\n{frame.dtypes.to_string()}\n\n{frame.head(args.rows).to_string(max_colwidth=40)}\n"
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
