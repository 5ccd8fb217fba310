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
    r, ty = t.raw, t.typed
    group = ["source_id", "period_start", "period_end", "unit", "offences"]
    problems = []
    for smaller, larger in SUBSET_MEASURES:
        outer = (ty[r["measure"] == larger].drop_duplicates(group).set_index(group)["value"].rename("_outer"))
        inner = ty[r["measure"] == smaller].join(outer, on=group)
        bad = (inner["value"] > inner["_outer"]).reindex(r.index, fill_value=False)
        problems += t.problems(bad, "value", "measure-exceeds",
                               lambda i, s=smaller, g=larger, o=inner["_outer"]:
                               f"{s} = {r['value'][i]} exceeds {g} = {int(o[i])} of the same source and period")
    return problems
