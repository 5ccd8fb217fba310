"""Released versions of the package, found with or without git tags.

    python -m scripts.versions                   # list every released version and its commit
    python -m scripts.versions resolve v1.0.0    # the commit of one version (v optional)
    python -m scripts.versions tags              # make the missing annotated tags vX.Y.Z (make tags)

A clone of main carries no tags, so a version is identified by its *release commit*: the
first commit in the history of HEAD whose datapackage.json carries that "version" and whose
CHANGELOG.md has a matching "## [X.Y.Z]" section (release.py writes both in one commit).
Where a tag vX.Y.Z exists it names the release directly and is used instead.

`tags` recreates the annotated tags from that history. It is idempotent: a tag that exists
is left as it is (a tag that names another commit than the history is reported, exit 1).
Each tag it makes takes its tagger, date and message from the release commit, so every
clone that runs it makes byte-identical tag objects.

Exit status: 0 done, 1 a tag disagrees with the history, 2 cannot run (not a git
repository, a version that is not released).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .package_io import DESCRIPTOR, ROOT, CannotRun

CHANGELOG = "CHANGELOG.md"
LEVELS = ["none", "patch", "minor", "major"]  # the SemVer levels a change can need, lowest first

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


# --------------------------------------------------------------------------------------
# SemVer
# --------------------------------------------------------------------------------------

class Version(NamedTuple):
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def tag(self) -> str:
        return f"v{self}"


def parse(text: str, allow_v: bool = True) -> Version | None:
    """`X.Y.Z` (or `vX.Y.Z` when allow_v) as a Version; None for anything else (no
    pre-release or build suffixes, no leading zeros)."""
    if not isinstance(text, str):
        return None
    if allow_v and text[:1] in ("v", "V"):
        text = text[1:]
    match = SEMVER.match(text)
    return Version(*(int(part) for part in match.groups())) if match else None


def is_version(text: str) -> bool:
    return parse(text) is not None


def bump_level(previous: tuple[int, int, int], new: tuple[int, int, int]) -> str:
    """The SemVer level a step from previous to a greater new version is."""
    if new[0] != previous[0]:
        return "major"
    if new[1] != previous[1]:
        return "minor"
    return "patch"


def changelog_versions(text: str) -> list[Version]:
    """The versions of the CHANGELOG's released sections ("## [X.Y.Z]"), in file order."""
    return [v for v in (parse(m, allow_v=False) for m in RELEASE_HEADING.findall(text or "")) if v]


# --------------------------------------------------------------------------------------
# git
# --------------------------------------------------------------------------------------

class VersionNotFound(CannotRun):
    """A version that neither a tag nor the history names as released."""


def git(repo: Path, *args: str, stdin: bytes | None = None, env: dict | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True, check=False,
                              env=None if env is None else os.environ | env)
    except FileNotFoundError:
        raise CannotRun("git is not installed; versions are read from the git history") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        if "not a git repository" in message.lower():
            raise CannotRun(f"{repo} is not a git repository (versions are read from its history): {message}")
        raise CannotRun(f"`git {' '.join(args)}` failed: {message}")
    return done.stdout


def is_shallow(repo: Path) -> bool:
    try:
        return git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except CannotRun:
        return False


def shallow_boundary(repo: Path) -> set[str]:
    """The commits of a shallow clone whose parents are cut off (none in a full clone)."""
    if not is_shallow(repo):
        return set()
    path = Path(git(repo, "rev-parse", "--git-path", "shallow").decode().strip())
    path = path if path.is_absolute() else Path(repo) / path
    return set(path.read_text(encoding="utf-8").split()) if path.is_file() else set()


def read_blobs(repo: Path, specs: list[str]) -> list[bytes | None]:
    """The contents of many `commit:path` objects through one `git cat-file --batch`; None
    where the commit has no such file."""
    if not specs:
        return []
    out = git(repo, "cat-file", "--batch", stdin=("\n".join(specs) + "\n").encode())
    blobs, at = [], 0
    for _ in specs:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) < 3 or header[1] != b"blob":  # "<spec> missing" (or not a file)
            blobs.append(None)
            continue
        size = int(header[2])
        blobs.append(out[at:at + size])
        at += size + 1  # the content is followed by a newline
    return blobs


def descriptor_version(data: bytes | None) -> Version | None:
    if data is None:
        return None
    try:
        descriptor = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return parse(descriptor.get("version"), allow_v=False) if isinstance(descriptor, dict) else None


# --------------------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Release:
    version: Version
    commit: str                # full hash of the release commit
    found_by: str              # "tag" or "history"
    tag: str | None = None     # the tag's name when found by tag

    @property
    def how(self) -> str:
        return f"tag {self.tag}" if self.found_by == "tag" else f"release commit {self.commit[:7]} (no tag)"


def history_releases(repo: Path = ROOT, rev: str = "HEAD") -> dict[Version, str]:
    """{version: release commit} read from the history of rev: for each version the oldest
    commit whose datapackage.json carries it and whose CHANGELOG.md has its section.

    In a shallow clone a version first seen at the cut-off edge of the history is left out:
    its release commit may be older than what the clone holds, and taking a later commit for
    it would compare a release against the wrong state."""
    try:
        listed = git(repo, "log", "--reverse", "--topo-order", "--format=%H", rev, "--", DESCRIPTOR, CHANGELOG)
    except CannotRun as exc:
        if "does not have any commits" in str(exc) or "unknown revision" in str(exc):
            return {}
        raise
    commits = listed.decode().split()
    blobs = read_blobs(repo, [f"{c}:{path}" for c in commits for path in (DESCRIPTOR, CHANGELOG)])
    found: dict[Version, str] = {}
    for i, commit in enumerate(commits):
        version = descriptor_version(blobs[2 * i])
        if version is None or version in found:
            continue
        changelog = (blobs[2 * i + 1] or b"").decode("utf-8", errors="replace")
        if version in changelog_versions(changelog):
            found[version] = commit
    boundary = shallow_boundary(repo)
    return {version: commit for version, commit in found.items() if commit not in boundary}


def tag_releases(repo: Path = ROOT) -> dict[Version, tuple[str, str]]:
    """{version: (tag name, commit)} of every tag vX.Y.Z."""
    out = git(repo, "for-each-ref", "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)", "refs/tags/")
    found = {}
    for line in out.decode().splitlines():
        name, obj, peeled = (line.split("\0") + ["", ""])[:3]
        version = parse(name) if name.startswith("v") else None
        if version is not None:
            found[version] = (name, peeled or obj)
    return found


def released(repo: Path = ROOT) -> dict[Version, Release]:
    """Every released version, oldest first: from its tag where there is one, else from the history."""
    out = {v: Release(v, c, "history") for v, c in history_releases(repo).items()}
    for version, (name, commit) in tag_releases(repo).items():
        out[version] = Release(version, commit, "tag", name)
    return dict(sorted(out.items()))


def newest(repo: Path = ROOT) -> Release | None:
    found = released(repo)
    return found[max(found)] if found else None


def not_found_message(repo: Path, version: Version, known: dict[Version, Release]) -> str:
    message = (f"version {version} is not released here: there is no tag {version.tag}, and no commit in the "
               f"history of HEAD has {DESCRIPTOR} \"version\": \"{version}\" together with a "
               f"'## [{version}]' section in {CHANGELOG}")
    if is_shallow(repo):
        message += (" (this clone is shallow: older commits are missing, and a release seen only at its cut-off "
                    "edge is not trusted; run `git fetch --unshallow`)")
    listed = ", ".join(str(v) for v in known) or "none"
    return f"{message}. Released versions found: {listed}"


def resolve(spec: str, repo: Path = ROOT) -> Release:
    """The release of `vX.Y.Z` or `X.Y.Z`. Raises VersionNotFound (a CannotRun)."""
    version = parse(spec)
    if version is None:
        raise CannotRun(f"{spec!r} is not a version of the form X.Y.Z or vX.Y.Z")
    known = released(repo)
    if version not in known:
        raise VersionNotFound(not_found_message(repo, version, known))
    return known[version]


# --------------------------------------------------------------------------------------
# make tags
# --------------------------------------------------------------------------------------

def create_tags(repo: Path = ROOT) -> tuple[list[str], bool]:
    """Annotated tags vX.Y.Z for the history's releases that have none. Returns (lines to
    print, True if every existing tag agrees with the history)."""
    tags = tag_releases(repo)
    lines, agree = [], True
    for version, commit in sorted(history_releases(repo).items()):
        if version in tags:
            name, tagged = tags[version]
            if tagged != commit:
                agree = False
                lines.append(f"WARNING: {name} names {tagged[:7]}, but the release commit of {version} in the history "
                             f"is {commit[:7]}; left as it is")
            continue
        who = git(repo, "log", "-1", "--format=%cn%x00%ce%x00%cI", commit).decode().rstrip("\n").split("\0")
        env = {"GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1], "GIT_COMMITTER_DATE": who[2]}
        git(repo, "tag", "-a", version.tag, "-m", f"Release {version.tag}", commit, env=env)
        lines.append(f"created {version.tag} -> {commit[:7]}")
    if not lines:
        lines.append("nothing to do: every released version has its tag")
    return lines, agree


def main(argv: list[str] | None = None, repo: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description="Released versions of the package, with or without git tags.")
    parser.add_argument("--repo", type=Path, default=repo, help="the git repository (default: this package)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="every released version, its commit and how it was found (the default)")
    one = commands.add_parser("resolve", help="print the commit of one version")
    one.add_argument("version", help="X.Y.Z or vX.Y.Z")
    commands.add_parser("tags", help="create the missing annotated tags vX.Y.Z from the history")
    args = parser.parse_args(argv)
    try:
        if args.command == "resolve":
            print(resolve(args.version, args.repo).commit)
            return 0
        if args.command == "tags":
            lines, agree = create_tags(args.repo)
            print("\n".join(lines))
            return 0 if agree else 1
        found = released(args.repo)
        if not found:
            print("no released version yet")
        for release in found.values():
            print(f"{release.version}\t{release.commit}\t{release.how}")
        return 0
    except CannotRun as exc:
        print(f"CANNOT RUN: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
