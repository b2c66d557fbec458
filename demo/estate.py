"""Demo data for the demo estate manager: houses of Perumahan Griya Curug imported from
a file (one applied import), and a second file waiting in preview with two errors."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io

from django.utils import timezone

from accounts.models import User
from joining import estate_import
from joining.estate_file import COLUMNS
from joining.models import ImportJob, ImportStatus
from owners.models import MemberRole, Membership
from police.models import Program, Region, RegionLevel

DEMO_FILE = "griya-curug-blok-a.csv"
DEMO_PREVIEW_FILE = "griya-curug-blok-b.csv"
HOUSES = 12


def _file(block: str, *, bad: bool, centre: tuple[float, float]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([c.key for c in COLUMNS])
    lat0, lng0 = centre
    for house in range(1, HOUSES + 1):
        for channel in (1, 2):
            row = {
                "kode_lokasi": f"Blok {block}{(house + 1) // 2} No. {house}",
                "alamat": f"Jl. Griya Curug Blok {block} No. {house}",
                "lintang": f"{lat0 + house * 0.0004:.6f}".replace(".", ","),
                "bujur": f"{lng0 + (house % 4) * 0.0004:.6f}".replace(".", ","),
                "merek": "hikvision" if house % 3 else "dahua",
                "host": f"griya-{block.lower()}{house}.demo.cctvwarga.id",
                "pengguna": "onvif",
                "sandi": f"demo-{block.lower()}{house}",
                "kanal": str(channel),
                "nama_kamera": "Depan rumah" if channel == 1 else "Samping",
                "arah": "U" if channel == 1 else "T",
                "sudut": "90",
                "melihat_jalan": "ya",
                "nama_kontak": f"Warga {block}{house}",
                "no_hp": f"0812-7000-{house:04d}",
            }
            if bad and house == 3 and channel == 2:
                row["arah"] = "400"
            if bad and house == 7 and channel == 1:
                row["no_hp"] = "12345"
            writer.writerow([row.get(c.key, "") for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def estate_demo_ensure(users: dict[str, User]) -> None:
    """Idempotent: nothing is added when the demo import exists."""
    manager = users.get("pengelola")
    program = Program.objects.filter(slug="mataraksa").first()
    membership = (
        Membership.objects.filter(user=manager, role=MemberRole.ADMIN)
        .select_related("owner")
        .first()
    )
    village = (
        Region.objects.filter(level=RegionLevel.VILLAGE, name="Curug Wetan")
        .order_by("code")
        .first()
    )
    if manager is None or program is None or membership is None or village is None:
        return
    owner = membership.owner
    if ImportJob.objects.filter(owner=owner, filename=DEMO_FILE).exists():
        return
    centre = (float(village.latitude or 0) - 0.004, float(village.longitude or 0) - 0.002)
    data = _file("A", bad=False, centre=centre)
    result = estate_import.import_run(owner=owner, program=program, data=data, actor=manager)
    now = timezone.now()
    ImportJob.objects.create(
        owner=owner,
        program=program,
        user=manager,
        filename=DEMO_FILE,
        file_sha256=hashlib.sha256(data).hexdigest(),
        status=ImportStatus.APPLIED if result.written else ImportStatus.FAILED,
        deadline=now,
        summary=result.as_json() | {"rows": result.rows},
        errors=result.errors,
        error_count=len(result.errors),
        points=result.points,
        rows_done=result.rows,
        rows_total=result.rows,
        finished_at=now,
        message="" if result.written else "data demo tidak valid",
    )
    preview = _file("B", bad=True, centre=(centre[0] - 0.006, centre[1]))
    dry = estate_import.import_run(owner=owner, program=program, data=preview, dry_run=True)
    ImportJob.objects.create(
        owner=owner,
        program=program,
        user=manager,
        filename=DEMO_PREVIEW_FILE,
        file_sha256=hashlib.sha256(preview).hexdigest(),
        payload=estate_import.payload_encrypt(preview),
        status=ImportStatus.PREVIEW,
        deadline=now + datetime.timedelta(hours=24 * 30),
        summary=dry.as_json() | {"rows": dry.rows},
        errors=dry.errors,
        error_count=len(dry.errors),
        points=dry.points,
        rows_done=dry.rows,
        rows_total=dry.rows,
    )
