"""The data package's code, one importable package.

In a repository checkout it is `scripts`: commands run as `python -m scripts.<name>`.
Installed (`pip install .`), it is the module `kosovo_human_trafficking`, which carries
datapackage.json and data/ inside it and needs nothing but pandas:

    import kosovo_human_trafficking as kht
    kht.resources()             # ['sources', 'headline_series', 'tier_status', ...]
    kht.load("tier_status")     # a DataFrame, every column with its declared dtype
    kht.__version__             # the version datapackage.json carries
    kht.package_root()          # the folder holding datapackage.json and data/

The same names work on `scripts` in a checkout. Nothing is imported until one of them is
used.
"""
from __future__ import annotations

import importlib
import sys
import types

__all__ = ["load", "resources", "package_root", "LoadError", "CannotLoad", "__version__"]


class _Package(types.ModuleType):
    """The package module, whose `load` stays the loading function.

    Importing the submodule load.py would otherwise rebind the package's attribute `load`
    to that submodule (the import system does so for every submodule), and `kht.load(...)`
    would then fail after, say, `from kosovo_human_trafficking.load import LoadError`.
    """

    @property
    def load(self):
        return _loading().load

    @load.setter
    def load(self, value) -> None:
        pass  # the import system recording the submodule: keep the function

    @property
    def __version__(self) -> str:
        return _loading().package_version()

    def __getattr__(self, name: str):
        exported = {"resources": "resource_names", "package_root": "package_root",
                    "LoadError": "LoadError", "CannotLoad": "CannotLoad"}
        if name in exported:
            return getattr(_loading(), exported[name])
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(__all__))


def _loading() -> types.ModuleType:
    """The submodule load.py (not the package attribute `load`, which is its function)."""
    return importlib.import_module(f"{__name__}.load")


sys.modules[__name__].__class__ = _Package
