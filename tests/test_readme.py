"""The README keeps its promises: the two commands, and tables generated from the data."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block, "README must open with a shell block"
    assert README.index(first_block.group(0)) < 200, "the commands must come first"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make validate", "make test"]


def test_makefile_has_the_readme_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("validate", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks the '{target}' target"


def run(*args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)


def test_coverage_table_is_in_sync_with_the_data():
    result = run("scripts/coverage.py", "--check")
    assert result.returncode == 0, result.stderr


def test_conflicts_report_is_in_sync_with_the_data():
    result = run("scripts/conflicts.py", "--check")
    assert result.returncode == 0, result.stderr


def test_coverage_check_fails_when_the_table_is_stale(tmp_path):
    import shutil
    for name in ("datapackage.json", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("| 2019 |", "| 1919 |"), encoding="utf-8")
    result = run("scripts/coverage.py", str(tmp_path), "--check")
    assert result.returncode == 1
    assert "out of date" in result.stderr
