"""The package's own rules: what frictionless cannot check from datapackage.json.

Each rule is a function registered once with `@rule(...)`: the problem ids it reports, the
resources it applies to, and a one-line description. The validator runs every registered
rule; the documentation's list of rules is generated from this registry; a test fails when
a registered id has no broken case in tests/faults/ that triggers it.

A new rule goes into the module of its concern (files, sources, tiers, figures),
decorated with `@rule`. Nothing else needs to change.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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
class Table:
    """A resource whose file could be read: its raw text cells and its typed values."""

    resource: Resource
    raw: pd.DataFrame
    typed: pd.DataFrame

    @property
    def file(self) -> str:
        return self.resource.path

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


@dataclass(frozen=True)
class Rule:
    ids: tuple[str, ...]        # the problem ids (rule names in reports) this function may give
    resources: tuple[str, ...]  # resource names, "*" for every resource, "figures" for figure tables
    description: str
    check: Callable[[Table, Context], list[Problem]] = field(compare=False)

    def applies_to(self, resource: Resource) -> bool:
        if "*" in self.resources or resource.name in self.resources:
            return True
        return "figures" in self.resources and resource.is_figure_table


REGISTRY: list[Rule] = []


def rule(*ids: str, resources: tuple[str, ...] | list[str] | str, description: str):
    """Register the decorated function as a rule of the package."""
    names = (resources,) if isinstance(resources, str) else tuple(resources)

    def register(check):
        REGISTRY.append(Rule(tuple(ids), names, description, check))
        return check
    return register


def today() -> dt.date:
    return dt.date.today()


def first_of_groups(frame: pd.DataFrame, group: list[str]) -> pd.Series:
    """True on the first row of each group, so that a group's problem is reported once."""
    return ~frame.duplicated(group)


def all_rules() -> list[Rule]:
    """Every registered rule, after importing the modules that declare them."""
    from . import figures, files, law, sources, tiers  # noqa: F401  (registration happens on import)
    return list(REGISTRY)
