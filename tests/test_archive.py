"""The release archive is self-contained: built from a copy of the real repository (README,
docs and charts as the maintainer wrote them), it holds the data, the descriptor, the
documents and the charts; every relative link and image in every Markdown file inside it
resolves inside it; the package in it validates and loads; and it comes out byte for byte
the same when built again elsewhere (the SQLite database beside it too)."""
from __future__ import annotations

import io
import os
import posixpath
import re
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from conftest import REPO_ROOT, release_git

from scripts import release, validate
from scripts.load import declared_dtypes, load
from scripts.package_io import load_descriptor, resources

DATE = "2030-01-15"

FENCED = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
INLINE = re.compile(r"\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.MULTILINE)
HTML_ATTRIBUTE = re.compile(r"<(?:img|a|source)\b[^>]*?\s(?:src|href|srcset)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#)")  # a scheme (https:, mailto:), protocol-relative, or an anchor


def relative_targets(markdown: str) -> list[str]:
    """Every link and image target of a Markdown text that points at a file by a relative path
    (inline, reference-style and HTML), outside code; without #fragment or ?query."""
    text = CODE_SPAN.sub("", FENCED.sub("", HTML_COMMENT.sub("", markdown)))
    targets = INLINE.findall(text) + REFERENCE.findall(text) + HTML_ATTRIBUTE.findall(text)
    out = []
    for target in targets:
        target = target.strip("<>").split("#", 1)[0].split("?", 1)[0]
        if target and not EXTERNAL.match(target):
            out.append(unquote(target))
    return out


def broken_links(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """{Markdown member: [its relative targets that are neither a member nor a folder of members]}."""
    names = set(archive.namelist())
    folders = {posixpath.dirname(n) for n in names}
    folders |= {f.rsplit("/", i)[0] for f in list(folders) for i in range(1, f.count("/") + 1)}
    broken = {}
    for name in sorted(n for n in names if n.lower().endswith(".md")):
        for target in relative_targets(archive.read(name).decode("utf-8")):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if path.startswith("../") or path == ".." or (path not in names and path.rstrip("/") not in folders):
                broken.setdefault(name, []).append(target)
    return broken


# --------------------------------------------------------------------------------------
# The link checker itself
# --------------------------------------------------------------------------------------

def test_link_checker_finds_what_does_not_resolve():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("README.md", "\n".join([
            "[ok](docs/a.md) ![chart](docs/charts/x.png) [folder](data/) [anchor](#top) [web](https://example.org/x.md)",
            "[gone](docs/missing.md) ![gone image](img/none.png) [up](../outside.md) [ref][r] <img src=\"docs/y.png\">",
            "`[code](docs/in-code.md)` and [ok with fragment](docs/a.md#part \"title\")",
            "```", "[fenced](docs/fenced.md)", "```",
            "[r]: CONTRIBUTING.md",
        ]))
        z.writestr("docs/a.md", "[back](../README.md) [sibling](b.md) [self-folder-style](docs/a.md)")
        z.writestr("docs/charts/x.png", b"")
        z.writestr("data/t.csv", "a\n")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        assert broken_links(z) == {
            "README.md": ["docs/missing.md", "img/none.png", "../outside.md", "CONTRIBUTING.md", "docs/y.png"],
            "docs/a.md": ["b.md", "docs/a.md"],
        }


# --------------------------------------------------------------------------------------
# The archive of a copy of the real repository
# --------------------------------------------------------------------------------------

def copy_tracked_files(dest: Path) -> None:
    """Every file git tracks in the real repository, as it is in the working tree."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        source = REPO_ROOT / name
        if name and source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())


def committed_copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    copy_tracked_files(dest)
    changelog = dest / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace(
        "## [Unreleased]\n", "## [Unreleased]\n\n### Changed\n\n- A test entry.\n", 1), encoding="utf-8")
    release_git(dest, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Archive Test"), ("user.email", "archive-test@example.org"), ("commit.gpgsign", "false")):
        release_git(dest, "config", key, value)
    release_git(dest, "add", "-A")
    release_git(dest, "commit", "-q", "-m", "Package")
    return dest


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict:
    """The release planned (every check run, nothing written) in a copy and in a clone of it
    whose files have other modification times."""
    base = tmp_path_factory.mktemp("archive")
    repo = committed_copy(base / "repo")
    twin = base / "twin"
    release_git(base, "clone", "-q", str(repo), str(twin))
    for path in twin.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            os.utime(path, (1_000_000_000, 1_000_000_000))
    version = f"{int(load_descriptor(repo)['version'].split('.')[0]) + 1}.0.0"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        first = release.plan_release(repo, version, DATE, allow_level=True)
        second = release.plan_release(twin, version, DATE, allow_level=True)
    return {"repo": repo, "first": first, "second": second, "version": version}


@pytest.fixture(scope="module")
def archive(plans) -> zipfile.ZipFile:
    with zipfile.ZipFile(io.BytesIO(plans["first"].archive)) as z:
        yield z


def test_archive_ships_data_documents_docs_and_charts(plans, archive):
    repo = plans["repo"]
    names = set(archive.namelist())
    required = {"datapackage.json", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "CITATION.cff", "LICENSE",
                "docs/data-dictionary.md", "docs/conflicts.md"}
    required |= {r.path for r in resources(load_descriptor(repo)).values()}
    required |= {p.relative_to(repo).as_posix() for p in (repo / "docs").glob("*.md") if not p.name.endswith("-readme-section.md")}
    required |= {p.relative_to(repo).as_posix() for p in (repo / "docs" / "charts").glob("*.png")}
    assert required - names == set(), "missing from the archive"
    assert names - required == set(), "in the archive but not a release file"
    assert len({p for p in names if p.startswith("docs/charts/")}) >= 5


def test_every_relative_link_and_image_in_the_archive_resolves_inside_it(archive):
    broken = broken_links(archive)
    assert broken == {}, "Markdown in the release archive links to files it does not hold:\n" + "\n".join(
        f"  {name}: {', '.join(targets)}" for name, targets in broken.items())


def test_readme_links_and_images_are_checked(archive):
    """The check above is not empty: the README's links, and the charts page's images, are among what it checks."""
    targets = relative_targets(archive.read("README.md").decode("utf-8"))
    assert {"docs/data-dictionary.md", "docs/charts.md", "docs/claims.md", "docs/conflicts.md"} <= set(targets)
    images = relative_targets(archive.read("docs/charts.md").decode("utf-8"))
    assert any(t.startswith("charts/") and t.endswith(".png") for t in images)


def test_archive_and_database_are_byte_identical_when_built_again_elsewhere(plans):
    first, second = plans["first"], plans["second"]
    assert first.archive == second.archive
    assert first.extra_assets == second.extra_assets
    assert list(first.extra_assets) == [f"kosovo-human-trafficking-{plans['version']}.sqlite"]


def test_the_package_in_the_archive_validates_and_loads_with_its_types(archive, tmp_path):
    archive.extractall(tmp_path)
    assert validate.validate_package(tmp_path) == []
    for name, resource in resources(load_descriptor(tmp_path)).items():
        frame = load(name, tmp_path)
        assert len(frame) > 0, name
        for column, declared in declared_dtypes(resource).items():
            actual = frame[column].dtype
            if declared.startswith("datetime64"):
                assert pd.api.types.is_datetime64_any_dtype(actual), f"{name}.{column}: {actual}"
            else:
                assert str(actual) == declared, f"{name}.{column}: {actual}, declared {declared}"
