"""Generated files are never stale, and the repository's address is kept once (homepage)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import REPO_ROOT
from scripts import generate, urls


def test_every_generated_file_is_fresh():
    stale = generate.stale_files(REPO_ROOT)
    assert stale == [], f"stale generated file(s): {stale}: run `make generate` and commit the result"


def test_a_new_homepage_rewrites_every_repository_address(tmp_path: Path):
    for name in urls.FILES + ["datapackage.json"]:
        if (REPO_ROOT / name).is_file():
            shutil.copy(REPO_ROOT / name, tmp_path / name)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    old = urls.homepage_slug(tmp_path)
    descriptor["homepage"] = "https://github.com/example-org/example-repo"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert urls.main([str(tmp_path)]) == 1  # stale before the rewrite
    assert urls.main([str(tmp_path), "--write"]) == 0
    assert urls.main([str(tmp_path)]) == 0
    for name in urls.FILES:
        path = tmp_path / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert old not in text, f"{name} still names {old}"
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert re.search(r"git\+https://github\.com/example-org/example-repo@v\d", readme)


def test_a_homepage_that_is_not_a_github_repository_is_refused(tmp_path: Path, capsys):
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": [], "homepage": "https://example.org/"}),
                                               encoding="utf-8")
    assert urls.main([str(tmp_path)]) == 2
    assert "is not a GitHub repository address" in capsys.readouterr().err
