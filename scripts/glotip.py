"""Extract victims from Kosovo detected abroad from UNODC's GLOTIP data file.

    python -m scripts.glotip PATH/TO/data_glotip.xlsx            # print the rows it would write
    python -m scripts.glotip PATH/TO/data_glotip.xlsx --write    # replace them in data/origin_countries.csv

UNODC's trafficking database (the data behind the Global Report on Trafficking in Persons) is
not stored in this repository. The copy read for the package is named in data/sources.csv
(source GLOTIP_SOURCE below): repository, path, commit and sha256. The script refuses a file
whose sha256 differs, so the rows in data/ can always be traced to one exact file.

Kosovo does not report to GLOTIP; it appears as the citizenship of victims other countries
detected, under labels that change between editions ("Kosovo under UNSCR 1244", "Kosovar",
"Kosovo"). A value published as "<5" is kept as suppressed: victims stays empty and
published_below is 5. Only "Detected trafficking victims" are extracted: persons of Kosovo
citizenship convicted abroad are about foreign courts, not about Kosovo's victims.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import pandas as pd

from .package_io import ROOT, CannotRun, csv_text, load_descriptor, primary_key_order, read_raw, resources, to_typed, write_atomic

GLOTIP_SOURCE = "unodc-glotip-2025"
EXPECTED_SHA256 = "24c34b95dfefb520445ef0f8d039727cad6febf0ab36807d5fc0aeee128c413e"
HEADER_ROW = 2  # rows 1-2 are a preamble (publisher, edition date); the header is Excel row 3
KOSOVO_LABEL = re.compile(r"kosov", re.IGNORECASE)
SUPPRESSED = re.compile(r"^<\s*(\d+)$")
INDICATOR = "Detected trafficking victims"


class ExtractError(Exception):
    """The file is not the expected GLOTIP copy, or holds a value the script cannot read."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_glotip(path: Path) -> pd.DataFrame:
    """The data sheet as text cells, with the spreadsheet's row number kept for locators."""
    frame = pd.read_excel(path, header=HEADER_ROW, dtype=str, keep_default_na=False, na_values=[])
    missing = {"Iso3_code", "Indicator", "Dimension", "Category", "Sex", "Age", "Year", "txtVALUE"} - set(frame.columns)
    if missing:
        raise ExtractError(f"{path}: not a GLOTIP data file (no column(s) {', '.join(sorted(missing))} on row {HEADER_ROW + 1})")
    return frame.assign(excel_row=frame.index + HEADER_ROW + 2)


def kosovo_detected_victims(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of victims of Kosovo citizenship detected by another country, all sexes and ages together."""
    return frame[(frame["Indicator"] == INDICATOR) & (frame["Dimension"] == "by citizenship")
                 & frame["Category"].str.contains(KOSOVO_LABEL) & (frame["Sex"] == "Total") & (frame["Age"] == "Total")]


def value_cells(text: str, where: str) -> tuple[str, str]:
    """(victims, published_below) for one txtVALUE: a count, or "<N" kept as suppressed."""
    text = text.strip()
    suppressed = SUPPRESSED.match(text)
    if suppressed:
        return "", suppressed.group(1)
    if re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", text):
        return text.replace(",", ""), ""
    raise ExtractError(f"{where}: txtVALUE {text!r} is neither a count nor '<N'")


def package_rows(selected: pd.DataFrame, iso3_to_code: dict[str, str]) -> pd.DataFrame:
    """The origin_countries rows for the selected GLOTIP rows."""
    rows = []
    for r in selected.itertuples():
        where = f"row {r.excel_row}"
        code = iso3_to_code.get(r.Iso3_code)
        if code is None:
            raise ExtractError(f"{where}: reporting country {r.Iso3_code!r} is not in data/countries.csv: add it (alpha-2, iso3, name)")
        victims, below = value_cells(r.txtVALUE, where)
        year = str(int(float(r.Year)))
        rows.append({
            "reference_year": year, "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
            "period_kind": "calendar_year", "population": "detected_abroad", "role": "destination",
            "country_code": code, "basis": "count", "victims": victims, "share_percent": "", "published_below": below,
            "source_id": GLOTIP_SOURCE,
            "locator": f"data_glotip.xlsx, sheet data_glotip_1, row {r.excel_row}",
            "source_phrase": r.Category, "restatement": "false", "derived": "false",
            "breakdown_complete": "false", "preferred": "true",
            "notes": f"Victims of Kosovo citizenship ('{r.Category}') detected by the authorities of {r.Country}; GLOTIP indicator '{INDICATOR}', all sexes and ages."
                     + (" Published as '<5': between 1 and 4 if only non-zero cells are listed, which the file does not say." if below else ""),
        })
    return pd.DataFrame(rows)


def merged_origins(root: Path, new_rows: pd.DataFrame) -> str:
    """origin_countries.csv with this source's rows replaced by new_rows, sorted by primary key."""
    resource = resources(load_descriptor(root))["origin_countries"]
    current = read_raw(root / resource.path)
    kept = current[current["source_id"] != GLOTIP_SOURCE]
    merged = pd.concat([kept, new_rows[resource.field_names]], ignore_index=True).fillna("")
    order = primary_key_order(to_typed(merged, resource), resource.primary_key)
    return csv_text(merged.loc[order])


def extract(xlsx: Path, root: Path, check_hash: bool = True) -> pd.DataFrame:
    if check_hash and sha256_of(xlsx) != EXPECTED_SHA256:
        raise ExtractError(f"{xlsx}: sha256 {sha256_of(xlsx)} is not the recorded copy's {EXPECTED_SHA256}")
    countries = read_raw(root / resources(load_descriptor(root))["countries"].path)
    return package_rows(kosovo_detected_victims(read_glotip(xlsx)), dict(zip(countries["iso3"], countries["country_code"])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xlsx", type=Path, help="the GLOTIP data file (data_glotip.xlsx)")
    parser.add_argument("--package", type=Path, default=ROOT)
    parser.add_argument("--write", action="store_true", help="replace the GLOTIP rows in data/origin_countries.csv")
    parser.add_argument("--no-hash-check", action="store_true", help="accept another copy (for tests and new editions)")
    args = parser.parse_args(argv)
    try:
        rows = extract(args.xlsx, args.package, check_hash=not args.no_hash_check)
        if args.write:
            path = args.package / resources(load_descriptor(args.package))["origin_countries"].path
            write_atomic(path, merged_origins(args.package, rows))
            print(f"wrote {len(rows)} GLOTIP row(s) into {path}; run `make hashes` and `make validate`")
        else:
            sys.stdout.write(csv_text(rows))
    except (ExtractError, CannotRun, OSError, ValueError, KeyError) as exc:
        print(f"glotip: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
