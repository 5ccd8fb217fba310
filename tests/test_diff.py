"""scripts/diff.py: row, field and enum changes between two versions, and the SemVer level
each needs. Most tests compare two folders (a copy of the real package and an edited copy);
the rest go through released versions (found without tags), git refs and release archives as
the command line takes them."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT, release_git
from release_history import make_history_repo

from scripts import diff


@pytest.fixture
def old_and_new(tmp_path: Path) -> tuple[Path, Path]:
    """Two identical copies of the real package: edit `new`, then compare."""
    for name in ("old", "new"):
        (tmp_path / name).mkdir()
        shutil.copy(REPO_ROOT / "datapackage.json", tmp_path / name / "datapackage.json")
        shutil.copytree(REPO_ROOT / "data", tmp_path / name / "data")
    return tmp_path / "old", tmp_path / "new"


def compare(old: Path, new: Path) -> diff.Report:
    return diff.compare(diff.folder_snapshot(old), diff.folder_snapshot(new))


def read_rows(root: Path, file: str) -> list[list[str]]:
    with (root / "data" / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(root: Path, file: str, rows: list[list[str]]) -> None:
    with (root / "data" / file).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def edit_descriptor(root: Path, change) -> None:
    d = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    change(d)
    (root / "datapackage.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def fields_of(d: dict, resource: str) -> list[dict]:
    return next(r for r in d["resources"] if r["name"] == resource)["schema"]["fields"]


def field_of(d: dict, resource: str, name: str) -> dict:
    return next(f for f in fields_of(d, resource) if f["name"] == name)


def drop_column(root: Path, resource: str, file: str, column: str) -> None:
    edit_descriptor(root, lambda d: fields_of(d, resource).remove(field_of(d, resource, column)))
    rows = read_rows(root, file)
    i = rows[0].index(column)
    write_rows(root, file, [r[:i] + r[i + 1:] for r in rows])


# --- rows --------------------------------------------------------------------------------

def test_no_change_needs_no_release(old_and_new):
    report = compare(*old_and_new)
    assert report.level == "none"
    assert report.changes == []


def test_changed_value_is_reported_with_old_and_new_value_and_is_a_patch(old_and_new):
    old, new = old_and_new
    rows = read_rows(new, "sources.csv")
    key, before = rows[1][0], rows[1][1]
    rows[1][1] = before + " (corrected)"
    write_rows(new, "sources.csv", rows)
    report = compare(old, new)
    assert report.resources["sources"].rows_changed == [
        {"key": {"source_id": key}, "changes": {"title": {"old": before, "new": before + " (corrected)"}}}]
    assert report.level == "patch"
    markdown = diff.to_markdown(report)
    assert "### Changed" in markdown and f"source_id={key}" in markdown and "(corrected)" in markdown


def test_added_row_is_reported_by_key_and_is_minor(old_and_new):
    old, new = old_and_new
    rows = read_rows(new, "countries.csv")
    write_rows(new, "countries.csv", rows + [["ZZ", "ZZZ", "Zedland"]])
    report = compare(old, new)
    added = report.resources["countries"].rows_added
    assert [(r["country_code"], r["name"]) for r in added] == [("ZZ", "Zedland")]
    assert report.level == "minor"
    assert "country_code=ZZ" in diff.to_markdown(report).split("### Added")[1]


def test_removed_row_is_major(old_and_new):
    old, new = old_and_new
    rows = read_rows(new, "countries.csv")
    gone = rows.pop(1)
    write_rows(new, "countries.csv", rows)
    report = compare(old, new)
    assert [r["country_code"] for r in report.resources["countries"].rows_removed] == [gone[0]]
    assert report.level == "major"


def test_rows_are_matched_by_primary_key_not_position(old_and_new):
    old, new = old_and_new
    rows = read_rows(new, "victim_demographics.csv")
    write_rows(new, "victim_demographics.csv", rows[:1] + rows[1:][::-1])
    assert compare(old, new).level == "none"


# --- fields and enums ----------------------------------------------------------------------

def test_removed_field_is_major(old_and_new):
    old, new = old_and_new
    drop_column(new, "tier_status", "tier_status.csv", "notes")
    report = compare(old, new)
    assert report.resources["tier_status"].fields_removed == ["notes"]
    assert report.resources["tier_status"].rows_changed == []  # the other cells did not change
    assert report.level == "major"
    assert "field `notes` removed" in diff.to_markdown(report).split("### Removed")[1]


def test_added_field_is_major_as_the_data_package_recipe_says(old_and_new):
    old, new = old_and_new
    edit_descriptor(new, lambda d: fields_of(d, "countries").append({"name": "region", "type": "string"}))
    write_rows(new, "countries.csv", [r + (["region"] if i == 0 else [""]) for i, r in enumerate(read_rows(new, "countries.csv"))])
    report = compare(old, new)
    assert report.resources["countries"].fields_added == ["region"]
    assert report.level == "major"


def test_renamed_field_is_guessed_and_values_still_compared(old_and_new):
    old, new = old_and_new
    edit_descriptor(new, lambda d: field_of(d, "countries", "name").update(name="country_name"))
    rows = read_rows(new, "countries.csv")
    rows[0][rows[0].index("name")] = "country_name"
    write_rows(new, "countries.csv", rows)
    report = compare(old, new)
    assert report.resources["countries"].fields_renamed == [{"from": "name", "to": "country_name"}]
    assert report.resources["countries"].fields_removed == [] and report.resources["countries"].fields_added == []
    assert report.resources["countries"].rows_changed == []
    assert report.level == "major"


def test_retyped_field_is_major(old_and_new):
    old, new = old_and_new
    edit_descriptor(new, lambda d: field_of(d, "tier_status", "edition").update(type="string"))
    report = compare(old, new)
    assert report.resources["tier_status"].fields_retyped == [
        {"field": "edition", "property": "type", "old": "integer", "new": "string"}]
    assert report.level == "major"


def test_reordered_fields_are_major(old_and_new):
    old, new = old_and_new

    def swap(d):
        f = fields_of(d, "countries")
        f[1], f[2] = f[2], f[1]
    edit_descriptor(new, swap)
    write_rows(new, "countries.csv", [[r[0], r[2], r[1]] for r in read_rows(new, "countries.csv")])
    report = compare(old, new)
    assert report.resources["countries"].fields_reordered
    assert report.resources["countries"].rows_changed == []
    assert report.level == "major"


def test_enum_narrowed_is_major_and_widened_is_minor(old_and_new):
    old, new = old_and_new
    enum = field_of(json.loads((old / "datapackage.json").read_text()), "sources", "kind")["constraints"]["enum"]
    used = {r[7] for r in read_rows(old, "sources.csv")[1:]}
    unused = next((v for v in enum if v not in used), enum[-1])
    edit_descriptor(new, lambda d: field_of(d, "sources", "kind")["constraints"]["enum"].append("court_record"))
    widened = compare(old, new)
    assert widened.resources["sources"].enums == [
        {"field": "kind", "removed": [], "added": ["court_record"], "enum_added": False, "enum_dropped": False}]
    assert widened.level == "minor"
    edit_descriptor(new, lambda d: field_of(d, "sources", "kind")["constraints"]["enum"].remove(unused))
    narrowed = compare(old, new)
    assert narrowed.resources["sources"].enums[0]["removed"] == [unused]
    assert narrowed.level == "major"


def test_description_only_is_a_patch(old_and_new):
    old, new = old_and_new
    edit_descriptor(new, lambda d: field_of(d, "countries", "name").update(description="The English short name."))
    report = compare(old, new)
    assert report.level == "patch"


def test_version_hash_and_bytes_alone_are_no_change(old_and_new):
    old, new = old_and_new

    def bookkeeping(d):
        d["version"] = "99.0.0"
        for r in d["resources"]:
            r["bytes"], r["hash"] = 1, "sha256:" + "0" * 64
    edit_descriptor(new, bookkeeping)
    assert compare(old, new).level == "none"


def test_resource_added_is_minor_and_removed_is_major(old_and_new):
    old, new = old_and_new
    edit_descriptor(new, lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "countries"]))
    assert compare(old, new).level == "major"
    added = compare(new, old)
    assert added.level == "minor"
    assert added.resources["countries"].status == "added"


# --- the command line: git refs and release archives ---------------------------------------

def test_git_refs(release_repo, capsys):
    release_git(release_repo, "tag", "-a", "v1.0.0", "-m", "v1.0.0")
    rows = read_rows(release_repo, "countries.csv")
    write_rows(release_repo, "countries.csv", rows + [["ZZ", "ZZZ", "Zedland"]])
    release_git(release_repo, "commit", "-qam", "Add a country")
    assert diff.main(["v1.0.0", "HEAD", "--json"], repo=release_repo) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["level"] == "minor"
    assert [r["country_code"] for r in report["resources"]["countries"]["rows_added"]] == ["ZZ"]
    assert diff.main(["v1.0.0", "HEAD"], repo=release_repo) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("<!-- diff v1.0.0 → HEAD: this change needs a MINOR release")
    assert "### Added" in markdown


def test_unknown_ref_is_a_clear_error(release_repo, capsys):
    assert diff.main(["no-such-branch", "HEAD"], repo=release_repo) == 2
    err = capsys.readouterr().err
    assert "'no-such-branch' is neither a release archive (.zip), a package folder, nor a git ref" in err
    assert "Traceback" not in err


# --- released versions without tags (a fresh clone of main has none) ----------------------

@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    """Releases 1.0.0 and 1.1.0 as release commits, no tags (tests/release_history.py)."""
    return make_history_repo(tmp_path_factory.mktemp("diff-history") / "repo")


def test_diff_v1_0_0_head_without_tags_from_the_command_line(history):
    """The one run through the command line: a released version found without tags."""
    assert release_git(history["repo"], "tag").strip() == ""
    done = subprocess.run([sys.executable, "-m", "scripts.diff", "v1.0.0", "HEAD", "--json", "--repo", str(history["repo"])],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["old"], report["new"], report["level"]) == ("v1.0.0", "HEAD", "minor")
    assert len(report["resources"]["profile_countries"]["rows_added"]) == 1
    assert all(not r["rows_removed"] and not r["rows_changed"] for r in report["resources"].values())


def test_diff_takes_versions_with_or_without_v(history, capsys):
    assert diff.main(["1.0.0", "v1.1.0"], repo=history["repo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!-- diff 1.0.0 → v1.1.0: this change needs a MINOR release")
    assert "`profile_countries`: 1 row(s) added" in out


def test_an_unreleased_version_is_a_clear_error(history, capsys):
    assert diff.main(["v1.2.0", "HEAD"], repo=history["repo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("CANNOT RUN: version 1.2.0 is not released here: there is no tag v1.2.0")
    assert "Released versions found: 1.0.0, 1.1.0" in err and "Traceback" not in err


def zip_folder(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return dest


def test_release_archives_are_compared(old_and_new, tmp_path, capsys):
    old, new = old_and_new
    drop_column(new, "tier_status", "tier_status.csv", "notes")
    old_zip, new_zip = zip_folder(old, tmp_path / "old.zip"), zip_folder(new, tmp_path / "new.zip")
    assert diff.main([str(old_zip), str(new_zip), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["level"] == "major"
    assert report["resources"]["tier_status"]["fields_removed"] == ["notes"]


def test_archive_missing_a_data_file_is_a_clear_error(old_and_new, tmp_path):
    old, _ = old_and_new
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(old / "datapackage.json", "datapackage.json")
    with pytest.raises(diff.CannotRun, match="the archive has no data/"):
        diff.compare(diff.zip_snapshot(archive), diff.folder_snapshot(old))


def test_moved_file_is_major_because_users_read_files_by_path(old_and_new):
    old, new = old_and_new
    edit_descriptor(new, lambda d: next(r for r in d["resources"] if r["name"] == "countries").update(path="data/country_codes.csv"))
    (new / "data" / "countries.csv").rename(new / "data" / "country_codes.csv")
    report = compare(old, new)
    assert report.level == "major"
    assert report.resources["countries"].rows_changed == [] and report.resources["countries"].rows_added == []
