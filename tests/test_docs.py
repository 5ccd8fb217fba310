"""docs/data-dictionary.md is generated from datapackage.json and kept up to date;
the schema documents every field, and every CSV header matches its schema."""
from __future__ import annotations

from dataclasses import dataclass

import json
import shutil
import contextlib
import io
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from scripts import docs as docs_script
from scripts.package_io import load_descriptor, resources


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def run_docs(*args: str) -> Done:
    """`python -m scripts.docs ARGS`, in this interpreter."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = docs_script.main(list(args))
    return Done(code, out.getvalue(), err.getvalue())


def test_committed_data_dictionary_is_up_to_date():
    committed = REPO_ROOT / "docs" / "data-dictionary.md"
    assert committed.is_file(), "docs/data-dictionary.md is missing: run `make generate`"
    generated = docs_script.render(load_descriptor(REPO_ROOT))
    assert committed.read_text(encoding="utf-8") == generated, (
        "docs/data-dictionary.md differs from what scripts/docs.py generates from datapackage.json: run `make generate`")


def test_every_field_has_title_description_and_type():
    lacking = [
        f"{name}.{field.get('name', '?')}: {key}"
        for name, resource in resources(load_descriptor(REPO_ROOT)).items()
        for field in resource.fields
        for key in ("title", "description", "type")
        if not str(field.get(key, "")).strip()
    ]
    assert not lacking, "fields without documentation: " + "; ".join(lacking)


def test_every_csv_header_equals_the_schema_fields():
    for name, resource in resources(load_descriptor(REPO_ROOT)).items():
        path = REPO_ROOT / resource.path
        assert path.is_file(), f"{resource.path} (resource {name}) is missing"
        with open(path, encoding="utf-8", newline="") as fh:
            header = fh.readline().rstrip("\n").split(",")
        assert header == resource.field_names, f"{resource.path}: header {header} != schema {resource.field_names}"


def test_dictionary_shows_every_field_and_its_rules():
    text = docs_script.render(load_descriptor(REPO_ROOT))
    for name, resource in resources(load_descriptor(REPO_ROOT)).items():
        assert f"\n## {name}\n" in text
        assert f"- Path: `{resource.path}`" in text
        for field in resource.fields:
            assert f"| `{field['name']}` | {field['title']} |" in text
    assert "`Tier 2 Watch List`" in text  # enum values
    assert "pattern `^[a-z]{2}$`" in text  # patterns
    assert "≥ 2001" in text and "≤ 2100" in text  # minimum / maximum
    assert "`law_enforcement`" in text or "## law_enforcement" in text
    assert "Read it with pandas" in text and text.count("```python") == len(resources(load_descriptor(REPO_ROOT)))
    assert "CC0-1.0" in text and "MIT" in text
    assert "→ [`sources`](#sources) (`source_id`)" in text  # foreign keys


def copy_package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "docs").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "datapackage.json", root / "datapackage.json")
    return root


def test_check_fails_with_a_clear_message_when_the_schema_changed(tmp_path):
    root = copy_package(tmp_path)
    assert run_docs("--write", str(root)).returncode == 0
    assert run_docs("--check", str(root)).returncode == 0
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    tier = next(r for r in descriptor["resources"] if r["name"] == "tier_status")
    next(f for f in tier["schema"]["fields"] if f["name"] == "tier")["constraints"]["enum"].append("Tier 4")
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    stale = run_docs("--check", str(root))
    assert stale.returncode == 1
    assert "docs/data-dictionary.md is out of date" in stale.stderr and "make generate" in stale.stderr
    assert run_docs("--write", str(root)).returncode == 0
    assert "`Tier 4`" in (root / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert run_docs("--check", str(root)).returncode == 0


def test_check_fails_when_the_dictionary_was_edited_by_hand_or_is_missing(tmp_path):
    root = copy_package(tmp_path)
    assert run_docs("--check", str(root)).returncode == 1
    run_docs("--write", str(root))
    path = root / "docs" / "data-dictionary.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Primary key", "Primary keys", 1), encoding="utf-8")
    edited = run_docs("--check", str(root))
    assert edited.returncode == 1 and "line " in edited.stderr


@pytest.mark.parametrize("content, message", [(None, "file not found"), ("{not json", "invalid JSON")])
def test_unreadable_descriptor_exits_2_without_a_traceback(tmp_path, content, message):
    if content is not None:
        (tmp_path / "datapackage.json").write_text(content, encoding="utf-8")
    done = run_docs("--check", str(tmp_path))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_write_without_the_readme_markers_stops_and_changes_nothing(tmp_path):
    shutil.copy(REPO_ROOT / "datapackage.json", tmp_path / "datapackage.json")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "data-dictionary.md").write_text("stale\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# A README without the recipe's markers\n", encoding="utf-8")
    done = run_docs(str(tmp_path), "--write")
    assert done.returncode == 2 and "pandas-recipe:start" in done.stderr, done
    assert (tmp_path / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == "stale\n"
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# A README without the recipe's markers\n"
