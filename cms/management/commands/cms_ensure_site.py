"""Create the default public page tree (seed_demo runs this; safe to run again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cms.services import site_tree_ensure


class Command(BaseCommand):
    help = "Create the default public page tree: home, programs, news, privacy, FAQ (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        home = site_tree_ensure()
        self.stdout.write(f"site tree ready under {home.url_path}")
