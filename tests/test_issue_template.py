"""The data-correction issue form is valid YAML with the fields a correction needs,
and it knows every resource of the package and its primary key."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
FORMS = REPO_ROOT / ".github" / "ISSUE_TEMPLATE"
REQUIRED_IDS = ["resource", "row_key", "field", "current_value", "correct_value", "source_title", "source_url", "locator"]
ELEMENT_TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}


def load_form() -> dict:
    return yaml.safe_load((FORMS / "data-correction.yml").read_text(encoding="utf-8"))


def declared_resources() -> list[dict]:
    """The tables a correction can be about: every resource but the generated ones (the headline
    series is corrected in the table it is generated from)."""
    resources = json.loads((REPO_ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    return [r for r in resources if "x-generatedBy" not in r]


def required_ids(form: dict) -> list[str]:
    return [e["id"] for e in form["body"] if e.get("validations", {}).get("required")]


def test_form_has_the_top_level_keys_github_needs():
    form = load_form()
    for key in ("name", "description", "body"):
        assert form.get(key), f"issue form lacks {key!r}"
    ids = [e.get("id") for e in form["body"] if e["type"] != "markdown"]
    assert len(ids) == len(set(ids)) and all(ids), "every input needs a unique id"
    for element in form["body"]:
        assert element["type"] in ELEMENT_TYPES, element
        assert element["attributes"].get("label") or element["type"] == "markdown", element


def test_every_part_of_a_correction_is_required():
    assert required_ids(load_form()) == REQUIRED_IDS


def test_required_check_can_fail():
    form = load_form()
    for element in form["body"]:
        if element.get("id") == "locator":
            element["validations"]["required"] = False
    assert "locator" not in required_ids(form)


def test_resource_choices_and_key_help_follow_the_package():
    form = load_form()
    elements = {e.get("id"): e for e in form["body"]}
    options = elements["resource"]["attributes"]["options"]
    names = [r["name"] for r in declared_resources()]
    assert options == names, "the form's resource list differs from datapackage.json: run `make generate`"
    assert "headline_series" not in options
    help_text = " ".join(elements["row_key"]["attributes"]["description"].split())
    for resource in declared_resources():
        key = resource["schema"]["primaryKey"]
        key = [key] if isinstance(key, str) else key
        assert f"{resource['name']}: {', '.join(key)}." in help_text, f"row key help lacks {resource['name']}'s primary key"


def test_config_parses():
    config = yaml.safe_load((FORMS / "config.yml").read_text(encoding="utf-8"))
    assert isinstance(config.get("blank_issues_enabled"), bool)
    for link in config.get("contact_links", []):
        assert {"name", "url", "about"} <= set(link)
