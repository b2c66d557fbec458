"""The repository carries the licence that pyproject.toml declares."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# MD5 of the FSF's agpl-3.0.txt as published (the verbatim text must not change).
AGPL_3_MD5 = "73f1eb20517c55bf9493b7dd6e480788"


def test_the_licence_file_is_the_full_gnu_agpl_v3_that_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]

    text = (ROOT / "LICENSE").read_bytes()
    assert text.splitlines()[0].strip() == b"GNU AFFERO GENERAL PUBLIC LICENSE"
    assert b"Version 3, 19 November 2007" in text
    assert b"13. Remote Network Interaction" in text
    assert hashlib.md5(text, usedforsecurity=False).hexdigest() == AGPL_3_MD5
