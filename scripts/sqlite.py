#!/usr/bin/env python3
"""Write the package as one SQLite database: a table per resource, with its keys.

    python -m scripts.sqlite [OUT]       # default: dist/<name>-<version>.sqlite
    make sqlite

Every resource of datapackage.json becomes a table of the same name, its columns in the
descriptor's order, with the resource's primary key and foreign keys (SQLite checks them
when a connection sets `PRAGMA foreign_keys = ON`; this script checks them all once with
`PRAGMA foreign_key_check`). Types: integer and year -> INTEGER, number -> REAL, boolean ->
INTEGER 0/1, date -> TEXT `YYYY-MM-DD`, string -> TEXT; an empty cell is NULL. Values are
read through scripts/load.py, so a cell that does not parse as its type stops the build.
The table `_package` holds the package's name, version, title, homepage and licences.

The same package written with the same SQLite library gives the same bytes: rows go in in
the files' order and nothing in the file records a time (the header does record the
library's version number). release.py writes this file beside the release archive.

Exit status: 0 written, 1 the data do not load or break a key, 2 cannot run.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import pandas as pd

from .load import LoadError, load_resource
from .package_io import ROOT, CannotRun, Resource, field_list, load_descriptor, resources

SQL_TYPES = {"integer": "INTEGER", "year": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}
METADATA_TABLE = "_package"


class BadData(Exception):
    """The data cannot be written as a consistent database (a value or a key)."""


def quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def column_list(names: list[str]) -> str:
    return ", ".join(quote(n) for n in names)


def referenced_resource(resource: Resource, foreign_key: dict) -> str:
    """The resource a foreign key points to ("" or no name: the resource itself)."""
    return foreign_key.get("reference", {}).get("resource") or resource.name


def create_table(resource: Resource) -> str:
    """CREATE TABLE for a resource; each column's title follows it as an SQL comment."""
    key = resource.primary_key
    items = []  # (definition, comment)
    for field in resource.fields:
        kind = field.get("type", "string")
        column = f"{quote(field['name'])} {SQL_TYPES.get(kind, 'TEXT')}"
        if field.get("constraints", {}).get("required") or field["name"] in key:
            column += " NOT NULL"
        if kind == "boolean":
            column += f" CHECK ({quote(field['name'])} IN (0, 1))"
        items.append((column, " ".join(str(field.get("title", "")).split())))
    if key:
        items.append((f"PRIMARY KEY ({column_list(key)})", ""))
    for fk in resource.foreign_keys:
        fields = field_list(fk.get("fields", []))
        parent = field_list(fk.get("reference", {}).get("fields", []))
        items.append((f"FOREIGN KEY ({column_list(fields)}) REFERENCES "
                      f"{quote(referenced_resource(resource, fk))} ({column_list(parent)})", ""))
    lines = [f"  {definition}{',' if i < len(items) - 1 else ''}{f' -- {comment}' if comment else ''}"
             for i, (definition, comment) in enumerate(items)]
    return f"CREATE TABLE {quote(resource.name)} (\n" + "\n".join(lines) + "\n)"


def unique_indexes(tables: dict[str, Resource]) -> list[str]:
    """A UNIQUE index on every set of columns a foreign key points to that is not the
    primary key: SQLite needs one there to check the key."""
    statements, seen = [], set()
    for resource in tables.values():
        for fk in resource.foreign_keys:
            parent_name = referenced_resource(resource, fk)
            parent = tables.get(parent_name)
            columns = field_list(fk.get("reference", {}).get("fields", []))
            if parent is None:
                raise BadData(f"resource {resource.name!r}: a foreign key points to {parent_name!r}, which is not a resource")
            if sorted(columns) == sorted(parent.primary_key) or (parent_name, tuple(columns)) in seen:
                continue
            seen.add((parent_name, tuple(columns)))
            statements.append(f"CREATE UNIQUE INDEX {quote(parent_name + '__' + '__'.join(columns))} "
                              f"ON {quote(parent_name)} ({column_list(columns)})")
    return statements


def sql_values(frame: pd.DataFrame, resource: Resource) -> list[tuple]:
    """The typed frame's rows as Python values SQLite stores: int, float, str or None."""
    columns = []
    for field in resource.fields:
        kind, values = field.get("type", "string"), frame[field["name"]]
        present = values.notna().tolist()
        if kind == "date":
            texts = values.dt.strftime("%Y-%m-%d").tolist()
            columns.append([t if ok else None for t, ok in zip(texts, present)])
        elif kind in ("integer", "year", "boolean"):
            columns.append([int(v) if ok else None for v, ok in zip(values.tolist(), present)])
        elif kind == "number":
            columns.append([float(v) if ok else None for v, ok in zip(values.tolist(), present)])
        else:
            columns.append([str(v) if ok else None for v, ok in zip(values.tolist(), present)])
    return list(zip(*columns)) if columns else []


def metadata_rows(descriptor: dict) -> list[tuple[str, str]]:
    rows = [(key, str(descriptor[key])) for key in ("name", "version", "title", "homepage") if key in descriptor]
    if "licenses" in descriptor:
        rows.append(("licenses", json.dumps(descriptor["licenses"], ensure_ascii=False)))
    return rows


def write_database(root: Path, out: Path, descriptor: dict | None = None) -> dict[str, int]:
    """Write the package in root as the SQLite file out (replaced if it exists). The
    descriptor given (e.g. the one a release is about to write) is used instead of root's
    own for the metadata table. Returns {table: rows}."""
    descriptor = descriptor if descriptor is not None else load_descriptor(root)
    tables = resources(descriptor)
    frames = {}
    for name, resource in tables.items():
        try:
            frames[name] = load_resource(resource, root)
        except LoadError as exc:
            raise BadData(str(exc)) from None
    out = Path(out)
    out.unlink(missing_ok=True)
    connection = sqlite3.connect(out)
    try:
        connection.execute(f"CREATE TABLE {METADATA_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        connection.executemany(f"INSERT INTO {METADATA_TABLE} VALUES (?, ?)", metadata_rows(descriptor))
        for resource in tables.values():
            connection.execute(create_table(resource))
        for statement in unique_indexes(tables):
            connection.execute(statement)
        counts = {}
        for name, resource in tables.items():
            rows = sql_values(frames[name], resource)
            marks = ", ".join("?" for _ in resource.fields)
            try:
                connection.executemany(f"INSERT INTO {quote(name)} VALUES ({marks})", rows)
            except sqlite3.IntegrityError as exc:
                raise BadData(f"{resource.path}: {exc} (run `make validate`)") from None
            counts[name] = len(rows)
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            shown = "; ".join(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in broken[:5])
            raise BadData(f"{len(broken)} foreign key value(s) point to no row: {shown} (run `make validate`)")
        connection.commit()
    except sqlite3.DatabaseError as exc:
        raise BadData(f"SQLite refused the package: {exc}") from None
    finally:
        connection.close()
    return counts


def database_bytes(root: Path, descriptor: dict | None = None) -> bytes:
    """The database of the package in root, as bytes (built in a temporary file)."""
    with tempfile.TemporaryDirectory(prefix="sqlite-") as tmp:
        path = Path(tmp) / "package.sqlite"
        write_database(root, path, descriptor)
        return path.read_bytes()


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description="Write the package as one SQLite database.")
    parser.add_argument("out", nargs="?", help="the file to write (default: dist/<name>-<version>.sqlite)")
    parser.add_argument("--root", type=Path, default=root, help="the package folder (default: this package)")
    args = parser.parse_args(argv)
    try:
        descriptor = load_descriptor(args.root)
        out = Path(args.out) if args.out else args.root / "dist" / f"{descriptor.get('name')}-{descriptor.get('version')}.sqlite"
        out.parent.mkdir(parents=True, exist_ok=True)
        counts = write_database(args.root, out, descriptor)
    except CannotRun as exc:
        print(f"CANNOT RUN: {exc}", file=sys.stderr)
        return 2
    except BadData as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({out.stat().st_size} bytes): " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
