"""Rules every resource follows: a safe path, a clean file (UTF-8, LF, well-formed CSV, the
schema's header), the recorded bytes/hash, rows in primary-key order, no spreadsheet formulas."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path, PurePosixPath

from . import FileContent, Problem, Table, rule
from ..package_io import (Resource, csv_row_number, describe_header_difference, field_list,
                          file_stats_against_record, primary_key_order)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets run as a formula


# --------------------------------------------------------------------------------------
# Stage "descriptor": the resource as datapackage.json declares it
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


@rule('unsafe-path',
      resources='*', stage='descriptor', blocking=True,
      description="A resource's path is a relative path inside the package folder (no URL, no absolute path, no '..', "
                  "no hidden folder, no link leading out).")
def rule_safe_path(root: Path, resource: Resource, declared: dict[str, Resource]) -> list[Problem]:
    reason = unsafe_path_reason(resource.path)
    if reason is None and not (root / resource.path).resolve().is_relative_to(root.resolve()):
        reason = "it leads outside the package folder through a link"
    if reason is None:
        return []
    return [Problem("datapackage.json", None, None, "unsafe-path",
                    f"resource {resource.name!r}: path {resource.path!r} is not allowed: {reason}")]


@rule('foreign-key-target',
      resources='*', stage='descriptor',
      description="A foreign key refers to a resource that datapackage.json declares, and to fields it has.")
def rule_foreign_key_targets(root: Path, resource: Resource, declared: dict[str, Resource]) -> list[Problem]:
    problems = []
    for fk in resource.foreign_keys:
        target = fk.get("reference", {}).get("resource") or resource.name
        fields = field_list(fk.get("reference", {}).get("fields", []))
        if target not in declared:
            problems.append(Problem("datapackage.json", None, None, "foreign-key-target",
                                    f"resource {resource.name!r}: a foreign key refers to the resource {target!r}, "
                                    "which datapackage.json does not declare"))
        elif missing := [f for f in fields if f not in declared[target].field_names]:
            problems.append(Problem("datapackage.json", None, None, "foreign-key-target",
                                    f"resource {resource.name!r}: a foreign key refers to field(s) {', '.join(missing)} "
                                    f"of {target!r}, which has no such field"))
    return problems


# --------------------------------------------------------------------------------------
# Stage "file": the bytes, before they are parsed
# --------------------------------------------------------------------------------------

@rule('empty-file',
      resources='*', stage='file', blocking=True,
      description="A data file is not empty: it has at least a header row.")
def rule_not_empty(f: FileContent, resource: Resource) -> list[Problem]:
    if f.data:
        return []
    return [Problem(resource.path, None, None, "empty-file", "the file is empty: it has no header row")]


@rule('encoding',
      resources='*', stage='file', blocking=True,
      description="A data file is UTF-8.")
def rule_utf8(f: FileContent, resource: Resource) -> list[Problem]:
    if f.text is not None:
        return []
    try:
        f.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = f.data[: exc.start].count(b"\n") + 1
        return [Problem(resource.path, None, None, "encoding",
                        f"line {line}: byte 0x{f.data[exc.start]:02x} is not valid UTF-8 (was the file saved as Latin-1 "
                        "or Windows-1252?); save it as UTF-8")]
    return []


@rule('bom',
      resources='*', stage='file',
      description="A data file has no UTF-8 byte order mark (spreadsheets add one).")
def rule_no_bom(f: FileContent, resource: Resource) -> list[Problem]:
    if not f.data.startswith(b"\xef\xbb\xbf"):
        return []
    return [Problem(resource.path, 1, None, "bom",
                    "the file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM")]


@rule('line-endings', 'final-newline',
      resources='*', stage='file',
      description="Lines end with LF only (not CRLF), and the last line ends with one.")
def rule_line_endings(f: FileContent, resource: Resource) -> list[Problem]:
    problems = []
    crlf = f.text.find("\r\n")
    if crlf >= 0:
        problems.append(Problem(resource.path, None, None, "line-endings",
                                f"line {f.text.count(chr(10), 0, crlf) + 1}: the line ends with CRLF (Windows); "
                                "lines must end with LF only"))
    if not f.text.endswith("\n"):
        problems.append(Problem(resource.path, None, None, "final-newline",
                                "the last line does not end with a newline: the file may be cut short"))
    return problems


@rule('header',
      resources='*', stage='file', blocking=True,
      description="The header row names the schema's fields, in the schema's order.")
def rule_header(f: FileContent, resource: Resource) -> list[Problem]:
    first = f.text.split("\n", 1)[0].removesuffix("\r")
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:  # a CR or NUL inside the line: compare it as it is written
        header = first.split(",")
    if header == resource.field_names:
        return []
    return [Problem(resource.path, 1, None, "header", describe_header_difference(header, resource.field_names))]


# One CSV cell: quoted (quotes inside written twice), or unquoted without quote, comma, CR, LF.
# A record is cells separated by commas, ending with a line end or the end of the file.
# NUL is allowed nowhere (it is not text), nor a CR that does not end a line (parsers split rows there).
_CELL = r'(?:"(?:[^"\x00\r]|""|\r\n)*"|[^",\r\n\x00]*)'
_RECORD = re.compile(rf"{_CELL}(?:,{_CELL})*(?:\r?\n|\Z)")


def first_malformed_record(text: str) -> tuple[int, int] | None:
    """(number of well-formed records before it, offset) of the first record that is not well-formed CSV."""
    pos, records, end = 0, 0, len(text)
    while pos < end:
        match = _RECORD.match(text, pos)
        if match is None or match.end() == pos:
            return records, pos
        pos, records = match.end(), records + 1
    return None


def why_malformed(text: str, start: int) -> str:
    """What breaks the record that starts at offset start, and on which line."""
    line = lambda at: text.count("\n", 0, at) + 1
    state, opened, i, end = "start", start, start, len(text)
    while i < end:
        c = text[i]
        if c == "\x00":
            return f"line {line(i)} holds a NUL byte (\\x00), which is not text: the file is damaged; remove it"
        if c == "\r" and not text.startswith("\n", i + 1):
            return f"line {line(i)} holds a carriage return (CR) that does not end the line; remove it"
        if state == "quoted":
            if c == '"':
                if text.startswith('"', i + 1):
                    i += 1
                else:
                    state = "closed"
        elif c in "\r\n":
            if c == "\n":
                state = "start"
        elif c == ",":
            state = "start"
        elif state == "start" and c == '"':
            state, opened = "quoted", i
        elif state == "closed":
            # Either a quote inside the cell was not doubled, or the cell lost its closing quote and ran
            # on to the next quote in the file: say both, with the line where the cell opened.
            return (f"line {line(i)}: after the closing quote of a cell comes {c!r} instead of a comma or the end of "
                    'the line: a quote inside a quoted cell must be written twice (""), or the quoted cell that '
                    f"opens on line {line(opened)} lacks its closing quote and runs on to the next one")
        elif c == '"':
            return (f'line {line(i)}: a quote (") inside a cell that is not in quotes: put the cell in quotes and '
                    'write the quote twice, e.g. "the ""quoted"" word"')
        else:
            state = "unquoted"
        i += 1
    if state == "quoted":
        return (f'the quoted cell that opens on line {line(opened)} never closes: its opening quote (") has no '
                "closing one, so the rest of the file runs into it; add the closing quote")
    return f"line {line(start)} is not well-formed CSV"


@rule('csv-structure',
      resources='*', stage='file', blocking=True,
      description="The file is well-formed CSV: quotes open and close, no NUL byte or stray carriage return, "
                  "no blank row, every row has as many cells as the header, no cell is longer than 10,000 characters.")
def rule_csv_structure(f: FileContent, resource: Resource) -> list[Problem]:
    text = f.text
    bad = first_malformed_record(text)
    if bad is not None:
        records, start = bad
        return [Problem(resource.path, records + 1, None, "csv-structure",
                        f"the row is not well-formed CSV: {why_malformed(text, start)}")]
    width, problems = len(resource.field_names), []
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if not any(record):  # an empty line, or only commas
                problems.append(Problem(resource.path, number, None, "csv-structure",
                                        "the row is blank: delete the empty line"))
            elif len(record) != width:
                fix = ("a cell may hold a comma without being in quotes" if len(record) > width
                       else "cells are missing: the row may be cut short")
                problems.append(Problem(resource.path, number, None, "csv-structure",
                                        f"the row has {len(record)} cells, the header has {width}: {fix}"))
            longest = max(map(len, record), default=0)
            if longest > MAX_CELL_CHARS:
                problems.append(Problem(resource.path, number, None, "csv-structure", too_long(longest)))
    except csv.Error:  # a cell beyond the csv module's own limit
        problems.append(Problem(resource.path, number + 1, None, "csv-structure", too_long(csv.field_size_limit())))
    return problems


MAX_CELL_CHARS = 10_000  # the longest note of the package has a few hundred


def too_long(chars: int) -> str:
    return (f"a cell of {chars:,} characters or more, longer than any cell may be ({MAX_CELL_CHARS:,}): "
            "is a closing quote misplaced, or was text pasted in by mistake?")


@rule('stale-hash',
      resources='*', stage='file',
      description="The bytes and hash that datapackage.json records for a file are those of the file (run `make hashes` after editing data).")
def rule_recorded_hash(f: FileContent, resource: Resource) -> list[Problem]:
    actual, differs = file_stats_against_record(resource.descriptor, f.path)
    if not differs:
        return []
    recorded = str(resource.descriptor.get("hash", "?"))
    return [Problem(resource.path, None, None, "stale-hash",
                    f"the file changed after its bytes/hash were recorded in datapackage.json "
                    f"(recorded {recorded[:19]}..., now {actual['hash'][:19]}...): "
                    "run `make hashes` to record the new ones")]


# --------------------------------------------------------------------------------------
# Stage "table": the rows
# --------------------------------------------------------------------------------------

@rule('no-rows',
      resources='*',
      description='A data file has at least one row below its header.')
def rule_has_rows(t: Table, ctx) -> list[Problem]:
    if len(t.raw) == 0:
        return [Problem(t.file, None, None, "no-rows", "the file has a header but no data rows")]
    return []


@rule('sort-order',
      resources='*',
      description='Rows are sorted by the primary key, so that a diff between versions shows only real changes.')
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
                    "run `make sort` to sort them")]


@rule('formula-injection',
      resources='*',
      description='No text cell starts with a character a spreadsheet would run as a formula (= + - @ tab CR).')
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


# The one form each type is written in: what every reader (pandas, R, a database, a spreadsheet) reads
# the same way. frictionless accepts more (+5, " 5", 1_000, 2021-1-5, digits of other scripts).
CANONICAL = {
    "integer": (re.compile(r"-?[0-9]+"), "digits only, with a minus sign for a negative number"),
    "year": (re.compile(r"[0-9]{4}"), "four digits"),
    "number": (re.compile(r"-?[0-9]+(\.[0-9]+)?"), "digits with a decimal point, with a minus sign for a negative number"),
    "date": (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "YYYY-MM-DD"),
}
INT64_MAX = 2**63 - 1


def too_large(text: str) -> bool:
    """Whether plain digits (with a minus) exceed 64 bits; without int() on thousands of digits, which Python refuses."""
    digits = text.lstrip("-").lstrip("0")
    return digits.isdigit() and (len(digits) > 19 or (len(digits) == 19 and int(digits) > INT64_MAX))


@rule('value-form',
      resources='*',
      description="Numbers and dates are written in the one form every program reads alike: plain ASCII digits "
                  "(no plus sign, space or separator), dates as YYYY-MM-DD; whole numbers fit in 64 bits.")
def rule_canonical_values(t: Table, ctx) -> list[Problem]:
    problems = []
    for field in t.resource.fields:
        form = CANONICAL.get(field.get("type", "string"))
        if form is None:
            continue
        name, (pattern, how) = field["name"], form
        col = t.raw[name].fillna("")
        example = f", e.g. {field['example']}" if field.get("example") not in (None, "") else ""
        odd = (col != "") & ~col.map(lambda v: pattern.fullmatch(v) is not None).astype(bool)
        problems += t.problems(odd, name, "value-form", lambda i, c=col, h=how, e=example:
                               f"{c[i][:60]!r} is not written in the plain form: write {h}{e}")
        if field.get("type") == "integer":
            huge = ~odd & (col != "") & col.map(too_large).astype(bool)
            problems += t.problems(huge, name, "value-form", lambda i, c=col:
                                   f"{c[i][:30]}... is too large: no program reads a whole number beyond {INT64_MAX:,}")
    return problems
