"""Wagtail's search index on SQLite (the embedded default) with concurrent writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(Path(sys.executable).parent / "python")


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A freshly migrated SQLite file (the FTS table and its triggers come from migrations)."""
    path = tmp_path_factory.mktemp("sqlite-search") / "db.sqlite3"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{path}",
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        PYTHONPATH=str(ROOT),
    )
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--skip-checks", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return env


def test_a_page_indexed_by_two_writers_at_once_keeps_the_newer_text(
    sqlite_env: dict[str, str],
) -> None:
    out = subprocess.run(
        [PYTHON, str(ROOT / "tests" / "cms" / "sqlite_index_race.py")],
        cwd=ROOT, env=sqlite_env, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == "SerialSQLiteSearchBackend"
    # Wagtail's own SQLite backend raised IntegrityError (UNIQUE constraint
    # failed) here and kept the other writer's older title.
    assert result["error"] is None
    assert result["titles"] == ["Newer title"]
    assert result["found"] == [result["page"]]
