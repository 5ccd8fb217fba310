"""Shared fixtures. Several people add to this file: keep fixture names unique and add, don't replace."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------
# A small, made-up package for the usability tools (load, docs, charts). The real
# datapackage.json, with invented rows that exercise the awkward cases: "NA" (Namibia)
# as a country code, a year with no figures at all (2019), a year with only a part-year
# figure (2021), a partial breakdown (2020: female only), a non-preferred duplicate,
# tiers of the larger entity before 2007, tiers not found, an inferred tier.
# --------------------------------------------------------------------------------------

UX_SAMPLE_CSV = {
    "sources.csv": """\
source_id,title,publisher,published,url,consulted_url,accessed,kind,primary,language,notes
news-2021,Police report 31 victims in 2020,Example News,2021-02,https://news.example.org/a,https://news.example.org/a,2026-11-01,news,false,en,
tip-2001,2001 Trafficking in Persons Report: Federal Republic of Yugoslavia,U.S. Department of State,2001-07,https://www.state.gov/tip-2001/,https://www.state.gov/tip-2001/,2026-11-01,government_report,true,en,
tip-2003,2003 Trafficking in Persons Report: Serbia and Montenegro,U.S. Department of State,2003-06,https://www.state.gov/tip-2003/,https://www.state.gov/tip-2003/,2026-11-01,government_report,true,en,
tip-2007,2007 Trafficking in Persons Report: Kosovo,U.S. Department of State,2007-06,https://www.state.gov/tip-2007/,https://www.state.gov/tip-2007/,2026-11-01,government_report,true,en,
tip-2009,2009 Trafficking in Persons Report: Kosovo,U.S. Department of State,2009-06,https://www.state.gov/tip-2009/,https://www.state.gov/tip-2009/,2026-11-01,government_report,true,en,
tip-2019,2019 Trafficking in Persons Report: Kosovo,U.S. Department of State,2019-06,https://www.state.gov/tip-2019/,https://www.state.gov/tip-2019/,2026-11-01,government_report,true,en,
tip-2021,2021 Trafficking in Persons Report: Kosovo,U.S. Department of State,2021-06,https://www.state.gov/tip-2021/,https://www.state.gov/tip-2021/,2026-11-01,government_report,true,en,
tip-2022,2022 Trafficking in Persons Report: Kosovo,U.S. Department of State,2022-07,https://www.state.gov/tip-2022/,https://www.state.gov/tip-2022/,2026-11-01,government_report,true,en,
""",
    "tier_status.csv": """\
report_year,assessed_entity,ranked_separately,assessed_entity_tier,tier,tier_basis,source_id,locator,notes
2001,Federal Republic of Yugoslavia,false,Tier 2,,stated,tip-2001,country heading,
2002,Federal Republic of Yugoslavia,false,,,not_found,,,no copy in reach
2003,Serbia and Montenegro,false,Tier 2,,stated,tip-2003,country heading,
2004,Serbia and Montenegro,false,,,not_found,,,
2005,Serbia and Montenegro,false,,,not_found,,,
2006,Serbia and Montenegro,false,,,not_found,,,
2007,Kosovo,true,Tier 2,Tier 2,stated,tip-2007,country heading,
2008,Kosovo,true,Tier 2,Tier 2,inferred,tip-2009,"TIER RANKING, 1st paragraph",
2009,Kosovo,true,Tier 2 Watch List,Tier 2 Watch List,stated,tip-2009,country heading,
""",
    "victim_demographics.csv": """\
year,period_start,period_end,period_kind,population,dimension,category,victims,source_id,locator,restatement,derived,breakdown_complete,breakdown_exclusive,preferred,notes
2018,2018-01-01,2018-12-31,calendar_year,identified,age,adult,20,tip-2019,"PROTECTION, 1st paragraph",false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,age,child,12,tip-2019,"PROTECTION, 1st paragraph",false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,exploitation,forced_begging,4,tip-2019,"PROTECTION, 1st paragraph",false,false,false,false,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,exploitation,sex_trafficking,25,tip-2019,"PROTECTION, 1st paragraph",false,false,false,false,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,sex,female,26,tip-2019,"PROTECTION, 1st paragraph",false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,sex,male,6,tip-2019,"PROTECTION, 1st paragraph",false,false,true,true,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,total,all,32,tip-2019,"PROTECTION, 1st paragraph",false,false,,,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,exploitation,forced_labor,5,tip-2021,"PROTECTION, 1st paragraph",false,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,exploitation,sex_trafficking,20,tip-2021,"PROTECTION, 1st paragraph",false,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,sex,female,22,tip-2021,"PROTECTION, 1st paragraph",false,false,false,true,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,total,all,31,news-2021,3rd paragraph,false,false,,,false,secondary source
2020,2020-01-01,2020-12-31,calendar_year,identified,total,all,30,tip-2021,"PROTECTION, 1st paragraph",false,false,,,true,
2020,2020-01-01,2020-12-31,calendar_year,potential,total,all,50,tip-2021,"PROTECTION, 1st paragraph",false,false,,,true,
2021,2021-01-01,2021-06-30,part_of_year,identified,total,all,10,tip-2022,"PROTECTION, 1st paragraph",false,false,,,true,
""",
    "countries.csv": """\
country_code,iso3,name
AL,ALB,Albania
DE,DEU,Germany
NA,NAM,Namibia
XK,XKX,Kosovo
""",
    "origin_countries.csv": """\
year,period_start,period_end,period_kind,population,role,country_code,basis,victims,share_percent,source_id,locator,restatement,derived,breakdown_complete,preferred,notes
2018,2018-01-01,2018-12-31,calendar_year,identified,origin,AL,count,2,,tip-2019,"PROTECTION, 1st paragraph",false,false,false,true,
2018,2018-01-01,2018-12-31,calendar_year,identified,origin,XK,count,28,,tip-2019,"PROTECTION, 1st paragraph",false,false,false,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,origin,AL,share,,10,tip-2021,"PROTECTION, 1st paragraph",false,false,false,true,
2020,2020-01-01,2020-12-31,calendar_year,identified,origin,XK,share,,80,tip-2021,"PROTECTION, 1st paragraph",false,false,false,true,
2020,,,reporting_period,unspecified,destination,DE,named,,,tip-2021,TRAFFICKING PROFILE,false,false,,true,
2020,,,reporting_period,unspecified,origin,NA,named,,,tip-2021,TRAFFICKING PROFILE,false,false,,true,
""",
}


def write_ux_sample_package(dest: Path) -> Path:
    """Write the made-up package into dest (the real descriptor, invented rows) and return dest."""
    dest = Path(dest)
    (dest / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "datapackage.json", dest / "datapackage.json")
    for name, text in UX_SAMPLE_CSV.items():
        (dest / "data" / name).write_text(text, encoding="utf-8", newline="\n")
    return dest


@pytest.fixture
def ux_sample_package(tmp_path: Path) -> Path:
    """A copy of the package with small invented data, for the load/docs/charts tests."""
    return write_ux_sample_package(tmp_path / "package")


# --------------------------------------------------------------------------------------
# Release machinery (test_release.py, test_diff.py): a throw-away git repository holding
# a copy of the real package's tracked files, committed once.
# --------------------------------------------------------------------------------------

RELEASE_COPIED = ["datapackage.json", "data", "scripts", "README.md", "CHANGELOG.md", "LICENSE", "CITATION.cff",
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


def make_release_repo(dest: Path) -> Path:
    """Copy the package into dest, make sure CHANGELOG.md has an Unreleased entry, and commit it."""
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
    release_git(dest, "init", "-q", "-b", "main")
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
# Validator tests (test_validate.py, test_faults.py): a fresh copy of the real package to
# break, small editors that change exactly one thing in it, and two ways to run
# scripts/validate.py on it. Everything here is prefixed or held by PackageCopy so that
# names do not collide with other fixtures.
# --------------------------------------------------------------------------------------

import contextlib  # noqa: E402
import csv  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

VALIDATOR_SCRIPT = REPO_ROOT / "scripts" / "validate.py"

# Loaded at interpreter start-up through PYTHONPATH: any attempt to open a network
# connection or resolve a name fails loudly, so a run that touched the network shows it.
NETWORK_BLOCKER = '''\
import socket

def _no_network(*args, **kwargs):
    raise OSError("NETWORK ACCESS BLOCKED: the validator must not use the network")

socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.socket.sendto = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network
socket.gethostbyname = _no_network
socket.gethostbyname_ex = _no_network
'''


def scripts_importable() -> None:
    """Kept for the callers below: the package is importable as `scripts` (pytest pythonpath)."""


class PackageCopy:
    """A copy of the package in a temporary folder, with editors that each change one thing.

    Row numbers are those of the validator's report: the header is row 1, the first data
    row is row 2. Files are named as in the descriptor, e.g. "data/sources.csv".
    CSV files are rewritten with csv.writer (LF, minimal quoting), which reproduces the
    package's own files byte for byte, so an edit changes nothing but what it says.

    After every change to a data file the descriptor's bytes/hash are refreshed, as a
    maintainer does with `make hashes`, so that a break shows only its own problem; set
    refresh_hashes = False to leave them stale.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.refresh_hashes = True

    # --- reading and writing whole files ---------------------------------------------
    def path(self, file: str) -> Path:
        return self.root / file

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
        self.path(file).write_bytes(self.serialise(rows).encode("utf-8"))
        self.data_changed()

    def data_changed(self) -> None:
        """Record the files' new bytes/hash in the descriptor (only for files inside the copy)."""
        if not self.refresh_hashes or not self.path("datapackage.json").is_file():
            return
        scripts_importable()
        from scripts.package_io import file_digest, with_stats
        try:
            descriptor = self.descriptor
        except ValueError:
            return  # a test broke the descriptor on purpose
        root = self.root.resolve()
        changed = False
        for i, resource in enumerate(descriptor.get("resources", [])):
            if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
                continue
            path = (self.root / resource["path"])
            if not path.resolve().is_relative_to(root) or not path.is_file():
                continue
            updated = with_stats(resource, *file_digest(path))
            if updated != resource:
                descriptor["resources"][i], changed = updated, True
        if changed:
            self.write_descriptor(descriptor)

    def header(self, file: str) -> list[str]:
        return self.rows(file)[0]

    def records(self, file: str) -> list[dict[str, str]]:
        rows = self.rows(file)
        return [dict(zip(rows[0], r)) for r in rows[1:]]

    def read_bytes(self, file: str) -> bytes:
        return self.path(file).read_bytes()

    def write_bytes(self, file: str, data: bytes) -> None:
        self.path(file).write_bytes(data)
        if file != "datapackage.json":
            self.data_changed()

    # --- finding rows ------------------------------------------------------------------
    def find_rows(self, file: str, where: dict | None = None) -> list[int]:
        """Row numbers of the records whose cells equal where's values (a list means any of them)."""
        rows = self.rows(file)
        header = rows[0]
        wanted = {k: (v if isinstance(v, list) else [v]) for k, v in (where or {}).items()}
        for name in wanted:
            if name not in header:
                raise KeyError(f"{file} has no column {name!r}")
        hits = []
        for number, record in enumerate(rows[1:], start=2):
            cells = dict(zip(header, record))
            if all(str(cells.get(k)) in [str(x) for x in vs] for k, vs in wanted.items()):
                hits.append(number)
        return hits

    def find_row(self, file: str, where: dict | None = None, nth: int = 0) -> int:
        hits = self.find_rows(file, where)
        if not hits:
            raise LookupError(f"no row of {file} matches {where}: the test needs such a row (add one)")
        return hits[nth]

    def cell(self, file: str, row: int, field: str) -> str:
        rows = self.rows(file)
        return rows[row - 1][rows[0].index(field)]

    # --- editing rows ------------------------------------------------------------------
    def set_cell(self, file: str, field: str, value: str, where: dict | None = None, nth: int = 0) -> int:
        """Set one cell of the first (or nth) matching row; returns its row number."""
        row = self.find_row(file, where, nth)
        rows = self.rows(file)
        rows[row - 1][rows[0].index(field)] = str(value)
        self.write_rows(file, rows)
        return row

    def set_cells(self, file: str, values: dict, where: dict | None = None, nth: int = 0) -> int:
        row = self.find_row(file, where, nth)
        rows = self.rows(file)
        for field, value in values.items():
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
        scripts/sort_rows.py does, and return the row numbers the records ended up on."""
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
        scripts_importable()
        from scripts.package_io import load_descriptor, resources
        from scripts.sort_rows import sort_resource
        for resource in resources(load_descriptor(self.root)).values():
            if resource.path == file:
                sort_resource(self.root, resource)
        self.data_changed()

    # --- editing columns (header and every row alike) ----------------------------------
    def drop_column(self, file: str, field: str) -> None:
        rows = self.rows(file)
        i = rows[0].index(field)
        self.write_rows(file, [r[:i] + r[i + 1:] for r in rows])

    def add_column(self, file: str, field: str, value: str = "", position: int | None = None) -> None:
        rows = self.rows(file)
        at = len(rows[0]) if position is None else position
        self.write_rows(file, [r[:at] + [field if n == 0 else value] + r[at:] for n, r in enumerate(rows)])

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
        return json.loads(self.path("datapackage.json").read_text(encoding="utf-8"))

    def write_descriptor(self, descriptor: dict) -> None:
        self.path("datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")

    def resource(self, descriptor: dict, name: str) -> dict:
        return next(r for r in descriptor["resources"] if r.get("name") == name)

    def set_resource_property(self, name: str, key: str, value) -> None:
        descriptor = self.descriptor
        self.resource(descriptor, name)[key] = value
        self.write_descriptor(descriptor)

    # --- checks ----------------------------------------------------------------------------
    def file_hashes(self) -> dict[str, str]:
        """sha256 of every file in the copy, by path relative to it."""
        return {str(p.relative_to(self.root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.root.rglob("*")) if p.is_file()}


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


@pytest.fixture(scope="session")
def network_blocker_dir(tmp_path_factory) -> Path:
    """A folder with a sitecustomize.py that blocks the network; put it on PYTHONPATH."""
    folder = tmp_path_factory.mktemp("no_network")
    (folder / "sitecustomize.py").write_text(NETWORK_BLOCKER, encoding="utf-8")
    return folder


def run_validator_subprocess(root: Path, *args: str, blocker: Path | None = None,
                             timeout: float = 120) -> tuple[int, str, str]:
    """Run scripts/validate.py on root in a fresh interpreter; returns (exit code, stdout, stderr)."""
    env = dict(os.environ)
    if blocker is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(blocker)] + [p for p in [env.get("PYTHONPATH")] if p])
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, "-m", "scripts.validate", *args, str(root)], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=root)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def validator_run(network_blocker_dir):
    """run(root, *args) -> (exit code, stdout, stderr): scripts/validate.py as a subprocess, network blocked."""
    def run(root, *args):
        return run_validator_subprocess(Path(root), *args, blocker=network_blocker_dir)
    return run


# A warm "fork server" for the fault corpus: one interpreter imports pandas and frictionless
# once, then for each request forks a child that runs scripts/validate.py as __main__ with
# its own argv, working directory, stdout and stderr. Each run is still a separate process
# with its own exit code and output (a traceback would show), without the ~1.5 s of imports.
FORK_SERVER = '''\
import json, os, runpy, signal, sys, traceback
from pathlib import Path
script = sys.argv[1]
sys.path.insert(0, str(Path(script).parent))
import validate                                   # pandas, package_io
try:
    validate.validate_package(Path(sys.argv[2]))  # warm frictionless and its lazy imports
except Exception:
    pass
for line in sys.stdin:
    request = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.alarm(120)
            for fd, name in ((1, "out"), (2, "err")):
                os.dup2(os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            os.chdir(request["cwd"])
            sys.argv = [script, *request["args"]]
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()                 # what the interpreter would print
        finally:
            sys.stdout.flush(); sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
'''


class InProcessValidator:
    """Runs the validator's command line in this interpreter: scripts.validate.main(args)."""

    def run(self, root: Path, *args: str) -> tuple[int, str, str]:
        from scripts import validate
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = validate.main([*args, str(root)])
            except SystemExit as exc:  # argparse
                code = exc.code
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def validator_fork_servers():
    """The validator, in process (one at a time: the runs share this interpreter's stdout)."""
    import queue
    pool: queue.Queue = queue.Queue()
    pool.put(InProcessValidator())
    return pool


class ValidationJob:
    """A package copy to validate once per argument list; run() uses one fork server."""

    def __init__(self, pkg: PackageCopy, payload, servers, runs=(("--json",), ())):
        self.pkg, self.payload, self.servers, self.runs = pkg, payload, servers, runs
        self.before = pkg.file_hashes()
        self.results: list[tuple[int, str, str]] = []

    def run(self) -> "ValidationJob":
        server = self.servers.get()
        try:
            self.results = [server.run(self.pkg.root, *args) for args in self.runs]
        finally:
            self.servers.put(server)
        self.after = self.pkg.file_hashes()
        return self


def validate_selected_in_parallel(request, tmp_path_factory, servers, param: str, module_suffix: str, build,
                                  runs=(("--json",), ())):
    """Build a package copy for every value of `param` this session selected in the module,
    and validate them all, one per fork server at a time, once per argument list in runs.
    build(value, dest) -> (PackageCopy, payload). Returns {value: Future of ValidationJob};
    a build error fails only its own test."""
    from concurrent.futures import Future
    selected = [item.callspec.params[param] for item in request.session.items
                if getattr(item, "callspec", None) and param in item.callspec.params
                and item.module.__name__.endswith(module_suffix)]
    futures: dict = {}
    for value in dict.fromkeys(selected):
        future = Future()
        try:
            pkg, payload = build(value, tmp_path_factory.mktemp(re.sub(r"\W+", "_", str(value))[:40]) / "package")
            future.set_result(ValidationJob(pkg, payload, servers, runs).run())
        except Exception as exc:
            future.set_exception(exc)
        futures[value] = future
    return futures


@pytest.fixture
def validator_run_inprocess(monkeypatch):
    """run(root, *args) -> (exit code, stdout, stderr): validate.main() in this interpreter.

    About ten times faster than a subprocess (no interpreter start, pandas and frictionless
    stay imported), for the many tests that each break one rule. The network is blocked here too.
    """
    import socket

    def no_network(*args, **kwargs):
        raise OSError("NETWORK ACCESS BLOCKED: the validator must not use the network")
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    from scripts import validate

    def run(root, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = validate.main([*args, str(root)])
            except SystemExit as exc:  # argparse
                code = exc.code
        return code, out.getvalue(), err.getvalue()
    return run


@pytest.fixture(scope="session")
def ux_sample_package_shared(tmp_path_factory) -> Path:
    """The same made-up package, written once per test session: read it, never change it."""
    return write_ux_sample_package(tmp_path_factory.mktemp("ux-sample") / "package")
