"""Print a one-time activation link for a staff account (the first administrator, say).

Officers get theirs from the Wagtail admin (Kepolisian > Petugas); this command is
for accounts made with ``createsuperuser`` or by hand. Exit 1 when no account has
that email.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Print a one-time activation link (set password, enrol TOTP) for a staff account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"no account with the email {email}")
        token = services.activation_link_create(user=user)
        self.stdout.write(settings.SITE_URL + reverse("accounts:activate", args=[token]))
