"""The README's worked examples run as written and give the answers the data holds.

A reader runs them with the package installed (`import kosovo_human_trafficking as kht`) or
from the repository root (`from scripts.load import load`). Here the installed name is the
checkout's `scripts` package, the same code (tests/test_install.py proves the installed
module loads the same way).
"""
import re
import sys
from pathlib import Path

import pytest

import scripts

ROOT = Path(__file__).resolve().parent.parent


def example_blocks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- examples:start -->", 1)[1].split("<!-- examples:end -->", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture
def namespace(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(sys.modules, "kosovo_human_trafficking", scripts)
    ns = {"kht": scripts}  # the loading section, above the examples, imports it
    for block in example_blocks():
        exec(compile(block, "README.md", "exec"), ns)  # noqa: S102 - the README's own code
    return ns


def test_there_are_two_examples():
    assert len(example_blocks()) == 2


def test_origins_named_by_edition(namespace):
    by_edition = namespace["by_edition"]
    assert "MD" in by_edition.loc[2010].split(", ")
    assert by_edition.index.min() == 2001
    # IOM's 2000-2001 data name Albania and Russia too, but they are not a TIP edition's profile
    assert by_edition.loc[2001] == "MD, RO, RU, UA"


def test_foreign_share_by_year(namespace):
    share = namespace["share"].set_index(["reference_year", "source_id"])
    # 2019, TIP 2020 edition: 26 identified, 21 from Kosovo -> 19.2 % foreign
    row = share.loc[(2019, "tip-2020")]
    assert (row["victims"], row["from_kosovo"], row["foreign_share_percent"]) == (26, 21, 19.2)
    # 2020: all 17 from Kosovo
    assert share.loc[(2020, "tip-2021"), "foreign_share_percent"] == 0.0
