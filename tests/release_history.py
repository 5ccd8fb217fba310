"""A throw-away git repository with a release history and NO tags, as a fresh clone of main
has: the package's files, then

    A  Release v1.0.0   datapackage.json 1.0.0 + "## [1.0.0]"; profile_countries lacks its last row
    B  More profiles    the row added, an Unreleased entry (still 1.0.0 with its section: not a release)
    C  Release v1.1.0   datapackage.json 1.1.0 + "## [1.1.0]"

so the step from 1.0.0 to 1.1.0 adds one row (a MINOR change). Used by test_versions.py,
test_diff.py and test_release.py.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import REPO_ROOT, copy_of_repo, release_git

from scripts.package_io import dump_descriptor, file_digest, with_stats

COPIED = ["datapackage.json", "data", "README.md", "CONTRIBUTING.md", "LICENSE", "CITATION.cff", ".gitattributes", "docs"]
LEAF_TABLE = "data/profile_countries.csv"  # no foreign key points to it: dropping a row keeps the rest valid
URL = "https://github.com/kosovo-trafficking-data/kosovo-human-trafficking"

CHANGELOG_HEAD = """# Changelog

All notable changes are recorded here (Keep a Changelog 1.1.0).

## [Unreleased]
"""
SECTION_1_0_0 = """
## [1.0.0] - 2030-01-01

### Added
- Everything.
"""
SECTION_1_1_0 = """
## [1.1.0] - 2030-02-01

### Added
- `profile_countries`: one more row.
"""


def write_changelog(repo: Path, unreleased: str, sections: str, links: list[str]) -> None:
    text = CHANGELOG_HEAD + unreleased + sections + "\n" + "\n".join(links) + "\n"
    (repo / "CHANGELOG.md").write_text(text, encoding="utf-8")


def set_version(repo: Path, version: str) -> None:
    """Set datapackage.json's version and refresh every resource's bytes and hash."""
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = version
    descriptor["resources"] = [with_stats(r, *file_digest(repo / r["path"])) for r in descriptor["resources"]]
    (repo / "datapackage.json").write_text(dump_descriptor(descriptor), encoding="utf-8")


def set_citation_version(repo: Path, version: str) -> None:
    path = repo / "CITATION.cff"
    lines = [f'version: "{version}"' if line.startswith("version:") else line
             for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    release_git(repo, "add", "-A")
    release_git(repo, "commit", "-q", "-m", message)
    return release_git(repo, "rev-parse", "HEAD").strip()


def make_history_repo(dest: Path) -> dict:
    """The repository in dest; returns {"repo": path, "A"/"B"/"C": commit hashes}."""
    return copy_of_repo(build_history_repo, dest)


def build_history_repo(dest: Path) -> dict:
    dest.mkdir(parents=True)
    for name in COPIED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, dest / name)
    (dest / ".gitignore").write_text("__pycache__/\n*.pyc\ndist/\n", encoding="utf-8")
    full = (dest / LEAF_TABLE).read_bytes()
    lines = full.splitlines(keepends=True)
    (dest / LEAF_TABLE).write_bytes(b"".join(lines[:-1]))

    release_git(dest, "init", "-q", "-b", "main", "--template=")  # no sample hooks to copy
    for key, value in (("user.name", "Release Test"), ("user.email", "release-test@example.org"),
                       ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
        release_git(dest, "config", key, value)

    set_version(dest, "1.0.0")
    set_citation_version(dest, "1.0.0")
    write_changelog(dest, "", SECTION_1_0_0, [f"[Unreleased]: {URL}/compare/v1.0.0...HEAD",
                                              f"[1.0.0]: {URL}/releases/tag/v1.0.0"])
    a = commit(dest, "Release v1.0.0")

    (dest / LEAF_TABLE).write_bytes(full)
    set_version(dest, "1.0.0")  # bytes and hash only
    write_changelog(dest, "\n### Added\n- `profile_countries`: one more row.\n", SECTION_1_0_0,
                    [f"[Unreleased]: {URL}/compare/v1.0.0...HEAD", f"[1.0.0]: {URL}/releases/tag/v1.0.0"])
    b = commit(dest, "More profiles")

    set_version(dest, "1.1.0")
    set_citation_version(dest, "1.1.0")
    write_changelog(dest, "", SECTION_1_1_0 + SECTION_1_0_0,
                    [f"[Unreleased]: {URL}/compare/v1.1.0...HEAD", f"[1.1.0]: {URL}/compare/v1.0.0...v1.1.0",
                     f"[1.0.0]: {URL}/releases/tag/v1.0.0"])
    c = commit(dest, "Release v1.1.0")
    return {"repo": dest, "A": a, "B": b, "C": c}
