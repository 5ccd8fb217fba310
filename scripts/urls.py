"""Keep every address of the repository in step with `homepage` in datapackage.json.

    python -m scripts.urls            # list the files whose repository addresses differ
    python -m scripts.urls --write    # rewrite them from homepage (part of `make generate`)

The repository's public address is not final. It is kept once, as `homepage`; the README, the
contributors' guide, the citation files and the package metadata quote it in install commands
and raw-file URLs, and this step rewrites them from homepage. Any GitHub repository named in
those files is taken to be this one, except those listed in EXTERNAL_REPOSITORIES.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .package_io import ROOT, CannotRun, load_descriptor, write_atomic

FILES = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "CITATION.cff", ".zenodo.json", "pyproject.toml"]
EXTERNAL_REPOSITORIES: set[str] = set()  # owner/name of other projects a file may link to
# owner/name after a GitHub host; a name with a dot in it is not supported (".git" ends the match).
GITHUB_SLUG = re.compile(r"(?P<host>(?:https?://)?(?:github\.com|raw\.githubusercontent\.com)/)(?P<slug>[A-Za-z0-9_-]+/[A-Za-z0-9_-]+)")


def homepage_slug(root: Path) -> str:
    homepage = load_descriptor(root).get("homepage", "")
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/?", homepage)
    if not match:
        raise CannotRun(f"datapackage.json: homepage {homepage!r} is not a GitHub repository address")
    return match.group(1)


def rewritten(text: str, slug: str) -> str:
    def replace(m: re.Match) -> str:
        return m.group(0) if m.group("slug") in EXTERNAL_REPOSITORIES else m.group("host") + slug
    return GITHUB_SLUG.sub(replace, text)


def stale(root: Path) -> dict[Path, str]:
    """{file: its text with the addresses rewritten} for every file that differs."""
    slug = homepage_slug(root)
    out = {}
    for name in FILES:
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            new = rewritten(text, slug)
            if new != text:
                out[path] = new
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    try:
        changes = stale(Path(args.package))
    except (CannotRun, OSError) as exc:
        print(f"urls: {exc}", file=sys.stderr)
        return 2
    for path, text in changes.items():
        if args.write:
            write_atomic(path, text)
            print(f"rewrote the repository addresses in {path.name}")
        else:
            print(f"{path.name}: repository addresses differ from homepage", file=sys.stderr)
    return 1 if changes and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
