"""Shared fixtures. Several people add to this file: keep fixture names unique and add, don't replace."""
from __future__ import annotations

import gc
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# The tests allocate millions of short-lived objects (frictionless metadata, pandas frames): with
# the default threshold (700) the cyclic garbage collector runs thousands of times over objects
# that are freed anyway. Collecting less often costs some memory and saves a few per cent of time.
gc.set_threshold(100_000, 50, 100)


# --------------------------------------------------------------------------------------
# Release machinery (test_release.py, test_diff.py): a throw-away git repository holding
# a copy of the real package's tracked files, committed once.
# --------------------------------------------------------------------------------------

# scripts/ is not copied: the releases run in this process (the one from the command line adds it).
RELEASE_COPIED = ["datapackage.json", "data", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "LICENSE", "CITATION.cff",
                  ".gitignore", ".gitattributes"]
RELEASE_STAND_INS = {  # written only into the copy, and only if the real repo lacks the file
    ".gitignore": "__pycache__/\n*.pyc\n",  # running the copied scripts must not dirty the tree
    ".gitattributes": "* text=auto eol=lf\n",
    "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Everything.\n",
    "CITATION.cff": 'cff-version: 1.2.0\ntitle: "Test"\nversion: "0.1.0"\n',
    "LICENSE": "CC0-1.0\n",
    "README.md": "# Test\n",
}


def release_git(repo: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


_REPO_TEMPLATES: dict = {}  # builder -> (its repository, what it returned), built once per test process
_TEMPLATE_ROOT = tempfile.TemporaryDirectory(prefix="release-templates-")  # removed when the process ends


def copy_of_repo(build, dest: Path):
    """What build(dest) gives, as a copy of a repository built once per process: copying a small
    repository is several times cheaper than the ten-odd git commands that make it, and its
    commits are the same. Paths in the returned value point into dest."""
    if build not in _REPO_TEMPLATES:
        made = Path(_TEMPLATE_ROOT.name) / f"{build.__name__}-{len(_REPO_TEMPLATES)}"
        result = build(made)
        release_git(made, "repack", "-a", "-d", "-q")  # one pack file instead of a file per object: faster to copy and delete
        _REPO_TEMPLATES[build] = (made, result)
    made, result = _REPO_TEMPLATES[build]
    shutil.copytree(made, dest, symlinks=True)
    if isinstance(result, Path):
        return dest
    return {k: (dest if v == made else v) for k, v in result.items()}


def make_release_repo(dest: Path) -> Path:
    """Copy the package into dest, make sure CHANGELOG.md has an Unreleased entry, and commit it."""
    return copy_of_repo(build_release_repo, dest)


def build_release_repo(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in RELEASE_COPIED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, dest / name)
        else:
            (dest / name).write_text(RELEASE_STAND_INS[name], encoding="utf-8")
    changelog = dest / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    if "## [Unreleased]" not in text:
        text = text.rstrip("\n") + "\n\n## [Unreleased]\n"
    head, _, rest = text.partition("## [Unreleased]")
    body, _, later = rest.partition("\n## ")
    if not any(line.startswith("- ") for line in body.splitlines()):  # after a real release it is empty
        text = head + "## [Unreleased]\n\n### Changed\n\n- A test entry." + body + ("\n## " + later if later else "")
        changelog.write_text(text, encoding="utf-8")
    release_git(dest, "init", "-q", "-b", "main", "--template=")  # no sample hooks to copy
    release_git(dest, "config", "user.name", "Release Test")
    release_git(dest, "config", "user.email", "release-test@example.org")
    release_git(dest, "config", "commit.gpgsign", "false")
    release_git(dest, "config", "tag.gpgsign", "false")
    release_git(dest, "add", "-A")
    release_git(dest, "commit", "-q", "-m", "Package")
    return dest


@pytest.fixture
def release_repo(tmp_path: Path) -> Path:
    """A fresh git repository with a committed copy of the package (no tags)."""
    return make_release_repo(tmp_path / "repo")


# --------------------------------------------------------------------------------------
# Validator tests (test_validate.py, test_faults.py, test_robustness.py): a fresh copy of
# the real package to break, editors that each change one thing in it, and the network
# blocked while the validator runs in this interpreter. Everything here is prefixed or held
# by PackageCopy so that names do not collide with other fixtures.
# --------------------------------------------------------------------------------------

import csv  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import os  # noqa: E402


class PackageCopy:
    """A copy of the package in a temporary folder, with editors that each change one thing.

    Row numbers are those of the validator's report: the header is row 1, the first data
    row is row 2. Files are named as in the descriptor, e.g. "data/sources.csv".
    CSV files are rewritten with csv.writer (LF, minimal quoting), which reproduces the
    package's own files byte for byte, so an edit changes nothing but what it says.

    After a change to a data file the descriptor's bytes/hash are refreshed, as a maintainer
    does with `make hashes`, so that a break shows only its own problem; set refresh_hashes =
    False to leave them stale. The refresh waits until the descriptor is next read or written,
    or the folder is handed out (root): a fault of several steps rewrites datapackage.json once.
    """

    def __init__(self, root: Path):
        self.folder = Path(root)
        self.refresh_hashes = True
        self.changed: set[str] = set()  # data files written since the descriptor was last refreshed

    @property
    def root(self) -> Path:
        """The copy's folder, for a validator or script to read: its descriptor is brought up to date first."""
        self.data_changed()
        return self.folder

    # --- reading and writing whole files ---------------------------------------------
    def path(self, file: str) -> Path:
        return self.folder / file

    def rows(self, file: str) -> list[list[str]]:
        """All records of a CSV file, header first, as text."""
        with self.path(file).open(encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))

    @staticmethod
    def serialise(rows: list[list[str]]) -> str:
        """Records as CSV text the way the package writes it (LF, minimal quoting)."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()

    def write_rows(self, file: str, rows: list[list[str]]) -> None:
        self.write_bytes(file, self.serialise(rows).encode("utf-8"))

    def read_bytes(self, file: str) -> bytes:
        return self.path(file).read_bytes()

    def write_bytes(self, file: str, data: bytes) -> None:
        if file == "datapackage.json":
            self.data_changed()  # the edits before it are recorded in the descriptor it replaces
        self.path(file).write_bytes(data)
        if file != "datapackage.json" and self.refresh_hashes:
            self.changed.add(file)

    def data_changed(self) -> None:
        """Record the new bytes/hash of the files written since the last refresh in the descriptor
        (only for files inside the copy)."""
        from scripts.package_io import file_digest, with_stats
        if not self.refresh_hashes or not self.changed:
            return
        written, self.changed = self.changed, set()
        try:
            descriptor = self._read_descriptor()
        except (OSError, ValueError):
            return  # no descriptor, or one a test broke on purpose
        root, changed = self.folder.resolve(), False
        for i, resource in enumerate(descriptor.get("resources", [])):
            if not isinstance(resource, dict) or resource.get("path") not in written:
                continue
            path = self.folder / resource["path"]
            if not path.resolve().is_relative_to(root) or not path.is_file():
                continue
            updated = with_stats(resource, *file_digest(path))
            if updated != resource:
                descriptor["resources"][i], changed = updated, True
        if changed:
            self._write_descriptor(descriptor)

    # --- finding rows ------------------------------------------------------------------
    def find_rows(self, file: str, where: dict | None = None) -> list[int]:
        """Row numbers of the records whose cells equal where's values (a list means any of them)."""
        rows = self.rows(file)
        header = rows[0]
        wanted = {k: (v if isinstance(v, list) else [v]) for k, v in (where or {}).items()}
        unknown = set(wanted) - set(header)
        if unknown:
            raise KeyError(f"{file} has no column(s) {sorted(unknown)}")
        return [number for number, record in enumerate(rows[1:], start=2)
                if all(dict(zip(header, record)).get(k) in [str(x) for x in vs] for k, vs in wanted.items())]

    def find_row(self, file: str, where: dict | None = None, nth: int = 0) -> int:
        hits = self.find_rows(file, where)
        if not hits:
            raise LookupError(f"no row of {file} matches {where}: the test needs such a row (add one)")
        return hits[nth]

    # --- editing rows ------------------------------------------------------------------
    def set_cell(self, file: str, field: str, value: str, where: dict | None = None, nth: int = 0) -> int:
        """Set one cell of the first (or nth) matching row; returns its row number."""
        row = self.find_row(file, where, nth)
        rows = self.rows(file)
        rows[row - 1][rows[0].index(field)] = str(value)
        self.write_rows(file, rows)
        return row

    def delete_row(self, file: str, where: dict | None = None, nth: int = 0) -> int:
        row = self.find_row(file, where, nth)
        rows = self.rows(file)
        del rows[row - 1]
        self.write_rows(file, rows)
        return row

    def duplicate_row(self, file: str, where: dict | None = None, nth: int = 0, changes: dict | None = None) -> int:
        """Insert a copy of a row right after it (with changes applied to the copy); returns the copy's row."""
        row = self.find_row(file, where, nth)
        rows = self.rows(file)
        copy = list(rows[row - 1])
        for field, value in (changes or {}).items():
            copy[rows[0].index(field)] = str(value)
        rows.insert(row, copy)
        self.write_rows(file, rows)
        return row + 1

    def swap_rows(self, file: str, a: int, b: int) -> None:
        rows = self.rows(file)
        rows[a - 1], rows[b - 1] = rows[b - 1], rows[a - 1]
        self.write_rows(file, rows)

    def add_rows(self, file: str, records: list[dict], sort: bool = True) -> list[int]:
        """Append records (missing fields are empty), sort the file by its primary key as
        `python -m scripts.sort_rows` does, and return the row numbers the records ended up on."""
        rows = self.rows(file)
        header = rows[0]
        for record in records:
            unknown = set(record) - set(header)
            if unknown:
                raise KeyError(f"{file} has no column(s) {sorted(unknown)}")
            rows.append([str(record.get(name, "")) for name in header])
        self.write_rows(file, rows)
        if sort:
            self.sort(file)
        return [self.find_row(file, {k: str(v) for k, v in record.items()}, nth=-1) for record in records]

    def sort(self, file: str) -> None:
        from scripts.package_io import load_descriptor, resources
        from scripts.sort_rows import sort_resource
        for resource in resources(load_descriptor(self.folder)).values():
            if resource.path == file:
                if sort_resource(self.folder, resource) and self.refresh_hashes:
                    self.changed.add(file)

    # --- editing columns (header and every row alike) ----------------------------------
    def drop_column(self, file: str, field: str) -> None:
        rows = self.rows(file)
        i = rows[0].index(field)
        self.write_rows(file, [r[:i] + r[i + 1:] for r in rows])

    def add_column(self, file: str, field: str, value: str = "") -> None:
        self.write_rows(file, [r + [field if n == 0 else value] for n, r in enumerate(self.rows(file))])

    def swap_columns(self, file: str, a: str, b: str) -> None:
        rows = self.rows(file)
        i, j = rows[0].index(a), rows[0].index(b)
        for r in rows:
            r[i], r[j] = r[j], r[i]
        self.write_rows(file, rows)

    def rename_column(self, file: str, old: str, new: str) -> None:
        rows = self.rows(file)
        rows[0][rows[0].index(old)] = new
        self.write_rows(file, rows)

    # --- the descriptor ------------------------------------------------------------------
    @property
    def descriptor(self) -> dict:
        self.data_changed()
        return self._read_descriptor()

    def write_descriptor(self, descriptor: dict) -> None:
        self.data_changed()
        self._write_descriptor(descriptor)

    def _read_descriptor(self) -> dict:
        return json.loads(self.path("datapackage.json").read_text(encoding="utf-8"))

    def _write_descriptor(self, descriptor: dict) -> None:
        self.path("datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")

    def set_resource_property(self, name: str, key: str, value) -> None:
        descriptor = self.descriptor
        next(r for r in descriptor["resources"] if r.get("name") == name)[key] = value
        self.write_descriptor(descriptor)

    # --- checks ----------------------------------------------------------------------------
    def file_hashes(self) -> dict[str, str]:
        """sha256 of every file in the copy, by path relative to it (after the pending hash refresh)."""
        self.data_changed()
        return {str(p.relative_to(self.folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.folder.rglob("*")) if p.is_file()}


def copy_real_package(dest: Path) -> PackageCopy:
    """Copy datapackage.json and data/ of the repository into dest."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(REPO_ROOT / "data", dest / "data")
    return PackageCopy(dest)


@pytest.fixture
def pkg_copy(tmp_path: Path) -> PackageCopy:
    """A fresh copy of the real package (datapackage.json + data/) to break."""
    return copy_real_package(tmp_path / "package")


def _network_blocked(*args, **kwargs):
    raise OSError("NETWORK ACCESS BLOCKED: the validator must not use the network")


@pytest.fixture(scope="module")
def offline():
    """For the tests of a module: any attempt to connect or resolve a name in this interpreter fails
    loudly (the validator must work offline), so that a test that touched the network shows it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            patch.setattr(socket, name, _network_blocked)
        for name in ("connect", "connect_ex", "sendto"):
            patch.setattr(socket.socket, name, _network_blocked)
        yield


def validate_copy(pkg: PackageCopy):
    """Run the validator on the copy in this interpreter; it must only read. Returns its Outcome."""
    from scripts.validate import run
    before = pkg.file_hashes()
    outcome = run(pkg.root)
    assert pkg.file_hashes() == before, "the validator changed a file"
    return outcome


# --------------------------------------------------------------------------------------
# Hypothesis (test_robustness.py): a few examples in `make test`, thousands in CI (CI=true),
# never a .hypothesis/ folder in the working tree.
# --------------------------------------------------------------------------------------

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("fast", max_examples=12, deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=3000, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "fast"))

