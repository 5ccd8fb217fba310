"""Rules of the TIP tier history."""
from __future__ import annotations

from . import Problem, Table, published_year, rule, source_published, today


@rule('editions-gap', 'future-date',
      resources='tier_status',
      description='Every edition from the first on has a row (with an empty tier if none is known), and none is in the future.')
def rule_editions_unbroken(t: Table, ctx) -> list[Problem]:
    years = t.typed["edition"].dropna().astype(int)
    if years.empty:
        return []
    first = t.resource.field("edition")["constraints"].get("minimum", years.min())
    missing = sorted(set(range(first, years.max() + 1)) - set(years))
    problems = [Problem(t.file, None, "edition", "editions-gap",
                        f"no row for edition {y}: every edition from {first} on needs a row (with an empty tier if none is known)")
                for y in missing]
    future = years > today().year
    problems += t.problems(future.reindex(t.typed.index), "edition", "future-date",
                           lambda i: f"edition {t.raw['edition'][i]} is in the future")
    return problems


@rule('tier-entity', 'tier-not-own', 'tier-basis', 'tier-source',
      resources='tier_status',
      description="Kosovo's own tier is given exactly when Kosovo was ranked on its own; a known tier has a source and a locator.")
def rule_tier_consistency(t: Table, ctx) -> list[Problem]:
    r, ty = t.raw, t.typed
    entry, ranked = ty["kosovo_entry"].fillna(False), ty["kosovo_ranked"].fillna(False)
    wrong_entry = (r["assessed_entity"] == "Kosovo") != entry
    problems = t.problems(wrong_entry, "kosovo_entry", "tier-entity",
                          "kosovo_entry must be true exactly when the assessed entity is Kosovo")
    # The checks below assume kosovo_entry right: a row where it is wrong has its one problem already.
    entry = entry.where(~wrong_entry, r["assessed_entity"] == "Kosovo")
    problems += t.problems(ranked & ~entry, "kosovo_ranked", "tier-entity",
                           "Kosovo can be ranked on its own only in an entry of its own (kosovo_entry true)")
    is_tier = r["assessed_entity_tier"].str.startswith("Tier ")
    problems += t.problems(entry & (ranked != is_tier), "kosovo_ranked", "tier-entity",
                           lambda i: f"Kosovo's entry has the status {r['assessed_entity_tier'][i]!r}: kosovo_ranked must be "
                           f"{'true' if is_tier[i] else 'false'} (a Special Case is an entry without a tier)")
    problems += t.problems(ranked & (r["tier"] != r["assessed_entity_tier"]), "tier", "tier-entity",
                           "Kosovo was ranked on its own: tier must equal assessed_entity_tier")
    problems += t.problems(~ranked & (r["tier"] != ""), "tier", "tier-not-own",
                           lambda i: f"{r['tier'][i]!r} is not Kosovo's own tier in this edition "
                           f"({r['assessed_entity'][i]}, {r['assessed_entity_tier'][i] or 'no tier'}): leave tier empty")
    not_found = r["tier_basis"] == "not_found"
    problems += t.problems(not_found & (r["assessed_entity_tier"] != ""), "tier_basis", "tier-basis",
                           "tier_basis is not_found but a tier is given")
    problems += t.problems(~not_found & (r["assessed_entity_tier"] == ""), "assessed_entity_tier", "tier-basis",
                           lambda i: f"tier_basis is {r['tier_basis'][i]} but no tier is given")
    problems += t.problems(~not_found & ((r["source_id"] == "") | (r["locator"] == "")), "source_id", "tier-source",
                           "a known tier needs a source_id and a locator")
    return problems


@rule('tier-source-edition',
      resources='tier_status',
      description="A tier is read in its own edition or a later document: never in one published before the edition.")
def rule_tier_source_not_earlier(t: Table, ctx) -> list[Problem]:
    published = source_published(t, ctx)
    if published is None:
        return []
    earlier = published_year(published) < t.typed["edition"]
    return t.problems(earlier, "source_id", "tier-source-edition",
                      lambda i: f"the tier of edition {t.raw['edition'][i]} is cited to {t.raw['source_id'][i]!r}, "
                      f"published {published[i]}, before that edition came out")
