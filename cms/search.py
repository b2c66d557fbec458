"""Wagtail's database search backend, with SQLite index writes that cannot race.

Wagtail indexes a page or snippet in a task after each save
(``modelsearch.tasks.insert_or_update_object_task``). An object saved twice in a
row (created, then published) therefore gets two tasks, and two workers may run
them at the same moment. On PostgreSQL the backend writes with ``INSERT ... ON
CONFLICT``. On SQLite it reads which entries exist, then updates those and
bulk-creates the others, with no transaction around the read: the second writer
failed with "UNIQUE constraint failed: wagtailsearch_indexentry" (seen while
``bin/run`` loaded the demo data) and its text, possibly the newer, was lost.

On SQLite the whole write is one transaction here (``cms.search_sqlite``).
SQLite transactions begin IMMEDIATE (``portal/settings.py``), so the write lock
is taken before the read and two index writes run one after the other. Other
databases get Wagtail's backend unchanged.
"""

from __future__ import annotations

from typing import Any

from modelsearch.backends import database

SQLITE_BACKEND = "modelsearch.backends.database.sqlite.sqlite.SQLiteSearchBackend"


def SearchBackend(params: dict[str, Any]) -> Any:  # the name Wagtail looks up
    """The backend ``wagtail.search.backends.database`` picks, made serial on SQLite."""
    backend = database.SearchBackend(params)
    if f"{type(backend).__module__}.{type(backend).__qualname__}" != SQLITE_BACKEND:
        return backend
    # only now: modelsearch's SQLite module needs models that exist on SQLite only
    from cms.search_sqlite import SerialSQLiteSearchBackend

    return SerialSQLiteSearchBackend(params)
