"""Wagtail's database search backend, with SQLite index writes that cannot race.

Wagtail indexes a page or snippet in a task after each save
(``modelsearch.tasks.insert_or_update_object_task``). An object saved twice in a
row (created, then published) therefore gets two tasks, and two workers may run
them at the same moment. On PostgreSQL the backend writes with ``INSERT ... ON
CONFLICT``. On SQLite it reads which entries exist, then updates those and
bulk-creates the others, with no transaction around the read: the second writer
failed with "UNIQUE constraint failed: wagtailsearch_indexentry" (at every
start of ``bin/run``) and its text, possibly the newer, was lost.

Here the whole write is one transaction. SQLite transactions begin IMMEDIATE
(``portal/settings.py``), so the write lock is taken before the read and two
index writes run one after the other. Other databases get Wagtail's backend
unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from modelsearch.backends import database
from modelsearch.backends.database.sqlite.sqlite import SQLiteIndex, SQLiteSearchBackend


class SerialSQLiteIndex(SQLiteIndex):
    def add_items(self, model: Any, objs: Any) -> None:
        with transaction.atomic(using=self.write_connection.alias):
            super().add_items(model, objs)


class SerialSQLiteSearchBackend(SQLiteSearchBackend):
    index_class = SerialSQLiteIndex


def SearchBackend(params: dict[str, Any]) -> Any:  # the name Wagtail looks up
    """The backend ``wagtail.search.backends.database`` picks, made serial on SQLite."""
    backend = database.SearchBackend(params)
    if type(backend) is SQLiteSearchBackend:
        return SerialSQLiteSearchBackend(params)
    return backend
