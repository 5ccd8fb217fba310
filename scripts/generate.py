"""Regenerate every generated file of the package, or check that none is stale.

    python -m scripts.generate            # rewrite them all (make generate)
    python -m scripts.generate --check    # exit 1 naming each stale file (the freshness test runs this)

One list of steps, one way to keep generated files in step with the data: the headline series
(and the README's table of it), the README's coverage table, the data dictionary, the conflicts
page, the claims page, the list of validation rules in CONTRIBUTING.md and the charts. The check
runs every step on a copy of the package and compares bytes, so it needs no per-file logic.
"""
from __future__ import annotations

import argparse
import filecmp
import importlib
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

from .package_io import ROOT

# (module, extra arguments after the package folder); order matters: the headline series is
# data that the coverage table, the charts and the claims read.
STEPS = [
    ("urls", ["--write"]),
    ("headline", ["--write"]),
    ("hashes", []),
    ("coverage", ["--write"]),
    ("docs", ["--write"]),
    ("conflicts", ["--write"]),
    ("claims", ["--write"]),
    ("rules_doc", ["--write"]),
    ("issue_form", ["--write"]),
    ("charts", []),
]
# What the steps write, and what a copy of the package needs for them to run.
GENERATED = ["data/headline_series.csv", "datapackage.json", "README.md", "CONTRIBUTING.md", "CHANGELOG.md",
             "CITATION.cff", ".zenodo.json", "pyproject.toml", ".github/ISSUE_TEMPLATE/data-correction.yml",
             "docs/data-dictionary.md", "docs/conflicts.md", "docs/claims.md", "docs/charts"]
INPUTS = ["datapackage.json", "data", "README.md", "CONTRIBUTING.md", "CHANGELOG.md", "CITATION.cff", ".zenodo.json",
          "pyproject.toml", "docs", ".github"]


def available_steps() -> list[tuple[str, list[str]]]:
    """The steps whose module exists (a step is added by adding its module and a line above)."""
    return [(m, a) for m, a in STEPS if importlib.util.find_spec(f"{__package__}.{m}") is not None]


def run_all(root: Path) -> list[str]:
    """Run every step on root; return the steps that failed."""
    failed = []
    for module, args in available_steps():
        code = importlib.import_module(f"{__package__}.{module}").main([str(root), *args])
        if code not in (0, None):
            failed.append(module)
    return failed


def differs(a: Path, b: Path) -> bool:
    if a.is_dir() or b.is_dir():
        if not (a.is_dir() and b.is_dir()):
            return True
        cmp = filecmp.dircmp(a, b)
        return bool(cmp.left_only or cmp.right_only or
                    filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)[1] or
                    filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)[2])
    return not (a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False))


def stale_files(root: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "package"
        copy.mkdir()
        for name in INPUTS:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, copy / name)
            elif source.is_file():
                shutil.copy2(source, copy / name)
        failed = run_all(copy)
        if failed:
            return [f"(step {m} failed)" for m in failed]
        return [name for name in GENERATED if (root / name).exists() or (copy / name).exists()
                if differs(root / name, copy / name)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT))
    parser.add_argument("--check", action="store_true", help="only report stale generated files")
    args = parser.parse_args(argv)
    root = Path(args.package)
    if not (root / "datapackage.json").is_file():
        print(f"generate: no datapackage.json in {root.resolve()}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(root)
        for name in stale:
            print(f"{name} is stale: run `make generate` and commit the result", file=sys.stderr)
        return 1 if stale else 0
    failed = run_all(root)
    if failed:
        print(f"generate: step(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
