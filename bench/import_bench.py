"""Estate import benchmark: rows/s of the full import against PostgreSQL COPY, same run.

What it does (PostgreSQL; DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cctv_import_bench)
1. Migrates, and makes a program whose area has 400 villages around Tangerang, and an
   estate owner. Writes a CSV of N rows (default 20,000 = 5,000 sites x 4 cameras).
2. COPY: loads the same file into a plain staging table of text columns
   (``COPY ... FROM STDIN (FORMAT csv, HEADER)``): the ceiling, rows/s.
3. Full import: ``joining.estate_import.import_run`` (parse, check, write sites,
   recorders, cameras and draft enrolments in one transaction) for a fresh owner;
   rows/s and the ratio to COPY (the issue asks for at least 20%).
4. A second import of the same file (everything unchanged): rows/s.
5. The naive way, as a baseline: per row, Django ``ModelForm`` validation and
   ``save()`` of site, recorder and camera plus an enrolment, on the first
   ``--naive-rows`` rows (default 1,000); rows/s.
6. The preview through the task API: ``import_job_create`` queues the preview task
   (``TASK_ENGINE``, default ``immediate`` here) until the job is ready; seconds.
7. Peak RSS: a child process imports a 60,000-row file (``--rss-rows``) for a fresh
   owner and reports its ``ru_maxrss`` (the issue asks for under 150 MB), next to the
   RSS of the same process after ``django.setup()`` alone.

Run:  .venv/bin/python bench/import_bench.py [--rows 20000] [--naive-rows 1000] [--rss-rows 60000]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = [
    "kode_lokasi",
    "alamat",
    "lintang",
    "bujur",
    "kode_desa",
    "merek",
    "host",
    "port_rtsp",
    "port_onvif",
    "pengguna",
    "sandi",
    "kanal",
    "nama_kamera",
    "arah",
    "sudut",
    "melihat_jalan",
    "nama_kontak",
    "no_hp",
]
GRID = 20  # 20 x 20 villages, 0.02 degrees apart


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cctv_import_bench")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=")
    os.environ.setdefault("TASK_ENGINE", "immediate")
    os.environ.setdefault("CACHE_URL", "locmem")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            site = n // 4
            lat = -6.30 + (site % 97) * 0.0035
            lng = 106.45 + (site // 97 % 97) * 0.0035
            writer.writerow(
                [
                    f"Blok {site // 100} No. {site % 100}",
                    f"Jl. Melati Raya {site}",
                    f"{lat:.6f}",
                    f"{lng:.6f}",
                    "",
                    "hikvision",
                    f"rumah{site}.griya.example.net",
                    "554",
                    "80",
                    "admin",
                    f"sandi-{site}",
                    str(n % 4 + 1),
                    f"Kamera {n % 4 + 1}",
                    ["U", "T", "S", "B"][n % 4],
                    "90",
                    "ya",
                    "Pak RT",
                    f"0812{site:08d}"[:13],
                ]
            )


def world():  # type: ignore[no-untyped-def]
    from owners.models import Owner, OwnerKind
    from police.models import PoliceUnit, Program, ProgramStatus, Region, UnitLevel

    province, _ = Region.objects.get_or_create(code="36", defaults={"name": "Banten", "level": 1})
    regency, _ = Region.objects.get_or_create(
        code="36.03", defaults={"name": "Kab. Tangerang", "level": 2, "parent": province}
    )
    district, _ = Region.objects.get_or_create(
        code="36.03.99", defaults={"name": "Kec. Bench", "level": 3, "parent": regency}
    )
    if not Region.objects.filter(code__startswith="36.03.99.", level=4).exists():
        Region.objects.bulk_create(
            [
                Region(
                    code=f"36.03.99.{2000 + i * GRID + j}",
                    name=f"Desa {i}-{j}",
                    level=4,
                    parent=district,
                    latitude=Decimal(f"{-6.32 + i * 0.02:.6f}"),
                    longitude=Decimal(f"{106.43 + j * 0.02:.6f}"),
                )
                for i in range(GRID)
                for j in range(GRID)
            ]
        )
    unit, _ = PoliceUnit.objects.get_or_create(
        slug="bench-polres", defaults={"name": "Polres Bench", "level": UnitLevel.POLRES}
    )
    program, _ = Program.objects.get_or_create(
        slug="bench-import",
        defaults={
            "name": "Bench",
            "unit": unit,
            "target": 100000,
            "starts_on": "2026-01-01",
            "status": ProgramStatus.ACTIVE,
        },
    )
    program.area.set([regency])

    def fresh_owner(name: str) -> Owner:
        from owners.services import owner_delete

        for old in Owner.objects.filter(name=name):
            owner_delete(owner=old)
        return Owner.objects.create(kind=OwnerKind.ESTATE, name=name, is_organisation=True)

    return program, fresh_owner


def copy_rows_per_s(path: Path) -> float:
    from django.db import connection

    columns = ", ".join(f"{h} text" for h in HEADERS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_staging")
        cursor.execute(f"CREATE TABLE bench_import_staging ({columns})")
        raw = cursor.cursor  # psycopg 3 cursor
        started = time.perf_counter()
        with raw.copy("COPY bench_import_staging FROM STDIN (FORMAT csv, HEADER true)") as copy:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_import_staging")
        (count,) = cursor.fetchone()
        cursor.execute("DROP TABLE bench_import_staging")
    return count / elapsed


def naive_rows_per_s(path: Path, program, owner, rows: int) -> float:  # type: ignore[no-untyped-def]
    from django import forms

    from owners.models import Camera, Enrolment, Recorder, Site
    from owners.selectors import village_nearest, villages_of_program

    class SiteForm(forms.ModelForm):
        class Meta:
            model = Site
            fields = ["name", "address", "latitude", "longitude", "village", "ref"]

    class RecorderForm(forms.ModelForm):
        class Meta:
            model = Recorder
            fields = ["brand", "host", "rtsp_port", "onvif_port", "username"]

    class CameraForm(forms.ModelForm):
        class Meta:
            model = Camera
            fields = ["channel", "name", "latitude", "longitude", "direction", "angle"]

    villages = villages_of_program(program=program)
    compass = {"U": 0, "T": 90, "S": 180, "B": 270}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        started = time.perf_counter()
        for n, row in enumerate(reader):
            if n >= rows:
                break
            village = village_nearest(
                villages=villages, latitude=Decimal(row["lintang"]), longitude=Decimal(row["bujur"])
            )
            site_form = SiteForm(
                {
                    "name": row["kode_lokasi"],
                    "address": row["alamat"],
                    "latitude": row["lintang"],
                    "longitude": row["bujur"],
                    "village": village.pk if village else None,
                    "ref": row["kode_lokasi"],
                },
                instance=Site(owner=owner),
            )
            site = Site.objects.filter(owner=owner, ref=row["kode_lokasi"]).first() or (
                site_form.save() if site_form.is_valid() else None
            )
            recorder = Recorder.objects.filter(site=site, host=row["host"]).first()
            if recorder is None:
                recorder_form = RecorderForm(
                    {
                        "brand": row["merek"],
                        "host": row["host"],
                        "rtsp_port": row["port_rtsp"],
                        "onvif_port": row["port_onvif"],
                        "username": row["pengguna"],
                    },
                    instance=Recorder(site=site, password=row["sandi"]),
                )
                recorder = recorder_form.save() if recorder_form.is_valid() else None
            camera_form = CameraForm(
                {
                    "channel": row["kanal"],
                    "name": row["nama_kamera"],
                    "latitude": row["lintang"],
                    "longitude": row["bujur"],
                    "direction": compass[row["arah"]],
                    "angle": row["sudut"],
                },
                instance=Camera(recorder=recorder),
            )
            if camera_form.is_valid():
                Enrolment.objects.create(camera=camera_form.save(), program=program)
        return rows / (time.perf_counter() - started)


def peak_rss_mb() -> float:
    """The process's RSS high-water mark (VmHWM; unlike ru_maxrss it is not carried
    over from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_child(path: str) -> None:
    setup_django()
    from joining import estate_file  # noqa: F401  (loaded before the baseline)

    baseline = peak_rss_mb()
    from joining.estate_import import import_run

    program, fresh_owner = world()
    owner = fresh_owner("Bench RSS")
    started = time.perf_counter()
    with Path(path).open("rb") as handle:  # streamed, as manage.py import_cameras does
        result = import_run(owner=owner, program=program, data=handle)
    elapsed = time.perf_counter() - started
    print(f"{baseline:.0f} {peak_rss_mb():.0f} {result.created} {elapsed:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--naive-rows", type=int, default=1_000)
    parser.add_argument("--rss-rows", type=int, default=60_000)
    parser.add_argument("--rss-child")
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return

    setup_django()
    ensure_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from joining.estate_import import import_job_create, import_run
    from joining.models import ImportJob, ImportStatus

    program, fresh_owner = world()
    tmp = Path(tempfile.mkdtemp(prefix="import-bench-"))
    path = tmp / "kamera.csv"
    write_file(path, args.rows)
    data = path.read_bytes()
    print(f"file: {args.rows:,} rows ({args.rows // 4:,} sites x 4 cameras), {len(data):,} bytes")

    copy_rate = copy_rows_per_s(path)
    print(f"COPY into a staging table (ceiling):     {copy_rate:>9,.0f} rows/s")

    owner = fresh_owner("Bench Estate")
    started = time.perf_counter()
    result = import_run(owner=owner, program=program, data=data)
    elapsed = time.perf_counter() - started
    assert result.written and result.created == args.rows, result.errors[:3]
    rate = args.rows / elapsed
    print(
        f"full import (parse, check, write):       {rate:>9,.0f} rows/s  "
        f"({elapsed:.2f} s; {rate / copy_rate:.0%} of COPY, asked >= 20%)"
    )
    started = time.perf_counter()
    again = import_run(owner=owner, program=program, data=data)
    elapsed = time.perf_counter() - started
    assert again.unchanged == args.rows
    print(f"second import, all unchanged:            {args.rows / elapsed:>9,.0f} rows/s")

    naive_owner = fresh_owner("Bench Naive")
    naive = naive_rows_per_s(path, program, naive_owner, args.naive_rows)
    print(
        f"baseline: per-row ModelForm + save():    {naive:>9,.0f} rows/s  "
        f"(first {args.naive_rows:,} rows; the import is {rate / naive:.0f}x faster)"
    )

    preview_owner = fresh_owner("Bench Preview")
    started = time.perf_counter()
    job = import_job_create(
        owner=preview_owner, program=program, user=None, filename="kamera.csv", data=data
    )
    done = (ImportStatus.PREVIEW, ImportStatus.FAILED)
    while ImportJob.objects.get(pk=job.pk).status not in done:
        time.sleep(0.05)
    print(
        f"preview via the task API ({os.environ['TASK_ENGINE']}):       "
        f"{time.perf_counter() - started:>9.2f} s  (asked < 5 s)"
    )

    big = tmp / "kamera-60k.csv"
    write_file(big, args.rss_rows)
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(big)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    ).stdout.split()
    base_mb, peak_mb, created, seconds = out[-4:]
    print(
        f"peak RSS, {args.rss_rows:,}-row import:          {peak_mb:>9} MB  "
        f"(process after setup: {base_mb} MB; {created} cameras in {seconds} s; asked < 150 MB)"
    )
    for name in ("Bench Estate", "Bench Naive", "Bench Preview", "Bench RSS"):
        fresh_owner(name).delete()


if __name__ == "__main__":
    main()
