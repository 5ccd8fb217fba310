"""scripts/release.py: what a release writes, that its archive is reproducible, that the level
check runs against the previous release found without tags, and that every refusal leaves every
file as it was. Each test works in a throw-away git repository holding a copy of the package
(fixture release_repo in conftest.py, or the two-release history of tests/release_history.py)."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, make_release_repo, release_git
from release_history import make_history_repo

from scripts import release, validate, versions

DATE = "2030-01-15"


def descriptor(repo: Path) -> dict:
    return json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))


def next_major(repo: Path) -> str:
    """A version greater than any the copy can know of (it has no tags)."""
    return f"{int(descriptor(repo)['version'].split('.')[0]) + 1}.0.0"


def archive_path(repo: Path, version: str, suffix: str = ".zip") -> Path:
    return repo / "dist" / f"{descriptor(repo)['name']}-{version}{suffix}"


def run_release(repo: Path, *args: str, capsys) -> tuple[int, str, str]:
    """release.py in this process (fast), on the copy at repo."""
    code = release.main([*args, "--date", DATE] if "--date" not in args else list(args), root=repo)
    out = capsys.readouterr()
    return code, out.out, out.err


def state(repo: Path) -> dict:
    """Every file's bytes plus HEAD and the tags: what a refusal must leave untouched."""
    files = {str(p.relative_to(repo)): p.read_bytes() for p in sorted(repo.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(repo).parts and "__pycache__" not in p.parts}
    return {"files": files, "head": release_git(repo, "rev-parse", "HEAD"), "tags": release_git(repo, "tag")}


def commit_all(repo: Path, message: str = "Change") -> None:
    release_git(repo, "add", "-A")
    release_git(repo, "commit", "-q", "-m", message)


def edit_descriptor(repo: Path, change) -> None:
    d = descriptor(repo)
    change(d)
    (repo / "datapackage.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def resource(d: dict, name: str) -> dict:
    return next(r for r in d["resources"] if r["name"] == name)


def add_unreleased_entry(repo: Path, entry: str) -> None:
    path = repo / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n### Changed\n\n- {entry}\n", 1), encoding="utf-8")


def widen_an_enum(d: dict) -> None:
    """A valid, minor change: one more allowed value for sources.kind."""
    field = next(f for f in resource(d, "sources")["schema"]["fields"] if f["name"] == "kind")
    field["constraints"]["enum"].append("court_record")


def tag(repo: Path, version: str) -> None:
    release_git(repo, "tag", "-a", f"v{version}", "-m", f"Release v{version}")


# --------------------------------------------------------------------------------------
# A release, twice: in the repo (with --git, through the command line) and in a clone of
# the same commit (without --git, in-process, files given other mtimes).
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def released(tmp_path_factory):
    base = tmp_path_factory.mktemp("released")
    repo = make_release_repo(base / "repo")
    shutil.copytree(REPO_ROOT / "scripts", repo / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    release_git(repo, "add", "-A")  # `python -m scripts.release` runs the repository's own scripts
    release_git(repo, "commit", "-q", "--amend", "--no-edit")  # still the one commit "Package"
    twin = base / "twin"
    release_git(base, "clone", "-q", str(repo), str(twin))
    for path in twin.rglob("*"):  # different mtimes: they must not reach the archive
        if path.is_file() and ".git" not in path.parts:
            os.utime(path, (1_000_000_000, 1_000_000_000))
    version = next_major(repo)
    before = descriptor(repo)
    with pytest.MonkeyPatch.context() as mp:  # the archive time must come from --date in both
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        cli = subprocess.run([sys.executable, "-m", "scripts.release", version, "--date", DATE, "--git"],
                             cwd=repo, capture_output=True, text=True)
        twin_code = release.main([version, "--date", DATE], root=twin)
    return {"repo": repo, "twin": twin, "version": version, "before": before, "cli": cli, "twin_code": twin_code}


def test_release_succeeds_from_the_command_line(released):
    assert released["cli"].returncode == 0, released["cli"].stderr
    assert f"released {released['version']}" in released["cli"].stdout
    assert released["twin_code"] == 0


def test_release_sets_the_version_and_date_everywhere(released):
    repo, version = released["repo"], released["version"]
    assert descriptor(repo)["version"] == version
    citation = yaml.safe_load((repo / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["version"]) == version
    assert str(citation["date-released"]) == DATE


def test_release_moves_unreleased_entries_into_a_dated_section(released):
    repo, version = released["repo"], released["version"]
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased, _, after = text.partition("## [Unreleased]")[2].partition(f"## [{version}] - {DATE}")
    assert unreleased.strip() == "", "a fresh, empty Unreleased section stays on top"
    assert "- " in after.split("\n[")[0], "the entries are now under the version heading"
    url = release.repo_url(released["before"])
    previous = released["before"]["version"]  # released in the copy's single commit (no tag)
    assert f"[Unreleased]: {url}/compare/v{version}...HEAD" in text
    assert f"[{version}]: {url}/compare/v{previous}...v{version}" in text


def test_release_refreshes_bytes_and_sha256_of_every_resource(released):
    repo = released["repo"]
    for r in descriptor(repo)["resources"]:
        data = (repo / r["path"]).read_bytes()
        assert r["bytes"] == len(data)
        assert r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()


def test_released_package_still_validates_with_its_hashes(released):
    assert validate.validate_package(released["repo"]) == []


def test_the_previous_release_was_found_without_a_tag_and_compared(released):
    out = released["cli"].stdout
    previous = released["before"]["version"]
    assert f"the changes since v{previous} need a none release" in out
    assert f"note: v{previous} has no tag here" in out


def test_release_commits_and_makes_an_annotated_tag(released):
    repo, version = released["repo"], released["version"]
    assert release_git(repo, "log", "-1", "--format=%s").strip() == f"Release v{version}"
    assert release_git(repo, "cat-file", "-t", f"v{version}").strip() == "tag"  # annotated, not lightweight
    assert release_git(repo, "status", "--porcelain", "--", ".", ":(exclude)dist").strip() == ""


def test_release_without_git_flag_only_prints_the_commands(released):
    twin, version = released["twin"], released["version"]
    assert release_git(twin, "tag").strip() == ""
    assert release_git(twin, "log", "-1", "--format=%s").strip() == "Package"
    assert " M datapackage.json" in release_git(twin, "status", "--porcelain")


def test_archive_holds_exactly_the_release_files_with_fixed_metadata(released):
    repo, version = released["repo"], released["version"]
    with zipfile.ZipFile(archive_path(repo, version)) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        expected = sorted(["datapackage.json", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "LICENSE", "CITATION.cff"]  # no docs/ in this copy
                          + [r["path"] for r in descriptor(repo)["resources"]])
        assert names == expected
        assert {i.date_time for i in infos} == {(2030, 1, 15, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        assert all(i.extra == b"" and i.comment == b"" for i in infos)
        assert z.read("datapackage.json") == (repo / "datapackage.json").read_bytes()  # the released one


@pytest.mark.parametrize("suffix", [".zip", ".sqlite"])
def test_archive_and_database_are_byte_identical_when_built_twice(released, suffix):
    repo, twin, version = released["repo"], released["twin"], released["version"]
    first, second = archive_path(repo, version, suffix).read_bytes(), archive_path(twin, version, suffix).read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_sha256sums_lists_the_archive_and_the_database(released):
    repo, version = released["repo"], released["version"]
    paths = sorted((archive_path(repo, version), archive_path(repo, version, ".sqlite")), key=lambda p: p.name)
    lines = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n" for path in paths]  # sorted by name
    assert (repo / "dist" / "SHA256SUMS").read_text(encoding="utf-8") == "".join(lines)


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_database_has_every_resource_with_its_rows_and_keys(released):
    repo, version = released["repo"], released["version"]
    connection = sqlite3.connect(archive_path(repo, version, ".sqlite"))
    try:
        for r in descriptor(repo)["resources"]:
            count = connection.execute(f'SELECT count(*) FROM "{r["name"]}"').fetchone()[0]
            assert count == csv_rows(repo / r["path"]), r["name"]
            info = connection.execute(f'PRAGMA table_info("{r["name"]}")').fetchall()
            assert [row[1] for row in info] == [f["name"] for f in r["schema"]["fields"]]
            pk = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
            assert pk == r["schema"].get("primaryKey", []), f"primary key of {r['name']}"
            fks = connection.execute(f'PRAGMA foreign_key_list("{r["name"]}")').fetchall()
            assert {row[2] for row in fks} == {fk["reference"]["resource"] for fk in r["schema"].get("foreignKeys", [])}
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert dict(connection.execute("SELECT key, value FROM _package"))["version"] == version
        # a join over the composite foreign key: every figure finds its category and its source
        joined = connection.execute(
            "SELECT count(*) FROM victim_demographics v JOIN categories c USING (dimension, category) "
            "JOIN sources s ON s.source_id = v.source_id").fetchone()[0]
        assert joined == csv_rows(repo / "data/victim_demographics.csv")
        types = {row[1]: row[2] for row in connection.execute('PRAGMA table_info("victim_demographics")')}
        assert (types["victims"], types["period_start"], types["preferred"]) == ("INTEGER", "TEXT", "INTEGER")
        assert connection.execute("SELECT typeof(preferred), typeof(period_start) FROM victim_demographics LIMIT 1").fetchone() \
            == ("integer", "text")
    finally:
        connection.close()


def test_database_rejects_a_row_that_breaks_a_foreign_key(released):
    connection = sqlite3.connect(":memory:")
    try:
        source = sqlite3.connect(archive_path(released["repo"], released["version"], ".sqlite"))
        source.backup(connection)
        source.close()
        connection.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            connection.execute("UPDATE victim_demographics SET category = 'no-such-category' WHERE rowid = 1")
    finally:
        connection.close()


# --------------------------------------------------------------------------------------
# A second release: compare link to the previous tag, the level check and its override
# --------------------------------------------------------------------------------------

def test_next_release_is_level_checked_and_links_to_the_previous_tag(release_repo, capsys):
    tag(release_repo, "5.0.0")
    edit_descriptor(release_repo, widen_an_enum)
    add_unreleased_entry(release_repo, "sources.kind also allows court_record.")
    commit_all(release_repo)
    code, _, err = run_release(release_repo, "5.0.1", capsys=capsys)
    assert code == 1 and "need a minor release" in err
    # --allow-level overrides the check; the release then links to the previous tag
    code, out, err = run_release(release_repo, "5.0.1", "--allow-level", "--git", capsys=capsys)
    assert code == 0, err
    assert "overridden" in out and "need a minor release" in out
    assert descriptor(release_repo)["version"] == "5.0.1"
    text = (release_repo / "CHANGELOG.md").read_text(encoding="utf-8")
    url = release.repo_url(descriptor(release_repo))
    assert f"[5.0.1]: {url}/compare/v5.0.0...v5.0.1" in text
    assert f"[Unreleased]: {url}/compare/v5.0.1...HEAD" in text


def test_refuses_a_version_below_the_level_the_changes_need(release_repo, capsys):
    tag(release_repo, "5.0.0")

    def drop_notes(d):
        schema = resource(d, "tier_status")["schema"]
        schema["fields"] = [f for f in schema["fields"] if f["name"] != "notes"]
    edit_descriptor(release_repo, drop_notes)
    add_unreleased_entry(release_repo, "tier_status loses notes.")
    commit_all(release_repo)
    before = state(release_repo)
    code, _, err = run_release(release_repo, "5.0.1", capsys=capsys)
    assert code == 1
    assert "5.0.1 is a patch release, but the changes since v5.0.0 need a major release" in err
    assert "field notes removed" in err
    assert "Nothing was changed." in err
    assert state(release_repo) == before


# --------------------------------------------------------------------------------------
# No tags at all (a fresh clone of main): the previous release is its release commit
# --------------------------------------------------------------------------------------

@pytest.fixture
def history(tmp_path) -> dict:
    """Releases 1.0.0 and 1.1.0 as release commits, no tags (tests/release_history.py)."""
    return make_history_repo(tmp_path / "repo")


def test_level_check_runs_against_the_release_commit_without_tags(history, capsys):
    repo = history["repo"]
    assert release_git(repo, "tag").strip() == ""
    edit_descriptor(repo, widen_an_enum)
    add_unreleased_entry(repo, "sources.kind also allows court_record.")
    commit_all(repo)
    before = state(repo)
    code, _, err = run_release(repo, "1.1.1", capsys=capsys)
    assert code == 1, "a patch number for a minor change must be refused"
    assert "1.1.1 is a patch release, but the changes since v1.1.0 need a minor release" in err
    assert state(repo) == before
    code, out, err = run_release(repo, "1.2.0", "--git", capsys=capsys)
    assert code == 0, err
    assert "the changes since v1.1.0 need a minor release; 1.2.0 is minor" in out
    assert "note: v1.1.0 has no tag here" in out
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "[1.2.0]: https://github.com/kosovo-trafficking-data/kosovo-human-trafficking/compare/v1.1.0...v1.2.0" in text
    assert versions.resolve("1.2.0", repo).commit == release_git(repo, "rev-parse", "HEAD").strip()


def test_a_recorded_release_that_cannot_be_found_stops_the_release(history, capsys):
    repo = history["repo"]
    path = repo / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## [1.1.0] - 2030-02-01", "## [1.2.0] - 2030-03-01\n\n- Never released.\n\n## [1.1.0] - 2030-02-01"),
                    encoding="utf-8")
    add_unreleased_entry(repo, "Something.")
    commit_all(repo, "A section for a release that never happened")
    err = assert_refused(repo, capsys, ["2.0.0"], "CHANGELOG.md records the release 1.2.0, but it cannot be found, "
                                                  "so the change since it cannot be checked")
    assert "no tag v1.2.0" in err and "Released versions found: 1.0.0, 1.1.0" in err


def test_a_shallow_clone_stops_the_release_instead_of_comparing_with_the_wrong_commit(history, tmp_path, capsys):
    add_unreleased_entry(history["repo"], "Something.")
    commit_all(history["repo"], "After the release")  # carries 1.1.0 and its section too
    clone = tmp_path / "shallow"
    release_git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history['repo']}", str(clone))
    err = assert_refused(clone, capsys, ["1.2.0"], "CHANGELOG.md records the release 1.1.0, but it cannot be found")
    assert "this clone is shallow" in err and "git fetch --unshallow" in err


# --------------------------------------------------------------------------------------
# Refusals: a clear message, exit 1, and not one byte changed
# --------------------------------------------------------------------------------------

def assert_refused(repo: Path, capsys, args: list[str], message: str) -> str:
    before = state(repo)
    code, out, err = run_release(repo, *args, capsys=capsys)
    assert code == 1, out
    assert message in err
    assert "Nothing was changed." in err
    assert state(repo) == before, "a refused release changed files, HEAD or tags"
    return err


@pytest.mark.parametrize("version", ["1.0", "v9.0.0", "9.0.0-rc.1", "09.0.0", "nine"])
def test_refuses_a_version_that_is_not_semver(release_repo, capsys, version):
    assert_refused(release_repo, capsys, [version], "is not a version of the form MAJOR.MINOR.PATCH")


def test_refuses_a_version_not_greater_than_the_newest_release_without_tags(release_repo, capsys):
    current = descriptor(release_repo)["version"]
    commit = release_git(release_repo, "rev-parse", "--short=7", "HEAD").strip()
    assert_refused(release_repo, capsys, [current],
                   f"is not greater than {current}, the newest release (release commit {commit} (no tag))")


@pytest.fixture
def unreleased_repo(release_repo) -> Path:
    """The copy with a history in which nothing was ever released (no CHANGELOG release section)."""
    shutil.rmtree(release_repo / ".git")
    (release_repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Everything.\n",
                                               encoding="utf-8")
    release_git(release_repo, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Release Test"), ("user.email", "release-test@example.org"),
                       ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
        release_git(release_repo, "config", key, value)
    commit_all(release_repo, "Nothing released yet")
    return release_repo


def test_before_the_first_release_the_datapackage_version_is_the_floor(unreleased_repo, capsys):
    current = descriptor(unreleased_repo)["version"]
    assert_refused(unreleased_repo, capsys, [current], f"is not greater than {current}, the version in datapackage.json "
                                                       "(nothing is released yet)")


def test_the_first_release_says_there_is_nothing_to_compare_with(unreleased_repo, capsys):
    code, out, err = run_release(unreleased_repo, next_major(unreleased_repo), capsys=capsys)
    assert code == 0, err
    assert out.startswith("first release: nothing released before it to compare with")


def test_refuses_a_version_not_greater_than_the_newest_tag(release_repo, capsys):
    tag(release_repo, "7.2.0")
    tag(release_repo, "7.10.0")  # newest by version, not by name
    assert_refused(release_repo, capsys, ["7.9.9"], "is not greater than 7.10.0, the newest release (tag v7.10.0)")


def test_refuses_with_uncommitted_changes(release_repo, capsys):
    with (release_repo / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\nAn uncommitted line.\n")
    err = assert_refused(release_repo, capsys, [next_major(release_repo)], "uncommitted changes")
    assert "README.md" in err


def test_refuses_with_untracked_files(release_repo, capsys):
    (release_repo / "data" / "stray.csv").write_text("a\n1\n", encoding="utf-8")
    err = assert_refused(release_repo, capsys, [next_major(release_repo)], "uncommitted changes")
    assert "data/stray.csv" in err


def test_refuses_when_unreleased_is_empty(release_repo, capsys):
    path = release_repo / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("## [Unreleased]")
    later = rest.partition("\n## ")[2]
    path.write_text(head + "## [Unreleased]\n\n### Added\n\n<!-- nothing yet -->\n" + ("\n## " + later if later else ""),
                    encoding="utf-8")
    commit_all(release_repo)
    assert_refused(release_repo, capsys, [next_major(release_repo)], "'## [Unreleased]' section of CHANGELOG.md is empty")


@pytest.mark.parametrize("suffix", [".zip", ".sqlite"])
def test_refuses_to_overwrite_a_published_file(release_repo, capsys, suffix):
    version = next_major(release_repo)
    published = archive_path(release_repo, version, suffix)
    published.parent.mkdir()
    published.write_bytes(b"already published")
    assert_refused(release_repo, capsys, [version], f"{published.name} already exists; a published file is never overwritten")
    assert published.read_bytes() == b"already published"


def test_refuses_a_package_that_does_not_validate(release_repo, capsys):
    path = release_repo / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8") + "zz,ZZZ,Nowhere\n", encoding="utf-8")
    commit_all(release_repo, "Break the package")
    err = assert_refused(release_repo, capsys, [next_major(release_repo)], "the package does not validate")
    assert "data/countries.csv" in err


def test_refuses_outside_a_git_repository(tmp_path, capsys):
    shutil.copy(REPO_ROOT / "datapackage.json", tmp_path / "datapackage.json")
    code = release.main(["99.0.0", "--date", DATE], root=tmp_path)
    err = capsys.readouterr().err
    assert code == 1 and "not a git repository" in err.lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datapackage.json"]


# --------------------------------------------------------------------------------------
# The pieces
# --------------------------------------------------------------------------------------

def test_archive_bytes_depend_only_on_names_contents_and_time():
    members = {"b.csv": b"x\n1\n", "a.json": b"{}\n"}
    stamp = (2030, 1, 15, 0, 0, 0)
    assert release.build_archive(members, stamp) == release.build_archive(dict(reversed(members.items())), stamp)
    assert release.build_archive(members, stamp) != release.build_archive(members, (2030, 1, 16, 0, 0, 0))


def test_source_date_epoch_sets_the_archive_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")  # 2030-01-01T00:00:00Z
    assert release.archive_timestamp(DATE) == (2030, 1, 1, 0, 0, 0)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert release.archive_timestamp(DATE) == (2030, 1, 15, 0, 0, 0)


@pytest.mark.parametrize("previous, new, level", [((1, 2, 3), (2, 0, 0), "major"), ((1, 2, 3), (1, 3, 0), "minor"),
                                                  ((1, 2, 3), (1, 2, 4), "patch"), ((0, 9, 0), (1, 0, 0), "major")])
def test_bump_level(previous, new, level):
    assert release.bump_level(previous, new) == level


def test_citation_keys_are_replaced_or_inserted_after_version():
    text = 'cff-version: 1.2.0\nversion: 0.1.0 # old\nlicense: CC0-1.0\n'
    out = release.new_citation(text, "1.0.0", DATE)
    assert out == f'cff-version: 1.2.0\nversion: "1.0.0"\ndate-released: "{DATE}"\nlicense: CC0-1.0\n'
    assert release.new_citation(out, "1.1.0", "2031-02-03").count("date-released") == 1
