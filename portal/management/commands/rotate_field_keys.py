from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from portal.crypto import DecryptionError, EncryptedTextField, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest key in FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        failures: list[str] = []
        quote = connection.ops.quote_name
        with transaction.atomic():
            for model in apps.get_models():
                fields = [
                    f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
                ]
                if not fields:
                    continue
                table = model._meta.db_table
                pk = str(model._meta.pk.column)
                for field in fields:
                    column = str(field.column)
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "  # noqa: S608
                            f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
                        )
                        rows = cursor.fetchall()
                    updates = []
                    for row_pk, stored in rows:
                        try:
                            updates.append((rotate(stored), row_pk))
                        except DecryptionError:
                            failures.append(f"{model._meta.label}.{field.name} pk={row_pk}")
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
                            f"WHERE {quote(pk)} = %s",
                            updates,
                        )
                    total += len(updates)
            if failures:
                # Nothing is written when any row cannot be decrypted: fix the keys first.
                raise CommandError(
                    f"{len(failures)} value(s) do not decrypt with any configured key, nothing "
                    f"was changed; first: {failures[0]}"
                )
        self.stdout.write(f"re-encrypted {total} value(s) with the newest key")
