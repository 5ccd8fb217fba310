"""Rules every resource follows: rows, order, no spreadsheet formulas."""
from __future__ import annotations

from . import Problem, Table, rule

from ..package_io import csv_row_number, primary_key_order

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets run as a formula

@rule('no-rows',
      resources='*',
      description='A data file has at least one row below its header.')
def rule_has_rows(t: Table, ctx) -> list[Problem]:
    if len(t.raw) == 0:
        return [Problem(t.file, None, None, "no-rows", "the file has a header but no data rows")]
    return []


@rule('sort-order',
      resources='*',
      description='Rows are sorted by the primary key, so that a diff between versions shows only real changes.')
def rule_sorted_by_primary_key(t: Table, ctx) -> list[Problem]:
    key = t.resource.primary_key
    if not key or len(t.typed) < 2:
        return []
    ordered = primary_key_order(t.typed, key)
    if ordered.equals(t.typed.index):
        return []
    first = next(i for i, j in zip(t.typed.index, ordered) if i != j)
    return [Problem(t.file, csv_row_number(first), None, "sort-order",
                    f"rows are not sorted by the primary key ({', '.join(key)}); "
                    "run `python scripts/sort_rows.py` to sort them")]


@rule('formula-injection',
      resources='*',
      description='No text cell starts with a character a spreadsheet would run as a formula (= + - @ tab CR).')
def rule_no_formula_cells(t: Table, ctx) -> list[Problem]:
    problems = []
    for field in t.resource.fields:
        if field.get("type", "string") != "string":
            continue
        col = t.raw[field["name"]]
        mask = col.str.startswith(FORMULA_PREFIXES)
        problems += t.problems(mask, field["name"], "formula-injection",
                               lambda i, c=col: f"text cell starts with {c[i][:1]!r}, which a spreadsheet would run as a formula: {c[i][:40]!r}")
    return problems
