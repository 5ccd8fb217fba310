#!/usr/bin/env python3
"""Keep each resource's `bytes` and `hash` in datapackage.json equal to its file.

    python -m scripts.hashes            # refresh them (after editing a CSV)
    python -m scripts.hashes --check    # exit 1 if any is stale, naming the file

Exit 2 when the package cannot be read (no datapackage.json, a missing data file).

A descriptor whose hashes describe other bytes than the files beside it would make every
`frictionless validate` fail, so they are refreshed with each data change, not only at
a release. `make validate` reports a stale hash as a problem of its own.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .package_io import write_atomic, DESCRIPTOR, ROOT, CannotRun, dump_descriptor, file_digest, file_stats_against_record, load_descriptor, with_stats


def stale_resources(descriptor: dict, root: Path) -> list[tuple[str, str]]:
    """(path, what is wrong) for every resource whose bytes or hash do not match its file."""
    stale = []
    for resource in descriptor["resources"]:
        path = root / resource.get("path", "")
        if not path.is_file():
            continue  # the validator reports a missing file
        actual, differs = file_stats_against_record(resource, path)
        if differs or "bytes" not in resource or "hash" not in resource:
            stale.append((resource.get("path", ""), f"datapackage.json records bytes={resource.get('bytes')} "
                                                    f"and hash={resource.get('hash')}, the file has bytes={actual['bytes']} and {actual['hash']}"))
    return stale


def refreshed(descriptor: dict, root: Path) -> dict:
    out = dict(descriptor)
    out["resources"] = [with_stats(r, *file_digest(root / r.get("path", ""))) for r in descriptor["resources"]]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT))
    parser.add_argument("--check", action="store_true", help="only report stale hashes")
    args = parser.parse_args(argv)
    root = Path(args.package)
    try:
        descriptor = load_descriptor(root)
        stale = stale_resources(descriptor, root)
        if args.check:
            for path, why in stale:
                print(f"{path}: stale hash: {why}", file=sys.stderr)
            return 1 if stale else 0
        write_atomic(root / DESCRIPTOR, dump_descriptor(refreshed(descriptor, root)))
    except CannotRun as exc:
        print(f"hashes: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"hashes: cannot read {exc.filename or 'a data file'}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"refreshed bytes and hash of {len(descriptor['resources'])} resource(s)" + (f" ({len(stale)} had changed)" if stale else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
