"""Reading the package: the descriptor, its schemas, and its CSV files.

Every script that needs to know what a resource looks like asks this module, which
asks datapackage.json. Nothing here repeats the schema by hand.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR = "datapackage.json"


class CannotRun(Exception):
    """The package cannot be read at all (missing or unreadable descriptor or file)."""


def load_descriptor(root: Path = ROOT) -> dict:
    path = Path(root) / DESCRIPTOR
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CannotRun(f"{DESCRIPTOR}: file not found in {Path(root).resolve()}")
    except (OSError, UnicodeDecodeError) as exc:
        raise CannotRun(f"{DESCRIPTOR}: cannot be read ({exc})")
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CannotRun(f"{DESCRIPTOR}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise CannotRun(f"{DESCRIPTOR}: not a data package (no 'resources' list)")
    for i, resource in enumerate(descriptor["resources"]):
        check_resource_shape(resource, i)
    return descriptor


def check_resource_shape(resource, i: int) -> None:
    """The little structure every script relies on: named resources with a list of named fields."""
    where = f"{DESCRIPTOR}: resource #{i + 1}"
    if not isinstance(resource, dict):
        raise CannotRun(f"{where} is not an object")
    schema = resource.get("schema", {})
    if not isinstance(schema, dict) or not isinstance(schema.get("fields", []), list):
        raise CannotRun(f"{where} ({resource.get('name', '?')}): schema must be an object with a 'fields' list")
    for field in schema.get("fields", []):
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise CannotRun(f"{where} ({resource.get('name', '?')}): every field needs a 'name'")


@dataclass(frozen=True)
class Resource:
    """One tabular resource, as the descriptor declares it."""

    descriptor: dict

    @property
    def name(self) -> str:
        return self.descriptor.get("name", "?")

    @property
    def path(self) -> str:
        return self.descriptor.get("path", "")

    @property
    def schema(self) -> dict:
        return self.descriptor.get("schema", {})

    @property
    def fields(self) -> list[dict]:
        return self.schema.get("fields", [])

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field(self, name: str) -> dict:
        return next(f for f in self.fields if f["name"] == name)

    @property
    def primary_key(self) -> list[str]:
        return field_list(self.schema.get("primaryKey", []))

    @property
    def foreign_keys(self) -> list[dict]:
        return self.schema.get("foreignKeys", [])

    # Custom properties of datapackage.json that declare a resource's role once, for every script.
    @property
    def is_figure_table(self) -> bool:
        """A table of figures: its rows are figures from sources, one of which is preferred per key."""
        return "x-preferredKey" in self.descriptor

    @property
    def preferred_key(self) -> list[str]:
        """The fields over which exactly one row is preferred (also the key conflicts are found on)."""
        return list(self.descriptor["x-preferredKey"])

    @property
    def figure_group(self) -> list[str]:
        """The fields that make one source's set of figures for one period and population."""
        return list(self.descriptor["x-figureGroup"])

    @property
    def value_fields(self) -> list[str]:
        """The fields that hold the figures themselves."""
        return list(self.descriptor.get("x-valueFields", []))

    @property
    def generated_by(self) -> str | None:
        """The script that writes this resource, if it is generated (never edited by hand)."""
        return self.descriptor.get("x-generatedBy")


def field_list(value) -> list[str]:
    """A key's fields as a list: Table Schema v1 allowed a single name as a string."""
    return [value] if isinstance(value, str) else list(value)


def resources(descriptor: dict) -> dict[str, Resource]:
    return {r.get("name", f"#{i}"): Resource(r) for i, r in enumerate(descriptor["resources"])}


def read_raw(path: Path) -> pd.DataFrame:
    """Read a CSV as text, exactly as written: no type guessing, "NA" stays "NA".

    Blank lines are kept as rows of empty cells so that row numbers stay those of the file.
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8",
                       skip_blank_lines=False)


# What pandas dtype each Table Schema type becomes. Nullable dtypes so that an empty
# cell stays missing instead of turning integers into floats.
PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "date": "datetime64[ns]",
    "year": "Int64",
}


INT64_LIMIT = 2.0**63


def to_typed(raw: pd.DataFrame, resource: Resource) -> pd.DataFrame:
    """Turn raw text columns into typed ones following the schema.

    Cells that do not parse become missing; the validator reports them separately,
    so the rules that run on the typed frame can skip them.
    """
    columns = {}
    for field in resource.fields:
        name = field["name"]
        if name not in raw.columns:
            continue
        col = raw[name].where(raw[name] != "", None)
        kind = field.get("type", "string")
        if kind in ("integer", "year"):
            nums = pd.to_numeric(col, errors="coerce").astype("float64")
            # Whole numbers that fit in 64 bits; anything else (1.5, 1e400, 10**30) is missing.
            nums = nums.where((nums == nums.round()) & (nums.abs() < INT64_LIMIT))
            columns[name] = nums.astype("Float64").astype("Int64")
        elif kind == "number":
            columns[name] = pd.to_numeric(col, errors="coerce").astype("Float64")
        elif kind == "boolean":
            true_values = field.get("trueValues", ["true"])
            false_values = field.get("falseValues", ["false"])
            is_true, is_false = col.isin(true_values), col.isin(false_values)
            columns[name] = pd.Series(is_true.to_numpy(), index=col.index, dtype="boolean").where(is_true | is_false)
        elif kind == "date":
            columns[name] = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
        else:
            columns[name] = col.astype("string")
    return pd.DataFrame(columns, index=raw.index)


def primary_key_order(typed: pd.DataFrame, key: list[str]) -> pd.Index:
    """The order rows must follow: by the typed primary key (so 9 < 10), ties kept as they are."""
    return typed[key].sort_values(key, kind="stable", na_position="last").index


def csv_row_number(index: int) -> int:
    """Row number as a spreadsheet shows it: the header is row 1, the first data row is row 2."""
    return int(index) + 2


def file_digest(path: Path) -> tuple[int, str]:
    """Size in bytes and sha256 hash of a file, in the form Data Package `bytes`/`hash` take."""
    data = path.read_bytes()
    return len(data), "sha256:" + hashlib.sha256(data).hexdigest()


def file_stats_against_record(resource: dict, path: Path) -> tuple[dict, bool]:
    """The file's actual `bytes` and `hash`, and whether any of them the resource records differs."""
    size, digest = file_digest(path)
    actual = {"bytes": size, "hash": digest}
    return actual, any(key in resource and resource[key] != value for key, value in actual.items())


def with_stats(resource: dict, size: int, digest: str) -> dict:
    """The resource with bytes and hash set; new keys go before dialect/schema, where a reader looks for them."""
    if "bytes" in resource or "hash" in resource:
        return resource | {"bytes": size, "hash": digest}
    out = {}
    for key, value in resource.items():
        if key in ("dialect", "schema") and "bytes" not in out:
            out["bytes"], out["hash"] = size, digest
        out[key] = value
    out.setdefault("bytes", size)
    out.setdefault("hash", digest)
    return out


def dump_descriptor(descriptor: dict) -> str:
    """datapackage.json as the package writes it: two-space indent, UTF-8, final newline."""
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def describe_header_difference(header: list[str], expected: list[str]) -> str:
    missing = [f for f in expected if f not in header]
    extra = [f for f in header if f not in expected]
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        parts.append(f"column(s) not in the schema {', '.join(extra)}")
    if not parts:
        parts.append(f"columns out of order: expected {', '.join(expected)}")
    return "header differs from the schema in datapackage.json: " + "; ".join(parts)


def write_atomic(path: Path, text: str) -> None:
    """Write text (UTF-8, LF) to a temporary file beside path, then rename it over path.

    An interruption leaves either the old file or the new one, never a half-written one.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """write_atomic for bytes (a PNG, a database)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def csv_text(frame: pd.DataFrame) -> str:
    """A frame of text cells as the package writes CSVs: header, LF, quotes only where a cell needs them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.itertuples(index=False, name=None))
    return buffer.getvalue()


def replace_between(text: str, start: str, end: str, body: str, where: str) -> str:
    """text with body between the start and end markers (generated sections of README.md and
    CONTRIBUTING.md). ValueError, naming `where`, when a marker is missing."""
    if start not in text or end not in text.partition(start)[2]:
        raise ValueError(f"{where} has no {start} ... {end} markers")
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}{end}{tail}"
