"""Rules of the law-enforcement table: counts that are subsets of other counts."""
from __future__ import annotations

from . import Problem, Table, rule

# (smaller measure, larger measure): within one source, period, unit and offence scope, the
# first never exceeds the second (a prison sentence follows a prosecution, a closure an inspection).
SUBSET_MEASURES = [
    ("persons_convicted", "persons_prosecuted"),
    ("persons_sentenced_to_prison", "persons_prosecuted"),
    ("persons_sentenced_to_prison", "persons_convicted"),
    ("premises_closed", "premises_inspected"),
]


@rule('measure-exceeds',
      resources='law_enforcement',
      description="Within one source, period, unit and offence scope, convictions and prison sentences never exceed prosecutions, nor closed premises inspected ones.")
def rule_subset_measures_within_their_set(t: Table, ctx) -> list[Problem]:
    group = ["source_id", "period_start", "period_end", "unit", "offences"]
    problems = []
    for smaller, larger in SUBSET_MEASURES:
        outer: dict[tuple, int | None] = {}  # the first figure of the larger measure in each set
        for _, raw, typed in t.rows:
            if raw["measure"] == larger:
                outer.setdefault(tuple(typed[f] for f in group), typed["value"])
        for i, raw, typed in t.rows:
            limit = outer.get(tuple(typed[f] for f in group))
            if raw["measure"] == smaller and typed["value"] is not None and limit is not None and typed["value"] > limit:
                problems.append(t.problem(i, "value", "measure-exceeds",
                                          f"{smaller} = {raw['value']} exceeds {larger} = {limit} of the same source and period"))
    return problems
