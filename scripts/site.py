"""A static website of the package, built from the package alone.

    python -m scripts.site                 # build into site/ (git-ignored)
    python -m scripts.site --out /tmp/web  # anywhere else
    python -m scripts.site --out site path/to/package

The site is read from datapackage.json, data/*.csv, docs/*.md and docs/charts/*.png, and
nothing else: an overview (index.html) with the headline series, the charts, the coverage
gaps and how to cite; one page per resource with the whole table (sortable, filterable,
searchable, with a description of every column and the CSV to download); and the
conflicts and claims pages rendered from docs/conflicts.md and docs/claims.md when present.

It works offline and from file://: no script, font or style from another server, the
table data is in each page as HTML rows, and the CSVs are copied into site/data/. The same
inputs give the same bytes (no timestamps, everything in a fixed order), so a built site
can be archived and compared. Exit 0 built, 2 cannot build (a message says why).
"""
from __future__ import annotations

import argparse
import html
import re
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .package_io import ROOT, CannotRun, field_list, load_descriptor, read_raw, resources, Resource

ASSETS = Path(__file__).resolve().parent / "site_assets"
ASSET_FILES = ("site.css", "site.js")
GENERATOR = "scripts/site.py"
DEFAULT_OUT = "site"
HEADLINE = "headline_series"
SOURCES = "sources"
# Pages of the site other than the resources' own; a resource may not take these names.
MARKDOWN_PAGES = (("conflicts", "Where sources disagree"), ("claims", "Claims checked"))
RESERVED = {"index"} | {name for name, _ in MARKDOWN_PAGES}
NUMERIC_TYPES = {"integer", "number", "year"}
LONG_TEXT = 40  # a text column whose longest cell is longer than this wraps in a wide cell
LONGER_TEXT = 200


class CannotBuild(Exception):
    """The site cannot be built from this package (the message says why)."""


def esc(text) -> str:
    return html.escape(str(text), quote=True)


# ----------------------------------------------------------------------------------------
# Reading the package
# ----------------------------------------------------------------------------------------

@dataclass
class Package:
    root: Path
    descriptor: dict
    resources: dict[str, Resource]
    frames: dict[str, pd.DataFrame]

    @property
    def homepage(self) -> str:
        return str(self.descriptor.get("homepage", ""))

    def page_of(self, name: str) -> str:
        return f"{name}.html"

    def rows_by_key(self, name: str) -> dict[str, dict]:
        """A resource with a one-field primary key, as {key value: row}."""
        if name not in self.frames:
            return {}
        key = self.resources[name].primary_key
        if len(key) != 1:
            return {}
        return {row[key[0]]: row for row in self.frames[name].to_dict("records")}


def read_package(root: Path) -> Package:
    descriptor = load_descriptor(root)
    declared = resources(descriptor)
    frames = {}
    for name, resource in declared.items():
        if name in RESERVED:
            raise CannotBuild(f"datapackage.json: resource '{name}' would overwrite the site's own {name}.html; "
                              "rename the resource")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
            raise CannotBuild(f"datapackage.json: resource name '{name}' cannot name a page (lowercase letters, "
                              "digits, '_', '-', '.')")
        path = Path(root) / resource.path
        if not resource.path or not path.is_file():
            raise CannotBuild(f"{resource.path or name}: data file not found (resource '{name}')")
        try:
            frame = read_raw(path)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise CannotBuild(f"{resource.path}: cannot be read ({exc}); run `make validate`")
        missing = [f for f in resource.field_names if f not in frame.columns]
        if missing:
            raise CannotBuild(f"{resource.path}: missing column(s) {', '.join(missing)}; run `make validate`")
        frames[name] = frame[resource.field_names]
    return Package(Path(root), descriptor, declared, frames)


def first_sentence(text: str) -> str:
    """The first sentence of a description (not fooled by 'U.S.' or 'e.g.')."""
    match = re.search(r"(?<!\b[A-Z])(?<!\be\.g)(?<!\bi\.e)\.\s+(?=[A-Z])", text)
    return text[: match.start() + 1] if match else text


def humanize(code: str) -> str:
    text = str(code).replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def png_size(path: Path) -> tuple[int, int] | None:
    head = path.read_bytes()[:24]
    if len(head) == 24 and head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    return None


# ----------------------------------------------------------------------------------------
# The page frame
# ----------------------------------------------------------------------------------------

def nav_items(pkg: Package, md_pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    items = [("index.html", "Overview")]
    items += [(pkg.page_of(name), humanize(name)) for name in pkg.resources]
    items += [(f"{name}.html", name.capitalize()) for name, _ in md_pages]
    return items


def page(pkg: Package, nav: list[tuple[str, str]], current: str, title: str, body: str) -> str:
    site_title = pkg.descriptor.get("title") or pkg.descriptor.get("name", "Data package")
    version = pkg.descriptor.get("version", "")
    current_attr = ' aria-current="page"'
    links = "\n".join(
        f'<li><a href="{esc(href)}"{current_attr if href == current else ""}>{esc(label)}</a></li>'
        for href, label in nav)
    full_title = title if current == "index.html" else f"{title} · {site_title}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{GENERATOR}">
<title>{esc(full_title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="site.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<a class="name" href="index.html">{esc(site_title)}</a>
<nav aria-label="Pages of this site">
<ul>
{links}
</ul>
</nav>
</header>
<main id="main">
{body}
</main>
<footer class="site">
<p>Version {esc(version)} of the data package, built by <code>{GENERATOR}</code> from the package alone.
Everything on these pages is in the package's own files; nothing is loaded from elsewhere.</p>
</footer>
<script src="site.js"></script>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------
# Resource pages
# ----------------------------------------------------------------------------------------

def anchor_prefix(resource_name: str) -> str:
    return "src" if resource_name == SOURCES else resource_name


def anchor(resource_name: str, value: str) -> str:
    return f"{anchor_prefix(resource_name)}-{re.sub(r'[^A-Za-z0-9_.-]', '_', value)}"


def foreign_key_fields(resource: Resource) -> set[str]:
    return {name for fk in resource.foreign_keys for name in field_list(fk.get("fields", []))}


def single_links(pkg: Package, resource: Resource) -> dict[str, str]:
    """Fields that point at one row of another resource: {field: target resource}."""
    links = {}
    for fk in resource.foreign_keys:
        fields = field_list(fk.get("fields", []))
        target = fk.get("reference", {}).get("resource", "")
        if len(fields) == 1 and target in pkg.resources and target != resource.name \
                and pkg.resources[target].primary_key == field_list(fk["reference"].get("fields", [])):
            links[fields[0]] = target
    return links


def coded_fields(resource: Resource, frame: pd.DataFrame) -> list[str]:
    """The columns a reader filters on: a closed set of codes, a boolean, a foreign key, or a
    year-like number in the primary key that repeats."""
    fks = foreign_key_fields(resource)
    coded = []
    for field in resource.fields:
        name = field["name"]
        if field.get("constraints", {}).get("enum") or field.get("type") == "boolean" or name in fks:
            coded.append(name)
        elif name in resource.primary_key and field.get("type") in ("integer", "year") \
                and frame[name].nunique() < len(frame):
            coded.append(name)
    return coded


def option_order(field: dict, values: list[str]) -> list[str]:
    enum = [str(v) for v in field.get("constraints", {}).get("enum", [])]
    kind = field.get("type")

    def key(v: str):
        if v == "":
            return (2, 0, "")
        if v in enum:
            return (0, enum.index(v), v)
        if kind == "boolean":
            return (0, ["true", "false"].index(v) if v in ("true", "false") else 2, v)
        if kind in NUMERIC_TYPES:
            try:
                return (1, float(v), v)
            except ValueError:
                pass
        return (1, 0, v)
    return sorted(set(values), key=key)


def filter_controls(resource: Resource, frame: pd.DataFrame) -> str:
    parts = ["""<div class="control search">
<label for="q">Search all columns</label>
<input type="search" id="q" name="q" autocomplete="off" spellcheck="false">
</div>"""]
    for name in coded_fields(resource, frame):
        field = resource.field(name)
        col = resource.field_names.index(name)
        counts = frame[name].value_counts()
        options = [f'<option value="">all ({len(frame)})</option>']
        for v in option_order(field, list(frame[name])):
            label = v if v != "" else "(empty)"
            options.append(f'<option value="={esc(v)}">{esc(label)} ({int(counts[v])})</option>')
        ident = f"f-{name}"
        title = field.get("title") or name
        parts.append(f"""<div class="control">
<label for="{ident}">{esc(title)}</label>
<select id="{ident}" name="{esc(name)}" data-col="{col}">
{chr(10).join(options)}
</select>
</div>""")
    parts.append('<div class="control"><button type="reset">Show all rows</button></div>')
    return (f'<form class="controls" role="search" aria-label="Filter the rows of {esc(resource.name)}" hidden>\n'
            + "\n".join(parts) + "\n</form>")


def column_classes(resource: Resource, frame: pd.DataFrame) -> dict[str, str]:
    classes = {}
    for field in resource.fields:
        name, kind = field["name"], field.get("type", "string")
        if kind in NUMERIC_TYPES:
            classes[name] = "num"
        elif field.get("format") == "uri":
            classes[name] = "url"
        elif kind == "string" and not field.get("constraints", {}).get("enum") \
                and frame[name].str.len().max() > LONG_TEXT:
            # very long texts (notes) get a wider cell, so that rows do not grow too tall
            classes[name] = "long longer" if frame[name].str.len().max() > LONGER_TEXT else "long"
        else:
            classes[name] = ""  # short cells: the default style of a data table cell (one line)
    return classes


def render_cell(pkg: Package, resource: Resource, row: dict, name: str, css: str,
                links: dict[str, str], lookups: dict[str, dict], languages: dict[str, str]) -> str:
    value = row[name]
    field = resource.field(name)
    attrs = f' class="{css}"' if css else ""
    if value == "":
        # A count the source publishes only as "fewer than N": never shown as empty or zero.
        if name == "victims" and row.get("published_below", ""):
            below = row["published_below"]
            return (f'<td class="suppressed" data-v="">&lt;{esc(below)} (suppressed)'
                    f'<span class="vh">: the source gives fewer than {esc(below)} victims, not the number</span></td>')
        return f"<td{attrs}></td>"
    if name in links:
        target = links[name]
        other = lookups.get(target, {}).get(value, {})
        tip = other.get("title", "")
        label = f' <span class="aside">{esc(other["name"])}</span>' if other.get("name") else ""
        title_attr = f' title="{esc(tip)}"' if tip else ""
        text = (f'<a href="{esc(pkg.page_of(target))}#{esc(anchor(target, value))}"{title_attr}>{esc(value)}</a>'
                f"{label}")
        return f'<td{attrs} data-v="{esc(value)}">{text}</td>' if label else f"<td{attrs}>{text}</td>"
    if field.get("format") == "uri" and re.match(r"https?://", value):
        return f'<td{attrs}><a href="{esc(value)}" rel="noopener noreferrer">{esc(value)}</a></td>'
    if name == "source_phrase":
        lang = languages.get(row.get("source_id", ""), "")
        lang_attr = f' lang="{esc(lang)}"' if lang else ""
        return f"<td{attrs}><q{lang_attr}>{esc(value)}</q></td>"
    return f"<td{attrs}>{esc(value)}</td>"


def resource_table(pkg: Package, resource: Resource, frame: pd.DataFrame) -> str:
    classes = column_classes(resource, frame)
    links = single_links(pkg, resource)
    lookups = {target: pkg.rows_by_key(target) for target in sorted(set(links.values()))}
    languages = {k: r.get("language", "") for k, r in pkg.rows_by_key(SOURCES).items()}
    key = resource.primary_key
    heads = []
    for field in resource.fields:
        name = field["name"]
        kind = "number" if field.get("type") in NUMERIC_TYPES else "text"
        num = ' class="num"' if kind == "number" else ""
        heads.append(f'<th scope="col" data-type="{kind}"{num}><button type="button">{esc(field.get("title") or name)}'
                     f'<span class="code">{esc(name)}</span></button></th>')
    body = []
    for row in frame.to_dict("records"):
        ident = f' id="{esc(anchor(resource.name, row[key[0]]))}"' if len(key) == 1 and row[key[0]] else ""
        cells = "".join(render_cell(pkg, resource, row, f["name"], classes[f["name"]], links, lookups, languages)
                        for f in resource.fields)
        body.append(f"<tr{ident}>{cells}</tr>")
    caption_id = f"cap-{resource.name}"
    tall = " tall" if len(frame) > 20 else ""
    return (f'<div class="table-wrap{tall}" role="region" aria-labelledby="{caption_id}" tabindex="0">\n'
            f'<table class="data" id="table-{esc(resource.name)}">\n'
            f'<caption id="{caption_id}"><span>{esc(resource.descriptor.get("title") or resource.name)} '
            f'<span class="aside">(sort by a column with its header button)</span></span></caption>\n'
            f'<thead><tr>{"".join(heads)}</tr></thead>\n<tbody>\n' + "\n".join(body) + "\n</tbody>\n</table>\n</div>")


def columns_section(pkg: Package, resource: Resource) -> str:
    fks = {}
    for fk in resource.foreign_keys:
        ref = fk.get("reference", {})
        for mine, theirs in zip(field_list(fk.get("fields", [])), field_list(ref.get("fields", []))):
            fks.setdefault(mine, []).append((ref.get("resource", ""), theirs))
    rows = []
    for field in resource.fields:
        name = field["name"]
        notes = []
        enum = field.get("constraints", {}).get("enum")
        if enum:
            notes.append("One of: " + ", ".join(f"<code>{esc(v)}</code>" for v in enum) + ".")
        if field.get("constraints", {}).get("required"):
            notes.append("Always filled.")
        if name in resource.primary_key:
            notes.append("Part of the primary key." if len(resource.primary_key) > 1 else "The primary key.")
        for target, theirs in fks.get(name, []):
            link = (f'<a href="{esc(pkg.page_of(target))}">{esc(target)}</a>' if target in pkg.resources
                    else esc(target or resource.name))
            notes.append(f"Refers to {link}.<code>{esc(theirs)}</code>.")
        extra = f'<br><span class="aside">{" ".join(notes)}</span>' if notes else ""
        rows.append(f'<tr><th scope="row"><code>{esc(name)}</code></th><td class="short">{esc(field.get("title", ""))}</td>'
                    f'<td class="short">{esc(field.get("type", "string"))}</td>'
                    f'<td class="long">{esc(field.get("description", ""))}{extra}</td></tr>')
    return (f'<section aria-labelledby="columns">\n<h2 id="columns">Columns</h2>\n'
            f'<div class="table-wrap" role="region" aria-labelledby="cap-columns" tabindex="0">\n'
            f'<table class="columns">\n<caption id="cap-columns"><span>The columns of {esc(resource.path)}, '
            f'as datapackage.json declares them</span></caption>\n'
            f'<thead><tr><th scope="col">Column</th><th scope="col">Title</th><th scope="col">Type</th>'
            f'<th scope="col">Description</th></tr></thead>\n<tbody>\n' + "\n".join(rows)
            + "\n</tbody>\n</table>\n</div>\n</section>")


def resource_page(pkg: Package, resource: Resource) -> str:
    frame = pkg.frames[resource.name]
    csv_name = Path(resource.path).name
    facts = [f'<a href="data/{esc(csv_name)}" download>Download {esc(csv_name)}</a> '
             f"({len(frame)} rows, CSV, UTF-8)"]
    if resource.primary_key:
        facts.append("one row per " + ", ".join(f"<code>{esc(k)}</code>" for k in resource.primary_key))
    if resource.generated_by:
        facts.append(f"generated by <code>{esc(resource.generated_by)}</code>, never edited by hand")
    body = f"""<h1>{esc(resource.descriptor.get("title") or resource.name)}</h1>
<p class="meta">Resource <code>{esc(resource.name)}</code> · {" · ".join(facts)}</p>
<p class="lead">{esc(resource.descriptor.get("description", ""))}</p>
<section aria-labelledby="rows" data-table>
<h2 id="rows">Rows</h2>
{filter_controls(resource, frame)}
<p class="count" role="status" aria-live="polite">Showing {len(frame)} of {len(frame)} rows</p>
{resource_table(pkg, resource, frame)}
</section>
{columns_section(pkg, resource)}"""
    return body


# ----------------------------------------------------------------------------------------
# The overview
# ----------------------------------------------------------------------------------------

def year_ranges(years: list[int]) -> list[tuple[int, int]]:
    """Consecutive years as (first, last) spans: [2000, 2001, 2003] -> [(2000, 2001), (2003, 2003)]."""
    spans: list[list[int]] = []
    for year in sorted(years):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return [(a, b) for a, b in spans]


def span_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def figure_years(pkg: Package) -> list[int]:
    """Every reference year any table of figures has a row for."""
    years = set()
    for name, resource in pkg.resources.items():
        if (resource.is_figure_table or name == HEADLINE) and "reference_year" in resource.field_names:
            years |= {int(y) for y in pkg.frames[name]["reference_year"] if str(y).isdigit()}
    return sorted(years)


def headline_section(pkg: Package) -> str:
    if HEADLINE not in pkg.frames:
        return ""
    resource = pkg.resources[HEADLINE]
    frame = pkg.frames[HEADLINE]
    enum = [str(v) for v in resource.field("measure").get("constraints", {}).get("enum", [])]
    present = set(frame["measure"])
    measures = [m for m in enum if m in present] + sorted(present - set(enum))
    by_cell = {(int(r["reference_year"]), r["measure"]): r for r in frame.to_dict("records")}
    headline_years = sorted({y for y, _ in by_cell})
    all_years = figure_years(pkg)
    span = list(range(min(all_years), max(all_years) + 1)) if all_years else []
    gaps = [y for y in span if y not in headline_years]
    # The resource the headline is drawn from, to link each year to its full rows.
    detail = next((fk["reference"]["resource"] for fk in resource.foreign_keys
                   if len(field_list(fk.get("fields", []))) > 1 and fk.get("reference", {}).get("resource") in pkg.resources),
                  None)
    has_secondary = has_derived = False
    rows = []
    year = span[0] if span else 0
    gap_spans = {a: b for a, b in year_ranges(gaps)}
    while span and year <= span[-1]:
        if year in gap_spans:
            last = gap_spans[year]
            label = span_text(year, last)
            rows.append(f'<tr><th scope="row">{label}</th><td class="gap-span" colspan="{len(measures)}">'
                        f"no figure{'s' if last > year else ''} for {'these years' if last > year else 'this year'}</td></tr>")
            year = last + 1
            continue
        head = (f'<a href="{esc(pkg.page_of(detail))}?reference_year={year}" title="All rows of {esc(detail)} '
                f'for {year}">{year}</a>' if detail else str(year))
        cells = []
        for measure in measures:
            r = by_cell.get((year, measure))
            if r is None:
                cells.append('<td class="gap"><span aria-hidden="true">–</span><span class="vh">no figure</span></td>')
                continue
            marks = ""
            if r.get("primary_source") != "true":
                has_secondary = True
                marks += '<span class="mark" aria-hidden="true">†</span><span class="vh"> (secondary source)</span>'
            if r.get("derived") == "true":
                has_derived = True
                marks += '<span class="mark" aria-hidden="true">‡</span><span class="vh"> (derived)</span>'
            tip = f'{r["source_id"]}: {r["locator"]}' if r.get("locator") else r["source_id"]
            cells.append(f'<td><a href="{esc(pkg.page_of(SOURCES))}#{esc(anchor(SOURCES, r["source_id"]))}" '
                         f'title="{esc(tip)}">{esc(r["victims"])}</a>{marks}</td>')
        rows.append(f'<tr><th scope="row">{head}</th>{"".join(cells)}</tr>')
        year += 1
    head_rows, colgroups = headline_header(frame, measures)
    legend = []
    if has_secondary:
        legend.append('<span class="mark">†</span> from a secondary source (a news item or another body '
                      "retelling the figure), not from the body that produced it.")
    if has_derived:
        legend.append('<span class="mark">‡</span> computed by the maintainers from figures in the source.')
    legend.append("– no figure: the sources give none for that year and measure. A gap is not a zero.")
    legend.append("Each number links to the source it was read in; each year links to all the rows behind it.")
    gap_text = ", ".join(span_text(a, b) for a, b in year_ranges(gaps))
    if gaps:
        coverage = (f"<p><strong>Coverage gaps.</strong> The package's figures run from {span[0]} to {span[-1]}, "
                    f"but there is no headline figure (officially identified victims over a whole calendar year) "
                    f"for {gap_text}: {len(gaps)} of {len(span)} years. For those years the sources give no figure, "
                    "or only part-year counts or counts of potential or assisted victims"
                    + (f', which are in <a href="{esc(pkg.page_of(detail))}">{esc(detail)}</a>' if detail else "")
                    + ". A gap is not a zero.</p>")
    elif span:
        coverage = f"<p><strong>Coverage.</strong> Every year from {span[0]} to {span[-1]} has a headline figure.</p>"
    else:
        coverage = "<p><strong>Coverage gaps.</strong> The package has no headline figure yet.</p>"
    return f"""<section aria-labelledby="headline">
<h2 id="headline">Identified victims by year</h2>
<p class="prose">{esc(first_sentence(resource.descriptor.get("description", "")))}
Officially identified victims, whole calendar years, the preferred figure where sources disagree
(<a href="{esc(pkg.page_of(HEADLINE))}">the headline series in full</a>).</p>
<div class="gaps" id="coverage-gaps">
{coverage}
</div>
<p class="hint" aria-hidden="true">The table scrolls sideways: swipe it to see every measure.</p>
<div class="table-wrap" role="region" aria-labelledby="cap-headline" tabindex="0">
<table class="headline">
<caption id="cap-headline"><span>Identified victims by reference year (rows) and measure (columns)</span></caption>
{colgroups}
<thead>
{head_rows}
</thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</div>
<p class="legend">{"<br>".join(legend)}</p>
</section>"""


GROUP_LABELS = {"total": "Total", "age": "By age", "sex": "By sex", "sex_age": "By sex and age",
                "exploitation": "By form of exploitation"}


def headline_header(frame: pd.DataFrame, measures: list[str]) -> tuple[str, str]:
    """Two header rows: the dimension each measure breaks victims down by, then the measures."""
    dimension_of = dict(zip(frame["measure"], frame["dimension"]))
    groups: list[tuple[str, list[str]]] = []
    for measure in measures:
        dimension = dimension_of.get(measure, "")
        if groups and groups[-1][0] == dimension:
            groups[-1][1].append(measure)
        else:
            groups.append((dimension, [measure]))
    top = ['<th scope="col" rowspan="2">Year</th>']
    second = []
    colgroups = ['<colgroup><col></colgroup>']
    for dimension, members in groups:
        colgroups.append(f'<colgroup span="{len(members)}"></colgroup>')
        if len(members) == 1:
            top.append(f'<th scope="col" rowspan="2" title="{esc(members[0])}">{esc(humanize(members[0]))}</th>')
            continue
        top.append(f'<th scope="colgroup" colspan="{len(members)}" class="group">'
                   f'{esc(GROUP_LABELS.get(dimension, humanize(dimension)))}</th>')
        second += [f'<th scope="col" title="{esc(m)}">{esc(humanize(m))}</th>' for m in members]
    rows = f'<tr>{"".join(top)}</tr>' + (f'\n<tr>{"".join(second)}</tr>' if second else "")
    return rows, "\n".join(colgroups)


def chart_texts(root: Path) -> dict[str, tuple[str, str]]:
    """{png file name: (alt text, caption)} from the Markdown in docs/ that embeds each chart."""
    texts: dict[str, tuple[str, str]] = {}
    for md in sorted((root / "docs").glob("*.md")):
        lines = md.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            match = re.match(r"\s*!\[([^\]]*)\]\(([^)\s]*?charts/([^/)\s]+\.png))\)\s*$", line)
            if not match or match.group(3) in texts:
                continue
            caption = ""
            for after in lines[i + 1:]:
                if after.strip():
                    cap = re.fullmatch(r"\s*[*_](.+)[*_]\s*", after)
                    caption = cap.group(1) if cap else ""
                    break
            texts[match.group(3)] = (match.group(1).strip(), caption)
    return texts


def chart_files(root: Path) -> list[Path]:
    folder = root / "docs" / "charts"
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def charts_section(pkg: Package) -> str:
    charts = chart_files(pkg.root)
    if not charts:
        return ""
    texts = chart_texts(pkg.root)
    known = list(texts)
    charts.sort(key=lambda p: (known.index(p.name) if p.name in known else len(known), p.name))
    figures = []
    for png in charts:
        alt, caption = texts.get(png.name, ("", ""))
        alt = alt or f"Chart: {humanize(png.stem)}"
        size = png_size(png)
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        cap = f"<figcaption>{inline_markdown(caption, set())}</figcaption>" if caption else ""
        figures.append(f'<figure><a href="charts/{esc(png.name)}"><img src="charts/{esc(png.name)}" alt="{esc(alt)}"'
                       f'{dims} loading="lazy" decoding="async"></a>{cap}</figure>')
    return f"""<section aria-labelledby="charts">
<h2 id="charts">Charts</h2>
<p class="prose">Drawn from the preferred figures only. A hatched year has no figure and is not zero;
the tables below hold every number the charts show. Open a chart for its full size.</p>
<div class="charts">
{chr(10).join(figures)}
</div>
</section>"""


def resources_section(pkg: Package, md_pages: list[tuple[str, str]]) -> str:
    items = []
    for name, resource in pkg.resources.items():
        csv_name = Path(resource.path).name
        items.append(f'<dt><a href="{esc(pkg.page_of(name))}">{esc(resource.descriptor.get("title") or name)}</a> '
                     f'<span class="aside">(<code>{esc(name)}</code>, {len(pkg.frames[name])} rows, '
                     f'<a href="data/{esc(csv_name)}" download>{esc(csv_name)}</a>)</span></dt>\n'
                     f'<dd>{esc(first_sentence(resource.descriptor.get("description", "")))}</dd>')
    pages = "".join(f'<li><a href="{name}.html">{esc(title)}</a>{MARKDOWN_BLURB[name]}</li>\n'
                    for name, title in md_pages)
    more = f"<h3>Reports</h3>\n<ul>\n{pages}</ul>" if pages else ""
    return f"""<section aria-labelledby="tables">
<h2 id="tables">The tables</h2>
<p class="prose">Each table has its own page: every row, sortable, with a filter for each coded column, a search
box, the meaning of every column, and the CSV to download. <a href="datapackage.json">datapackage.json</a>
describes them all.</p>
<dl class="resources">
{chr(10).join(items)}
</dl>
{more}
</section>"""


MARKDOWN_BLURB = {
    "conflicts": ": every figure that two or more sources give differently, and which one is preferred.",
    "claims": ": statements about the numbers, checked against the data.",
}


def read_citation(root: Path) -> dict:
    path = root / "CITATION.cff"
    if not path.is_file():
        return {}
    try:
        import yaml
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # a broken CITATION.cff must not stop the site; say so and use the descriptor
        print(f"site: CITATION.cff cannot be read ({exc}); citing from datapackage.json", file=sys.stderr)
        return {}
    return data if isinstance(data, dict) else {}


def bibtex_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", str(text))


def citation_section(pkg: Package) -> str:
    cff = read_citation(pkg.root)
    d = pkg.descriptor
    version = str(d.get("version") or cff.get("version") or "")
    title = str(cff.get("title") or d.get("title") or d.get("name", ""))
    authors = [a.get("name") or " ".join(x for x in (a.get("given-names"), a.get("family-names")) if x)
               for a in cff.get("authors", []) if isinstance(a, dict)]
    if not authors:
        authors = [c.get("title", "") for c in d.get("contributors", []) if "creator" in c.get("roles", [])] \
            or [c.get("title", "") for c in d.get("contributors", [])]
    authors = [a for a in authors if a]
    released = str(cff.get("date-released") or d.get("created") or "")
    year = released[:4] if re.match(r"\d{4}", released) else "n.d."
    url = str(cff.get("repository-code") or cff.get("url") or d.get("homepage") or "")
    doi = str(cff.get("doi") or "")
    licence = str(cff.get("license") or ", ".join(l.get("name", "") for l in d.get("licenses", [])))
    where = f"https://doi.org/{doi}" if doi else url
    text = (f"{'; '.join(authors) or 'The maintainers'} ({year}). <cite>{esc(title)}</cite> "
            f"(Version {esc(version)}) [Data set]. ")
    text += f'<a href="{esc(where)}">{esc(where)}</a>' if where else ""
    key = re.sub(r"[^A-Za-z0-9]+", "-", f"{d.get('name', 'package')}-{version}").strip("-")
    fields = [("author", "{" + " and ".join("{" + bibtex_escape(a) + "}" for a in authors) + "}" if authors else ""),
              ("title", "{" + bibtex_escape(title) + "}"), ("year", "{" + year + "}"),
              ("version", "{" + bibtex_escape(version) + "}"),
              ("doi", "{" + doi + "}" if doi else ""), ("url", "{" + url + "}" if url else ""),
              ("note", "{Data set" + (f", licence {bibtex_escape(licence)}" if licence else "") + "}")]
    bib = "@misc{" + key + ",\n" + ",\n".join(f"  {k:<8}= {v}" for k, v in fields if v) + "\n}"
    message = str(cff.get("message") or "").strip()
    licences = ", ".join(f'{esc(l.get("name", ""))} ({esc(l.get("scope", ""))})' if l.get("scope")
                         else esc(l.get("name", "")) for l in d.get("licenses", []))
    return f"""<section aria-labelledby="cite">
<h2 id="cite">How to cite</h2>
<p class="prose">{esc(message) if message else "Please cite the package as below, and the source of each figure you use."}</p>
<p class="prose" id="citation-text">{text}</p>
<p>BibTeX:</p>
<pre><code id="bibtex">{esc(bib)}</code></pre>
<p class="meta">Licences: {licences or "see the package"}.</p>
</section>"""


def index_page(pkg: Package, md_pages: list[tuple[str, str]]) -> str:
    d = pkg.descriptor
    version = d.get("version", "")
    home = f' · <a href="{esc(pkg.homepage)}">repository</a>' if pkg.homepage else ""
    return f"""<h1>{esc(d.get("title") or d.get("name", ""))}</h1>
<p class="meta">Data package <code>{esc(d.get("name", ""))}</code> · version <strong id="version">{esc(version)}</strong>{home}
· <a href="datapackage.json">datapackage.json</a></p>
<p class="lead">{esc(d.get("description", ""))}</p>
{headline_section(pkg)}
{charts_section(pkg)}
{resources_section(pkg, md_pages)}
{citation_section(pkg)}"""


# ----------------------------------------------------------------------------------------
# A small Markdown renderer for docs/conflicts.md and docs/claims.md
# ----------------------------------------------------------------------------------------

def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def rewrite_link(url: str, homepage: str) -> str:
    """Links in docs/*.md are relative to docs/; point them at the site's copy or the repository."""
    if re.match(r"[a-z][a-z0-9+.-]*:|#", url, re.I):
        return url
    target, _, fragment = url.partition("#")
    parts: list[str] = []
    for piece in ("docs/" + target).split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    path = "/".join(parts)
    suffix = f"#{fragment}" if fragment else ""
    if re.fullmatch(r"data/[^/]+\.csv", path) or path == "datapackage.json":
        return path + suffix
    for name, _ in MARKDOWN_PAGES:
        if path == f"docs/{name}.md":
            return f"{name}.html{suffix}"
    if re.fullmatch(r"docs/charts/[^/]+\.png", path):
        return path[len("docs/"):]
    return f"{homepage.rstrip('/')}/blob/HEAD/{path}{suffix}" if homepage else path + suffix


def inline_markdown(text: str, source_ids: set[str], homepage: str = "") -> str:
    """Code spans, links, bold and emphasis; everything else escaped."""
    codes: list[str] = []

    def keep(fragment: str) -> str:
        codes.append(fragment)
        return f"\x00{len(codes) - 1}\x00"

    def code(match):
        content = match.group(1)
        if content in source_ids:
            return keep(f'<a href="sources.html#{esc(anchor(SOURCES, content))}"><code>{esc(content)}</code></a>')
        return keep(f"<code>{esc(content)}</code>")

    text = re.sub(r"`([^`]+)`", code, text)
    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)",
                  lambda m: keep(f'<a href="{esc(rewrite_link(m.group(2), homepage))}">{esc(m.group(1) or m.group(2))}</a>'),
                  text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)",
                  lambda m: keep(f'<a href="{esc(rewrite_link(m.group(2), homepage))}">'
                                 f"{inline_markdown(m.group(1), set())}</a>"), text)
    text = re.sub(r"<(https?://[^>\s]+)>", lambda m: keep(f'<a href="{esc(m.group(1))}">{esc(m.group(1))}</a>'), text)
    text = esc(text)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w])_(?!\s)(.+?)(?<!\s)_(?!\w)",
                  lambda m: f"<em>{m.group(1) or m.group(2)}</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], text)


def table_cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def markdown_to_html(text: str, source_ids: set[str] = frozenset(), homepage: str = "") -> str:
    """Headings, paragraphs, lists, tables, block quotes, code blocks, links and emphasis."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    lines = text.splitlines()
    out: list[str] = []
    used_ids: dict[str, int] = {"main": 1}  # ids the page frame uses
    inline = lambda s: inline_markdown(s, set(source_ids), homepage)  # noqa: E731

    def cell(text: str) -> str:  # a table cell that is exactly a source_id links to its row
        if text in source_ids:
            return f'<a href="sources.html#{esc(anchor(SOURCES, text))}">{esc(text)}</a>'
        return inline(text)
    tables = 0
    num_attr = ' class="num"'
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("```"):
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            out.append(f"<pre><code>{esc(chr(10).join(block))}</code></pre>")
            continue
        heading = re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", stripped)
        if heading:
            level = len(heading.group(1))
            ident = slug(heading.group(2))
            used_ids[ident] = used_ids.get(ident, 0) + 1
            if used_ids[ident] > 1:
                ident = f"{ident}-{used_ids[ident]}"
            out.append(f'<h{level} id="{ident}">{inline(heading.group(2))}</h{level}>')
            i += 1
            continue
        if stripped.startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?",
                                                                              lines[i + 1].strip()):
            header = table_cells(stripped)
            aligns = ["right" if c.strip().endswith(":") and not c.strip().startswith(":") else ""
                      for c in table_cells(lines[i + 1])]
            i += 2
            body = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = table_cells(lines[i])
                cells += [""] * (len(header) - len(cells))
                body.append("<tr>" + "".join(
                    f'<td{num_attr if n < len(aligns) and aligns[n] else ""}>{cell(c)}</td>'
                    for n, c in enumerate(cells[:len(header)])) + "</tr>")
                i += 1
            tables += 1
            previous = next((re.sub(r"<[^>]+>", "", o) for o in reversed(out) if o.startswith("<h")), "")
            caption = html.unescape(previous) or f"Table {tables}"
            out.append(f'<div class="table-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">'
                       f'<table><caption class="vh">{esc(caption)}</caption>'
                       "<thead><tr>" + "".join(f'<th scope="col">{inline(h)}</th>' for h in header) + "</tr></thead>"
                       "<tbody>" + "".join(body) + "</tbody></table></div>")
            continue
        if re.match(r"([-*+]|\d+[.)])\s+", stripped):
            ordered = bool(re.match(r"\d+[.)]\s", stripped))
            items: list[str] = []
            while i < len(lines):
                current = lines[i].strip()
                item = re.match(r"([-*+]|\d+[.)])\s+(.*)", current)
                if item:
                    items.append(item.group(2))
                elif current and items and lines[i][:1] in (" ", "\t"):
                    items[-1] += " " + current
                else:
                    break
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(it)}</li>" for it in items) + f"</{tag}>")
            continue
        if stripped.startswith(">"):
            quote = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quote.append(lines[i].strip()[1:].strip())
                i += 1
            out.append(f"<blockquote>{markdown_to_html(chr(10).join(quote), source_ids, homepage)}</blockquote>")
            continue
        paragraph = []
        while i < len(lines) and lines[i].strip() and not re.match(
                r"(#{1,6}\s|```|\||>|([-*+]|\d+[.)])\s)", lines[i].strip()):
            paragraph.append(lines[i].strip())
            i += 1
        if not paragraph:  # a line that looks like a block start but is not one (e.g. a lone '|')
            paragraph.append(stripped)
            i += 1
        out.append(f"<p>{inline(' '.join(paragraph))}</p>")
    return "\n".join(out)


def markdown_page(pkg: Package, name: str) -> tuple[str, str]:
    text = (pkg.root / "docs" / f"{name}.md").read_text(encoding="utf-8")
    source_ids = set(pkg.rows_by_key(SOURCES))
    body = markdown_to_html(text, source_ids, pkg.homepage)
    heading = re.search(r"^#\s+(.+)$", text, re.M)
    title = heading.group(1).strip() if heading else dict(MARKDOWN_PAGES)[name]
    if not heading:
        body = f"<h1>{esc(title)}</h1>\n{body}"
    return title, f'<div class="prose-wide">\n{body}\n<p class="meta">Rendered from <code>docs/{name}.md</code>.</p>\n</div>'


# ----------------------------------------------------------------------------------------
# Building
# ----------------------------------------------------------------------------------------

def site_files(pkg: Package) -> dict[str, bytes]:
    """Every file of the site: {relative path: bytes}."""
    md_pages = [(name, title) for name, title in MARKDOWN_PAGES if (pkg.root / "docs" / f"{name}.md").is_file()]
    nav = nav_items(pkg, md_pages)
    files: dict[str, bytes] = {}

    def add_page(path: str, title: str, body: str) -> None:
        files[path] = page(pkg, nav, path, title, body).encode("utf-8")

    add_page("index.html", str(pkg.descriptor.get("title") or pkg.descriptor.get("name", "Data package")),
             index_page(pkg, md_pages))
    for name, resource in pkg.resources.items():
        add_page(pkg.page_of(name), str(resource.descriptor.get("title") or name), resource_page(pkg, resource))
    for name, _ in md_pages:
        title, body = markdown_page(pkg, name)
        add_page(f"{name}.html", title, body)
    for asset in ASSET_FILES:
        files[asset] = (ASSETS / asset).read_bytes()
    files["datapackage.json"] = (pkg.root / "datapackage.json").read_bytes()
    for resource in pkg.resources.values():
        files[f"data/{Path(resource.path).name}"] = (pkg.root / resource.path).read_bytes()
    for png in chart_files(pkg.root):
        files[f"charts/{png.name}"] = png.read_bytes()
    return dict(sorted(files.items()))


def is_our_site(folder: Path) -> bool:
    index = folder / "index.html"
    return index.is_file() and f'<meta name="generator" content="{GENERATOR}">' in index.read_text(
        encoding="utf-8", errors="replace")


def build(root: Path, out: Path) -> dict[str, bytes]:
    """Write the site into out (replacing an earlier build there) and return its files."""
    root, out = Path(root), Path(out)
    pkg = read_package(root)
    files = site_files(pkg)
    if out.exists() and not (out.is_dir() and (not any(out.iterdir()) or is_our_site(out))):
        raise CannotBuild(f"{out}: exists and is not a site built by {GENERATOR}; choose another --out or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        staging.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return files


def weight(files: dict[str, bytes]) -> int:
    """Bytes of the site without the CSVs (which are the data, not the site)."""
    return sum(len(data) for rel, data in files.items() if not rel.endswith(".csv"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT), help="folder holding datapackage.json "
                        "(default: this repository)")
    parser.add_argument("--out", default=None, help=f"output folder (default: {DEFAULT_OUT}/ in the package)")
    args = parser.parse_args(argv)
    root = Path(args.package)
    out = Path(args.out) if args.out else root / DEFAULT_OUT
    try:
        files = build(root, out)
    except (CannotRun, CannotBuild) as exc:
        print(f"CANNOT BUILD THE SITE: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"CANNOT BUILD THE SITE: {exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    pages = sum(1 for rel in files if rel.endswith(".html"))
    print(f"site: {pages} pages, {len(files)} files in {out} ({weight(files) / 1024:.0f} KiB without the CSVs); "
          f"open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
