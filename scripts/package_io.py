"""Reading the package: the descriptor, its schemas, and its CSV files.

Every script that needs to know what a resource looks like asks this module, which
asks datapackage.json. Nothing here repeats the schema by hand.
"""
from __future__ import annotations

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
    return descriptor


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
        key = self.schema.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @property
    def foreign_keys(self) -> list[dict]:
        return self.schema.get("foreignKeys", [])


def resources(descriptor: dict) -> dict[str, Resource]:
    return {r.get("name", f"#{i}"): Resource(r) for i, r in enumerate(descriptor["resources"])}


def read_raw(path: Path) -> pd.DataFrame:
    """Read a CSV as text, exactly as written: no type guessing, "NA" stays "NA"."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")


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


def to_typed(raw: pd.DataFrame, resource: Resource) -> pd.DataFrame:
    """Turn raw text columns into typed ones following the schema.

    Cells that do not parse become missing; the validator reports them separately,
    so the rules that run on the typed frame can skip them.
    """
    typed = pd.DataFrame(index=raw.index)
    for field in resource.fields:
        name = field["name"]
        if name not in raw.columns:
            continue
        col = raw[name].where(raw[name] != "", None)
        kind = field.get("type", "string")
        if kind in ("integer", "year"):
            nums = pd.to_numeric(col, errors="coerce")
            nums = nums.where(nums.isna() | (nums == nums.round()))
            typed[name] = nums.astype("Float64").astype("Int64")
        elif kind == "number":
            typed[name] = pd.to_numeric(col, errors="coerce").astype("Float64")
        elif kind == "boolean":
            true_values = field.get("trueValues", ["true"])
            false_values = field.get("falseValues", ["false"])
            mapped = col.map(lambda v: True if v in true_values else (False if v in false_values else None))
            typed[name] = mapped.astype("boolean")
        elif kind == "date":
            typed[name] = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
        else:
            typed[name] = col.astype("string")
    return typed


def csv_row_number(index: int) -> int:
    """Row number as a spreadsheet shows it: the header is row 1, the first data row is row 2."""
    return int(index) + 2
