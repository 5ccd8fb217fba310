"""The package's own rules: what frictionless cannot check from datapackage.json.

Each rule is a function registered once with `@rule(...)`: the problem ids it reports, the
resources it applies to, a one-line description and the stage it runs at. The validator
runs every registered rule; the list of rules in CONTRIBUTING.md is generated from this
registry (`python -m scripts.rules_doc --write`); a test fails when a registered id has no
broken case in tests/faults/ that triggers it.

A new rule goes into the module of its concern (files, sources, tiers, figures, ...),
decorated with `@rule`. Nothing else needs to change: every module of this folder is loaded.
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import pandas as pd

from ..package_io import Resource, csv_row_number


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # CSV row (header = 1); None for a whole-file or package problem
    field: str | None
    rule: str
    message: str

    def line(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: [{self.rule}] {self.message}"


@dataclass
class FileContent:
    """A data file's bytes, read once for the checks of the file stage."""

    path: Path
    data: bytes

    @cached_property
    def text(self) -> str | None:
        """The bytes decoded as UTF-8 (a leading BOM dropped), or None if they are not UTF-8."""
        try:
            return self.data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            return None


def plain(value):
    """A typed cell as a plain Python value: missing (NA, NaT) is None."""
    return None if value is pd.NA or value is pd.NaT else value


@dataclass
class Table:
    """A resource whose file could be read: its raw text cells and its typed values."""

    resource: Resource
    raw: pd.DataFrame
    typed: pd.DataFrame

    @property
    def file(self) -> str:
        return self.resource.path

    @cached_property
    def rows(self) -> list[tuple[int, dict, dict]]:
        """(index, raw cells, typed cells) of every row, as plain Python values (a missing typed cell is
        None). Rules that add up figures walk these: on tables of a hundred rows a loop is many times
        faster than pandas' joins and group-bys, and the validator runs the rules on every edit."""
        def records(frame: pd.DataFrame, cell=lambda v: v) -> list[dict]:
            names = list(frame.columns)
            columns = [[cell(v) for v in frame[name].tolist()] for name in names]
            return [dict(zip(names, values)) for values in zip(*columns)] if names else [{} for _ in frame.index]
        return list(zip(self.typed.index, records(self.raw), records(self.typed, plain)))

    def problem(self, index: int, field: str | None, rule: str, message: str) -> Problem:
        return Problem(self.file, csv_row_number(index), field, rule, message)

    def problems(self, mask: pd.Series, field: str | None, rule: str, message) -> list[Problem]:
        """One Problem per row where mask is true; message may be a function of the row index."""
        hits = mask[mask.fillna(False).astype(bool)].index
        return [
            Problem(self.file, csv_row_number(i), field, rule, message(i) if callable(message) else message)
            for i in hits
        ]


@dataclass
class Context:
    tables: dict[str, Table]
    declared: dict[str, Resource]  # every resource, including those whose file could not be read


# The stages a rule runs at, in the validator's order, and what its function receives:
STAGES = {
    "descriptor": "(root, resource, declared resources): the resource as datapackage.json declares it, before its file is opened",
    "file": "(FileContent, resource): the file's bytes, before they are parsed",
    "table": "(Table, Context): the parsed rows, after frictionless has checked them",
}


@dataclass(frozen=True)
class Rule:
    ids: tuple[str, ...]        # the problem ids (rule names in reports) this function may give
    resources: tuple[str, ...]  # resource names, "*" for every resource, "figures" for figure tables
    description: str
    check: Callable[..., list[Problem]] = field(compare=False)
    stage: str = "table"
    blocking: bool = False      # a problem from it means the file cannot be read as a table: later checks skip it

    def applies_to(self, resource: Resource) -> bool:
        if "*" in self.resources or resource.name in self.resources:
            return True
        return "figures" in self.resources and resource.is_figure_table


REGISTRY: list[Rule] = []


def rule(*ids: str, resources: tuple[str, ...] | list[str] | str, description: str, stage: str = "table",
         blocking: bool = False):
    """Register the decorated function as a rule of the package."""
    names = (resources,) if isinstance(resources, str) else tuple(resources)
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}")

    def register(check):
        REGISTRY.append(Rule(tuple(ids), names, description, check, stage, blocking))
        return check
    return register


def today() -> dt.date:
    return dt.date.today()


def lookup(table: Table, key: str, column: str, typed: bool = False) -> pd.Series:
    """column of table indexed by its key field, to map other tables' references onto. A key given twice
    (a primary-key problem, reported by frictionless) counts with its first row."""
    frame = table.typed if typed else table.raw
    first = ~table.raw[key].duplicated()
    return frame.loc[first, column].set_axis(table.raw.loc[first, key])


def source_published(t: Table, ctx: Context) -> pd.Series | None:
    """Each row's source's `published` date as written (any ISO precision: 2021, 2021-06,
    2021-06-30), aligned with t's rows; None when the sources table could not be read."""
    sources = ctx.tables.get("sources")
    if sources is None:
        return None
    return t.raw["source_id"].map(lookup(sources, "source_id", "published"))


def published_year(published: pd.Series) -> pd.Series:
    """The year of each published date, or missing where it does not read as one."""
    return pd.to_numeric(published.str[:4], errors="coerce")


@functools.cache
def import_rule_modules() -> None:
    """Import every module of this folder once: registration happens on import."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


def all_rules(stage: str | None = None) -> list[Rule]:
    """Every registered rule (of one stage), after importing the modules of this folder that declare them."""
    import_rule_modules()
    # In a fixed order whatever imported the modules first: by module, then as registered in it.
    ordered = sorted(enumerate(REGISTRY), key=lambda ir: (ir[1].check.__module__, ir[0]))
    return [r for _, r in ordered if stage is None or r.stage == stage]


# Problem ids that frictionless gives from datapackage.json alone (types, constraints, keys), listed
# in the generated documentation beside the registry.
FRICTIONLESS_IDS = {
    "type-error": "A cell is not of its field's type (a date, a whole number, true/false ...).",
    "constraint-error": "A cell breaks its field's constraints: required, minimum/maximum, enum, pattern, length.",
    "primary-key": "Two rows share a primary key.",
    "unique-error": "A value that must be unique appears twice.",
    "foreign-key": "A value (or a combination of values) has no row in the resource it refers to.",
}


def rules_markdown() -> str:
    """The registry as a Markdown table (ids, resources, stage, description), then frictionless's own ids."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    rows = {stage: [] for stage in ("descriptor", "file", "frictionless", "table")}  # the order they run in
    for r in all_rules():
        resources = "every resource" if "*" in r.resources else ", ".join(
            "figure tables" if name == "figures" else f"`{name}`" for name in r.resources)
        ids = ", ".join(f"`{i}`" for i in r.ids)
        rows[r.stage].append(f"| {ids} | {resources} | {r.stage} | {cell(r.description)} |")
    for problem_id, description in FRICTIONLESS_IDS.items():
        rows["frictionless"].append(f"| `{problem_id}` | every resource | frictionless | {cell(description)} |")
    lines = ["| problem id(s) | resources | stage | what it checks |", "| --- | --- | --- | --- |"]
    return "\n".join(lines + [row for stage in rows.values() for row in stage]) + "\n"
