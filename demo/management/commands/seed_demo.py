from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cms.services import site_tree_ensure
from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from demo.consent import demo_agreements_ensure, demo_owners
from demo.pages import demo_pages_ensure
from demo.seed import DEMO_PASSWORD, demo_logins, demo_seed


class Command(BaseCommand):
    help = "Load realistic demo data (idempotent). --cameras N scales the generated cameras."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cameras", type=int, default=400, help="generated demo cameras (default 400)"
        )
        parser.add_argument(
            "--list-logins", action="store_true", help="print the demo logins and exit"
        )
        parser.add_argument(
            "--print-password", action="store_true", help="print the demo password and exit"
        )

    def handle(
        self, *args: Any, cameras: int, list_logins: bool, print_password: bool, **options: Any
    ) -> None:
        if print_password:
            self.stdout.write(DEMO_PASSWORD)
            return
        if list_logins:
            for email, description in demo_logins():
                self.stdout.write(f"{email:32} {description}")
            return
        if cameras < 0:
            self.stderr.write("--cameras must be 0 or more")
            raise SystemExit(2)
        report = demo_seed(cameras=cameras)
        site_tree_ensure()
        demo_pages_ensure()
        if current_terms() is None:
            terms_publish(terms=terms_draft_create())
        demo_agreements_ensure(owners=demo_owners())
        self.stdout.write(
            f"demo data: {report.regions} regions, {report.units} units, "
            f"{report.programs} programs, {report.users} demo users, "
            f"{report.owners_created} owners added, "
            f"{report.cameras_total} generated cameras in total"
        )
