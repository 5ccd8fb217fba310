"""Rules of the code lists: every source and country used; source dates in order."""
from __future__ import annotations

import pandas as pd

from ..package_io import field_list
from . import Problem, Table, rule, today


@rule('orphan',
      resources=('sources', 'countries'),
      description='Every entry of a code list (sources, countries) is used by at least one row of another resource.')
def rule_code_list_entries_used(t: Table, ctx) -> list[Problem]:
    used: set[str] = set()
    for name, other in ctx.declared.items():
        for fk in other.foreign_keys:
            if fk["reference"].get("resource") == t.resource.name:
                if name not in ctx.tables or ctx.tables[name].raw.empty:
                    return []  # a source may be cited only in a file that could not be read, or lost its rows
                for field in field_list(fk["fields"]):
                    used |= set(ctx.tables[name].raw[field])
    key = t.resource.primary_key[0]
    mask = ~t.raw[key].isin(used)
    return t.problems(mask, key, "orphan", lambda i: f"{t.raw[key][i]!r} is not used by any row of any other resource")


@rule('future-date', 'accessed-before-published',
      resources='sources',
      description='A source was accessed after it was published, and not in the future.')
def rule_accessed_dates(t: Table, ctx) -> list[Problem]:
    accessed = t.typed["accessed"]
    published_start = pd.to_datetime(t.raw["published"].map(earliest_day), errors="coerce")
    future = accessed > pd.Timestamp(today())
    early = accessed < published_start
    return (t.problems(future, "accessed", "future-date", lambda i: f"{t.raw['accessed'][i]} is in the future")
            + t.problems(early, "accessed", "accessed-before-published",
                         lambda i: f"accessed {t.raw['accessed'][i]} is before published {t.raw['published'][i]}"))


def earliest_day(published: str) -> str:
    """The first day a date of any ISO precision can mean: 2021 -> 2021-01-01."""
    return (published + "-01-01")[:10] if len(published) == 4 else (published + "-01")[:10]
