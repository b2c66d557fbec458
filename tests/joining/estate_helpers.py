"""Shared helpers of the estate import tests: a program area and camera files."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl

from joining.estate_file import COLUMNS
from tests.factories import ProgramFactory, RegionFactory, region_tree

HEADERS = [c.key for c in COLUMNS]


def estate_program():
    village = region_tree("36.71", "01", "1001")
    RegionFactory(
        code="36.71.01.1002",
        name="Kelurahan Dua",
        level=4,
        parent=village.parent,
        latitude=Decimal("-6.20"),
        longitude=Decimal("106.66"),
    )
    program = ProgramFactory(slug="mataraksa")
    program.area.set([village.parent.parent])
    return program


def row(n: int, **overrides: Any) -> dict[str, str]:
    """Camera ``n``: four cameras per site, one recorder per site."""
    site = n // 4
    values = {
        "kode_lokasi": f"Blok A{site} No. {site}",
        "alamat": f"Jl. Melati {site}",
        "lintang": "-6.1701",
        "bujur": "106.6301",
        "kode_desa": "",
        "merek": "hikvision",
        "host": f"rumah{site}.example.net",
        "port_rtsp": "554",
        "port_onvif": "80",
        "pengguna": "admin",
        "sandi": "rahasia-sekali",
        "kanal": str(n % 4 + 1),
        "nama_kamera": f"Kamera {n}",
        "arah": "90",
        "sudut": "90",
        "melihat_jalan": "ya",
        "nama_kontak": "Pak RT",
        "no_hp": "0812-3456-7890",
    }
    values.update(overrides)
    return values


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    headers: list[str] | None = None,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    headers = headers or HEADERS
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(h, "") for h in HEADERS])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
