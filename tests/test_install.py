"""The package installs: the wheel that `pip install .` (or `pip install git+<repo>@vX.Y.Z`)
builds carries the loading code as the module kosovo_human_trafficking with datapackage.json
and the data inside it, declares pandas as its only dependency, and, installed into a fresh
virtual environment, loads every resource with its declared dtypes from a directory outside
the repository.

The fresh environment reuses this interpreter's packages (pandas) through a .pth file, so
nothing is downloaded. (`venv --system-site-packages` would reuse the base interpreter's
packages, which need not include pandas when the tests run in a virtual environment.)
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT

from scripts.load import declared_dtypes
from scripts.package_io import load_descriptor, resources

MODULE = "kosovo_human_trafficking"

# Run by the fresh environment's Python in a folder outside the repository.
LOAD_EVERYTHING = f'''
import json, sys
import pandas as pd
import {MODULE} as kht
out = {{"file": kht.__file__, "root": str(kht.package_root()), "version": kht.__version__,
       "resources": kht.resources(), "scripts_importable": True, "dtypes": {{}}, "rows": {{}}}}
try:
    import scripts  # noqa: F401 - must not be found: the checkout is not on the path
except ImportError:
    out["scripts_importable"] = False
for name in kht.resources():
    frame = kht.load(name)
    out["rows"][name] = len(frame)
    out["dtypes"][name] = {{c: ("datetime64" if pd.api.types.is_datetime64_any_dtype(d) else str(d))
                            for c, d in frame.dtypes.items()}}
from {MODULE}.load import LoadError  # importing the submodule keeps kht.load the function
out["load_still_callable"] = callable(kht.load) and kht.LoadError is LoadError
# The module as a command, run as `python -m {MODULE}.load tier_status --rows 2` runs it (runpy),
# in this interpreter: pandas is already imported.
import contextlib, io, runpy
sys.argv = ["{MODULE}.load", "tier_status", "--rows", "2"]
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    try:
        runpy.run_module("{MODULE}.load", run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        out["cli_exit"] = exit_.code
out["cli"] = printed.getvalue()
print(json.dumps(out))
'''


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from the repository as `pip install .` builds it: through the build backend's
    PEP 517 hook, which pip calls in the project folder (here in-process, without pip's start-up)."""
    from hatchling.build import build_wheel
    out = tmp_path_factory.mktemp("wheel")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO_ROOT)
        build_wheel(str(out))
    built = list(out.glob("*.whl"))
    assert len(built) == 1, built
    return built[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """The wheel installed into a fresh venv; what the module reports from a temporary folder."""
    base = tmp_path_factory.mktemp("venv")
    env_dir = base / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=base).stdout.strip())
    reused = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "reuse-test-interpreter.pth").write_text("\n".join(reused) + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(wheel), cwd=base)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    done = run(str(python), "-c", LOAD_EVERYTHING, cwd=elsewhere)
    return {"env": env_dir, "site": site, "report": json.loads(done.stdout)}


def test_wheel_holds_the_module_the_descriptor_and_every_data_file(wheel):
    descriptor = load_descriptor(REPO_ROOT)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {f"{MODULE}/__init__.py", f"{MODULE}/load.py", f"{MODULE}/package_io.py"} <= names
        assert z.read(f"{MODULE}/datapackage.json") == (REPO_ROOT / "datapackage.json").read_bytes()
        for resource in descriptor["resources"]:
            assert z.read(f"{MODULE}/{resource['path']}") == (REPO_ROOT / resource["path"]).read_bytes()
        assert not any(n.startswith(("scripts/", "tests/", f"{MODULE}/validate", f"{MODULE}/rules")) for n in names), \
            "only the loading code goes into the wheel"


def test_wheel_metadata_version_is_the_package_version_and_pandas_the_only_dependency(wheel):
    version = load_descriptor(REPO_ROOT)["version"]
    assert wheel.name == f"{MODULE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read(f"{MODULE}-{version}.dist-info/METADATA").decode()
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert [r.split(">")[0].split("=")[0].split("<")[0].strip() for r in requires] == ["pandas"]
    assert f"\nVersion: {version}\n" in metadata


def test_installed_module_is_the_one_in_the_fresh_environment(installed):
    report = installed["report"]
    assert Path(report["file"]).is_relative_to(installed["env"])
    assert Path(report["root"]) == installed["site"] / MODULE, "the data must be read from inside the installed module"
    assert report["scripts_importable"] is False, "the checkout leaked into the fresh environment"


def test_installed_module_lists_resources_and_version(installed):
    descriptor = load_descriptor(REPO_ROOT)
    assert installed["report"]["resources"] == [r["name"] for r in descriptor["resources"]]
    assert installed["report"]["version"] == descriptor["version"]


def test_installed_module_loads_every_resource_with_its_declared_dtypes(installed):
    report = installed["report"]
    for name, resource in resources(load_descriptor(REPO_ROOT)).items():
        declared = {c: ("datetime64" if d.startswith("datetime64") else d) for c, d in declared_dtypes(resource).items()}
        assert report["dtypes"][name] == declared, name
        with open(REPO_ROOT / resource.path, encoding="utf-8", newline="") as handle:
            assert report["rows"][name] == sum(1 for _ in csv.reader(handle)) - 1, name
    assert report["load_still_callable"] is True


def test_installed_module_runs_as_a_command(installed):
    report = installed["report"]
    assert report.get("cli_exit", 0) in (0, None), report
    assert report["cli"].startswith("tier_status: ")
    assert "edition" in report["cli"] and "Int64" in report["cli"]
