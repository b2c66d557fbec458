"""The officer's camera list and its CSV/XLSX export, with the same filters.

Every row comes from ``registry.scoping.enrolments_visible_to`` (jurisdiction
and consent). Cells that a spreadsheet would read as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'``.
CSV streams straight from a server-side cursor; XLSX is written row by row
(openpyxl's write-only mode) to a temporary file that is then streamed, so
memory stays flat however long the list is. Before the first byte, every owner
in the export gets an entry of their own in the owner-visible access log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook

from consent.models import AccessAction
from consent.services import access_log_record_each_owner
from owners.models import Enrolment, EnrolmentState
from police.jurisdiction import programs_visible_to
from police.models import Officer, Program, Region
from registry import scoping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 5000


@dataclass(frozen=True)
class ListFilters:
    program: Program | None
    states: tuple[str, ...]
    village: Region | None

    def describe(self) -> str:
        parts = []
        if self.program:
            parts.append(self.program.name)
        if self.states:
            parts.append(", ".join(str(EnrolmentState(s).label) for s in self.states))
        if self.village:
            parts.append(self.village.name)
        return "; ".join(parts) or _("semua")


def filters_from(*, user: Any, data: Any) -> tuple[ListFilters, list[str]]:
    """Read ``program``, ``state`` (repeatable) and ``village`` from a query; errors for bad values.

    Unknown values are reported, never silently dropped.
    """
    errors: list[str] = []
    program = None
    if data.get("program"):
        program = programs_visible_to(user).filter(slug=data["program"]).first()
        if program is None:
            errors.append(_("Program tidak dikenal."))
    states = tuple(dict.fromkeys(data.getlist("state")))
    if any(s not in EnrolmentState.values for s in states):
        errors.append(_("Status tidak dikenal."))
        states = tuple(s for s in states if s in EnrolmentState.values)
    village = None
    if data.get("village"):
        village = Region.objects.filter(code=data["village"], level=4).first()
        if village is None:
            errors.append(_("Kelurahan/desa tidak dikenal."))
    return ListFilters(program, states, village), errors


def enrolments_listed(*, user: Any, filters: ListFilters) -> QuerySet[Enrolment]:
    qs = scoping.enrolments_visible_to(user).exclude(state=EnrolmentState.DRAFT)
    if filters.program:
        qs = qs.filter(program=filters.program)
    if filters.states:
        qs = qs.filter(state__in=filters.states)
    if filters.village:
        qs = qs.filter(camera__recorder__site__village=filters.village)
    return qs


COLUMNS: list[tuple[str, str]] = [
    ("pk", "pendaftaran"),
    ("camera_id", "kamera"),
    ("camera__name", "nama_kamera"),
    ("program__name", "program"),
    ("state", "status"),
    ("state_changed_at", "status_sejak"),
    ("camera__recorder__site__village__code", "kode_desa"),
    ("camera__recorder__site__village__name", "desa"),
    ("camera__recorder__site__address", "alamat"),
    ("camera__recorder__site__owner__name", "pemilik"),
    ("camera__recorder__site__owner__kind", "jenis_pemilik"),
    ("camera__latitude", "lintang"),
    ("camera__longitude", "bujur"),
    ("camera__direction", "arah"),
    ("camera__angle", "sudut"),
    ("camera__range_m", "jangkauan_m"),
    ("camera__recorder__online", "perekam_daring"),
]


def safe_text(value: Any) -> str:
    """Text a spreadsheet shows as written, never runs as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """Any cell value: numbers stay numbers, text is made safe (``safe_text``)."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, dt.datetime):
        return _when(value)
    return safe_text(value)


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    d = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}"


def _number(value: Any) -> Any:
    return "" if value is None else value


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("ya" if value else "tidak")


# How each column is written, chosen once per column rather than per cell.
_FORMATS: dict[str, Any] = {
    "pk": _number,
    "camera_id": _number,
    "state_changed_at": _when,
    "camera__latitude": _number,
    "camera__longitude": _number,
    "camera__direction": _number,
    "camera__angle": _number,
    "camera__range_m": _number,
    "camera__recorder__online": _yes_no,
}


def _rows(qs: QuerySet[Enrolment]) -> Iterator[list[Any]]:
    fields = [f for f, _h in COLUMNS]
    formats = [_FORMATS.get(f, safe_text) for f in fields]
    for row in qs.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK):
        yield [fmt(v) for fmt, v in zip(formats, row, strict=True)]


def export_log(
    *, officer: Officer, qs: QuerySet[Enrolment], kind: str, filters: ListFilters
) -> int:
    """One access-log entry for every owner in the export, naming that owner only and how
    many of their cameras it lists; returns the number of owners.

    Written before the first byte is sent, from one grouped query over the same
    rows, read in chunks: memory stays flat however many owners the export holds.
    """
    owner_field = "camera__recorder__site__owner_id"
    per_owner = (
        qs.values(owner_field)
        .annotate(n=Count("pk"))
        .order_by(owner_field)
        .values_list(owner_field, "n")
        .iterator(chunk_size=CHUNK)
    )
    described = filters.describe()
    purposes = (
        (
            owner_id,
            ngettext(
                "Ekspor %(kind)s daftar kamera: %(count)s kamera Anda (%(filters)s)",
                "Ekspor %(kind)s daftar kamera: %(count)s kamera Anda (%(filters)s)",
                n,
            )
            % {"kind": kind.upper(), "count": n, "filters": described},
        )
        for owner_id, n in per_owner
    )
    with transaction.atomic():
        return access_log_record_each_owner(
            officer=officer, action=AccessAction.EXPORT, purposes=purposes
        )


def csv_stream(qs: QuerySet[Enrolment], rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV text in chunks of ``rows_per_chunk`` rows (few, large writes to the socket)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([h for _f, h in COLUMNS])
    batch: list[list[Any]] = []
    for row in _rows(qs):
        batch.append(row)
        if len(batch) >= rows_per_chunk:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    yield buffer.getvalue()


def xlsx_stream(qs: QuerySet[Enrolment], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The XLSX workbook, written row by row to a temporary file when the response starts,
    then streamed from it; the file is closed (and deleted) however the response ends."""
    with tempfile.TemporaryFile() as handle:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Kamera"))
        sheet.append([h for _f, h in COLUMNS])
        for row in _rows(qs):
            sheet.append(row)
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk
