"""The data-correction issue form's list of tables and their keys, from datapackage.json.

    python -m scripts.issue_form [PACKAGE_DIR] [--write]    # part of `make generate`

The form (.github/ISSUE_TEMPLATE/data-correction.yml) asks which table holds a wrong value and
the row's primary key. Both come from the descriptor, so a new or renamed table or key reaches
the form without anyone editing it by hand. Only the two generated blocks are rewritten.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .package_io import ROOT, CannotRun, load_descriptor, resources, write_atomic

FORM = Path(".github") / "ISSUE_TEMPLATE" / "data-correction.yml"
OPTIONS = re.compile(r"(?P<head>      options:\n)(?P<body>(?:        - .*\n)+)")
KEYS = re.compile(r"(?P<head>        The values of the row's primary key, in this order\.\n)(?P<body>(?:        [a-z_]+: .*\n)+)")


def rendered(text: str, root: Path) -> str:
    # A generated table (the headline series) is corrected in the table it is generated from.
    declared = {n: r for n, r in resources(load_descriptor(root)).items() if not r.generated_by}
    options = "".join(f"        - {name}\n" for name in declared)
    keys = "".join(f"        {name}: {', '.join(r.primary_key)}.\n" for name, r in declared.items() if r.primary_key)
    for pattern, body, what in ((OPTIONS, options, "the list of tables"), (KEYS, keys, "the list of keys")):
        if not pattern.search(text):
            raise CannotRun(f"{FORM}: {what} was not found where the form keeps it")
        text = pattern.sub(lambda m, b=body: m.group("head") + b, text, count=1)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    root = Path(args.package)
    path = root / FORM
    if not path.is_file():
        return 0  # a copy of the package without the repository's forms: nothing to keep in step
    try:
        text = path.read_text(encoding="utf-8")
        new = rendered(text, root)
    except (CannotRun, OSError) as exc:
        print(f"issue_form: {exc}", file=sys.stderr)
        return 2
    if new != text:
        if not args.write:
            print(f"{FORM} is out of step with datapackage.json: run `make generate`", file=sys.stderr)
            return 1
        write_atomic(path, new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
