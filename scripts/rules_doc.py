"""Keep the list of validation rules in CONTRIBUTING.md in step with the registry (scripts/rules/).

    python -m scripts.rules_doc [PACKAGE_DIR]            # print the list (Markdown)
    python -m scripts.rules_doc [PACKAGE_DIR] --write    # write it between the markers in CONTRIBUTING.md
    python -m scripts.rules_doc [PACKAGE_DIR] --check    # exit 1 if CONTRIBUTING.md's list is out of date

The list goes between `<!-- rules:start -->` and `<!-- rules:end -->`; where CONTRIBUTING.md has
no such markers, --write adds a section "Validation rules" holding them at its end.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .package_io import replace_between, ROOT, write_atomic
from .rules import rules_markdown

START, END = "<!-- rules:start -->", "<!-- rules:end -->"
DOCUMENT = "CONTRIBUTING.md"
SECTION = f"""
## Validation rules

The validator's checks, generated from the registry in `scripts/rules/` by
`python -m scripts.rules_doc --write`:

{START}
{END}
"""


def with_rules(text: str, table: str) -> str:
    """text with table between the markers (a section holding them added at the end if there are none)."""
    if START not in text or END not in text.partition(START)[2]:
        text = text.rstrip("\n") + "\n" + SECTION
    return replace_between(text, START, END, table, "CONTRIBUTING.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The list of validation rules, from the registry in scripts/rules/.")
    parser.add_argument("package", nargs="?", default=str(ROOT), help="folder holding CONTRIBUTING.md")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write it into {DOCUMENT}")
    action.add_argument("--check", action="store_true", help=f"exit 1 if {DOCUMENT} is out of date")
    args = parser.parse_args(argv)
    table = rules_markdown()
    if not (args.write or args.check):
        print(table, end="")
        return 0
    path = Path(args.package) / DOCUMENT
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else "# Contributing\n"
    except OSError as exc:
        print(f"rules_doc: {DOCUMENT}: {exc}", file=sys.stderr)
        return 2
    updated = with_rules(text, table)
    if args.check:
        if updated != text:
            print(f"{DOCUMENT}: the list of rules is out of date: run `make generate` (python -m scripts.rules_doc --write)",
                  file=sys.stderr)
            return 1
        return 0
    if updated != text:
        write_atomic(path, updated)
        print(f"wrote the list of rules into {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
