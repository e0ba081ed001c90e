"""The package list in pyproject.toml names every package, so `pip install .` ships them all."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("fieldapp", "sync")
             for p in (ROOT / top).rglob("__init__.py") if "__pycache__" not in p.parts}
    found |= {"fieldapp.migrations", "fieldapp.migrations.versions", "fieldapp.webapp"}
    assert listed == found
