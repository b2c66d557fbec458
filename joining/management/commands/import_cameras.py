"""``manage.py import_cameras FILE --owner OWNER --program SLUG [--dry-run]
[--skip-invalid] --json``

Registers an estate's cameras from a CSV or XLSX file (the template's columns
are in ``joining.estate_file.COLUMNS`` and docs/operations.md). ``OWNER`` is an
owner id, or the email or phone of a user who administers exactly one owner.

Prints one JSON object: ``created``, ``updated``, ``unchanged`` (cameras),
``sites`` and ``recorders`` (each ``created``, ``updated``, ``unchanged``) and
``errors`` (``row`` as numbered in the spreadsheet, the header being row 1,
``column``, ``message``).

Exit status: 0 everything was written (or would be, with ``--dry-run``);
1 some rows are invalid and nothing was written (with ``--skip-invalid`` the
valid rows are written), or another import of the owner was being written;
2 the file cannot be used (format, size, encoding, required columns missing),
with one error at ``row`` 0, or the owner or program is unknown.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from accounts.models import User
from accounts.phones import normalize_phone
from joining import estate_file
from joining.estate_import import ImportBusy, ImportResult, busy_message, import_run
from owners import selectors as owner_selectors
from owners.models import Owner
from police.models import Program


def _unusable(message: str) -> ImportResult:
    return ImportResult(unusable=True, errors=[{"row": 0, "column": "", "message": message}])


def resolve_owner(value: str) -> tuple[Owner | None, Any, str]:
    """(owner, acting user or None, error message)."""
    value = value.strip()
    if value.isdigit():
        owner = Owner.objects.filter(pk=int(value)).first()
        if owner is None:
            return None, None, f"Pemilik dengan id {value} tidak ada."
        admin = User.objects.filter(memberships__owner=owner, memberships__role="admin").first()
        return owner, admin, ""
    if "@" in value:
        user = User.objects.filter(email__iexact=value).first()
    else:
        try:
            user = User.objects.filter(phone=normalize_phone(value)).first()
        except ValidationError:
            user = None
    if user is None:
        return None, None, f"Tidak ada pengguna {value}."
    owners = list(owner_selectors.owners_administered_by(user)[:2])
    if len(owners) != 1:
        return (
            None,
            None,
            f"{value} mengelola {len(owners) if owners else 0} pemilik; sebutkan id pemiliknya.",
        )
    return owners[0], user, ""


class Command(BaseCommand):
    help = "Register an estate's cameras from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--owner", required=True, help="owner id, or an admin's email/phone")
        parser.add_argument("--program", required=True, help="program slug")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, skip the others"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("id"):
            result = self._run(options)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"kamera: {result.created} baru, {result.updated} diubah, "
                f"{result.unchanged} tetap; lokasi {result.sites}; perekam {result.recorders}"
            )
            for error in result.errors:
                self.stdout.write(f"baris {error['row']} {error['column']}: {error['message']}")
        if result.exit_code:
            sys.exit(result.exit_code)

    def _run(self, options: dict[str, Any]) -> ImportResult:
        owner, user, problem = resolve_owner(options["owner"])
        if owner is None:
            return _unusable(problem)
        program = Program.objects.filter(slug=options["program"]).first()
        if program is None:
            return _unusable(f"Program {options['program']} tidak ada.")
        path = options["file"]
        try:
            if os.path.getsize(path) > estate_file.MAX_FILE_BYTES:
                return _unusable(
                    f"Berkas terlalu besar (paling besar "
                    f"{estate_file.MAX_FILE_BYTES // (1024 * 1024)} MB)."
                )
            handle = open(path, "rb")
        except OSError:
            return _unusable("Berkas tidak bisa dibaca.")
        try:
            # The file is streamed, never read whole.
            return import_run(
                owner=owner,
                program=program,
                data=handle,
                filename=os.path.basename(path),
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                actor=user,
            )
        except ImportBusy:
            result = ImportResult(errors=[{"row": 0, "column": "", "message": busy_message()}])
            return result
        finally:
            handle.close()
