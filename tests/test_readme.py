"""The README is for people who want the data: figures first, short, the set-up commands named;
the maintainers' material is in CONTRIBUTING.md, which opens with the two commands."""
import re

from conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = (REPO_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_headline_figures():
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line == "<!-- headline:start -->")
    first_figure_row = next(i for i in range(start, len(lines)) if re.match(r"\| \d{4} \|", lines[i]))
    assert first_figure_row < 60, f"the first figures stand on line {first_figure_row + 1}"


def test_readme_is_short_and_in_the_users_order():
    assert len(README.splitlines()) < 300
    order = ["## The headline figures", "## Download", "## Load it", "## Cite it", "## Methodology",
             "## Known disagreements", "## Coverage"]
    positions = [README.index(heading) for heading in order]
    assert positions == sorted(positions)


def test_readme_names_the_two_commands_and_contributing_opens_with_them():
    assert "`make validate`" in README and "`make test`" in README and "CONTRIBUTING.md" in README
    first_block = re.search(r"```sh\n(.*?)```", CONTRIBUTING, re.S)
    assert first_block and CONTRIBUTING.index(first_block.group(0)) < 200, "CONTRIBUTING.md must open with the commands"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make validate", "make test"]


def test_makefile_has_the_two_targets():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("validate", "test", "generate"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks the '{target}' target"
