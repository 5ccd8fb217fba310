"""Property: whatever happens to the bytes of one data file, the validator says so, cleanly.

One copy of the real package is made per session; each example changes one data file's bytes in
a way that always breaks something (a stray quote or comma, a NUL, a CR, a byte that is not UTF-8,
a re-encoding, a cut, a cell of 100,000 characters, a deleted separator or quote, a duplicated or
swapped row ...), runs the validator in-process and requires: no exception, no internal error,
exit 1, and a problem that names the changed file. The file is restored after each example.

The recorded bytes/hash are dropped from the copy's descriptor, so that a stale hash, which any
change would cause, cannot be what makes the run fail.

A few examples run in `make test`; CI (CI=true) runs the "ci" profile of conftest.py (3000).
"""
from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, note, strategies as st

from conftest import copy_real_package
from scripts.package_io import load_descriptor, resources
from scripts.validate import run

FILES = sorted(r.path for r in resources(load_descriptor()).values())
CELL = re.compile(rb'"(?:[^"]|"")*"|[^",\n]*')
BAD_BYTES = [b"\x00", b"\r", b"\xff", b"\xfe", b"\xc0", b"\x80"]  # NUL, a lone CR, bytes UTF-8 never has

pytestmark = pytest.mark.usefixtures("offline")


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    pkg = copy_real_package(tmp_path_factory.mktemp("robustness") / "package")
    descriptor = pkg.descriptor
    for resource in descriptor["resources"]:
        resource.pop("bytes", None)
        resource.pop("hash", None)
    pkg.write_descriptor(descriptor)
    return pkg


def layout(data: bytes) -> list[tuple[int, int, list[tuple[int, int, bool]]]]:
    """The records of a well-formed LF file: (start, end after its newline, cells as (start, end, quoted))."""
    records, pos = [], 0
    while pos < len(data):
        start, cells = pos, []
        while True:
            match = CELL.match(data, pos)
            cells.append((match.start(), match.end(), data.startswith(b'"', match.start())))
            pos = match.end()
            if data.startswith(b",", pos):
                pos += 1
                continue
            pos += data.startswith(b"\n", pos)
            break
        records.append((start, pos, cells))
    return records


MUTATIONS = ["stray quote", "comma in a cell", "bad byte", "delete a separator", "delete the final newline",
             "delete an opening quote", "replace a separator", "semicolons", "crlf", "re-encode", "truncate",
             "huge cell", "duplicate a row", "swap two rows"]


def mutate(data: bytes, kind: str, draw) -> bytes:
    """data changed by one mutation of the given kind, each of which always breaks the file."""
    records = layout(data)
    rows = records[1:]
    cells = [c for _, _, cs in rows for c in cs]
    pick = lambda items, label: items[draw(st.integers(0, len(items) - 1), label=label)]
    if kind == "stray quote":  # into a cell that is not quoted, after its first byte
        start, end, _ = pick([c for c in cells if not c[2] and c[1] > c[0]], "cell")
        at = draw(st.integers(start + 1, end), label="at")
        return data[:at] + b'"' + data[at:]
    if kind == "comma in a cell":  # one cell more
        start, end, _ = pick([c for c in cells if not c[2]], "cell")
        at = draw(st.integers(start, end), label="at")
        return data[:at] + b"," + data[at:]
    if kind == "bad byte":
        at = draw(st.integers(0, len(data)), label="at")
        return data[:at] + draw(st.sampled_from(BAD_BYTES), label="byte") + data[at:]
    if kind == "delete a separator":  # one cell less
        _, _, row = pick([r for r in rows if len(r[2]) > 1], "row")
        at = row[draw(st.integers(0, len(row) - 2), label="cell")][1]
        return data[:at] + data[at + 1:]
    if kind == "delete the final newline":
        return data[:-1]
    if kind == "delete an opening quote":
        quoted = [c for c in cells if c[2]]
        assume(quoted)
        start = pick(quoted, "cell")[0]
        return data[:start] + data[start + 1:]
    if kind == "replace a separator":
        _, _, row = pick([r for r in rows if len(r[2]) > 1], "row")
        at = row[draw(st.integers(0, len(row) - 2), label="cell")][1]
        return data[:at] + draw(st.sampled_from([b";", b"\t", b"|", b" "]), label="by") + data[at + 1:]
    if kind == "semicolons":  # every separator, header included: a spreadsheet's export in another locale
        out, last = [], 0
        for _, _, cs in records:
            for _, end, _ in cs[:-1]:
                out += [data[last:end], b";"]
                last = end + 1
        return b"".join(out) + data[last:]
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "re-encode":
        text = data.decode("utf-8")
        encoded = text.encode(draw(st.sampled_from(["latin-1", "cp1252"]), label="encoding"), errors="replace")
        try:
            encoded.decode("utf-8")
            assume(False)  # nothing that UTF-8 would misread: the file is pure ASCII (or lost only to '?')
        except UnicodeDecodeError:
            return encoded
    if kind == "truncate":  # cut in the middle of a line
        at = draw(st.integers(1, len(data) - 1), label="at")
        assume(data[at - 1:at] != b"\n")
        return data[:at]
    if kind == "huge cell":
        at = draw(st.integers(0, len(data)), label="at")
        return data[:at] + b"x" * 100_000 + data[at:]
    if kind == "duplicate a row":  # the same primary key twice
        start, end, _ = pick(rows, "row")
        return data[:end] + data[start:end] + data[end:]
    if kind == "swap two rows":  # out of primary-key order
        assume(len(rows) >= 2)
        i = draw(st.integers(0, len(rows) - 2), label="row")
        (a, _, _), (b, c, _) = rows[i], rows[i + 1]
        return data[:a] + data[b:c] + data[a:b] + data[c:]
    raise ValueError(kind)


@given(st.data())
def test_any_broken_data_file_is_reported(package, data):
    file = data.draw(st.sampled_from(FILES), label="file")
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    path = package.path(file)
    original = path.read_bytes()
    mutated = mutate(original, kind, data.draw)
    assert mutated != original
    path.write_bytes(mutated)
    try:
        outcome = run(package.root)
    finally:
        path.write_bytes(original)
    note(f"problems: {[p.line()[:200] for p in outcome.problems][:10]}")
    assert outcome.cannot_run is None and outcome.code == 1
    assert any(p.file == file for p in outcome.problems), f"no problem names {file}"
    assert all(p.rule != "stale-hash" for p in outcome.problems)


# Cases hypothesis found once, kept as plain tests.
@pytest.mark.parametrize("file, kind, draws", [
    ("data/sources.csv", "duplicate a row", [0]),  # a source twice: lookups by source_id must not fail
    ("data/categories.csv", "bad byte", [0, b"\r"]),  # a CR before the header's first name
])
def test_found_once(package, file, kind, draws):
    values = iter(draws)
    path = package.path(file)
    original = path.read_bytes()
    path.write_bytes(mutate(original, kind, lambda strategy, label=None: next(values)))
    try:
        outcome = run(package.root)
    finally:
        path.write_bytes(original)
    assert outcome.cannot_run is None and outcome.code == 1
    assert any(p.file == file for p in outcome.problems)
