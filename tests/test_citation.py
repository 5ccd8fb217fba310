"""CITATION.cff is valid Citation File Format 1.2.0 and agrees with datapackage.json
(and with .zenodo.json, where there is one).

The CFF schema is vendored in tests/schemas/ (see its README) so that no network and no
cffconvert (whose jsonschema pin conflicts with frictionless) are needed.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = REPO_ROOT / "tests" / "schemas" / "citation-cff-1.2.0.json"
CITATION = REPO_ROOT / "CITATION.cff"
ZENODO = REPO_ROOT / ".zenodo.json"


def cff_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def read_cff(path: Path) -> dict:
    # CFF is YAML; dates must stay strings for the JSON schema, so no implicit date typing.
    class NoDates(yaml.SafeLoader):
        pass

    NoDates.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return yaml.load(path.read_text(encoding="utf-8"), Loader=NoDates)


def cff_problems(citation: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(cff_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(citation), key=lambda e: list(map(str, e.absolute_path)))]


def person_name(author: dict) -> str:
    """How Zenodo writes a creator: 'Family, Given' for a person, the name for an entity."""
    if author.get("family-names"):
        given = author.get("given-names", "")
        family = " ".join(p for p in (author.get("name-particle"), author["family-names"], author.get("name-suffix")) if p)
        return f"{family}, {given}" if given else family
    return author.get("name", "")


def zenodo_mismatches(citation: dict, zenodo: dict) -> list[str]:
    problems = []
    if zenodo.get("title") != citation.get("title"):
        problems.append(f"title: .zenodo.json {zenodo.get('title')!r} != CITATION.cff {citation.get('title')!r}")
    if str(zenodo.get("version", "")) != str(citation.get("version", "")):
        problems.append(f"version: .zenodo.json {zenodo.get('version')!r} != CITATION.cff {citation.get('version')!r}")
    license_ = zenodo.get("license")
    license_id = license_.get("id") if isinstance(license_, dict) else license_
    if str(license_id or "").lower() != str(citation.get("license", "")).lower():
        problems.append(f"license: .zenodo.json {license_id!r} != CITATION.cff {citation.get('license')!r}")
    creators = [c.get("name", "") for c in zenodo.get("creators", [])]
    authors = [person_name(a) for a in citation.get("authors", [])]
    if creators != authors:
        problems.append(f"creators: .zenodo.json {creators} != CITATION.cff authors {authors}")
    return problems


def test_vendored_schema_is_the_cff_1_2_0_schema_unchanged():
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    readme = (SCHEMA_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert digest in readme, "tests/schemas/citation-cff-1.2.0.json changed: update its checksum and source in tests/schemas/README.md"
    schema = cff_schema()
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    jsonschema.Draft7Validator.check_schema(schema)


def test_citation_cff_is_valid_cff_1_2_0():
    assert CITATION.is_file(), "CITATION.cff is missing"
    citation = read_cff(CITATION)
    problems = cff_problems(citation)
    assert not problems, "CITATION.cff does not follow CFF 1.2.0:\n" + "\n".join(problems)
    assert citation["cff-version"] == "1.2.0"
    assert citation.get("type") == "dataset"


def test_citation_agrees_with_the_data_package():
    citation = read_cff(CITATION)
    package = json.loads((REPO_ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert str(citation["version"]) == package["version"], "CITATION.cff and datapackage.json give different versions"
    assert citation["title"] == package["title"], "CITATION.cff and datapackage.json give different titles"
    data_licenses = [lic["name"] for lic in package.get("licenses", []) if lic.get("scope", "data") == "data"]
    assert citation.get("license") in data_licenses, f"CITATION.cff license {citation.get('license')!r} is not the data licence {data_licenses}"


def test_zenodo_metadata_agrees_with_citation():
    assert ZENODO.is_file(), ".zenodo.json is missing: Zenodo would archive the release without its metadata"
    problems = zenodo_mismatches(read_cff(CITATION), json.loads(ZENODO.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems)


# --- the checks themselves can fail --------------------------------------------------------

GOOD = {
    "cff-version": "1.2.0",
    "message": "Please cite this data set.",
    "type": "dataset",
    "title": "A data set",
    "authors": [{"family-names": "Doe", "given-names": "Jane"}, {"name": "A maintainers' group"}],
    "version": "1.0.0",
    "license": "CC0-1.0",
    "date-released": "2026-11-28",
}


def test_schema_check_rejects_what_cff_forbids(tmp_path):
    path = tmp_path / "CITATION.cff"
    path.write_text(yaml.safe_dump(GOOD, sort_keys=False), encoding="utf-8")
    assert cff_problems(read_cff(path)) == []
    for change, pattern in [
        ({"authors": []}, r"authors"),                       # at least one author
        ({"type": "software-package"}, r"type"),            # not one of software, dataset
        ({"license": "CC0"}, r"license"),                   # not an SPDX id
        ({"date-released": "28.11.2026"}, r"date-released"),  # not an ISO date
        ({"titel": "typo"}, r"titel"),                      # unknown key
    ]:
        problems = cff_problems(GOOD | change)
        assert problems and re.search(pattern, "\n".join(problems)), change
    assert any("message" in p for p in cff_problems({k: v for k, v in GOOD.items() if k != "message"}))


def test_zenodo_check_finds_each_disagreement():
    zenodo = {"title": "A data set", "version": "1.0.0", "license": {"id": "cc0-1.0"},
              "creators": [{"name": "Doe, Jane"}, {"name": "A maintainers' group"}]}
    assert zenodo_mismatches(GOOD, zenodo) == []
    assert zenodo_mismatches(GOOD, zenodo | {"license": "cc0-1.0"}) == []
    for change, word in [({"title": "Another"}, "title"), ({"version": "1.0.1"}, "version"),
                         ({"license": {"id": "cc-by-4.0"}}, "license"), ({"creators": [{"name": "Jane Doe"}]}, "creators")]:
        problems = zenodo_mismatches(GOOD, zenodo | change)
        assert len(problems) == 1 and problems[0].startswith(word), change
