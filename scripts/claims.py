#!/usr/bin/env python3
"""Check the claims a general reader meets about human trafficking in Kosovo against the data.

    python -m scripts.claims [PACKAGE_DIR]            # print docs/claims.md as it would be written
    python -m scripts.claims [PACKAGE_DIR] --write    # write docs/claims.md
    python -m scripts.claims [PACKAGE_DIR] --check    # exit 1 if docs/claims.md is out of date

Each claim is a statement of the kind an encyclopedia article about human trafficking in Kosovo
makes, in our own words. Its check computes the figures from data/*.csv and decides the verdict
in code (supported, partly supported, contradicted, not in the data); the page only writes down
what the check found, with the rows behind it. A verdict never says more than the rows show.

Exit status: 0 done (or up to date), 1 the page is stale (--check) or the data does not match
its schema, 2 cannot run.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .load import CannotLoad, LoadError, load
from .package_io import ROOT, CannotRun, write_atomic

OUTPUT = Path("docs") / "claims.md"

SUPPORTED = "supported"
PARTLY = "partly supported"
CONTRADICTED = "contradicted"
NOT_IN_DATA = "not in the data"
VERDICTS = [SUPPORTED, PARTLY, CONTRADICTED, NOT_IN_DATA]

KOSOVO = "XK"
# Kosovo's neighbours (a fact of geography, not of the data): Albania, Montenegro, North Macedonia, Serbia.
NEIGHBOURS = ["AL", "ME", "MK", "RS"]
# What a tier means, as the TIP Report defines it (Trafficking Victims Protection Act): whether the
# government fully meets the minimum standards for the elimination of trafficking, and whether it
# makes significant efforts to do so.
TIER_MEANING = {
    "Tier 1": {"meets_standards": True, "significant_efforts": True},
    "Tier 2": {"meets_standards": False, "significant_efforts": True},
    "Tier 2 Watch List": {"meets_standards": False, "significant_efforts": True},
    "Tier 3": {"meets_standards": False, "significant_efforts": False},
}
CLAIM_YEARS = list(range(2017, 2022))  # "2017-2021" in claims b and c
CLAIMED_CHILD_SHARE = 60.0  # "about 60%" (claim c) ...
CHILD_SHARE_TOLERANCE = 5.0  # ... read as within 5 percentage points
UNMIK_EDITIONS = list(range(2001, 2009))  # editions published while (or just after) Kosovo was under UN administration
UNMIK_YEARS = list(range(1999, 2008))  # reference years under UN administration (June 1999 to February 2008)


# --- what a check returns ------------------------------------------------------------------------

@dataclass
class Row:
    """One row (or a group of rows from one source and place) behind a verdict."""

    resource: str
    key: str
    figure: str
    source_id: str
    locator: str


@dataclass
class Check:
    letter: str
    claim: str
    verdict: str
    reason: str
    figures: dict = field(default_factory=dict)  # the computed numbers, for tests and for the page
    findings: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


@dataclass
class Data:
    victims: pd.DataFrame
    origins: pd.DataFrame
    profiles: pd.DataFrame
    tiers: pd.DataFrame
    sources: pd.DataFrame
    countries: pd.DataFrame

    @property
    def names(self) -> dict[str, str]:
        return dict(zip(self.countries["country_code"].astype(str), self.countries["name"].astype(str)))


def load_data(root: Path) -> Data:
    return Data(*(load(name, root) for name in
                  ("victim_demographics", "origin_countries", "profile_countries", "tier_status", "sources", "countries")))


# --- selecting and describing rows ---------------------------------------------------------------

def flag(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name].astype("boolean").fillna(False).astype(bool)


def preferred(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[flag(frame, "preferred")]


def annual(frame: pd.DataFrame, population: str = "identified", years=None) -> pd.DataFrame:
    """Preferred rows for whole calendar years of one population (in the given reference years)."""
    rows = preferred(frame)
    rows = rows[(rows["period_kind"] == "calendar_year") & (rows["population"] == population)]
    if years is not None:
        rows = rows[rows["reference_year"].isin(list(years))]
    return rows


def spans_within(frame: pd.DataFrame, first_year: int, last_year: int, population: str = "identified") -> pd.DataFrame:
    """Preferred rows for a span of years that lies inside first_year..last_year."""
    rows = preferred(frame)
    return rows[(rows["period_kind"] == "span_of_years") & (rows["population"] == population)
                & (rows["period_start"] >= pd.Timestamp(first_year, 1, 1))
                & (rows["period_end"] <= pd.Timestamp(last_year, 12, 31))]


def by_year(rows: pd.DataFrame, dimension: str, category: str) -> dict[int, int]:
    chosen = rows[(rows["dimension"] == dimension) & (rows["category"] == category)]
    return {int(y): int(v) for y, v in zip(chosen["reference_year"], chosen["victims"]) if pd.notna(v)}


def sources_by_year(rows: pd.DataFrame, dimension: str, category: str) -> dict[int, str]:
    chosen = rows[(rows["dimension"] == dimension) & (rows["category"] == category)]
    return {int(y): str(s) for y, s in zip(chosen["reference_year"], chosen["source_id"])}


def day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def period_key(row) -> str:
    if row["period_kind"] == "calendar_year":
        return f"reference_year {int(row['reference_year'])}"
    return f"reference_year {int(row['reference_year'])}, period {day(row['period_start'])} to {day(row['period_end'])}"


def victim_row(row) -> Row:
    key = f"{period_key(row)}, population {row['population']}, dimension {row['dimension']}, category {row['category']}"
    return Row("victim_demographics", key, f"{int(row['victims'])}", str(row["source_id"]), str(row["locator"]))


def origin_figure(row) -> str:
    if row["basis"] == "count" and pd.notna(row["victims"]):
        return f"{int(row['victims'])}"
    if row["basis"] == "count" and pd.notna(row.get("published_below")):
        return f"fewer than {int(row['published_below'])}"
    if row["basis"] == "share" and pd.notna(row["share_percent"]):
        return f"{float(row['share_percent']):g}%"
    return "named"


def origin_row(row) -> Row:
    key = (f"{period_key(row)}, population {row['population']}, role {row['role']}, "
           f"country_code {row['country_code']}, basis {row['basis']}")
    return Row("origin_countries", key, origin_figure(row), str(row["source_id"]), str(row["locator"]))


def grouped_origin_rows(rows: pd.DataFrame) -> list[Row]:
    """origin_countries rows, one line per period, population, role, source and place, the countries joined."""
    out = []
    keys = ["reference_year", "period_kind", "period_start", "period_end", "population", "role", "basis", "source_id", "locator"]
    for _, group in rows.groupby(keys, sort=True, dropna=False):
        first = group.iloc[0]
        codes = ", ".join(sorted(group["country_code"].astype(str)))
        figure = ", ".join(f"{c} {origin_figure(r)}" for c, (_, r) in
                           sorted(zip(group["country_code"].astype(str), group.iterrows()), key=lambda x: x[0]))
        key = f"{period_key(first)}, population {first['population']}, role {first['role']}, country_code {codes}, basis {first['basis']}"
        out.append(Row("origin_countries", key, figure, str(first["source_id"]), str(first["locator"])))
    return out


def tier_row(row) -> Row:
    figure = row["tier"] if pd.notna(row["tier"]) else f"no tier of Kosovo's own ({row['assessed_entity_tier']})"
    return Row("tier_status", f"edition {int(row['edition'])}", f"{figure}, {row['tier_basis']}",
               str(row["source_id"]), str(row["locator"]))


def profile_rows(rows: pd.DataFrame) -> list[Row]:
    """profile_countries rows, one line per edition, role, source and place, the countries joined."""
    out = []
    for (edition, role, source_id, locator), group in rows.groupby(["edition", "role", "source_id", "locator"], sort=True):
        codes = ", ".join(sorted(group["country_code"].astype(str)))
        out.append(Row("profile_countries", f"edition {int(edition)}, role {role}, country_code {codes}", "named",
                       str(source_id), str(locator)))
    return out


def sort_rows(rows: list[Row]) -> list[Row]:
    order = {"tier_status": 0, "profile_countries": 1, "victim_demographics": 2, "origin_countries": 3}
    unique = {(r.resource, r.key, r.figure, r.source_id, r.locator): r for r in rows}
    return sorted(unique.values(), key=lambda r: (order.get(r.resource, 9), r.key, r.source_id))


# --- wording ----------------------------------------------------------------------------------------

def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%"


def share(part: float, whole: float) -> float:
    return round(100 * part / whole, 1)


def year_list(years) -> str:
    """2001, 2002, 2003, 2005 -> "2001-2003 and 2005"."""
    years = sorted({int(y) for y in years})
    if not years:
        return "none"
    runs, start, previous = [], years[0], years[0]
    for year in years[1:] + [None]:
        if year is not None and year == previous + 1:
            previous = year
            continue
        runs.append(f"{start}" if start == previous else f"{start}–{previous}")
        if year is not None:
            start = previous = year
    return runs[0] if len(runs) == 1 else ", ".join(runs[:-1]) + " and " + runs[-1]


def years_phrase(years) -> str:
    years = sorted(set(years))
    return "no reference year" if not years else f"the reference year{'s' if len(years) > 1 else ''} {year_list(years)}"


def country_list(codes, names: dict[str, str]) -> str:
    return ", ".join(f"{names.get(c, c)} ({c})" for c in codes)


# --- the checks ---------------------------------------------------------------------------------------

def check_roles(data: Data) -> Check:
    """a. Source, transit and destination. In profile_countries and origin_countries, role origin names the
    country of victims found in Kosovo (Kosovo as a destination), role destination a country where victims
    from Kosovo were exploited (Kosovo as a source); a row with role transit and country XK would make
    Kosovo a transit country."""
    profiles = data.profiles
    origins = preferred(data.origins)
    foreign_in_kosovo = profiles[(profiles["role"] == "origin") & (profiles["country_code"] != KOSOVO)]
    abroad = profiles[profiles["role"] == "destination"]
    counted_foreign = origins[(origins["role"] == "origin") & (origins["country_code"] != KOSOVO)]
    counted_abroad = origins[origins["role"] == "destination"]
    counted_kosovars = origins[(origins["role"] == "origin") & (origins["country_code"] == KOSOVO)]
    transit = pd.concat([profiles.loc[profiles["role"] == "transit", ["country_code"]],
                         origins.loc[origins["role"] == "transit", ["country_code"]]])
    kosovo_transit = transit[transit["country_code"] == KOSOVO]
    roles = {
        "destination": bool(len(foreign_in_kosovo) or len(counted_foreign)),
        "source": bool(len(abroad) or len(counted_abroad) or len(counted_kosovars)),
        "transit": bool(len(kosovo_transit)),
    }
    figures = {
        "destination_editions": sorted({int(e) for e in foreign_in_kosovo["edition"]}),
        "source_editions": sorted({int(e) for e in abroad["edition"]}),
        "destination_years": sorted({int(y) for y in counted_foreign["reference_year"]}),
        "source_years": sorted({int(y) for y in counted_abroad["reference_year"]}),
        "kosovar_victims_years": sorted({int(y) for y in counted_kosovars["reference_year"]}),
        "transit_rows": int(len(transit)),
        "kosovo_transit_rows": int(len(kosovo_transit)),
        "roles": roles,
    }
    present = [r for r, found in roles.items() if found]
    verdict = SUPPORTED if len(present) == 3 else PARTLY if present else NOT_IN_DATA
    missing = [r for r, found in roles.items() if not found]
    reason = ((f"the rows show Kosovo as a {' and as a '.join(present)} country" if present else
               "no row gives Kosovo any of these roles")
              + (f"; no row records it as a {' or a '.join(missing)} country" if missing and present else "") + ".")
    findings = []
    if roles["destination"]:
        findings.append(
            f"Destination: the trafficking profiles of the TIP editions {year_list(figures['destination_editions'])} "
            f"name countries whose nationals were exploited in Kosovo ({len(foreign_in_kosovo)} profile_countries rows, "
            f"role origin); origin_countries has rows on foreign victims in Kosovo for {years_phrase(figures['destination_years'])}.")
    if roles["source"]:
        findings.append(
            f"Source: the profiles of the editions {year_list(figures['source_editions'])} (including neighbouring "
            f"countries' narratives) name countries where victims from Kosovo were exploited (role destination); "
            f"origin_countries has rows on victims from Kosovo found abroad for {years_phrase(figures['source_years'])}, "
            f"and on victims of Kosovo citizenship found in Kosovo (counts or shares) for "
            f"{years_phrase(figures['kosovar_victims_years'])}.")
    findings.append(
        f"Transit: {figures['transit_rows']} rows of either table have role transit, and {figures['kosovo_transit_rows']} "
        "name Kosovo as a country victims passed through.")
    limits = [
        "profile_countries holds the countries a TIP trafficking profile names, not the profile's sentence: the form "
        "of exploitation (sexual or other) of these roles is not in the rows, so the 'sexual exploitation' part "
        "cannot be checked here. The verdict rests only on which roles appear.",
    ]
    rows = profile_rows(pd.concat([foreign_in_kosovo, abroad]))
    rows += grouped_origin_rows(pd.concat([counted_foreign, counted_abroad, counted_kosovars]))
    return Check("a", "Kosovo is a country of origin, of transit and of destination for people trafficked for "
                 "sexual exploitation.", verdict, reason, figures, findings, limits, sort_rows(rows))


def majority_verdict(parts: list[dict]) -> str:
    """parts: for each half of a claim, {"pooled": share or None, "years": {year: share}, "expected": years}."""
    if all(p["pooled"] is None for p in parts):
        return NOT_IN_DATA
    if any(p["pooled"] is not None and p["pooled"] <= 50 for p in parts):
        return CONTRADICTED
    complete = all(p["pooled"] is not None and set(p["years"]) >= set(p["expected"])
                   and all(s > 50 for s in p["years"].values()) for p in parts)
    return SUPPORTED if complete else PARTLY


def check_female_and_kosovar(data: Data) -> Check:
    """b. Most victims identified 2017-2021 female and citizens of Kosovo."""
    rows = annual(data.victims, years=CLAIM_YEARS)
    totals = by_year(rows, "total", "all")
    female = by_year(rows, "sex", "female")
    origins = annual(data.origins, years=CLAIM_YEARS)
    kosovars_rows = origins[(origins["role"] == "origin") & (origins["country_code"] == KOSOVO) & (origins["basis"] == "count")]
    kosovars = {int(y): int(v) for y, v in zip(kosovars_rows["reference_year"], kosovars_rows["victims"]) if pd.notna(v)}
    female_years = {y: share(female[y], totals[y]) for y in sorted(female) if y in totals}
    kosovar_years = {y: share(kosovars[y], totals[y]) for y in sorted(kosovars) if y in totals}
    pooled_female = (sum(female[y] for y in female_years), sum(totals[y] for y in female_years))
    pooled_kosovar = (sum(kosovars[y] for y in kosovar_years), sum(totals[y] for y in kosovar_years))
    span_totals = spans_within(data.victims, CLAIM_YEARS[0], CLAIM_YEARS[-1])
    span_totals = span_totals[span_totals["dimension"] == "total"]
    span_origins = spans_within(data.origins, CLAIM_YEARS[0], CLAIM_YEARS[-1])
    span_kosovars = span_origins[(span_origins["role"] == "origin") & (span_origins["country_code"] == KOSOVO)
                                 & (span_origins["basis"] == "count")]
    spans = []
    for _, k in span_kosovars.iterrows():
        match = span_totals[(span_totals["period_start"] == k["period_start"]) & (span_totals["period_end"] == k["period_end"])]
        if len(match):
            spans.append({"period": f"{day(k['period_start'])} to {day(k['period_end'])}", "kosovars": int(k["victims"]),
                          "total": int(match.iloc[0]["victims"]), "source_id": str(k["source_id"])})
    figures = {
        "totals": totals, "female": female, "female_share_by_year": female_years, "kosovars": kosovars,
        "kosovar_share_by_year": kosovar_years,
        "female_pooled": pooled_female, "female_pooled_share": share(*pooled_female) if pooled_female[1] else None,
        "kosovar_pooled": pooled_kosovar, "kosovar_pooled_share": share(*pooled_kosovar) if pooled_kosovar[1] else None,
        "spans": spans,
    }
    verdict = majority_verdict([
        {"pooled": figures["female_pooled_share"], "years": female_years, "expected": CLAIM_YEARS},
        {"pooled": figures["kosovar_pooled_share"], "years": kosovar_years, "expected": CLAIM_YEARS}])
    findings = []
    if female_years:
        per_year = "; ".join(f"{y}: {female[y]} of {totals[y]} ({pct(female[y], totals[y])})" for y in female_years)
        findings.append(f"Female victims, by year ({year_list(female_years)}): {per_year}. Pooled: "
                        f"{pooled_female[0]} of {pooled_female[1]} ({pct(*pooled_female)}).")
        minority = [y for y, s in female_years.items() if s <= 50]
        if minority:
            findings.append(f"In {year_list(minority)} female victims were not the majority.")
    if kosovar_years:
        per_year = "; ".join(f"{y}: {kosovars[y]} of {totals[y]} ({pct(kosovars[y], totals[y])})" for y in kosovar_years)
        findings.append(f"Victims of Kosovo citizenship (origin_countries, role origin, country XK), by year "
                        f"({year_list(kosovar_years)}): {per_year}. Pooled: {pooled_kosovar[0]} of {pooled_kosovar[1]} "
                        f"({pct(*pooled_kosovar)}).")
    for span in spans:
        findings.append(f"Over the span {span['period']}, {span['kosovars']} of {span['total']} identified victims "
                        f"({pct(span['kosovars'], span['total'])}) were from Kosovo ({span['source_id']}).")
    limits = []
    no_sex = [y for y in CLAIM_YEARS if y not in female_years]
    no_kosovar = [y for y in CLAIM_YEARS if y not in kosovar_years]
    if no_sex:
        limits.append(f"No breakdown by sex for {year_list(no_sex)} (whole calendar years, preferred rows).")
    if no_kosovar:
        limits.append(f"No count of victims from Kosovo for {year_list(no_kosovar)}: the sources name only part of "
                      "the origins, or none.")
    total_sources = sources_by_year(rows, "total", "all")
    kosovar_sources = dict(zip(kosovars_rows["reference_year"].astype(int), kosovars_rows["source_id"].astype(str)))
    mixed = [y for y in kosovar_years if kosovar_sources.get(y) != total_sources.get(y)]
    figures["kosovar_share_from_two_sources"] = mixed
    if mixed:
        limits.append("Each share divides by the year's preferred total; in " + "; ".join(
            f"{y} the count of victims from Kosovo comes from {kosovar_sources[y]} and the total from {total_sources[y]}"
            for y in mixed) + ".")
    limits.append("The package does not cross sex with citizenship, so it cannot say whether the same victims were both "
                  "female and from Kosovo; the two halves are checked separately.")
    pooled_text = []
    if pooled_female[1]:
        pooled_text.append(f"{pct(*pooled_female)} of the victims were female ({year_list(female_years)})")
    if pooled_kosovar[1]:
        pooled_text.append(f"{pct(*pooled_kosovar)} were from Kosovo ({year_list(kosovar_years)})")
    gaps = ([f"for {year_list(no_sex)} there is no breakdown by sex"] if no_sex else []) + \
        ([f"for {year_list(no_kosovar)} no count of victims from Kosovo"] if no_kosovar else [])
    against = [f"in {y} female victims were a minority ({female[y]} of {totals[y]})" for y, s in female_years.items() if s <= 50]
    against += [f"in {y} victims from Kosovo were a minority ({kosovars[y]} of {totals[y]})"
                for y, s in kosovar_years.items() if s <= 50]
    reason = {
        SUPPORTED: "female victims and victims from Kosovo were the majority in every year 2017–2021: pooled, "
                   + " and ".join(pooled_text) + ".",
        PARTLY: "pooled over the years that have the figures, " + " and ".join(pooled_text) + "; but "
                + "; ".join(gaps + against) + ".",
        CONTRADICTED: "pooled over the years that have the figures, " + " and ".join(pooled_text) + ".",
        NOT_IN_DATA: "the package has no breakdown by sex or citizenship for 2017–2021.",
    }[verdict]
    used = rows[rows["dimension"].isin(["total", "sex"]) & rows["reference_year"].isin(list(female_years) + list(kosovar_years))]
    used = used[(used["dimension"] == "total") | (used["category"] == "female")]
    out = [victim_row(r) for _, r in used.iterrows()] + [origin_row(r) for _, r in kosovars_rows.iterrows()]
    out += [victim_row(r) for _, r in span_totals.iterrows()] + [origin_row(r) for _, r in span_kosovars.iterrows()]
    return Check("b", "Most of the victims identified from 2017 to 2021 were female, and most were citizens of Kosovo.",
                 verdict, reason, figures, findings, limits, sort_rows(out))


def check_child_share(data: Data) -> Check:
    """c. About 60% of the victims identified 2017-2021 were children."""
    rows = annual(data.victims, years=CLAIM_YEARS)
    totals = by_year(rows, "total", "all")
    children = by_year(rows, "age", "child")
    years = [y for y in sorted(children) if y in totals]
    per_year = {y: share(children[y], totals[y]) for y in years}
    pooled = (sum(children[y] for y in years), sum(totals[y] for y in years))
    pooled_share = share(*pooled) if pooled[1] else None
    figures = {"children": {y: children[y] for y in years}, "totals": {y: totals[y] for y in years},
               "child_share_by_year": per_year, "pooled": pooled, "pooled_share": pooled_share,
               "claimed": CLAIMED_CHILD_SHARE, "tolerance": CHILD_SHARE_TOLERANCE}
    if pooled_share is None:
        verdict = NOT_IN_DATA
    elif abs(pooled_share - CLAIMED_CHILD_SHARE) <= CHILD_SHARE_TOLERANCE:
        verdict = SUPPORTED if set(years) >= set(CLAIM_YEARS) else PARTLY
    elif min(per_year.values()) <= CLAIMED_CHILD_SHARE <= max(per_year.values()):
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    findings, limits = [], []
    if years:
        findings.append("Children among identified victims, by year: " + "; ".join(
            f"{y}: {children[y]} of {totals[y]} ({pct(children[y], totals[y])})" for y in years)
            + f". Pooled over {year_list(years)}: {pooled[0]} of {pooled[1]} ({pct(*pooled)}).")
        findings.append(f"Years within {CHILD_SHARE_TOLERANCE:g} points of {CLAIMED_CHILD_SHARE:g}%: "
                        f"{year_list([y for y, v in per_year.items() if abs(v - CLAIMED_CHILD_SHARE) <= CHILD_SHARE_TOLERANCE])}.")
    missing = [y for y in CLAIM_YEARS if y not in years]
    if missing:
        limits.append(f"No count of children for {year_list(missing)} (whole calendar years, preferred rows).")
    limits.append(f"'About 60%' is read as {CLAIMED_CHILD_SHARE - CHILD_SHARE_TOLERANCE:g}–"
                  f"{CLAIMED_CHILD_SHARE + CHILD_SHARE_TOLERANCE:g}% of the victims pooled over the years that have both "
                  "figures.")
    near = [y for y, s in per_year.items() if abs(s - CLAIMED_CHILD_SHARE) <= CHILD_SHARE_TOLERANCE]
    near_text = ("; ".join(f"{y} ({pct(children[y], totals[y])})" for y in near) or "no single year") + " comes near 60%"
    if verdict == NOT_IN_DATA:
        reason = "the package has no count of child victims for 2017–2021."
    else:
        reason = f"children were {pct(*pooled)} of the victims identified in {year_list(years)}"
        if verdict == SUPPORTED:
            reason += "."
        elif abs(pooled_share - CLAIMED_CHILD_SHARE) <= CHILD_SHARE_TOLERANCE:
            reason += f", about 60%; but {year_list(missing)} has no count of children."
        else:
            reason += (f", {'more' if pooled_share > CLAIMED_CHILD_SHARE else 'less'} than about 60%"
                       + (", and a majority" if pooled_share > 50 else "") + f"; only {near_text}."
                       if verdict == PARTLY else f"; {near_text}.")
    used = rows[rows["reference_year"].isin(years) & (((rows["dimension"] == "total") & (rows["category"] == "all"))
                                                      | ((rows["dimension"] == "age") & (rows["category"] == "child")))]
    return Check("c", "Around 60 percent of the victims identified in those years were children.", verdict, reason,
                 figures, findings, limits, sort_rows([victim_row(r) for _, r in used.iterrows()]))


def check_child_origins(data: Data) -> Check:
    """d. Many child victims came from neighbouring countries, mainly Albania."""
    names = data.names
    crossed = any(name in data.origins.columns for name in ("dimension", "category", "age"))
    rows = annual(data.origins)
    foreign = rows[(rows["role"] == "origin") & (rows["country_code"] != KOSOVO) & (rows["basis"] == "count")
                   & rows["victims"].notna()]
    by_country = foreign.groupby("country_code")["victims"].sum().astype(int).to_dict()
    by_country = dict(sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0])))
    neighbours = {c: n for c, n in by_country.items() if c in NEIGHBOURS}
    foreign_total = int(sum(by_country.values()))
    per_year = {int(y): dict(sorted(g.groupby("country_code")["victims"].sum().astype(int).to_dict().items()))
                for y, g in foreign.groupby("reference_year")}
    figures = {"origin_crossed_with_age": crossed, "foreign_by_country": by_country, "foreign_total": foreign_total,
               "neighbours": neighbours, "neighbours_total": int(sum(neighbours.values())), "foreign_by_year": per_year}
    verdict = NOT_IN_DATA if not crossed else PARTLY
    findings = []
    if by_country:
        findings.append("Foreign victims identified in Kosovo, counted by country (whole calendar years, preferred rows, "
                        "all ages): " + "; ".join(
                            f"{y}: " + ", ".join(f"{names.get(c, c)} {n}" for c, n in counts.items())
                            for y, counts in per_year.items()) + ".")
        findings.append(f"Summed over those years: {foreign_total} foreign victims, {figures['neighbours_total']} of them "
                        f"from neighbouring countries ("
                        + (", ".join(f"{names.get(c, c)} {n}" for c, n in neighbours.items()) or "none") + ").")
    limits = ["origin_countries has no age: the package does not cross country of origin with age, so it cannot say "
              "where child victims came from." if not crossed else
              "The age breakdown of origins is used as it stands."]
    reason = ("the package does not say where child victims came from; it only counts foreign victims of all ages by "
              "country." if not crossed else "see the figures.")
    return Check("d", "Many of the child victims came from neighbouring countries, Albania above all.", verdict, reason,
                 figures, findings, limits, sort_rows([origin_row(r) for _, r in foreign.iterrows()]))


def check_girls_2017(data: Data) -> Check:
    """e. In 2017 most victims met by officials were girls under 18."""
    year = 2017
    rows = preferred(data.victims)
    rows = rows[(rows["reference_year"] == year) & (rows["population"] == "identified")]
    whole = rows[rows["period_kind"] == "calendar_year"]
    dimensions = sorted(set(whole["dimension"]))
    girls = by_year(whole, "sex_age", "girl").get(year)
    total = by_year(whole, "total", "all").get(year)
    edition_year = rows_for_edition_year(data, year)
    figures = {"dimensions": dimensions, "girls": girls, "total": total,
               "part_year_dimensions": sorted(set(rows.loc[rows["period_kind"] != "calendar_year", "dimension"])),
               "edition_reporting_year": edition_year}
    if girls is not None and total:
        verdict = SUPPORTED if girls / total > 0.5 else CONTRADICTED
        reason = f"{girls} of the {total} victims identified in {year} ({pct(girls, total)}) were girls."
    elif {"sex", "age"} <= set(dimensions):
        verdict = PARTLY
        reason = f"{year} has counts by sex and by age, but not of girls: the two are not crossed."
    else:
        verdict = NOT_IN_DATA
        reason = f"the package has no breakdown of the victims of {year} by sex or age."
    findings = []
    if total is not None:
        findings.append(f"For {year} the package holds the total of identified victims ({total}, preferred) and no "
                        f"breakdown by {'sex or age' if not dimensions or dimensions == ['total'] else 'sex and age together'}."
                        if verdict == NOT_IN_DATA else f"{year}: dimensions with whole-year figures: {', '.join(dimensions)}.")
    if edition_year["dimensions"] is not None:
        findings.append(f"The {year} TIP edition reports on {year - 1}; for {year - 1} the package holds dimensions: "
                        f"{', '.join(edition_year['dimensions']) or 'none'}.")
    limits = ["'Met by officials' is read as identified by the authorities (population identified)."]
    used = rows[rows["period_kind"] == "calendar_year"]
    return Check("e", "In 2017, most of the victims the authorities came across were girls under 18.", verdict, reason,
                 figures, findings, limits, sort_rows([victim_row(r) for _, r in used.iterrows()]))


def rows_for_edition_year(data: Data, edition: int) -> dict:
    rows = annual(data.victims, years=[edition - 1])
    return {"year": edition - 1, "dimensions": sorted(set(rows["dimension"]))}


def check_moldova_romania(data: Data) -> Check:
    """f. A later study: most victims young adults from Moldova or Romania (the IOM caseload of 2000-2002)."""
    origins = preferred(data.origins)
    shares = origins[(origins["population"] == "assisted") & (origins["role"] == "origin") & (origins["basis"] == "share")
                     & (origins["period_kind"] == "span_of_years")]
    victims = preferred(data.victims)
    assisted = victims[(victims["population"] == "assisted") & (victims["period_kind"] == "span_of_years")]
    groups = []
    for (source_id, start, end), group in shares.groupby(["source_id", "period_start", "period_end"], sort=True):
        values = dict(zip(group["country_code"], group["share_percent"].astype(float)))
        same = assisted[(assisted["period_start"] == start) & (assisted["period_end"] == end)]
        total = by_year(same, "total", "all")
        children = by_year(same, "age", "child")
        first = int(pd.Timestamp(start).year)
        entry = {"source_id": str(source_id), "period": f"{day(start)} to {day(end)}",
                 "moldova": values.get("MD"), "romania": values.get("RO"),
                 "moldova_romania": round(values.get("MD", 0.0) + values.get("RO", 0.0), 1),
                 "total": total.get(first), "children": children.get(first),
                 "complete": bool(flag(group, "breakdown_complete").all())}
        if entry["total"] and entry["children"] is not None:
            entry["adults"] = entry["total"] - entry["children"]
            entry["adult_share"] = share(entry["adults"], entry["total"])
        groups.append(entry)
    figures = {"groups": groups}
    if not groups:
        verdict, reason = NOT_IN_DATA, "the package has no shares of origin for the IOM caseload."
    elif all(g["moldova_romania"] > 50 for g in groups):
        verdict = PARTLY
        adults = [g for g in groups if "adult_share" in g]
        reason = (f"in {'each of the ' + str(len(groups)) + ' retellings' if len(groups) > 1 else 'the one retelling'} "
                  f"of IOM's caseload ({', '.join(g['source_id'] for g in groups)}), most assisted victims came from "
                  f"Moldova or Romania ({' and '.join(format(g['moldova_romania'], 'g') + '%' for g in groups)})"
                  + (", and where ages are given most were adults ("
                     + "; ".join(f"{g['source_id']}: {pct(g['adults'], g['total'])}" for g in adults) + ")"
                     if adults and all(g["adult_share"] > 50 for g in adults) else "")
                  + "; whether they were young is not in the data, and the caseload is that of 2000–2002, under UN "
                    "administration.")
    else:
        verdict = CONTRADICTED
        reason = "Moldova and Romania together are not the majority in the caseload."
    findings = []
    for g in groups:
        text = (f"{g['source_id']} (IOM, assisted victims, {g['period']}): Moldova {g['moldova']:g}%, Romania "
                f"{g['romania']:g}%, together {g['moldova_romania']:g}%")
        if g.get("total"):
            text += f", of {g['total']} assisted victims"
        if "adults" in g:
            text += (f"; {g['children']} of them were children, so {g['adults']} ({pct(g['adults'], g['total'])}) were "
                     "adults (computed here: total minus children)")
        findings.append(text + ".")
    limits = ["The data cover the caseload of IOM in Kosovo from February 2000 to 2002, under UN administration (UNMIK): "
              "victims assisted by IOM, not victims identified by the authorities, and not any later period.",
              "The package has only child (under 18) and adult, so 'young adults' cannot be checked.",
              "Both documents retell IOM's figures (secondary sources)."]
    rows = [origin_row(r) for _, r in shares[shares["country_code"].isin(["MD", "RO"])].iterrows()]
    used = assisted[(assisted["dimension"] == "total") | ((assisted["dimension"] == "age") & (assisted["category"] == "child"))]
    rows += [victim_row(r) for _, r in used.iterrows()]
    return Check("f", "A later study found that most victims were young adults from Moldova or Romania.", verdict, reason,
                 figures, findings, limits, sort_rows(rows))


def tier_of(data: Data, edition: int):
    rows = data.tiers[data.tiers["edition"] == edition]
    return None if rows.empty else rows.iloc[0]


def check_tier_2022_2023(data: Data) -> Check:
    """g. Tier 2 in the 2022 and 2023 editions."""
    editions = [2022, 2023]
    found = {e: tier_of(data, e) for e in editions}
    tiers = {e: (str(r["tier"]) if r is not None and bool(flag(r.to_frame().T, "kosovo_ranked").iloc[0])
                 and pd.notna(r["tier"]) else None) for e, r in found.items()}
    figures = {"tiers": tiers, "basis": {e: (str(r["tier_basis"]) if r is not None else None) for e, r in found.items()}}
    if any(t is not None and t != "Tier 2" for t in tiers.values()):
        verdict = CONTRADICTED
    elif all(t == "Tier 2" for t in tiers.values()):
        verdict = SUPPORTED
    elif any(t == "Tier 2" for t in tiers.values()):
        verdict = PARTLY
    else:
        verdict = NOT_IN_DATA
    reason = "; ".join(f"{e}: {t or 'no tier of its own in the data'} ({figures['basis'][e]})" for e, t in tiers.items()) + "."
    findings = [f"tier_status gives Kosovo's own tier as {tiers[e]} in the {e} edition, read in {found[e]['source_id']} "
                f"({found[e]['tier_basis']})." for e in editions if tiers[e]]
    return Check("g", "Kosovo was placed on Tier 2 in the 2022 and 2023 editions of the TIP Report.", verdict, reason,
                 figures, findings, [], sort_rows([tier_row(r) for r in found.values() if r is not None]))


def check_unmik_destination(data: Data) -> Check:
    """h. Under UNMIK, a major destination for women and girls trafficked for sexual exploitation."""
    names = data.names
    profiles = data.profiles
    named = profiles[(profiles["role"] == "origin") & (profiles["country_code"] != KOSOVO)
                     & profiles["edition"].isin(UNMIK_EDITIONS)]
    victims = preferred(data.victims)
    unmik = victims[victims["reference_year"].isin(UNMIK_YEARS)]
    assisted = unmik[(unmik["population"] == "assisted") & (unmik["dimension"] == "total")]
    origins = preferred(data.origins)
    shares = origins[origins["reference_year"].isin(UNMIK_YEARS) & (origins["population"] == "assisted")
                     & (origins["role"] == "origin") & (origins["basis"] == "share")]
    foreign_share = {}
    for (source_id, start, end), group in shares.groupby(["source_id", "period_start", "period_end"], sort=True):
        if flag(group, "breakdown_complete").all():
            kosovo = group.loc[group["country_code"] == KOSOVO, "share_percent"].astype(float).sum()
            foreign_share[f"{source_id} ({day(start)} to {day(end)})"] = round(100 - kosovo, 1)
    sex = unmik[unmik["dimension"].isin(["sex", "sex_age"])]
    exploitation = unmik[unmik["dimension"] == "exploitation"]
    by_edition = {int(e): sorted(g["country_code"].astype(str)) for e, g in named.groupby("edition")}
    figures = {"editions_naming_origins": by_edition,
               "assisted_totals": [{"period": f"{day(r['period_start'])} to {day(r['period_end'])}",
                                    "victims": int(r["victims"]), "source_id": str(r["source_id"])}
                                   for _, r in assisted.sort_values(["period_start", "period_end", "source_id"]).iterrows()],
               "foreign_share": foreign_share, "sex_rows": int(len(sex)), "exploitation_rows": int(len(exploitation))}
    destination = bool(by_edition) or bool(figures["assisted_totals"])
    if not destination:
        verdict = NOT_IN_DATA
    elif len(sex) and len(exploitation):
        verdict = SUPPORTED
    else:
        verdict = PARTLY
    findings = []
    if by_edition:
        findings.append(f"The TIP editions {year_list(by_edition)} name countries whose nationals ended up in Kosovo: "
                        + "; ".join(f"{e}: {country_list(c, names)}" for e, c in by_edition.items()) + ".")
    missing = [e for e in UNMIK_EDITIONS if e not in by_edition]
    if missing:
        findings.append(f"The editions {year_list(missing)} name no such country in the rows.")
    for t in figures["assisted_totals"]:
        findings.append(f"IOM assisted {t['victims']} victims from {t['period']} ({t['source_id']}).")
    for key, value in foreign_share.items():
        findings.append(f"{key}: {value:g}% of the assisted victims were not from Kosovo.")
    limits = []
    if not len(sex):
        limits.append("No row for these years breaks victims down by sex: 'women and girls' is in the sources' words "
                      "(see the notes), not in the figures.")
    if not len(exploitation):
        limits.append("No row for these years gives the form of exploitation, so 'sexual exploitation' cannot be checked.")
    limits.append("'Major' is a judgement the data cannot make: there are no comparable figures for other destinations.")
    reason = (f"the rows show Kosovo as a destination (the TIP editions {year_list(by_edition)} name countries whose "
              "nationals ended up there"
              + (f"; IOM assisted {' and '.join(str(t['victims']) for t in figures['assisted_totals'])} victims in "
                 "overlapping spans from 2000" if figures["assisted_totals"] else "")
              + "), but not the victims' sex or form of exploitation, nor how major a destination it was."
              if verdict == PARTLY else "the rows show Kosovo as a destination, with victims' sex and form of exploitation."
              if verdict == SUPPORTED else "the package has no rows for the years of UN administration.")
    rows = profile_rows(named) + [victim_row(r) for _, r in assisted.iterrows()]
    rows += [origin_row(r) for _, r in shares[shares["country_code"] == KOSOVO].iterrows()]
    return Check("h", "While Kosovo was under UN administration (UNMIK), it was a major destination for women and girls "
                 "trafficked for sexual exploitation.", verdict, reason, figures, findings, limits, sort_rows(rows))


def check_2022_standards(data: Data) -> Check:
    """i. 2022 edition: did not fully meet the minimum standards, made significant efforts."""
    row = tier_of(data, 2022)
    tier = str(row["tier"]) if row is not None and pd.notna(row["tier"]) else None
    meaning = TIER_MEANING.get(tier)
    figures = {"tier": tier, "meaning": meaning, "basis": str(row["tier_basis"]) if row is not None else None}
    if meaning is None:
        verdict = NOT_IN_DATA
        reason = "the package has no tier of Kosovo's own for the 2022 edition."
    elif not meaning["meets_standards"] and meaning["significant_efforts"]:
        verdict = SUPPORTED
        reason = (f"the 2022 edition placed Kosovo on {tier}, which by the report's definition means a government that "
                  "does not fully meet the minimum standards but is making significant efforts to do so.")
    else:
        verdict = CONTRADICTED
        reason = f"the 2022 edition placed Kosovo on {tier}, which means something else."
    findings = [f"tier_status, edition 2022: {tier} ({figures['basis']}), read in {row['source_id']}, {row['locator']}."] \
        if tier else []
    limits = ["The package holds the tier, not the sentence of the report; the check rests on what the tier means by "
              "definition (Tier 2: does not fully meet the minimum standards, makes significant efforts)."]
    return Check("i", "The 2022 TIP Report found that Kosovo did not fully meet the minimum standards for eliminating "
                 "trafficking but was making significant efforts to do so.", verdict, reason, figures, findings, limits,
                 sort_rows([tier_row(row)] if row is not None else []))


CHECKS = [check_roles, check_female_and_kosovar, check_child_share, check_child_origins, check_girls_2017,
          check_moldova_romania, check_tier_2022_2023, check_unmik_destination, check_2022_standards]


def run_checks(data: Data) -> list[Check]:
    return [check(data) for check in CHECKS]


# --- the page -------------------------------------------------------------------------------------------

INTRO = (
    "Each section below takes one statement that a general reader meets in encyclopedia articles about human "
    "trafficking in Kosovo, put in our own words, and checks it against this package. The figures are computed by "
    "scripts/claims.py from data/*.csv every time the page is generated; none is typed by hand. The verdict says only "
    "what the rows show: **supported** (the rows show it), **partly supported** (they show part of it, or only for some "
    "years), **contradicted** (they show something else), **not in the data** (the package lacks the figures needed "
    "to check it, which does not make the claim false). A verdict is about this package, not about the world. Under "
    "each verdict, the rows behind it name the resource, the key fields, the figure, the source_id (see "
    "data/sources.csv) and where in the source the figure stands, so every number can be traced to its document."
)


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(checks: list[Check]) -> str:
    lines = ["# Claims about human trafficking in Kosovo, checked against the data", "", INTRO, "",
             "| | Claim | Verdict |", "|---|---|---|"]
    lines += [f"| {c.letter} | {cell(c.claim)} | {c.verdict} |" for c in checks]
    for c in checks:
        lines += ["", f"## {c.letter}. {c.claim}", "", f"**Verdict: {c.verdict}** — {c.reason}", ""]
        if c.findings:
            lines += ["What the data show:", ""] + [f"- {f}" for f in c.findings] + [""]
        if c.limits:
            lines += ["What the data cannot show:", ""] + [f"- {f}" for f in c.limits] + [""]
        if c.rows:
            lines += ["Rows behind it:", "", "| resource | key fields | figure | source_id | locator |",
                      "|---|---|---|---|---|"]
            lines += [f"| {r.resource} | {cell(r.key)} | {cell(r.figure)} | {r.source_id} | {cell(r.locator)} |"
                      for r in c.rows]
        else:
            lines.append("No row of the package bears on this claim.")
    lines += ["", "---", "",
              "Generated by `python -m scripts.claims --write` from data/*.csv; do not edit by hand.", ""]
    return "\n".join(lines)


def claims_text(root: Path) -> str:
    return render(run_checks(load_data(Path(root))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT), help="folder holding datapackage.json (default: this repository)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"write {OUTPUT}")
    mode.add_argument("--check", action="store_true", help=f"exit 1 if {OUTPUT} is out of date")
    args = parser.parse_args(argv)
    root = Path(args.package)
    try:
        text = claims_text(root)
    except (CannotLoad, CannotRun) as exc:
        print(f"CANNOT RUN: {exc}", file=sys.stderr)
        return 2
    except LoadError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    target = root / OUTPUT
    if args.write:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)
        print(f"wrote {target}")
        return 0
    if args.check:
        if not target.is_file():
            print(f"{OUTPUT} does not exist: run `make generate` (python -m scripts.claims --write) and commit it.", file=sys.stderr)
            return 1
        if target.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is out of date with data/*.csv: run `make generate` (python -m scripts.claims --write) and commit the "
                  "result; never edit it by hand.", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
