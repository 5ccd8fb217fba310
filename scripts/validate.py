#!/usr/bin/env python3
"""Validate the data package: frictionless's checks plus the package's own rules.

    python scripts/validate.py [--json] [PACKAGE_DIR]

Exit status: 0 valid, 1 the data is invalid, 2 the validator cannot run (a missing or
unreadable descriptor or data file). Every problem names the file, the row (the header
is row 1) and the field. Nothing is ever written: the validator only reads.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from package_io import (  # noqa: E402
    CannotRun,
    describe_header_difference,
    field_list,
    primary_key_order,
    file_stats_against_record,
    Resource,
    csv_row_number,
    load_descriptor,
    read_raw,
    resources,
    to_typed,
)

SHOWN_PER_RULE = 20  # the human report shows this many problems per file and rule
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets run as a formula


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


# --------------------------------------------------------------------------------------
# Step 1: the descriptor and the files themselves
# --------------------------------------------------------------------------------------

def unsafe_path_reason(path: str) -> str | None:
    """Why a resource path would reach outside the package folder, or None if it is safe."""
    if not isinstance(path, str) or not path:
        return "no path given"
    if "://" in path:
        return "a remote URL; the validator reads only the package's own files"
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or (len(path) > 1 and path[1] == ":"):
        return "an absolute path"
    if ".." in pure.parts:
        return "it climbs out of the package folder with '..'"
    if any(part.startswith(".") for part in pure.parts):
        return "it points into a hidden folder"
    return None


def check_file_bytes(path: Path, resource: Resource) -> tuple[list[Problem], bool]:
    """Encoding, BOM, line endings, final newline and header. Returns (problems, readable)."""
    name = resource.path
    data = path.read_bytes()
    if not data:
        return [Problem(name, None, None, "empty-file", "the file is empty: it has no header row")], False
    problems = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(name, 1, None, "bom", "the file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, None, None, "encoding",
                                f"line {line}: byte 0x{data[exc.start]:02x} is not valid UTF-8 (is the file Latin-1 or Windows-1252?); save it as UTF-8"))
        return problems, False
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        problems.append(Problem(name, None, None, "line-endings",
                                f"line {line}: carriage return found; lines must end with LF only, not CRLF"))
    if not text.endswith("\n"):
        problems.append(Problem(name, None, None, "final-newline",
                                "the last line does not end with a newline: the file may be truncated"))
    header = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r").split(",")
    expected = resource.field_names
    if header != expected:
        problems.append(Problem(name, 1, None, "header", describe_header_difference(header, expected)))
        return problems, False
    return problems, True


# --------------------------------------------------------------------------------------
# Step 2: frictionless (types, constraints, enums, primary keys)
# --------------------------------------------------------------------------------------

# Reported by our own rules with clearer messages, or already by step 1.
FRICTIONLESS_REPLACED = {"foreign-key", "blank-header", "missing-label", "extra-label", "incorrect-label",
                         "duplicate-label", "blank-label", "encoding-error", "hash-count", "byte-count"}


def without_foreign_keys(resource: dict) -> dict:
    schema = resource.get("schema")
    if not isinstance(schema, dict) or "foreignKeys" not in schema:
        return resource
    return resource | {"schema": {k: v for k, v in schema.items() if k != "foreignKeys"}}


def frictionless_problems(descriptor: dict, root: Path, skip: set[str]) -> list[Problem]:
    from frictionless import Package  # imported here: slow to import, and only this step needs it

    # Foreign keys are checked by our own rule; frictionless would only report them again, and
    # fail on references to a resource skipped here (an unreadable file), so they are left out.
    checked = [without_foreign_keys(r) for r in descriptor["resources"] if r.get("name") not in skip]
    if not checked:
        return []
    package_descriptor = {k: v for k, v in descriptor.items() if k != "resources"} | {"resources": checked}
    problems = []
    try:
        package = Package(package_descriptor, basepath=str(root))
        report = package.validate()
    except Exception as exc:  # frictionless raises on descriptors it cannot load
        return [Problem("datapackage.json", None, None, "descriptor", f"frictionless cannot load the package: {exc}")]
    paths = {r.get("name"): r.get("path") for r in checked}
    for task in report.tasks:
        file = paths.get(task.name, task.name)
        for error in task.errors:
            if error.type in FRICTIONLESS_REPLACED:
                continue
            problems.append(Problem(file, getattr(error, "row_number", None),
                                    getattr(error, "field_name", None) or None, error.type, error.note or error.message))
    for error in report.errors:
        problems.append(Problem("datapackage.json", None, None, error.type, error.note or error.message))
    return problems


# --------------------------------------------------------------------------------------
# Step 3: the package's own rules, vectorised over typed frames
# --------------------------------------------------------------------------------------

def today() -> dt.date:
    return dt.date.today()


def rule_has_rows(t: Table, ctx) -> list[Problem]:
    if len(t.raw) == 0:
        return [Problem(t.file, None, None, "no-rows", "the file has a header but no data rows")]
    return []


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


def rule_foreign_keys_resolve(t: Table, ctx) -> list[Problem]:
    problems = []
    for fk in t.resource.foreign_keys:
        fields = field_list(fk["fields"])
        ref = fk["reference"]
        ref_fields = field_list(ref["fields"])
        target_name = ref.get("resource") or t.resource.name
        if target_name not in ctx.declared:
            problems.append(Problem("datapackage.json", None, None, "foreign-key",
                                    f"resource {t.resource.name!r}: foreign key {', '.join(fields)} refers to "
                                    f"resource {target_name!r}, which the descriptor does not declare"))
            continue
        target = ctx.tables.get(target_name)
        if target is None:
            continue  # its file could not be read: reported already
        for field, ref_field in zip(fields, ref_fields):
            known = set(target.raw[ref_field])
            col = t.raw[field]
            mask = (col != "") & ~col.isin(known)
            problems += t.problems(mask, field, "foreign-key",
                                   lambda i, c=col, f=ref_field: f"{c[i]!r} is not a {f} in {target.file}")
    return problems


def rule_no_orphan_sources(t: Table, ctx) -> list[Problem]:
    used: set[str] = set()
    for name, other in ctx.declared.items():
        for fk in other.foreign_keys:
            if fk["reference"].get("resource") == t.resource.name:
                if name not in ctx.tables:
                    return []  # a source may be cited only in a file that could not be read
                for field in field_list(fk["fields"]):
                    used |= set(ctx.tables[name].raw[field])
    key = t.resource.primary_key[0]
    mask = ~t.raw[key].isin(used)
    return t.problems(mask, key, "orphan", lambda i: f"{t.raw[key][i]!r} is not used by any row of any other resource")


def rule_urls_well_formed(t: Table, ctx) -> list[Problem]:
    problems = []
    for field in ("url", "consulted_url"):
        col = t.raw[field]
        bad = col.map(lambda u: not is_web_url(u))
        problems += t.problems(bad, field, "url", lambda i, c=col: f"{c[i]!r} is not an http(s) URL with a host")
    return problems


def is_web_url(value: str) -> bool:
    try:
        parts = urlparse(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(ch.isspace() for ch in value)


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


def rule_editions_unbroken(t: Table, ctx) -> list[Problem]:
    years = t.typed["report_year"].dropna().astype(int)
    if years.empty:
        return []
    first = t.resource.field("report_year")["constraints"].get("minimum", years.min())
    missing = sorted(set(range(first, years.max() + 1)) - set(years))
    problems = [Problem(t.file, None, "report_year", "editions-gap",
                        f"no row for edition {y}: every edition from {first} on needs a row (with an empty tier if none is known)")
                for y in missing]
    future = years > today().year
    problems += t.problems(future.reindex(t.typed.index), "report_year", "future-date",
                           lambda i: f"edition {t.raw['report_year'][i]} is in the future")
    return problems


def rule_tier_consistency(t: Table, ctx) -> list[Problem]:
    r, ty = t.raw, t.typed
    separate = ty["ranked_separately"]
    problems = t.problems((r["assessed_entity"] == "Kosovo") != separate.fillna(False), "ranked_separately", "tier-entity",
                          "ranked_separately must be true exactly when the assessed entity is Kosovo")
    problems += t.problems(separate.fillna(False) & (r["tier"] != r["assessed_entity_tier"]), "tier", "tier-entity",
                           "Kosovo was assessed on its own: tier must equal assessed_entity_tier")
    problems += t.problems(~separate.fillna(True) & (r["tier"] != ""), "tier", "tier-not-own",
                           lambda i: f"{r['tier'][i]!r} was given to {r['assessed_entity'][i]}, not to Kosovo: leave tier empty")
    not_found = r["tier_basis"] == "not_found"
    problems += t.problems(not_found & (r["assessed_entity_tier"] != ""), "tier_basis", "tier-basis",
                           "tier_basis is not_found but a tier is given")
    problems += t.problems(~not_found & (r["assessed_entity_tier"] == ""), "assessed_entity_tier", "tier-basis",
                           lambda i: f"tier_basis is {r['tier_basis'][i]} but no tier is given")
    problems += t.problems(~not_found & ((r["source_id"] == "") | (r["locator"] == "")), "source_id", "tier-source",
                           "a known tier needs a source_id and a locator")
    return problems


# --- rules shared by the two tables of figures ------------------------------------------------

def rule_periods(t: Table, ctx) -> list[Problem]:
    ty, r = t.typed, t.raw
    start, end, kind, year = ty["period_start"], ty["period_end"], r["period_kind"], ty["year"]
    undated = kind == "reporting_period"  # a TIP profile: the edition does not date its reporting period
    problems = t.problems(undated & ((r["period_start"] != "") | (r["period_end"] != "")), "period_start", "period",
                          "a reporting_period row names no dates: leave period_start and period_end empty")
    problems += t.problems(~undated & ((r["period_start"] == "") | (r["period_end"] == "")), "period_start", "period",
                           "period_start and period_end are required unless period_kind is reporting_period")
    problems += t.problems(~undated & start.notna() & (year != start.dt.year), "year", "period",
                           "year must be the year of period_start")
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


def rule_derived_explained(t: Table, ctx) -> list[Problem]:
    return t.problems(t.typed["derived"].fillna(False) & (t.raw["notes"] == ""), "notes", "derived-unexplained",
                      "a derived figure must say in notes how it was computed")


PREFERRED_KEYS = {
    # The period is part of the key: a January-September count is never in competition with
    # a full-year count (see the preferred field's description in datapackage.json).
    "victim_demographics": ["year", "period_start", "period_end", "population", "dimension", "category"],
    "origin_countries": ["year", "period_start", "period_end", "population", "role", "country_code", "basis"],
}


def preferred_key_of(resource_name: str) -> list[str]:
    """The key over which exactly one row is preferred (also the key conflicts are found on)."""
    return PREFERRED_KEYS[resource_name]


def preferred_key(t: Table) -> list[str]:
    return preferred_key_of(t.resource.name)


def rule_one_preferred(t: Table, ctx) -> list[Problem]:
    key = preferred_key(t)
    ty = t.typed.assign(_pref=t.typed["preferred"].fillna(False).astype(int),
                        _stated=(~t.typed["derived"].fillna(False)).astype(int))
    groups = ty.groupby(key, dropna=False)
    count = groups["_pref"].transform("sum")
    describe = lambda i: ", ".join(f"{k}={t.raw[k][i]}" for k in key)
    first_in_group = ~ty.duplicated(key)
    problems = t.problems(first_in_group & (count == 0), "preferred", "preferred-none",
                          lambda i: f"no row is preferred for {describe(i)}: exactly one must be")
    problems += t.problems(ty["_pref"].astype(bool) & (count > 1), "preferred", "preferred-many",
                           lambda i: f"{count[i]} rows are preferred for {describe(i)}: exactly one must be")
    has_stated = groups["_stated"].transform("max").astype(bool)
    problems += t.problems(ty["_pref"].astype(bool) & ~ty["_stated"].astype(bool) & has_stated, "preferred",
                           "preferred-derived", lambda i: f"a derived figure is preferred over a stated one for {describe(i)}")
    return problems


# --- victim_demographics -------------------------------------------------------------------

FIGURE_GROUP = ["source_id", "year", "period_start", "period_end", "population"]

# A category that is part of another: girls are both female and children, and so on.
CONTAINED_IN = {
    ("sex_age", "girl"): [("sex", "female"), ("age", "child")],
    ("sex_age", "boy"): [("sex", "male"), ("age", "child")],
    ("sex_age", "woman"): [("sex", "female"), ("age", "adult")],
    ("sex_age", "man"): [("sex", "male"), ("age", "adult")],
}


def rule_category_in_dimension(t: Table, ctx) -> list[Problem]:
    sets = t.resource.field("category")["x-categoriesByDimension"]
    allowed = pd.MultiIndex.from_tuples([(d, c) for d, cats in sets.items() for c in cats])
    pairs = pd.MultiIndex.from_arrays([t.raw["dimension"], t.raw["category"]])
    mask = pd.Series(~pairs.isin(allowed), index=t.raw.index)
    return t.problems(mask & t.raw["dimension"].isin(sets), "category", "category-dimension",
                      lambda i: f"{t.raw['category'][i]!r} is not a category of dimension {t.raw['dimension'][i]!r} "
                      f"(allowed: {', '.join(sets[t.raw['dimension'][i]])})")


def rule_breakdown_flags(t: Table, ctx) -> list[Problem]:
    r = t.raw
    total = r["dimension"] == "total"
    problems = []
    for flag in ("breakdown_complete", "breakdown_exclusive"):
        problems += t.problems(total & (r[flag] != ""), flag, "breakdown-flags", f"a total has no breakdown: leave {flag} empty")
        problems += t.problems(~total & (r[flag] == ""), flag, "breakdown-flags", f"a breakdown row needs {flag} (true or false)")
    problems += t.problems((r["breakdown_exclusive"] == "false") & (r["dimension"] != "exploitation"), "breakdown_exclusive",
                           "breakdown-flags", "only forms of exploitation may overlap; sex and age categories are exclusive")
    group = FIGURE_GROUP + ["dimension"]
    for flag in ("breakdown_complete", "breakdown_exclusive"):
        varies = r[~total].groupby(group)[flag].transform("nunique") > 1
        problems += t.problems(varies.reindex(r.index, fill_value=False), flag, "breakdown-flags",
                               f"rows of one breakdown (same source, year, period, population, dimension) disagree on {flag}")
    return problems


def totals_of(t: Table) -> pd.Series:
    """Each source's stated or derived total, indexed by FIGURE_GROUP.

    A second total for the same group (a duplicate key, or a total with a wrong category)
    is reported by other rules; the first one stands, so that joins stay one-to-one.
    """
    totals = t.typed[t.raw["dimension"] == "total"].drop_duplicates(FIGURE_GROUP)
    return totals.set_index(FIGURE_GROUP)["victims"]


def first_of_groups(frame: pd.DataFrame, group: list[str]) -> pd.Series:
    """True on the first row of each group, so that a group's problem is reported once."""
    return ~frame.duplicated(group)


def rule_breakdowns_add_up(t: Table, ctx) -> list[Problem]:
    ty, r = t.typed, t.raw
    parts = ty[r["dimension"] != "total"]
    totals = totals_of(t)
    problems = []
    # No category exceeds its source's total.
    joined = parts.join(totals.rename("_total"), on=FIGURE_GROUP)
    problems += t.problems((joined["victims"] > joined["_total"]).reindex(r.index, fill_value=False), "victims", "exceeds-total",
                           lambda i: f"{r['category'][i]} = {r['victims'][i]} exceeds the same source's total of {joined['_total'][i]} "
                           f"for {r['year'][i]} ({r['population'][i]})")
    # A complete, exclusive breakdown adds up to the total, which must exist.
    group = FIGURE_GROUP + ["dimension"]
    complete = joined[joined["breakdown_complete"].fillna(False) & joined["breakdown_exclusive"].fillna(False)]
    sums = complete.groupby(group, dropna=False, sort=False)["victims"].transform("sum")
    first = first_of_groups(complete, group)
    label = lambda i: f"{r['dimension'][i]} breakdown of {r['source_id'][i]} for {r['year'][i]} ({r['population'][i]})"
    problems += t.problems((first & complete["_total"].isna()).reindex(r.index, fill_value=False), "dimension",
                           "breakdown-no-total",
                           lambda i: f"the complete {label(i)} has no total row from the same source to add up to")
    problems += t.problems((first & (sums != complete["_total"])).reindex(r.index, fill_value=False), "victims",
                           "breakdown-sum",
                           lambda i: f"the complete {label(i)} adds up to {sums[i]}, not to the total of {complete['_total'][i]}")
    # Nested categories: girls never exceed females or children of the same source.
    # One column per category, one row per figure group, joined onto the sex_age rows.
    containers = {pair for outers in CONTAINED_IN.values() for pair in outers}
    is_container = pd.MultiIndex.from_arrays([parts["dimension"], parts["category"]]).isin(list(containers))
    wide = (parts[is_container].drop_duplicates(FIGURE_GROUP + ["category"])
            .set_index(FIGURE_GROUP + ["category"])["victims"].unstack("category"))
    inner = parts[parts["dimension"] == "sex_age"].join(wide.add_prefix("_outer_"), on=FIGURE_GROUP)
    for (dim, cat), outers in CONTAINED_IN.items():
        for outer_dim, outer_cat in outers:
            outer = inner.get(f"_outer_{outer_cat}")
            if outer is None:
                continue  # no source gives this container at all
            problems += t.problems((inner["category"] == cat) & (inner["victims"] > outer), "victims", "exceeds-total",
                                   lambda i, oc=outer_cat, o=outer: f"{r['category'][i]} = {r['victims'][i]} exceeds {oc} = {int(o[i])} of the same source")
    return problems


# --- origin_countries ----------------------------------------------------------------------

def rule_basis_values(t: Table, ctx) -> list[Problem]:
    r = t.raw
    problems = []
    for basis, field in (("count", "victims"), ("share", "share_percent")):
        problems += t.problems((r["basis"] == basis) & (r[field] == ""), field, "basis-value",
                               f"basis is {basis}: {field} must be given")
        problems += t.problems((r["basis"] != basis) & (r[field] != ""), field, "basis-value",
                               lambda i, f=field: f"basis is {r['basis'][i]}: {f} must be empty")
    named = r["basis"] == "named"
    problems += t.problems(named & (r["breakdown_complete"] != ""), "breakdown_complete", "breakdown-flags",
                           "a named country is no breakdown: leave breakdown_complete empty")
    problems += t.problems(~named & (r["breakdown_complete"] == ""), "breakdown_complete", "breakdown-flags",
                           "a count or share needs breakdown_complete (true or false)")
    problems += t.problems((r["population"] == "unspecified") & ~named, "population", "population-basis",
                           "a count or share must say whom it counts (identified, potential or assisted)")
    return problems


def rule_shares_within_100(t: Table, ctx) -> list[Problem]:
    shares = t.typed[t.raw["basis"] == "share"]
    group = FIGURE_GROUP + ["role"]
    totals = shares.groupby(group)["share_percent"].transform("sum")
    first = ~shares.duplicated(group)
    return t.problems((first & (totals > 100)).reindex(t.raw.index, fill_value=False), "share_percent", "shares-over-100",
                      lambda i: f"shares of {t.raw['source_id'][i]} for {t.raw['year'][i]} ({t.raw['role'][i]}) add up to {totals[i]:g} %, more than 100")


def rule_counts_match_totals(t: Table, ctx) -> list[Problem]:
    demo = ctx.tables.get("victim_demographics")
    if demo is None:
        return []
    totals = totals_of(demo)
    counts = t.typed[t.raw["basis"] == "count"]
    joined = counts.join(totals.rename("_total"), on=FIGURE_GROUP)
    r = t.raw
    problems = t.problems((joined["victims"] > joined["_total"]).reindex(r.index, fill_value=False), "victims", "exceeds-total",
                          lambda i: f"{r['country_code'][i]} = {r['victims'][i]} exceeds the total of {joined['_total'][i]} "
                          f"that {r['source_id'][i]} gives for {r['year'][i]} in {demo.file}")
    complete = joined[joined["breakdown_complete"].fillna(False)]
    group = FIGURE_GROUP + ["role"]
    sums = complete.groupby(group, dropna=False, sort=False)["victims"].transform("sum")
    first = first_of_groups(complete, group)
    label = lambda i: f"the complete breakdown by country of {r['source_id'][i]} for {r['year'][i]}"
    problems += t.problems((first & complete["_total"].isna()).reindex(r.index, fill_value=False), "victims",
                           "breakdown-no-total", lambda i: f"{label(i)} has no total in {demo.file} to add up to")
    problems += t.problems((first & (sums != complete["_total"])).reindex(r.index, fill_value=False), "victims",
                           "breakdown-sum",
                           lambda i: f"{label(i)} adds up to {sums[i]}, not to the total of {complete['_total'][i]} in {demo.file}")
    return problems


def rule_countries_used(t: Table, ctx) -> list[Problem]:
    used = ctx.tables.get("origin_countries")
    if used is None:  # not declared, or its file could not be read
        return []
    mask = ~t.raw["country_code"].isin(set(used.raw["country_code"]))
    return t.problems(mask, "country_code", "orphan", lambda i: f"{t.raw['country_code'][i]!r} is not used in {used.file}")


GENERAL_RULES = [rule_has_rows, rule_sorted_by_primary_key, rule_no_formula_cells, rule_foreign_keys_resolve]
FIGURE_RULES = [rule_periods, rule_derived_explained, rule_one_preferred]
RESOURCE_RULES = {
    "sources": [rule_no_orphan_sources, rule_urls_well_formed, rule_accessed_dates],
    "tier_status": [rule_editions_unbroken, rule_tier_consistency],
    "victim_demographics": FIGURE_RULES + [rule_category_in_dimension, rule_breakdown_flags, rule_breakdowns_add_up],
    "countries": [rule_countries_used],
    "origin_countries": FIGURE_RULES + [rule_basis_values, rule_shares_within_100, rule_counts_match_totals],
}


@dataclass
class Context:
    tables: dict[str, Table]
    declared: dict[str, Resource]  # every resource, including those whose file could not be read


def stale_hash_problems(resource: Resource, path: Path) -> list[Problem]:
    """The descriptor's bytes/hash must describe the file beside it (frictionless's own
    message for this names neither cause nor cure)."""
    actual, differs = file_stats_against_record(resource.descriptor, path)
    if not differs:
        return []
    return [Problem(resource.path, None, None, "stale-hash",
                    f"the file changed after its bytes/hash were recorded in datapackage.json "
                    f"(recorded {resource.descriptor.get('hash', '?')[:19]}..., now {actual['hash'][:19]}...): "
                    "run `python scripts/hashes.py` (make hashes) to record the new ones")]


def validate_package(root: Path) -> list[Problem]:
    """All problems of the package at root. Raises CannotRun when it cannot be read."""
    descriptor = load_descriptor(root)
    declared = resources(descriptor)
    problems: list[Problem] = []
    unreadable: set[str] = set()
    tables: dict[str, Table] = {}
    for name, resource in declared.items():
        reason = unsafe_path_reason(resource.path)
        if reason:
            problems.append(Problem("datapackage.json", None, None, "unsafe-path",
                                    f"resource {name!r}: path {resource.path!r} is not allowed: {reason}"))
            unreadable.add(name)
            continue
        path = root / resource.path
        if not path.resolve().is_relative_to(root.resolve()):
            problems.append(Problem("datapackage.json", None, None, "unsafe-path",
                                    f"resource {name!r}: path {resource.path!r} is not allowed: "
                                    "it leads outside the package folder through a link"))
            unreadable.add(name)
            continue
        if not path.is_file():
            raise CannotRun(f"{resource.path}: data file of resource {name!r} not found")
        try:
            file_problems, readable = check_file_bytes(path, resource)
        except OSError as exc:
            raise CannotRun(f"{resource.path}: cannot be read ({exc})")
        problems += file_problems
        problems += stale_hash_problems(resource, path)
        if not readable:
            unreadable.add(name)
            continue
        try:
            raw = read_raw(path)
        except (pd.errors.ParserError, ValueError) as exc:
            # A row with too many cells or an unclosed quote: frictionless names the row.
            problems.append(Problem(resource.path, None, None, "csv-structure",
                                    f"the file cannot be read as a table, so the package's own rules were not run on it: "
                                    f"{str(exc).strip()}"))
            continue  # frictionless still checks it, and names the row
        tables[name] = Table(resource, raw, to_typed(raw, resource))
    problems += frictionless_problems(descriptor, root, skip=unreadable)
    ctx = Context(tables, declared)
    for name, table in tables.items():
        for rule in GENERAL_RULES + RESOURCE_RULES.get(name, []):
            try:
                problems += rule(table, ctx)
            except KeyError as exc:  # the descriptor lacks a field or setting this rule is about
                problems.append(Problem("datapackage.json", None, None, "schema",
                                        f"resource {name!r}: rule {rule.__name__} cannot run: the schema lacks "
                                        f"a field or setting it needs ({exc})"))
    return problems


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------

def human_report(problems: list[Problem], root: Path, seconds: float) -> str:
    if not problems:
        return f"VALID: {root.resolve()} ({seconds:.1f} s)"
    lines = [f"INVALID: {len(problems)} problem(s) in {root.resolve()}"]
    shown: dict[tuple[str, str], int] = {}
    for p in problems:
        n = shown.get((p.file, p.rule), 0)
        shown[(p.file, p.rule)] = n + 1
        if n < SHOWN_PER_RULE:
            lines.append("  " + p.line())
    for (file, rule), n in shown.items():
        if n > SHOWN_PER_RULE:
            lines.append(f"  {file}: [{rule}] ... and {n - SHOWN_PER_RULE} more (see --json for all)")
    lines.append(f"({seconds:.1f} s)")
    return "\n".join(lines)


def cannot_run(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"valid": False, "cannot_run": message, "errors": []}, indent=2))
    else:
        print(f"CANNOT RUN: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the Kosovo human trafficking data package.")
    parser.add_argument("package", nargs="?", default=".", help="folder holding datapackage.json (default: current folder)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    args = parser.parse_args(argv)
    root = Path(args.package)
    started = time.perf_counter()
    try:
        problems = validate_package(root)
    except CannotRun as exc:
        return cannot_run(str(exc), args.json)
    except Exception as exc:  # a bug of the validator, not of the data: say so, without a traceback
        return cannot_run(f"internal error: {type(exc).__name__}: {exc} (please report it with the package that caused it)",
                          args.json)
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({"valid": not problems, "package": str(root.resolve()), "seconds": round(seconds, 3),
                          "error_count": len(problems), "errors": [asdict(p) for p in problems]}, indent=2))
    else:
        print(human_report(problems, root, seconds))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
