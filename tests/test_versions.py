"""scripts/versions.py: released versions are found without tags, from the release commits in
the history, as a fresh clone of main has it (no tags). Two parts:

- the real repository: its history holds the releases 1.0.0 (2ebfc7b) and 1.1.0 (faaf9ce);
  they must resolve, carry matching bytes and hashes, and be numbered at least at the level
  their change needs. The repository at the tests' root must be a git clone with its history:
  without it these tests fail, they never skip;
- a throw-away repository with two release commits and no tags (tests/release_history.py).
"""
from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
import yaml

from conftest import REPO_ROOT, release_git
from release_history import make_history_repo, set_version

from scripts import diff, versions

REAL_RELEASES = {"1.0.0": "2ebfc7b", "1.1.0": "faaf9ce"}


def git_real(*args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True)
    assert done.returncode == 0, f"git {' '.join(args)} failed in {REPO_ROOT}: {done.stderr.decode().strip()}"
    return done.stdout


def package_version() -> str:
    return json.loads((REPO_ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]


@pytest.fixture(scope="module")
def real_releases() -> dict:
    """Every released version of the real repository. Fails (never skips) without git history."""
    assert (REPO_ROOT / ".git").exists(), (
        f"{REPO_ROOT} has no .git: the version tests need a git clone with its history (not an export)")
    assert git_real("rev-parse", "--is-shallow-repository").strip() == b"false", (
        "this clone is shallow: run `git fetch --unshallow`; the release commits are in the history")
    return versions.released(REPO_ROOT)


# --------------------------------------------------------------------------------------
# The real repository
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("version, commit", sorted(REAL_RELEASES.items()))
def test_real_history_resolves_each_release_to_its_release_commit(version, commit):
    for spec in (version, f"v{version}"):
        release = versions.resolve(spec, REPO_ROOT)
        assert release.commit.startswith(commit), f"{spec} resolved to {release.commit[:7]} ({release.how}), not {commit}"


def test_every_release_the_changelog_records_resolves(real_releases):
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    recorded = versions.changelog_versions(changelog)
    assert recorded, "CHANGELOG.md records no release"
    missing = [str(v) for v in recorded if v not in real_releases]
    assert not missing, f"released in CHANGELOG.md but not found by tag or release commit: {missing}"


def test_the_package_carries_the_newest_release(real_releases):
    assert str(max(real_releases)) == package_version(), (
        "datapackage.json's version is not the newest release: between releases it stays the last one")
    recorded = versions.changelog_versions((REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert str(recorded[0]) == package_version(), "the newest '## [X.Y.Z]' section of CHANGELOG.md is not the package version"


def test_citation_version_is_the_package_version():
    citation = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation.get("version")) == package_version(), "CITATION.cff and datapackage.json disagree on the version"


def test_every_release_has_matching_bytes_and_hashes(real_releases):
    assert real_releases, "no release found"
    for version, release in real_releases.items():
        descriptor = json.loads(git_real("show", f"{release.commit}:datapackage.json"))
        assert descriptor["version"] == str(version)
        for resource in descriptor["resources"]:
            data = git_real("show", f"{release.commit}:{resource['path']}")
            assert resource.get("bytes") == len(data), f"{version}: bytes of {resource['path']}"
            assert resource.get("hash") == "sha256:" + hashlib.sha256(data).hexdigest(), f"{version}: hash of {resource['path']}"


def test_each_release_is_numbered_at_least_at_the_level_its_change_needs(real_releases):
    ordered = list(real_releases.values())
    assert len(ordered) >= 2
    for old, new in zip(ordered, ordered[1:]):
        report = diff.compare(diff.git_snapshot(REPO_ROOT, old.commit, label=old.version.tag),
                              diff.git_snapshot(REPO_ROOT, new.commit, label=new.version.tag))
        given = versions.bump_level(old.version, new.version)
        assert versions.LEVELS.index(given) >= versions.LEVELS.index(report.level), (
            f"{new.version} is a {given} release, but its change since {old.version} needs {report.level}")


def test_real_step_from_1_0_0_to_1_1_0_is_minor():
    report = diff.compare(diff.open_snapshot("v1.0.0", REPO_ROOT), diff.open_snapshot("1.1.0", REPO_ROOT))
    assert report.level == "minor"
    assert report.resources["sources"].rows_added and not report.resources["sources"].rows_removed


# --------------------------------------------------------------------------------------
# A throw-away history without tags
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    return make_history_repo(tmp_path_factory.mktemp("history") / "repo")


@pytest.fixture
def fresh_history(tmp_path) -> dict:
    """A history of its own, for tests that add tags."""
    return make_history_repo(tmp_path / "repo")


def test_history_without_tags_has_none(history):
    assert release_git(history["repo"], "tag").strip() == ""


def test_the_first_commit_with_version_and_section_is_the_release(history):
    found = versions.history_releases(history["repo"])
    assert found == {versions.Version(1, 0, 0): history["A"], versions.Version(1, 1, 0): history["C"]}
    # B still carries 1.0.0 and its section, but A came first


@pytest.mark.parametrize("spec, commit", [("v1.0.0", "A"), ("1.0.0", "A"), ("v1.1.0", "C"), ("1.1.0", "C")])
def test_resolve_without_tags(history, spec, commit):
    release = versions.resolve(spec, history["repo"])
    assert (release.commit, release.found_by, release.tag) == (history[commit], "history", None)


def test_a_version_without_its_changelog_section_is_not_released(history, tmp_path):
    repo = tmp_path / "clone"
    release_git(tmp_path, "clone", "-q", str(history["repo"]), str(repo))
    for key, value in (("user.name", "T"), ("user.email", "t@example.org")):
        release_git(repo, "config", key, value)
    set_version(repo, "1.2.0")
    release_git(repo, "commit", "-q", "-am", "Bump without a CHANGELOG section")
    assert versions.Version(1, 2, 0) not in versions.released(repo)
    with pytest.raises(versions.VersionNotFound, match=r"version 1\.2\.0 is not released here.*Released versions found: 1\.0\.0, 1\.1\.0"):
        versions.resolve("v1.2.0", repo)


@pytest.mark.parametrize("spec", ["1.0", "v1.0.0-rc.1", "01.0.0", "latest"])
def test_resolve_refuses_what_is_not_a_version(history, spec):
    with pytest.raises(versions.CannotRun, match="is not a version"):
        versions.resolve(spec, history["repo"])


def test_a_tag_wins_over_the_history(fresh_history):
    repo = fresh_history["repo"]
    release_git(repo, "tag", "-a", "v1.0.0", "-m", "Release v1.0.0", fresh_history["B"])
    release = versions.resolve("v1.0.0", repo)
    assert (release.commit, release.found_by, release.tag) == (fresh_history["B"], "tag", "v1.0.0")


def test_list_prints_every_release(history, capsys):
    assert versions.main(["list"], repo=history["repo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in out] == [["1.0.0", history["A"]], ["1.1.0", history["C"]]]


def test_resolve_command_prints_the_commit_or_fails_clearly(history, capsys):
    assert versions.main(["resolve", "v1.1.0"], repo=history["repo"]) == 0
    assert capsys.readouterr().out.strip() == history["C"]
    assert versions.main(["resolve", "v9.9.9"], repo=history["repo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("CANNOT RUN: version 9.9.9 is not released here") and "Traceback" not in err


def test_make_tags_recreates_annotated_tags_and_is_idempotent(fresh_history, capsys):
    repo = fresh_history["repo"]
    assert versions.main(["tags"], repo=repo) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [f"created v1.0.0 -> {fresh_history['A'][:7]}", f"created v1.1.0 -> {fresh_history['C'][:7]}"]
    for tag, commit in (("v1.0.0", "A"), ("v1.1.0", "C")):
        assert release_git(repo, "cat-file", "-t", tag).strip() == "tag", "annotated, not lightweight"
        assert release_git(repo, "rev-parse", f"{tag}^{{commit}}").strip() == fresh_history[commit]
    assert {r.found_by for r in versions.released(repo).values()} == {"tag"}
    assert versions.main(["tags"], repo=repo) == 0
    assert capsys.readouterr().out.strip() == "nothing to do: every released version has its tag"


def test_make_tags_gives_every_clone_the_same_tag_objects(history, tmp_path):
    made = []
    for name in ("one", "two"):
        clone = tmp_path / name
        release_git(tmp_path, "clone", "-q", str(history["repo"]), str(clone))
        versions.create_tags(clone)
        made.append(release_git(clone, "rev-parse", "v1.0.0", "v1.1.0"))
    assert made[0] == made[1]


def test_make_tags_leaves_a_disagreeing_tag_alone_and_says_so(fresh_history, capsys):
    repo = fresh_history["repo"]
    release_git(repo, "tag", "-a", "v1.0.0", "-m", "wrong", fresh_history["B"])
    assert versions.main(["tags"], repo=repo) == 1
    out = capsys.readouterr().out
    assert f"WARNING: v1.0.0 names {fresh_history['B'][:7]}, but the release commit of 1.0.0" in out
    assert f"created v1.1.0 -> {fresh_history['C'][:7]}" in out
    assert release_git(repo, "rev-parse", "v1.0.0^{commit}").strip() == fresh_history["B"]


def test_a_shallow_clone_is_named_as_the_reason(history, tmp_path):
    clone = tmp_path / "shallow"
    release_git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history['repo']}", str(clone))
    with pytest.raises(versions.VersionNotFound, match="this clone is shallow"):
        versions.resolve("v1.0.0", clone)


def test_outside_git_the_command_says_so(tmp_path, capsys):
    assert versions.main(["list"], repo=tmp_path) == 2
    assert "is not a git repository" in capsys.readouterr().err


def test_semver_helpers():
    assert versions.parse("v1.2.3") == (1, 2, 3) and str(versions.parse("1.2.3")) == "1.2.3"
    assert versions.parse("v1.2.3", allow_v=False) is None
    assert versions.parse("1.10.0") > versions.parse("1.9.0")
    assert versions.Version(2, 0, 0).tag == "v2.0.0"
    assert versions.changelog_versions("## [Unreleased]\n## [1.1.0] - x\n## [1.0.0]\n") == [(1, 1, 0), (1, 0, 0)]
