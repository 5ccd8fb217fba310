#!/usr/bin/env python3
"""Cut a versioned release of the data package.

    python -m scripts.release VERSION [--date YYYY-MM-DD] [--git] [--allow-level]
    make release VERSION=1.2.0

The previous release is found by scripts/versions.py: its tag vX.Y.Z where there is one,
else its release commit in the history (a clone of main has no tags). Before anything is
written it checks, and refuses (exit 1, nothing changed) when:
  - VERSION is not X.Y.Z, or not greater than the newest release (or, before the first
    release, than the version in datapackage.json);
  - CHANGELOG.md has a released section ("## [X.Y.Z]") whose release cannot be found in
    the tags or the history: the level check needs it and is never skipped silently;
  - the git working tree has uncommitted changes or untracked files (dist/ aside);
  - CHANGELOG.md has no entries under "## [Unreleased]";
  - dist/<name>-VERSION.zip or .sqlite already exists (a published file is never overwritten);
  - the change since the previous release needs a higher SemVer level than VERSION gives
    (see scripts/diff.py; --allow-level overrides, e.g. when removed rows were errors);
  - the package, with the new version, bytes and hashes, does not validate, or breaks a
    key in SQLite.

Then it sets the version (datapackage.json, CITATION.cff, .zenodo.json if present) and
the release date, moves the Unreleased entries of CHANGELOG.md into a "## [VERSION] - DATE"
section and updates its compare links, refreshes each resource's bytes and sha256 hash, and
writes to dist/:
  - <name>-VERSION.zip: datapackage.json, the data files, README.md, CHANGELOG.md,
    CITATION.cff, LICENSE and every tracked docs/*.md (drafts of README sections aside) and
    docs/charts/*.png, so that the README's links resolve inside it (reproducible: fixed
    timestamps, sorted entries, fixed permissions);
  - <name>-VERSION.sqlite: the same data as one SQLite database (scripts/sqlite.py);
  - SHA256SUMS: a line for each.
With --git it commits "Release vVERSION" and makes the annotated tag vVERSION; without, it
prints the git commands to run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import diff, sqlite, versions
from .package_io import DESCRIPTOR, ROOT, CannotRun, dump_descriptor, file_digest, load_descriptor, with_stats

# Where the repository lives, for CHANGELOG compare links and pinned download URLs. It is
# read from datapackage.json "homepage"; this placeholder is used only while the descriptor
# has no homepage (the release then warns, so that no placeholder link is published unseen).
REPO_URL_IF_NO_HOMEPAGE = "https://github.com/OWNER/kosovo-human-trafficking"

CHANGELOG = "CHANGELOG.md"
CITATION = "CITATION.cff"
ZENODO = ".zenodo.json"
DIST = "dist"
SUMS = "SHA256SUMS"
SHIPPED_DOCUMENTS = ["README.md", CHANGELOG, "CONTRIBUTING.md", "LICENSE", CITATION]  # with datapackage.json and the data files
SHIPPED_IF_TRACKED = [":(glob)docs/*.md", ":(glob)docs/charts/*.png"]  # git pathspecs: whatever of these exists

UNRELEASED_HEADING = re.compile(r"^## \[Unreleased\]\s*$", re.IGNORECASE)
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]")
LINK_DEFINITION = re.compile(r"^\[([^\]]+)\]:\s*\S")
ARCHIVE_FILE_MODE = 0o644
ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the earliest time a zip entry can hold


class Refused(Exception):
    """The release cannot go ahead; nothing has been written."""


class GitFailed(Exception):
    """The release files are written but committing or tagging failed."""


# --------------------------------------------------------------------------------------
# Versions and git
# --------------------------------------------------------------------------------------

def parse_version(text: str) -> versions.Version:
    version = versions.parse(text or "", allow_v=False)
    if version is None:
        raise Refused(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH (e.g. 1.2.0), "
                      "without a leading 'v' or a suffix")
    return version


bump_level = versions.bump_level


def git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise Refused("git is not installed; a release needs git")
    if done.returncode != 0:
        raise Refused(f"`git {' '.join(args)}` failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def uncommitted_changes(root: Path) -> list[str]:
    """git status lines of everything not committed, untracked files included; dist/ is
    where releases are built, so it does not count."""
    out = git(root, "status", "--porcelain", "--untracked-files=all", "--", ".", f":(exclude){DIST}")
    return [line for line in out.splitlines() if line.strip()]


NOT_SHIPPED_SUFFIX = "-readme-section.md"  # drafts of README sections for the maintainer, not documents


def shipped_extras(root: Path) -> list[str]:
    """The tracked docs/*.md and docs/charts/*.png: the archive ships what the README links
    to. Drafts of README sections (docs/*-readme-section.md) stay out: their links are
    written for the README's folder, and the README carries their text."""
    tracked = git(root, "ls-files", "-z", "--", *SHIPPED_IF_TRACKED).split("\0")[:-1]
    return sorted(path for path in tracked if not path.endswith(NOT_SHIPPED_SUFFIX))


# --------------------------------------------------------------------------------------
# The texts a release rewrites
# --------------------------------------------------------------------------------------

def repo_url(descriptor: dict) -> str:
    homepage = descriptor.get("homepage")
    return homepage.rstrip("/") if isinstance(homepage, str) and homepage.startswith("https://") else REPO_URL_IF_NO_HOMEPAGE


def split_changelog(text: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(before Unreleased, Unreleased entries, the released sections, the link definitions)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if UNRELEASED_HEADING.match(line)]
    if not starts:
        raise Refused(f"{CHANGELOG} has no '## [Unreleased]' heading (Keep a Changelog 1.1.0 format)")
    start = starts[0]
    links_start = len(lines)
    while links_start > start + 1 and (not lines[links_start - 1].strip() or LINK_DEFINITION.match(lines[links_start - 1])):
        links_start -= 1
    next_heading = next((i for i in range(start + 1, links_start) if lines[i].startswith("## ")), links_start)
    return lines[:start], lines[start + 1:next_heading], lines[next_heading:links_start], lines[links_start:]


def has_entries(section: list[str]) -> bool:
    """True when a section holds more than blank lines, ### headings and HTML comments."""
    text = re.sub(r"<!--.*?-->", "", "\n".join(section), flags=re.DOTALL)
    return any(line.strip() and not line.startswith("### ") for line in text.splitlines())


def released_versions(changelog_text: str) -> list[str]:
    """The versions of the released sections, in the order they appear (newest first)."""
    return [m.group(1) for line in changelog_text.splitlines() if (m := RELEASE_HEADING.match(line))]


def strip_blank_ends(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def new_changelog(text: str, version: str, date: str, previous_tag: str | None, url: str) -> str:
    """The Unreleased entries become the VERSION section; a fresh, empty Unreleased stays on top."""
    before, entries, released, links = split_changelog(text)
    tag = f"v{version}"
    kept = [line for line in strip_blank_ends(links)
            if (m := LINK_DEFINITION.match(line)) is None or m.group(1).lower() not in ("unreleased", version)]
    version_link = f"{url}/compare/{previous_tag}...{tag}" if previous_tag else f"{url}/releases/tag/{tag}"
    out = strip_blank_ends(before) + ["", "## [Unreleased]", "", f"## [{version}] - {date}", ""]
    out += strip_blank_ends(entries) + [""]
    if strip_blank_ends(released):
        out += strip_blank_ends(released) + [""]
    out += [f"[Unreleased]: {url}/compare/{tag}...HEAD", f"[{version}]: {version_link}"] + kept
    return "\n".join(out) + "\n"


def set_yaml_key(text: str, key: str, value: str, after: str | None = None) -> str:
    """Set a top-level `key: "value"` line of CITATION.cff, keeping every other line as it is.
    A missing key goes right after the `after` key's line, or else at the end."""
    line = f'{key}: "{value}"'
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
    if pattern.search(text):
        return pattern.sub(lambda _: line, text, count=1)
    anchor = re.search(rf"^{re.escape(after)}:.*$", text, re.MULTILINE) if after else None
    if anchor:
        return text[:anchor.end()] + "\n" + line + text[anchor.end():]
    return text.rstrip("\n") + "\n" + line + "\n"


def new_citation(text: str, version: str, date: str) -> str:
    return set_yaml_key(set_yaml_key(text, "version", version), "date-released", date, after="version")


def new_descriptor(descriptor: dict, root: Path, version: str) -> dict:
    out = dict(descriptor)
    out["version"] = version
    refreshed = []
    for resource in descriptor["resources"]:
        path = root / resource.get("path", "")
        if not path.is_file():
            raise Refused(f"{DESCRIPTOR}: data file {resource.get('path')!r} of resource {resource.get('name')!r} not found")
        refreshed.append(with_stats(resource, *file_digest(path)))
    out["resources"] = refreshed
    return out


# --------------------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------------------

def archive_timestamp(date: str) -> tuple[int, int, int, int, int, int]:
    """Every entry gets the same time: SOURCE_DATE_EPOCH if set (the reproducible-builds
    convention), else midnight of the release date. Never the files' own mtimes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None) if epoch
            else dt.datetime.fromisoformat(date))
    return max(when, ZIP_EPOCH).timetuple()[:6]


def build_archive(members: dict[str, bytes], timestamp) -> bytes:
    """A zip whose bytes depend only on the members' names and contents and the timestamp:
    sorted entries, fixed time, mode 0644, Unix as the creating system, no comment or extras."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=timestamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (0o100000 | ARCHIVE_FILE_MODE) << 16
            archive.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def new_sums(existing: str, archive_name: str, digest: str) -> str:
    """dist/SHA256SUMS in `sha256sum -c` format, one line per archive, sorted by name."""
    sums = {}
    for line in existing.splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0]
    sums[archive_name] = digest
    return "".join(f"{sums[name]}  {name}\n" for name in sorted(sums))


# --------------------------------------------------------------------------------------
# Checks (nothing written)
# --------------------------------------------------------------------------------------

def check_level(root: Path, previous: versions.Release, version: tuple, allow: bool) -> str:
    """Refuse a VERSION below the level the changes since the previous release need."""
    previous_tag = previous.version.tag
    report = diff.compare(diff.git_snapshot(root, previous.commit, label=previous_tag), diff.folder_snapshot(root))
    needed, given = report.level, bump_level(previous.version, version)
    if diff.LEVELS.index(given) >= diff.LEVELS.index(needed):
        return f"the changes since {previous_tag} need a {needed} release; {'.'.join(map(str, version))} is {given}"
    reasons = "\n".join(f"  - {c.message.replace('`', '')}" for c in report.changes if c.level == needed)
    message = (f"{'.'.join(map(str, version))} is a {given} release, but the changes since {previous_tag} "
               f"need a {needed} release:\n{reasons}\n"
               f"Choose a {needed} version, or pass --allow-level if you are sure (e.g. removed rows were errors).")
    if not allow:
        raise Refused(message)
    return "level check overridden (--allow-level): " + message.splitlines()[0]


def check_valid(root: Path, descriptor: dict) -> None:
    """Validate the package as it will be released (new version, bytes and hashes) in a
    temporary copy, so that a refusal leaves the real files untouched."""
    from . import validate  # the package's validator; imported late because frictionless is slow to load

    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        copy = Path(tmp)
        (copy / DESCRIPTOR).write_text(dump_descriptor(descriptor), encoding="utf-8")
        for resource in descriptor["resources"]:
            path = resource.get("path", "")
            if validate.unsafe_path_reason(path) is None:
                (copy / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / path, copy / path)
        try:
            problems = validate.validate_package(copy)
        except CannotRun as exc:
            raise Refused(f"the package cannot be validated: {exc}")
    if problems:
        shown = "\n".join("  " + p.line() for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more (run `make validate`)" if len(problems) > 20 else ""
        raise Refused(f"the package does not validate ({len(problems)} problem(s)):\n{shown}{more}")


# --------------------------------------------------------------------------------------
# The release
# --------------------------------------------------------------------------------------

@dataclass
class Plan:
    """Everything a release writes, worked out before the first byte is written."""

    version: str
    notes: list[str]
    texts: dict[str, str]  # package-relative path -> new content
    archive_name: str
    archive: bytes
    extra_assets: dict[str, bytes]  # other files published beside the archive (the SQLite database)

    @property
    def assets(self) -> dict[str, bytes]:
        """Every file written to dist/ and listed in SHA256SUMS."""
        return {self.archive_name: self.archive, **self.extra_assets}

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def git_commands(self) -> list[list[str]]:
        return [["git", "add", "--", *sorted(self.texts)],
                ["git", "commit", "-m", f"Release {self.tag}"],
                ["git", "tag", "-a", self.tag, "-m", f"Release {self.tag}"]]


def check_date(date: str) -> None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date or ""):
        raise Refused(f"--date {date!r} is not a date of the form YYYY-MM-DD")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise Refused(f"--date {date!r} is not a real date")


def previous_release(root: Path, descriptor: dict, changelog: str) -> tuple[tuple[int, int, int], versions.Release | None, str]:
    """(version, its release or None, how it was found): the newest release (by tag or by
    release commit), or, before the first release, the version datapackage.json carries.
    A CHANGELOG that records a release which cannot be found is refused: the level check
    would have nothing to compare with, and it is never skipped silently."""
    try:
        known = versions.released(root)
    except CannotRun as exc:
        raise Refused(str(exc))
    recorded = versions.changelog_versions(changelog)
    if recorded and max(recorded) not in known:
        raise Refused(f"{CHANGELOG} records the release {max(recorded)}, but it cannot be found, so the change "
                      f"since it cannot be checked: {versions.not_found_message(root, max(recorded), known)}")
    if known:
        newest = known[max(known)]
        return newest.version, newest, f"the newest release ({newest.how})"
    try:
        version = parse_version(str(descriptor.get("version", "")))
    except Refused:
        raise Refused(f"nothing is released yet and {DESCRIPTOR} 'version' ({descriptor.get('version')!r}) "
                      "is not X.Y.Z, so there is no version to count from")
    return version, None, f"the version in {DESCRIPTOR} (nothing is released yet)"


def plan_release(root: Path, version_text: str, date: str, allow_level: bool) -> Plan:
    """Run every check and prepare every file. Raises Refused; writes nothing."""
    version = parse_version(version_text)
    check_date(date)
    git(root, "rev-parse", "--is-inside-work-tree")
    dirty = uncommitted_changes(root)
    if dirty:
        listed = "\n".join("  " + line for line in dirty[:20])
        raise Refused(f"the git working tree has uncommitted changes; commit or stash them first:\n{listed}")
    try:
        descriptor = load_descriptor(root)
    except CannotRun as exc:
        raise Refused(str(exc))
    name = descriptor.get("name")
    if not name:
        raise Refused(f"{DESCRIPTOR} has no 'name'; the archive is named after it")

    for document in SHIPPED_DOCUMENTS:
        if not (root / document).is_file():
            raise Refused(f"{document} is missing; every release archive ships it")
    changelog = (root / CHANGELOG).read_text(encoding="utf-8")

    previous, previous_release_found, baseline = previous_release(root, descriptor, changelog)
    previous_tag = previous_release_found.version.tag if previous_release_found else None
    if version <= previous:
        raise Refused(f"{version_text} is not greater than {'.'.join(map(str, previous))}, {baseline}")

    if not has_entries(split_changelog(changelog)[1]):
        raise Refused(f"the '## [Unreleased]' section of {CHANGELOG} is empty: say what changed before releasing "
                      f"(`python -m scripts.diff {previous_tag or 'HEAD'} .` drafts it)")
    if version_text in released_versions(changelog):
        raise Refused(f"{CHANGELOG} already has a section for {version_text}")

    archive_name = f"{name}-{version_text}.zip"
    database_name = f"{name}-{version_text}.sqlite"
    for published in (archive_name, database_name):
        if (root / DIST / published).exists():
            raise Refused(f"{DIST}/{published} already exists; a published file is never overwritten")

    if previous_release_found:
        try:
            notes = [check_level(root, previous_release_found, version, allow_level)]
        except CannotRun as exc:
            raise Refused(f"cannot compare with {previous_tag}: {exc}")
        if previous_release_found.found_by != "tag":
            notes.append(f"note: {previous_tag} has no tag here (found as {previous_release_found.how}); the "
                         f"{CHANGELOG} compare link needs it on GitHub: `make tags`, then `git push origin {previous_tag}`")
    else:
        notes = [f"first release: nothing released before it to compare with ({baseline})"]

    descriptor_out = new_descriptor(descriptor, root, version_text)
    check_valid(root, descriptor_out)

    url = repo_url(descriptor)
    if url == REPO_URL_IF_NO_HOMEPAGE:
        notes.append(f"WARNING: {DESCRIPTOR} has no 'homepage'; the {CHANGELOG} links use the placeholder "
                     f"{REPO_URL_IF_NO_HOMEPAGE} (scripts/release.py REPO_URL_IF_NO_HOMEPAGE)")
    texts = {
        DESCRIPTOR: dump_descriptor(descriptor_out),
        CITATION: new_citation((root / CITATION).read_text(encoding="utf-8"), version_text, date),
        CHANGELOG: new_changelog(changelog, version_text, date, previous_tag, url),
    }
    if (root / ZENODO).is_file():
        try:
            zenodo = json.loads((root / ZENODO).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise Refused(f"{ZENODO} is not valid JSON: {exc}")
        texts[ZENODO] = dump_descriptor(zenodo | {"version": version_text})

    # The archive is built from the very bytes about to be written, not re-read afterwards.
    shipped = [DESCRIPTOR] + [r["path"] for r in descriptor_out["resources"]] + SHIPPED_DOCUMENTS + shipped_extras(root)
    members = {path: texts[path].encode("utf-8") if path in texts else (root / path).read_bytes() for path in shipped}
    archive = build_archive(members, archive_timestamp(date))
    try:
        database = sqlite.database_bytes(root, descriptor_out)
    except (sqlite.BadData, CannotRun) as exc:
        raise Refused(f"the SQLite database cannot be written: {exc}")
    return Plan(version_text, notes, texts, archive_name, archive, {database_name: database})


def write_release(root: Path, plan: Plan) -> dict[str, str]:
    """Write the new texts, the assets and their checksum lines. Returns {asset: sha256}."""
    for path, text in plan.texts.items():
        write_atomically(root / path, text.encode("utf-8"))
    (root / DIST).mkdir(exist_ok=True)
    sums = root / DIST / SUMS
    listed = sums.read_text(encoding="utf-8") if sums.exists() else ""
    digests = {}
    for name, data in plan.assets.items():
        write_atomically(root / DIST / name, data)
        digests[name] = hashlib.sha256(data).hexdigest()
        listed = new_sums(listed, name, digests[name])
    write_atomically(sums, listed.encode("utf-8"))
    return digests


def commit_and_tag(root: Path, plan: Plan) -> None:
    for command in plan.git_commands:
        try:
            git(root, *command[1:])
        except Refused as exc:
            raise GitFailed(f"{exc}\nThe release files are written; finish by hand:\n"
                            + "\n".join("  " + shell_line(c) for c in plan.git_commands)) from None


def release(root: Path, version_text: str, date: str, use_git: bool, allow_level: bool) -> list[str]:
    """Check, write, and commit and tag if asked. Returns the lines to print."""
    plan = plan_release(root, version_text, date, allow_level)
    digests = write_release(root, plan)
    lines = plan.notes + [f"updated {', '.join(sorted(plan.texts))}"]
    lines += [f"wrote {DIST}/{name} (sha256 {digest})" for name, digest in digests.items()]
    lines.append(f"wrote {DIST}/{SUMS}")
    if use_git:
        commit_and_tag(root, plan)
        lines.append(f"committed 'Release {plan.tag}' and tagged {plan.tag}")
    else:
        lines.append("to commit and tag (or rerun with --git next time):")
        lines += ["  " + shell_line(c) for c in plan.git_commands]
    attached = ", ".join(f"{DIST}/{name}" for name in plan.assets)
    lines.append(f"then: git push && git push origin {plan.tag}; attach {attached} and {DIST}/{SUMS} to the GitHub release")
    return lines


def shell_line(command: list[str]) -> str:
    return " ".join(part if re.fullmatch(r"[\w./:=@+-]+", part) else f'"{part}"' for part in command)


def write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description="Cut a release of the data package: version, changelog, archive, tag.")
    parser.add_argument("version", nargs="?", default="", help="the new version, MAJOR.MINOR.PATCH (e.g. 1.2.0)")
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="release date, YYYY-MM-DD (default: today)")
    parser.add_argument("--git", action="store_true", help="also commit 'Release vVERSION' and create the annotated tag")
    parser.add_argument("--allow-level", action="store_true",
                        help="release even if the changes since the previous release need a higher SemVer level")
    args = parser.parse_args(argv)
    if not args.version:
        print("REFUSED: no VERSION given: make release VERSION=x.y.z\nNothing was changed.", file=sys.stderr)
        return 1
    started = time.perf_counter()
    try:
        lines = release(Path(root), args.version, args.date, args.git, args.allow_level)
    except Refused as exc:
        print(f"REFUSED: {exc}\nNothing was changed.", file=sys.stderr)
        return 1
    except GitFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print(f"released {args.version} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
