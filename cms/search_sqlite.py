"""modelsearch's SQLite search backend with each index write in one transaction.

Imported by ``cms.search`` only when the database is SQLite (the module it
extends needs the SQLite-only index models).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from modelsearch.backends.database.sqlite.sqlite import SQLiteIndex, SQLiteSearchBackend


class SerialSQLiteIndex(SQLiteIndex):
    def add_items(self, model: Any, objs: Any) -> None:
        # BEGIN IMMEDIATE: the write lock before the read of existing entries
        with transaction.atomic(using=self.write_connection.alias):
            super().add_items(model, objs)


class SerialSQLiteSearchBackend(SQLiteSearchBackend):
    index_class = SerialSQLiteIndex
