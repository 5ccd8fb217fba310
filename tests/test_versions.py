"""The version of the real package is the same everywhere it is written, and every release tag
carries bytes and hashes that match its data files. Parts that need a tag or a released
CHANGELOG section skip until the first release exists."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess

import pytest
import yaml

from conftest import REPO_ROOT

RELEASE_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True)


def release_tags() -> list[str]:
    """The vX.Y.Z tags of the real repository, newest version first; [] outside git."""
    done = git("tag", "--list", "v*")
    if done.returncode != 0:
        return []
    tags = [t for t in done.stdout.decode().split() if RELEASE_TAG.match(t)]
    return sorted(tags, key=lambda t: tuple(map(int, RELEASE_TAG.match(t).groups())), reverse=True)


def show(tag: str, path: str) -> bytes:
    done = git("show", f"{tag}:{path}")
    assert done.returncode == 0, f"{tag} has no {path}: {done.stderr.decode().strip()}"
    return done.stdout


def package_version() -> str:
    return json.loads((REPO_ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]


def test_citation_version_is_the_package_version():
    citation = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation.get("version")) == package_version(), "CITATION.cff and datapackage.json disagree on the version"


def test_newest_changelog_release_is_the_package_version():
    released = RELEASE_HEADING.findall((REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    if not released:
        pytest.skip("CHANGELOG.md has no released section yet")
    assert released[0] == package_version(), "the newest '## [X.Y.Z]' section of CHANGELOG.md is not the package version"


def test_newest_tag_is_the_package_version():
    tags = release_tags()
    if not tags:
        pytest.skip("no vX.Y.Z tag yet")
    assert tags[0] == f"v{package_version()}", "datapackage.json does not carry the version of the newest tag"


@pytest.mark.parametrize("tag", release_tags() or [pytest.param(None, marks=pytest.mark.skip(reason="no vX.Y.Z tag yet"))])
def test_tagged_release_has_matching_bytes_and_hashes(tag):
    descriptor = json.loads(show(tag, "datapackage.json"))
    assert descriptor["version"] == tag[1:], f"{tag}: datapackage.json says version {descriptor['version']}"
    for resource in descriptor["resources"]:
        data = show(tag, resource["path"])
        assert resource.get("bytes") == len(data), f"{tag}: bytes of {resource['path']}"
        assert resource.get("hash") == "sha256:" + hashlib.sha256(data).hexdigest(), f"{tag}: hash of {resource['path']}"
