"""Keep the list of validation rules in CONTRIBUTING.md in step with the registry.

    python -m scripts.rules            # print the list (Markdown)
    python -m scripts.rules --write    # write it between the markers in CONTRIBUTING.md
    python -m scripts.rules --check    # exit 1 if CONTRIBUTING.md's list is out of date
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import rules_markdown
from ..package_io import ROOT, write_atomic

START, END = "<!-- rules:start -->", "<!-- rules:end -->"
DOCUMENT = "CONTRIBUTING.md"


def with_rules(text: str, table: str) -> str:
    """text with table between the markers; ValueError if the markers are missing or out of order."""
    head, start, rest = text.partition(START)
    body, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"{DOCUMENT} has no {START} ... {END} markers")
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description="The list of validation rules, from the registry in scripts/rules/.")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write it into {DOCUMENT}")
    action.add_argument("--check", action="store_true", help=f"exit 1 if {DOCUMENT} is out of date")
    args = parser.parse_args(argv)
    table = rules_markdown()
    if not (args.write or args.check):
        print(table, end="")
        return 0
    path = Path(root) / DOCUMENT
    try:
        text = path.read_text(encoding="utf-8")
        updated = with_rules(text, table)
    except (OSError, ValueError) as exc:
        print(f"rules: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if updated != text:
            print(f"{DOCUMENT}: the list of rules is out of date: run `python -m scripts.rules --write`", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        write_atomic(path, updated)
        print(f"wrote the list of rules into {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
