"""Rules of the tables of figures (victim_demographics, origin_countries, profile_countries).

Which resources are figure tables, their figure group (one source's figures for one period
and population) and their preferred key are declared in datapackage.json (x-figureGroup,
x-preferredKey), not here.
"""
from __future__ import annotations

import pandas as pd

from . import Problem, Table, lookup, published_year, rule, source_published, today
from ..package_io import csv_row_number


@rule('period', 'future-date',
      resources='figures',
      description="Periods are consistent: reference_year is the year of period_start, the end is not before the start nor in the future, and period_kind matches the dates.")
def rule_periods(t: Table, ctx) -> list[Problem]:
    ty, r = t.typed, t.raw
    start, end, kind, year = ty["period_start"], ty["period_end"], r["period_kind"], ty["reference_year"]
    problems = t.problems(start.notna() & (year != start.dt.year), "reference_year", "period",
                          "reference_year must be the year of period_start")
    problems += t.problems(end < start, "period_end", "period", "period_end is before period_start")
    problems += t.problems(end > pd.Timestamp(today()), "period_end", "future-date", "the period ends in the future")
    full_year = ((start.dt.month == 1) & (start.dt.day == 1) & (end.dt.month == 12) & (end.dt.day == 31)
                 & (start.dt.year == end.dt.year))
    expected = {
        "calendar_year": full_year,
        "part_of_year": (start.dt.year == end.dt.year) & ~full_year,
        "span_of_years": end.dt.year > start.dt.year,
    }
    for name, ok in expected.items():
        problems += t.problems((kind == name) & start.notna() & end.notna() & ~ok.fillna(False), "period_kind", "period",
                               lambda i, n=name: f"period {r['period_start'][i]} to {r['period_end'][i]} is not a {n}")
    return problems


@rule('derived-unexplained',
      resources='figures',
      description="A derived figure says in notes how it was computed.")
def rule_derived_explained(t: Table, ctx) -> list[Problem]:
    return t.problems(t.typed["derived"].fillna(False) & (t.raw["notes"] == ""), "notes", "derived-unexplained",
                      "a derived figure must say in notes how it was computed")


@rule('preferred-none', 'preferred-many',
      resources='figures',
      description="Exactly one row is preferred for each preferred key (x-preferredKey).")
def rule_one_preferred(t: Table, ctx) -> list[Problem]:
    key = t.resource.preferred_key
    ty = t.typed.assign(_pref=t.typed["preferred"].fillna(False).astype(int))
    count = ty.groupby(key, dropna=False)["_pref"].transform("sum")
    first_in_group = ~ty.duplicated(key)
    problems = t.problems(first_in_group & (count == 0), "preferred", "preferred-none",
                          lambda i: f"no row is preferred for {describe_key(t, key, i)}: exactly one must be")
    problems += t.problems(ty["_pref"].astype(bool) & (count > 1), "preferred", "preferred-many",
                           lambda i: f"{count[i]} rows are preferred for {describe_key(t, key, i)}: exactly one must be")
    return problems


def describe_key(t: Table, key: list[str], i) -> str:
    return ", ".join(f"{k}={t.raw[k][i]}" for k in key)


# The preference order the descriptor's `preferred` field promises, most important first:
# (problem id, column that is true for the better row, what the better row is).
PREFERENCE_ORDER = [
    ("preferred-secondary", "_primary", "a primary source"),
    ("preferred-derived", "_stated", "a figure printed in the source"),
    ("preferred-restatement", "_own", "the source's own report for the period"),
]


@rule('preferred-secondary', 'preferred-derived', 'preferred-restatement',
      resources='figures',
      description="The preferred row is the best by the stated order: primary over secondary source, then printed over derived, then own report over a later restatement.")
def rule_preference_order(t: Table, ctx) -> list[Problem]:
    sources = ctx.tables.get("sources")
    if sources is None:
        return []
    primary = t.raw["source_id"].map(lookup(sources, "source_id", "primary", typed=True))
    ty = t.typed.assign(_primary=primary.fillna(False).astype(bool),
                        _stated=~t.typed["derived"].fillna(False).astype(bool),
                        _own=~t.typed["restatement"].fillna(False).astype(bool))
    preferred = ty["preferred"].fillna(False).astype(bool)
    key = t.resource.preferred_key
    ty["_key"] = ty.groupby(key, dropna=False, sort=False).ngroup()
    problems, reported = [], pd.Series(False, index=ty.index)
    for n, (problem_id, col, what) in enumerate(PREFERENCE_ORDER):
        # Among rows that tie on the earlier criteria, is there one that meets this one?
        tie = ["_key"] + [c for _, c, _ in PREFERENCE_ORDER[:n]]
        better_exists = ty.groupby(tie, sort=False)[col].transform("max").astype(bool)
        breaks = preferred & ~ty[col] & better_exists & ~reported

        def message(i, w=what, col=col, tie=tie):
            better = ty.index[ty[tie].eq(ty.loc[i, tie]).all(axis=1) & ty[col]]
            return (f"the preferred row is not {w}, but row {csv_row_number(better[0])} for the same "
                    f"{describe_key(t, key, i)} is: prefer that one")
        problems += t.problems(breaks, "preferred", problem_id, message)
        reported |= breaks
    return problems


@rule('breakdown-flags',
      resources='victim_demographics',
      description="Totals have no breakdown flags, breakdown rows have both, only forms of exploitation may overlap, and one breakdown's rows agree on their flags.")
def rule_breakdown_flags(t: Table, ctx) -> list[Problem]:
    r = t.raw
    total = r["dimension"] == "total"
    problems = []
    for flag in ("breakdown_complete", "breakdown_exclusive"):
        problems += t.problems(total & (r[flag] != ""), flag, "breakdown-flags", f"a total has no breakdown: leave {flag} empty")
        problems += t.problems(~total & (r[flag] == ""), flag, "breakdown-flags", f"a breakdown row needs {flag} (true or false)")
    problems += t.problems((r["breakdown_exclusive"] == "false") & (r["dimension"] != "exploitation"), "breakdown_exclusive",
                           "breakdown-flags", "only forms of exploitation may overlap; sex and age categories are exclusive")
    group = t.resource.figure_group + ["dimension"]
    for flag in ("breakdown_complete", "breakdown_exclusive"):
        varies = r[~total].groupby(group)[flag].transform("nunique") > 1
        problems += t.problems(varies.reindex(r.index, fill_value=False), flag, "breakdown-flags",
                               f"rows of one breakdown (same source, year, period, population, dimension) disagree on {flag}")
    return problems


# The rules that add figures up walk the rows in plain Python (Table.rows): a missing or unreadable
# number is None and compares as neither larger nor smaller, as pandas' NA does.

def key_of(cells: dict, fields: list[str]) -> tuple:
    return tuple(cells[f] for f in fields)


def exceeds(value, limit) -> bool:
    """value > limit, where both are numbers; False where either is missing."""
    return value is not None and limit is not None and value > limit


def figure_totals(t: Table) -> dict[tuple, int | None]:
    """Each source's stated or derived total by figure group (t.resource.figure_group).

    A second total for the same group (a duplicate key, or a total with a wrong category)
    is reported by other rules; the first one stands.
    """
    group, totals = t.resource.figure_group, {}
    for _, raw, typed in t.rows:
        if raw["dimension"] == "total":
            totals.setdefault(key_of(typed, group), typed["victims"])
    return totals


def sum_by(rows: list[tuple[int, dict, dict]], key) -> dict[tuple, int]:
    """The victims of rows added up per key(typed cells); missing figures count as nothing."""
    sums: dict[tuple, int] = {}
    for _, _, typed in rows:
        sums[key(typed)] = sums.get(key(typed), 0) + (typed["victims"] or 0)
    return sums


def firsts(rows: list[tuple[int, dict, dict]], key) -> list[tuple[int, dict, dict]]:
    """The first row of each key(typed cells), so that a group's problem is reported once."""
    seen, out = set(), []
    for row in rows:
        k = key(row[2])
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def breakdown_parts(t: Table) -> tuple[list, dict, set]:
    """The breakdown rows of victim_demographics, each source's totals, and the breakdowns (figure group
    and dimension) of which one category alone exceeds the total."""
    group = t.resource.figure_group
    parts = [row for row in t.rows if row[1]["dimension"] != "total"]
    totals = figure_totals(t)
    over = {key_of(typed, group + ["dimension"])
            for _, _, typed, _ in over_total(parts, lambda typed: totals.get(key_of(typed, group)))}
    return parts, totals, over


def over_total(rows: list[tuple[int, dict, dict]], total_of) -> list[tuple[int, dict, dict, int]]:
    """(index, raw cells, typed cells, total) of the rows whose figure exceeds their source's total."""
    return [(i, raw, typed, total_of(typed)) for i, raw, typed in rows if exceeds(typed["victims"], total_of(typed))]


def complete_sets_add_up(t: Table, complete: list, set_key, over: set, totals: dict, group: list[str],
                         no_total_field: str, no_total, adds_up_to) -> list[Problem]:
    """A complete set of figures (a breakdown, a list of countries) adds up to its source's total,
    which must exist: one problem on the first row of each set that does not, unless one of its
    figures alone exceeds the total (that is the problem). no_total(raw) and adds_up_to(raw, sum,
    total) word the two problems."""
    sums = sum_by(complete, set_key)
    first = [row for row in firsts(complete, set_key) if set_key(row[2]) not in over]
    problems = [t.problem(i, no_total_field, "breakdown-no-total", no_total(raw))
                for i, raw, typed in first if key_of(typed, group) not in totals]
    for i, raw, typed in first:
        total = totals.get(key_of(typed, group))
        if total is not None and sums[set_key(typed)] != total:
            problems.append(t.problem(i, "victims", "breakdown-sum", adds_up_to(raw, sums[set_key(typed)], total)))
    return problems


# A category that is part of another: girls are both female and children, and so on.
CONTAINED_IN = {
    ("sex_age", "girl"): [("sex", "female"), ("age", "child")],
    ("sex_age", "boy"): [("sex", "male"), ("age", "child")],
    ("sex_age", "woman"): [("sex", "female"), ("age", "adult")],
    ("sex_age", "man"): [("sex", "male"), ("age", "adult")],
}


@rule('exceeds-total', 'breakdown-no-total', 'breakdown-sum',
      resources='victim_demographics',
      description="No category exceeds its source's total or the category containing it; a complete, exclusive breakdown adds up to its total, which exists.")
def rule_breakdowns_add_up(t: Table, ctx) -> list[Problem]:
    group = t.resource.figure_group
    by_breakdown = lambda typed: key_of(typed, group + ["dimension"])
    parts, totals, over = breakdown_parts(t)
    total_of = lambda typed: totals.get(key_of(typed, group))
    # No category exceeds its source's total.
    problems = [t.problem(i, "victims", "exceeds-total", f"{raw['category']} = {raw['victims']} exceeds the same source's "
                          f"total of {total} for {raw['reference_year']} ({raw['population']})")
                for i, raw, _, total in over_total(parts, total_of)]
    # A complete, exclusive breakdown adds up to the total, which must exist.
    complete = [row for row in parts if row[2]["breakdown_complete"] and row[2]["breakdown_exclusive"]]
    label = lambda raw: f"{raw['dimension']} breakdown of {raw['source_id']} for {raw['reference_year']} ({raw['population']})"
    problems += complete_sets_add_up(
        t, complete, by_breakdown, over, totals, group, "dimension",
        lambda raw: f"the complete {label(raw)} has no total row from the same source to add up to",
        lambda raw, n, total: f"the complete {label(raw)} adds up to {n}, not to the total of {total}")
    # Nested categories: girls never exceed females or children of the same source.
    containers = {pair for outers in CONTAINED_IN.values() for pair in outers}
    outer_values: dict[tuple, int | None] = {}
    for _, _, typed in parts:
        if (typed["dimension"], typed["category"]) in containers:
            outer_values.setdefault(key_of(typed, group) + (typed["category"],), typed["victims"])
    given = {k[-1] for k in outer_values}
    inner = [row for row in parts if row[2]["dimension"] == "sex_age"]
    for (dim, cat), outers in CONTAINED_IN.items():
        for outer_dim, outer_cat in outers:
            if outer_cat not in given:
                continue  # no source gives this container at all
            for i, raw, typed in inner:
                outer = outer_values.get(key_of(typed, group) + (outer_cat,))
                if typed["category"] == cat and exceeds(typed["victims"], outer):
                    problems.append(t.problem(i, "victims", "exceeds-total",
                                              f"{raw['category']} = {raw['victims']} exceeds {outer_cat} = {outer} of the same source"))
    return problems


@rule('parts-exceed-total',
      resources='victim_demographics',
      description="The categories of an exclusive breakdown that is not complete never add up to more than the same source's total (a complete one adds up to it exactly).")
def rule_exclusive_parts_within_total(t: Table, ctx) -> list[Problem]:
    group = t.resource.figure_group
    by_breakdown = lambda typed: key_of(typed, group + ["dimension"])
    parts, totals, over = breakdown_parts(t)
    # One category alone above the total is exceeds-total's problem.
    open_sets = [row for row in parts if row[2]["breakdown_exclusive"] and not row[2]["breakdown_complete"]
                 and by_breakdown(row[2]) not in over]
    sums = sum_by(open_sets, by_breakdown)
    problems = []
    for i, raw, typed in firsts(open_sets, by_breakdown):
        total = totals.get(key_of(typed, group))
        if exceeds(sums[by_breakdown(typed)], total):
            problems.append(t.problem(i, "victims", "parts-exceed-total",
                                      f"the {raw['dimension']} categories of {raw['source_id']} for {raw['reference_year']} "
                                      f"({raw['population']}) add up to {sums[by_breakdown(typed)]}, more than its total of {total}"))
    return problems


# Sums of sex_age categories that may not exceed a category of the same source: girls and women
# are female, girls and boys are children, and so on.
NESTED_SUMS = {
    ("sex", "female"): ["girl", "woman"],
    ("sex", "male"): ["boy", "man"],
    ("age", "child"): ["girl", "boy"],
    ("age", "adult"): ["woman", "man"],
}


def missing_last(key: tuple) -> tuple:
    """A sort key that orders tuples holding None, which goes last."""
    return tuple((v is None, v if v is not None else 0) for v in key)


@rule('nested-sum',
      resources='victim_demographics',
      description="Sex-and-age categories never add up to more than the sex or age category that contains them (girls + women <= female).")
def rule_nested_sums(t: Table, ctx) -> list[Problem]:
    group = t.resource.figure_group
    # The first figure of each category in each figure group.
    cells: dict[tuple, dict[str, int | None]] = {}
    for _, raw, typed in t.rows:
        cells.setdefault(key_of(typed, group), {}).setdefault(raw["category"], typed["victims"])
    given = {category for figures in cells.values() for category in figures}
    problems = []
    for (dim, outer), inner in NESTED_SUMS.items():
        if outer not in given:
            continue
        for key in sorted(cells, key=missing_last):
            parts = [cells[key].get(c) for c in inner]
            container = cells[key].get(outer)
            known = [p for p in parts if p is not None]
            # A single part above its container is reported by exceeds-total already: here only sums.
            if not known or not exceeds(sum(known), container) or any(exceeds(p, container) for p in known):
                continue
            for i, raw, typed in t.rows:
                if None not in key and key_of(typed, group) == key and raw["category"] == outer:
                    problems.append(t.problem(i, "victims", "nested-sum",
                                              f"{' + '.join(inner)} = {sum(known)} of the same source exceeds {outer} = {raw['victims']}"))
    return problems


@rule('period-after-published',
      resources='figures',
      description="A figure's period ends no later than its source was published (a source cannot count the future).")
def rule_period_not_after_source(t: Table, ctx) -> list[Problem]:
    published = source_published(t, ctx)
    if published is None:
        return []
    latest = pd.to_datetime(published.map(latest_day, na_action="ignore"), errors="coerce")
    # A period that ends in the future is reported as such (future-date), not again here.
    late = (t.typed["period_end"] > latest) & (t.typed["period_end"] <= pd.Timestamp(today()))
    return t.problems(late, "period_end", "period-after-published",
                      lambda i: f"the period ends {t.raw['period_end'][i]}, after {t.raw['source_id'][i]!r} was published "
                      f"({published[i]})")


def latest_day(published: str) -> str:
    """The last day a date of any ISO precision can mean: 2021 -> 2021-12-31, 2021-02 -> 2021-02-28."""
    if len(published) == 4:
        return published + "-12-31"
    if len(published) == 7:
        return str((pd.Timestamp(published + "-01") + pd.offsets.MonthEnd(0)).date())
    return published


@rule('basis-value', 'breakdown-flags',
      resources='origin_countries',
      description="A count has victims (or published_below), a share has share_percent, a named country neither; counts and shares carry breakdown_complete.")
def rule_basis_values(t: Table, ctx) -> list[Problem]:
    r = t.raw
    problems = []
    below = r["published_below"] != ""
    problems += t.problems(below & (r["victims"] != ""), "victims", "basis-value",
                           "a count published only as below a threshold (published_below) has no number: leave victims empty")
    problems += t.problems(below & (r["basis"] != "count"), "published_below", "basis-value",
                           "published_below is for counts only (basis count)")
    for basis, field in (("count", "victims"), ("share", "share_percent")):
        given = (r[field] != "") | (below if field == "victims" else False)
        problems += t.problems((r["basis"] == basis) & ~given, field, "basis-value",
                               f"basis is {basis}: {field} must be given")
        problems += t.problems((r["basis"] != basis) & (r[field] != ""), field, "basis-value",
                               lambda i, f=field: f"basis is {r['basis'][i]}: {f} must be empty")
    named = r["basis"] == "named"
    problems += t.problems(named & (r["breakdown_complete"] != ""), "breakdown_complete", "breakdown-flags",
                           "a named country is no breakdown: leave breakdown_complete empty")
    problems += t.problems(~named & (r["breakdown_complete"] == ""), "breakdown_complete", "breakdown-flags",
                           "a count or share needs breakdown_complete (true or false)")
    return problems


@rule('shares-over-100',
      resources='origin_countries',
      description="The shares of one source for one period and role add up to at most 100 %.")
def rule_shares_within_100(t: Table, ctx) -> list[Problem]:
    shares = t.typed[t.raw["basis"] == "share"]
    group = t.resource.figure_group + ["role"]
    totals = shares.groupby(group)["share_percent"].transform("sum")
    first = ~shares.duplicated(group)
    return t.problems((first & (totals > 100)).reindex(t.raw.index, fill_value=False), "share_percent", "shares-over-100",
                      lambda i: f"shares of {t.raw['source_id'][i]} for {t.raw['reference_year'][i]} ({t.raw['role'][i]}) add up to {totals[i]:g} %, more than 100")


@rule('shares-incomplete',
      resources='origin_countries',
      description="A complete set of shares adds up to 100 % (within 1 point of rounding).")
def rule_complete_shares_reach_100(t: Table, ctx) -> list[Problem]:
    shares = t.typed[(t.raw["basis"] == "share") & t.typed["breakdown_complete"].fillna(False)]
    group = t.resource.figure_group + ["role"]
    totals = shares.groupby(group, dropna=False)["share_percent"].transform("sum")
    first = ~shares.duplicated(group)
    return t.problems((first & (totals < 99)).reindex(t.raw.index, fill_value=False), "share_percent", "shares-incomplete",
                      lambda i: f"the complete set of shares of {t.raw['source_id'][i]} for {t.raw['reference_year'][i]} "
                      f"({t.raw['role'][i]}) adds up to {totals[i]:g} %, not 100: mark it breakdown_complete false, or add the missing shares")


@rule('exceeds-total', 'breakdown-no-total', 'breakdown-sum',
      resources='origin_countries',
      description="Country counts never exceed the same source's total in victim_demographics; a complete set adds up to it.")
def rule_counts_match_totals(t: Table, ctx) -> list[Problem]:
    demo = ctx.tables.get("victim_demographics")
    if demo is None:
        return []
    group = t.resource.figure_group
    by_set = lambda typed: key_of(typed, group + ["role"])
    totals = figure_totals(demo)
    total_of = lambda typed: totals.get(key_of(typed, group))
    counts = [row for row in t.rows if row[1]["basis"] == "count"]
    exceeding = over_total(counts, total_of)
    problems = [t.problem(i, "victims", "exceeds-total", f"{raw['country_code']} = {raw['victims']} exceeds the total of "
                          f"{total} that {raw['source_id']} gives for {raw['reference_year']} in {demo.file}")
                for i, raw, _, total in exceeding]
    over = {by_set(typed) for _, _, typed, _ in exceeding}
    complete = [row for row in counts if row[2]["breakdown_complete"]]
    label = lambda raw: f"the complete breakdown by country of {raw['source_id']} for {raw['reference_year']}"
    problems += complete_sets_add_up(
        t, complete, by_set, over, totals, group, "victims",
        lambda raw: f"{label(raw)} has no total in {demo.file} to add up to",
        lambda raw, n, total: f"{label(raw)} adds up to {n}, not to the total of {total} in {demo.file}")
    return problems


@rule('profile-edition',
      resources='profile_countries',
      description="A trafficking-profile row is filed under the edition of the TIP report it was read in (the year its source was published).")
def rule_profile_edition_matches_source(t: Table, ctx) -> list[Problem]:
    published = source_published(t, ctx)
    if published is None:
        return []
    year = published_year(published)
    return t.problems(year.notna() & (year != t.typed["edition"]), "edition", "profile-edition",
                      lambda i: f"edition {t.raw['edition'][i]}, but {t.raw['source_id'][i]!r} was published in {published[i][:4]}: "
                      "a profile row carries the edition of the report it was read in")
