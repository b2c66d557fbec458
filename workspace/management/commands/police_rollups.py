"""``manage.py police_rollups --rebuild``: recount the police dashboard's rollups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workspace.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recount the police dashboard rollups from the enrolments (after bulk loads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recount everything")

    def handle(self, *args: Any, rebuild: bool, **options: Any) -> None:
        if not rebuild:
            self.stderr.write("nothing to do: pass --rebuild")
            return
        rows = rollups_rebuild()
        self.stdout.write(f"{rows} rollup rows written")
