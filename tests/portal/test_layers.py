"""The layer contracts cover every package of the project.

``bin/test`` runs ``lint-imports`` with the contracts in ``pyproject.toml``;
these tests make sure a new app cannot escape them by not being listed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _project_packages() -> set[str]:
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench"} and not path.parent.name.startswith(".")
    }


def test_every_project_package_is_a_root_package_of_the_import_contracts():
    assert set(_config()["root_packages"]) == _project_packages()


def test_every_project_package_sits_in_exactly_one_layer():
    layers = next(c for c in _config()["contracts"] if c["type"] == "layers")["layers"]
    placed = [name.strip() for layer in layers for name in layer.replace(":", "|").split("|")]
    assert sorted(placed) == sorted(_project_packages())


def test_every_project_package_is_checked_for_cycles():
    acyclic = next(c for c in _config()["contracts"] if c["type"] == "acyclic_siblings")
    assert set(acyclic["ancestors"]) == _project_packages()
