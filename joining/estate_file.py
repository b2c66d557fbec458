"""Reading an estate's camera file (CSV or XLSX) into checked rows. No database here.

The file has one row per camera; rows with the same ``kode_lokasi`` share a site
and rows with the same ``kode_lokasi`` and ``host`` share a recorder. Headers are
matched without regard to case, spaces, dots or accents, and English aliases are
accepted (``COLUMNS``). Files are read as they really arrive: CSV in UTF-8 (with
or without a BOM) or Windows-1252, comma or semicolon delimited, comma decimals;
XLSX with phone numbers turned into numbers; empty trailing rows and columns; a
header under a title line.

Hostile files are refused early with memory bounded (``FileUnusable``): over
``MAX_FILE_BYTES``, an XLSX whose parts expand past ``MAX_XLSX_EXPANDED_BYTES``
(a zip bomb), a CSV field over ``MAX_FIELD_CHARS``, binary garbage.

Row numbers are the spreadsheet's own (the header on the first row is row 1).
Messages are Indonesian (gettext) and never repeat a password.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.phones import normalize_phone

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_XLSX_EXPANDED_BYTES = 300 * 1024 * 1024
MAX_FIELD_CHARS = csv.field_size_limit()  # 128 KiB: a 10 MB field stops there
MAX_ROWS = 100_000
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 10
CHANNEL_MAX = 64
MEMO_SIZE = 4096  # values remembered per column (cells repeat: ports, brands, pins)


#: A file as the reader takes it: its bytes, or a seekable binary file.
Source = bytes | BinaryIO


class FileUnusable(Exception):
    """The file cannot be used at all; the message (Indonesian) says why."""


@dataclass(frozen=True)
class Column:
    key: str
    alias: str
    required: bool
    label: str  # the Indonesian header in the template


COLUMNS: tuple[Column, ...] = (
    Column("kode_lokasi", "site_ref", True, "kode_lokasi"),
    Column("alamat", "address", True, "alamat"),
    Column("lintang", "latitude", True, "lintang"),
    Column("bujur", "longitude", True, "bujur"),
    Column("kode_desa", "village_code", False, "kode_desa"),
    Column("merek", "brand", False, "merek"),
    Column("host", "host", True, "host"),
    Column("port_rtsp", "rtsp_port", False, "port_rtsp"),
    Column("port_onvif", "onvif_port", False, "port_onvif"),
    Column("pengguna", "username", False, "pengguna"),
    Column("sandi", "password", False, "sandi"),
    Column("kanal", "channel", True, "kanal"),
    Column("nama_kamera", "camera_name", False, "nama_kamera"),
    Column("arah", "direction", False, "arah"),
    Column("sudut", "angle", False, "sudut"),
    Column("melihat_jalan", "sees_public_space", False, "melihat_jalan"),
    Column("nama_kontak", "contact_name", False, "nama_kontak"),
    Column("no_hp", "contact_phone", False, "no_hp"),
)
REQUIRED = tuple(c.key for c in COLUMNS if c.required)
SECRET_COLUMNS = frozenset({"sandi"})

EXAMPLE_ROW: dict[str, str] = {
    "kode_lokasi": "Blok A1 No. 7",
    "alamat": "Jl. Melati Raya Blok A1 No. 7",
    "lintang": "-6.2341",
    "bujur": "106.5512",
    "kode_desa": "",
    "merek": "hikvision",
    "host": "griya-a1.example.net",
    "port_rtsp": "554",
    "port_onvif": "80",
    "pengguna": "onvif",
    "sandi": "",
    "kanal": "1",
    "nama_kamera": "Depan rumah",
    "arah": "TL",
    "sudut": "90",
    "melihat_jalan": "ya",
    "nama_kontak": "Bapak Ahmad",
    "no_hp": "0812-3456-7890",
}


def header_key(text: Any) -> str:
    """``"No. HP"`` -> ``"nohp"``: no case, spaces, dots, underscores or accents."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    HEADER_INDEX[header_key(_column.key)] = _column.key
    HEADER_INDEX[header_key(_column.alias)] = _column.key
# Common spellings people type.
HEADER_INDEX.update(
    {
        "kodelokasi": "kode_lokasi",
        "lat": "lintang",
        "lng": "bujur",
        "lon": "bujur",
        "long": "bujur",
        "nohp": "no_hp",
        "nomorhp": "no_hp",
        "password": "sandi",
        "katasandi": "sandi",
        "user": "pengguna",
        "namapengguna": "pengguna",
        "channel": "kanal",
    }
)


def formula_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if value[:1] in ("+", "-") and _looks_numeric(value):
            return value
        return "'" + value
    return value


def _looks_numeric(value: str) -> bool:
    try:
        Decimal(value.replace(" ", ""))
    except InvalidOperation:
        return False
    return True


# --- reading the file ----------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))  # 6281234567890.0 and 6.28123456789E+12 alike
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_count = ",", -1
    for delimiter in (";", ",", "\t"):
        count = max((line.count(delimiter) for line in lines), default=0)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _size(source: Source) -> int:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    here = source.tell()
    size = source.seek(0, io.SEEK_END)
    source.seek(here)
    return size - here


def _head(source: Source, n: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:n])
    here = source.tell()
    head = source.read(n)
    source.seek(here)
    return head


def _stream(source: Source) -> BinaryIO:
    """A binary file over ``source`` (bytes are wrapped, not copied)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    return source


CHUNK = 1 << 20


def _blank(source: Source) -> bool:
    handle = _stream(source)
    start = handle.tell()
    try:
        while chunk := handle.read(CHUNK):
            if chunk.strip():
                return False
        return True
    finally:
        handle.seek(start)


def _check_text_encoding(source: Source) -> str:
    head = _head(source, 8192)
    if b"\x00" in head:
        raise FileUnusable(_("Berkas ini bukan CSV atau XLSX (isinya biner)."))
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    handle = _stream(source)
    start = handle.tell()
    try:
        for candidate in (encoding, "cp1252"):
            # Read in chunks: the whole file is never decoded at once.
            handle.seek(start)
            decoder = codecs.getincrementaldecoder(candidate)()
            try:
                while chunk := handle.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            encoding = candidate
            break
        else:
            raise FileUnusable(
                _("Pengodean berkas tidak dikenal. Simpan sebagai CSV UTF-8 atau XLSX.")
            )
    finally:
        handle.seek(start)
    # Garbage that happens to decode: many control characters.
    sample = head.decode(encoding, errors="replace")
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    if sample and controls > len(sample) // 20:
        raise FileUnusable(_("Berkas ini bukan CSV atau XLSX (isinya biner)."))
    return encoding


def _csv_rows(source: Source) -> Iterator[list[str]]:
    encoding = _check_text_encoding(source)
    handle = _stream(source)
    start = handle.tell()
    head = handle.read(64 * 1024).decode(encoding, errors="replace").splitlines()
    handle.seek(start)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=_sniff_delimiter(head[:HEADER_SEARCH_ROWS]))
    strip = str.strip
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                del row[MAX_COLUMNS:]
            yield list(map(strip, row))
    except csv.Error as exc:
        raise FileUnusable(
            _("Berkas CSV rusak atau ada isian yang terlalu panjang (lebih dari %(n)s huruf).")
            % {"n": f"{MAX_FIELD_CHARS:,}".replace(",", ".")}
        ) from exc
    finally:
        # The caller's file stays open (the wrapper would close it when collected).
        text.detach()


def _xlsx_rows(source: Source) -> Iterator[list[str]]:
    # Imported here for loading time only: openpyxl is large and CSV files never need it.
    import openpyxl

    handle = _stream(source)
    start = handle.tell()
    try:
        archive = zipfile.ZipFile(handle)
        expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileUnusable(_("Berkas XLSX rusak atau bukan XLSX.")) from exc
    if expanded > MAX_XLSX_EXPANDED_BYTES or len(archive.infolist()) > 500:
        raise FileUnusable(
            _("Isi berkas XLSX terlalu besar setelah dibuka. Pecah menjadi beberapa berkas.")
        )
    handle.seek(start)
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield [_cell_text(v) for v in values]
        book.close()
    except FileUnusable:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise FileUnusable(_("Berkas XLSX rusak atau tidak bisa dibaca.")) from exc


def file_rows(data: Source, filename: str = "") -> Iterator[list[str]]:
    """The file's rows as lists of text cells (the format is told by its content).

    ``data`` is the file's bytes or a seekable binary file, read from where it
    stands; a file is streamed, never read whole.
    """
    if _size(data) > MAX_FILE_BYTES:
        raise FileUnusable(
            _("Berkas terlalu besar (paling besar %(mb)s MB).")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    head = _head(data, 8192)
    if not head.strip() and _blank(data):
        raise FileUnusable(_("Berkas kosong."))
    if head[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileUnusable(_("Format XLS lama tidak didukung. Simpan sebagai XLSX atau CSV."))
    return _csv_rows(data)


@dataclass
class Header:
    row: int  # spreadsheet row number of the header
    positions: dict[str, int]  # column key -> index in the row
    names: list[str]  # the header cells as the file has them


def find_header(rows: Iterator[list[str]]) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """The header row (within the first rows) and an iterator of (row number, cells) after it."""
    numbered = enumerate(rows, start=1)
    for number, cells in numbered:
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = HEADER_INDEX.get(header_key(cell))
            if key is not None and key not in positions:
                positions[key] = index
        if len(positions) >= 3:
            missing = [key for key in REQUIRED if key not in positions]
            if missing:
                raise FileUnusable(
                    _("Kolom wajib tidak ada: %(cols)s. Unduh templat dan salin kepala kolomnya.")
                    % {"cols": ", ".join(missing)}
                )
            return Header(row=number, positions=positions, names=list(cells)), numbered
        if number >= HEADER_SEARCH_ROWS:
            break
    raise FileUnusable(
        _("Kepala kolom tidak ditemukan di %(n)s baris pertama. Gunakan templat.")
        % {"n": HEADER_SEARCH_ROWS}
    )


# --- checking a row ------------------------------------------------------------------


@dataclass
class Village:
    pk: int
    code: str
    latitude: float
    longitude: float


class Area:
    """A program's villages, for "inside the area" and "which village is this pin in".

    A point is inside when a village centre lies within ``RADIUS_DEG`` (about 5 km),
    the rule the wizard uses (``owners.selectors.village_nearest``). A grid of
    cells makes the nearest search cheap for thousands of rows.
    """

    RADIUS_DEG = 0.045

    def __init__(self, name: str, villages: list[Village]) -> None:
        self.name = name
        self.by_code = {v.code.replace(".", ""): v for v in villages}
        self._nearest: dict[tuple[float, float], Village | None] = {}
        self.grid: dict[tuple[int, int], list[Village]] = {}
        for village in villages:
            self.grid.setdefault(self._cell(village.latitude, village.longitude), []).append(
                village
            )

    def _cell(self, lat: float, lng: float) -> tuple[int, int]:
        return int(lat // self.RADIUS_DEG), int(lng // self.RADIUS_DEG)

    def nearest(self, lat: float, lng: float) -> Village | None:
        # The cameras of one site share its point: look each point up once.
        key = (lat, lng)
        if key not in self._nearest:
            if len(self._nearest) > MEMO_SIZE:
                self._nearest.clear()
            self._nearest[key] = self._search(lat, lng)
        return self._nearest[key]

    def _search(self, lat: float, lng: float) -> Village | None:
        ci, cj = self._cell(lat, lng)
        best: tuple[float, Village] | None = None
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for v in self.grid.get((ci + di, cj + dj), ()):
                    d = (v.latitude - lat) ** 2 + (v.longitude - lng) ** 2
                    if best is None or d < best[0]:
                        best = (d, v)
        if best is None or best[0] > self.RADIUS_DEG**2:
            return None
        return best[1]

    def village(self, code: str) -> Village | None:
        return self.by_code.get(code.replace(".", "").strip())


@dataclass(slots=True)
class Row:
    """A checked row: values typed, optional ones None when the cell was empty."""

    row: int
    site_ref: str
    address: str
    latitude: Decimal
    longitude: Decimal
    village_pk: int
    brand: str
    brand_given: bool
    host: str
    rtsp_port: int | None
    onvif_port: int | None
    username: str | None
    password: str | None
    channel: int
    camera_name: str | None
    direction: int | None
    angle: int | None
    sees_public_space: bool | None
    contact_name: str | None
    contact_phone: str | None
    # Set by ``RowStream``: the file's site and recorder numbers (0, 1, ... in order of
    # first appearance) and whether this row is the first of its site or recorder.
    site_no: int = -1
    recorder_no: int = -1
    first_of_site: bool = False
    first_of_recorder: bool = False

    @property
    def site_key(self) -> str:
        return self.site_ref.casefold()

    @property
    def recorder_key(self) -> tuple[str, str]:
        return self.site_key, self.host

    @property
    def camera_key(self) -> tuple[str, str, int]:
        return self.site_key, self.host, self.channel


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class _Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


BRAND_ALIASES = {
    "hikvision": "hikvision",
    "hik": "hikvision",
    "hiwatch": "hikvision",
    "annke": "hikvision",
    "ezviz": "hikvision",
    "dahua": "dahua",
    "amcrest": "dahua",
    "xiongmai": "xiongmai",
    "xmeye": "xiongmai",
    "uniview": "uniview",
    "unv": "uniview",
    "tapo": "tapo",
    "tplink": "tapo",
    "tplinktapo": "tapo",
}

COMPASS = {
    "u": 0,
    "n": 0,
    "utara": 0,
    "north": 0,
    "tl": 45,
    "ne": 45,
    "timurlaut": 45,
    "northeast": 45,
    "t": 90,
    "e": 90,
    "timur": 90,
    "east": 90,
    "tg": 135,
    "se": 135,
    "tenggara": 135,
    "southeast": 135,
    "s": 180,
    "selatan": 180,
    "south": 180,
    "bd": 225,
    "sw": 225,
    "baratdaya": 225,
    "southwest": 225,
    "b": 270,
    "w": 270,
    "barat": 270,
    "west": 270,
    "bl": 315,
    "nw": 315,
    "baratlaut": 315,
    "northwest": 315,
}

YES = frozenset({"ya", "y", "yes", "1", "true", "benar", "iya"})
NO = frozenset({"tidak", "t", "no", "n", "0", "false", "salah", "tdk", "ga", "gak", "nggak"})

HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.\-]*[a-z0-9])?$|^\[?[0-9a-f:]+\]?$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
PHONE_PUNCTUATION_RE = re.compile(r"[\s\-().]")
# An Indonesian mobile number (national significant number 8xx, 9 to 12 digits): the
# common case, turned into E.164 without the full parser.
MOBILE_RE = re.compile(r"^(?:\+62|62|0)?(8[1-9]\d{7,10})$")
SCIENTIFIC_RE = re.compile(r"^\d+([.,]\d+)?e\+?\d+$", re.IGNORECASE)


MICRO = Decimal("0.000001")


def _text(cells: dict[str, str], key: str, max_length: int, *, required: bool = False) -> str:
    value = cells.get(key, "")
    if not value.isprintable():
        value = CONTROL_RE.sub("", value)
    value = value.strip()
    if required and not value:
        raise _Bad(key, _("Kolom %(col)s wajib diisi.") % {"col": key})
    if len(value) > max_length:
        raise _Bad(
            key, _("Kolom %(col)s paling panjang %(n)s huruf.") % {"col": key, "n": max_length}
        )
    return value


def _decimal(cells: dict[str, str], key: str) -> Decimal:
    raw = cells.get(key, "").strip().replace(" ", "")
    if not raw:
        raise _Bad(key, _("Kolom %(col)s wajib diisi.") % {"col": key})
    if raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
        if value.is_finite():
            return value.quantize(MICRO)
    except InvalidOperation:
        pass
    raise _Bad(key, _("%(col)s harus berupa angka desimal, misalnya -6.2341.") % {"col": key})


def _int(cells: dict[str, str], key: str, low: int, high: int, *, required: bool) -> int | None:
    raw = cells.get(key, "").strip()
    if not raw:
        if required:
            raise _Bad(key, _("Kolom %(col)s wajib diisi.") % {"col": key})
        return None
    try:
        number = Decimal(raw.replace(",", "."))
        if number != number.to_integral_value():
            raise InvalidOperation
        value = int(number)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise _Bad(
            key,
            _("%(col)s harus bilangan bulat %(low)s sampai %(high)s.")
            % {"col": key, "low": low, "high": high},
        )
    return value


def _direction(cells: dict[str, str]) -> int | None:
    raw = cells.get("arah", "").strip()
    if not raw:
        return None
    word = "".join(ch for ch in raw.lower() if ch.isalpha())
    if word and word == "".join(ch for ch in raw.lower() if not ch.isspace() and ch != "-"):
        if word in COMPASS:
            return COMPASS[word]
        raise _Bad(
            "arah",
            _(
                "arah tidak dikenal. Tulis derajat 0-359 atau arah mata angin "
                "(U, TL, T, TG, S, BD, B, BL)."
            ),
        )
    return _int(cells, "arah", 0, 359, required=False)


def _bool(cells: dict[str, str], key: str) -> bool | None:
    raw = cells.get(key, "").strip().lower()
    if not raw:
        return None
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise _Bad(key, _("%(col)s diisi ya atau tidak.") % {"col": key})


def _phone(cells: dict[str, str]) -> str | None:
    raw = cells.get("no_hp", "").strip()
    if not raw:
        return None
    if SCIENTIFIC_RE.match(raw):
        raise _Bad(
            "no_hp",
            _(
                "no_hp tertulis dalam notasi ilmiah (misalnya 6,28E+12) sehingga angkanya "
                "hilang. Format kolom no_hp sebagai teks di Excel, lalu ketik ulang nomornya."
            ),
        )
    digits = PHONE_PUNCTUATION_RE.sub("", raw)
    mobile = MOBILE_RE.match(digits)
    if mobile:
        return "+62" + mobile.group(1)
    if digits.isdigit():
        if digits.startswith("62"):
            digits = "+" + digits
        elif digits.startswith("8"):
            digits = "0" + digits
    try:
        return normalize_phone(digits)
    except ValidationError as exc:
        raise _Bad(
            "no_hp",
            _("no_hp tidak valid. Tulis seperti 0812-3456-7890 atau +62 812 3456 7890."),
        ) from exc


def _host(cells: dict[str, str]) -> str:
    raw = _text(cells, "host", 253, required=True).lower()
    if "://" in raw:
        raw = raw.split("://", 1)[1]
    raw = raw.split("/", 1)[0]
    if raw.count(":") == 1:  # host:port typed together
        raw = raw.split(":", 1)[0]
    if not HOST_RE.match(raw) or len(raw) > 253:
        raise _Bad(
            "host",
            _("host harus nama domain atau alamat IP, misalnya dvr.contoh.net atau 203.0.113.5."),
        )
    return raw


def _brand(cells: dict[str, str]) -> tuple[str, bool]:
    raw = header_key(cells.get("merek", ""))
    if not raw:
        return "generic", False
    return BRAND_ALIASES.get(raw, "generic"), True


def _point(cells: dict[str, str], area: Area) -> tuple[Decimal, Decimal, Village]:
    lat, lng = _decimal(cells, "lintang"), _decimal(cells, "bujur")
    if not Decimal(-90) <= lat <= Decimal(90):
        if Decimal(-90) <= lng <= Decimal(90) and area.nearest(float(lng), float(lat)):
            raise _Bad(
                "lintang",
                _("lintang dan bujur tertukar: lintang sekitar -6, bujur sekitar 106."),
            )
        raise _Bad("lintang", _("lintang harus di antara -90 dan 90."))
    village = area.nearest(float(lat), float(lng))
    if village is None:
        if area.nearest(float(lng), float(lat)) is not None:
            raise _Bad(
                "lintang",
                _("lintang dan bujur tertukar: lintang sekitar -6, bujur sekitar 106."),
            )
        raise _Bad(
            "lintang",
            _("Titik %(lat)s, %(lng)s berada di luar wilayah program %(program)s.")
            % {"lat": lat, "lng": lng, "program": area.name},
        )
    code = cells.get("kode_desa", "").strip()
    if code:
        given = area.village(code)
        if given is None:
            raise _Bad(
                "kode_desa",
                _("kode_desa %(code)s bukan kelurahan/desa di wilayah program %(program)s.")
                % {"code": code[:20], "program": area.name},
            )
        village = given
    return lat, lng, village


def check_row(number: int, cells: dict[str, str], area: Area) -> Row:
    """One row's cells (column key -> text) as a ``Row``; raises ``RowErrors``."""
    errors: list[RowError] = []

    def attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _Bad as bad:
            errors.append(RowError(number, bad.column, bad.message))
            return None

    site_ref = attempt(_text, cells, "kode_lokasi", 120, required=True)
    address = attempt(_text, cells, "alamat", 255, required=True)
    point = attempt(_point, cells, area)
    brand, brand_given = _brand(cells)
    host = attempt(_host, cells)
    rtsp_port = attempt(_int, cells, "port_rtsp", 1, 65535, required=False)
    onvif_port = attempt(_int, cells, "port_onvif", 1, 65535, required=False)
    username = attempt(_text, cells, "pengguna", 64)
    try:
        password = _text(cells, "sandi", 128)
    except _Bad:
        errors.append(RowError(number, "sandi", _("sandi paling panjang 128 huruf.")))
        password = None
    channel = attempt(_int, cells, "kanal", 1, CHANNEL_MAX, required=True)
    camera_name = attempt(_text, cells, "nama_kamera", 120)
    direction = attempt(_direction, cells)
    angle = attempt(_int, cells, "sudut", 1, 360, required=False)
    sees = attempt(_bool, cells, "melihat_jalan")
    contact_name = attempt(_text, cells, "nama_kontak", 120)
    contact_phone = attempt(_phone, cells)
    if errors:
        raise RowErrors(errors)
    lat, lng, village = point
    return Row(
        row=number,
        site_ref=site_ref,
        address=address,
        latitude=lat,
        longitude=lng,
        village_pk=village.pk,
        brand=brand,
        brand_given=brand_given,
        host=host,
        rtsp_port=rtsp_port,
        onvif_port=onvif_port,
        username=username or None,
        password=password or None,
        channel=channel,
        camera_name=camera_name or None,
        direction=direction,
        angle=angle,
        sees_public_space=sees,
        contact_name=contact_name or None,
        contact_phone=contact_phone,
    )


class RowErrors(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


_MISS = object()
_TEXT_COLUMNS = {
    "kode_lokasi": 120,
    "alamat": 255,
    "pengguna": 64,
    "sandi": 128,
    "nama_kamera": 120,
    "nama_kontak": 120,
}


class RowChecker:
    """``check_row`` for a file, fast: most rows take a lean path, the rest ``check_row``.

    The lean path accepts a row only when every cell is one that ``check_row``
    accepts, with the same result: it calls the same helpers, but remembers
    their answers per cell text (ports, brands, directions and pins repeat), and
    takes plain text cells as they are. Any doubt and the row goes through
    ``check_row``, which finds every error of the row with its message.
    """

    def __init__(self, header: Header, area: Area) -> None:
        self.area = area
        self.keys = [c.key for c in COLUMNS]
        present = [header.positions.get(key) for key in self.keys]
        self.width = max((i for i in present if i is not None), default=-1) + 1
        # An absent column reads the empty cell appended to every row.
        self.cells_of = itemgetter(*[-1 if i is None else i for i in present])
        self.memo: dict[str, dict[str, Any]] = {key: {} for key in self.keys}
        self.points: dict[tuple[str, str], tuple[Decimal, Decimal, Village]] = {}
        self.parsers: dict[str, Callable[[dict[str, str]], Any]] = {
            "merek": _brand,
            "host": _host,
            "port_rtsp": lambda c: _int(c, "port_rtsp", 1, 65535, required=False),
            "port_onvif": lambda c: _int(c, "port_onvif", 1, 65535, required=False),
            "kanal": lambda c: _int(c, "kanal", 1, CHANNEL_MAX, required=True),
            "arah": _direction,
            "sudut": lambda c: _int(c, "sudut", 1, 360, required=False),
            "melihat_jalan": lambda c: _bool(c, "melihat_jalan"),
            "no_hp": _phone,
        }
        self.memos = tuple(self.memo[key] for key in self.parsers)

    def _point(self, pin: tuple[str, str]) -> tuple[Decimal, Decimal, Village] | None:
        """The pin's (lintang, bujur, village) when it is inside the area (remembered)."""
        try:
            lat, lng = (
                _decimal({"lintang": pin[0]}, "lintang"),
                _decimal({"bujur": pin[1]}, "bujur"),
            )
        except _Bad:
            return None
        if not -90 <= lat <= 90 or not -180 <= lng <= 180:
            return None
        village = self.area.nearest(float(lat), float(lng))
        if village is None:
            return None
        if len(self.points) >= MEMO_SIZE:
            self.points.clear()
        self.points[pin] = (lat, lng, village)
        return lat, lng, village

    def _miss(self, key: str, raw: str) -> Any:
        """The value of a cell not yet remembered, remembered; ``_MISS`` when it is wrong."""
        memo = self.memo[key]
        try:
            value = self.parsers[key]({key: raw})
        except _Bad:
            return _MISS
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[raw] = value
        return value

    def check(self, number: int, cells: list[str]) -> Row:
        """The row as a ``Row``; raises ``RowErrors``. ``cells`` is the reader's (it is padded)."""
        if len(cells) < self.width:
            cells.extend([""] * (self.width - len(cells)))
        cells.append("")
        row = self._lean(number, self.cells_of(cells))
        if row is None:
            values = dict(zip(self.keys, self.cells_of(cells), strict=True))
            row = check_row(number, values, self.area)
        return row

    def _lean(self, number: int, cells: tuple[str, ...]) -> Row | None:
        (
            site_ref,
            address,
            lat_text,
            lng_text,
            village_code,
            brand_text,
            host_text,
            rtsp_text,
            onvif_text,
            username,
            password,
            channel_text,
            camera_name,
            direction_text,
            angle_text,
            sees_text,
            contact_name,
            phone_text,
        ) = cells
        if not site_ref or not address or len(site_ref) > 120 or len(address) > 255:
            return None
        if len(username) > 64 or len(password) > 128:
            return None
        if len(camera_name) > 120 or len(contact_name) > 120:
            return None
        for text in (site_ref, address, username, password, camera_name, contact_name):
            if not text.isprintable():
                return None
        pin = (lat_text, lng_text)
        point = self.points.get(pin) or self._point(pin)
        if point is None:
            return None
        lat, lng, village = point
        if village_code:
            given = self.area.village(village_code)
            if given is None:
                return None
            village = given
        m_brand, m_host, m_rtsp, m_onvif, m_channel, m_dir, m_angle, m_sees, m_phone = self.memos
        miss = self._miss
        if (brand := m_brand.get(brand_text, _MISS)) is _MISS:
            brand = miss("merek", brand_text)
        if (host := m_host.get(host_text, _MISS)) is _MISS:
            host = miss("host", host_text)
        if (rtsp_port := m_rtsp.get(rtsp_text, _MISS)) is _MISS:
            rtsp_port = miss("port_rtsp", rtsp_text)
        if (onvif_port := m_onvif.get(onvif_text, _MISS)) is _MISS:
            onvif_port = miss("port_onvif", onvif_text)
        if (channel := m_channel.get(channel_text, _MISS)) is _MISS:
            channel = miss("kanal", channel_text)
        if (direction := m_dir.get(direction_text, _MISS)) is _MISS:
            direction = miss("arah", direction_text)
        if (angle := m_angle.get(angle_text, _MISS)) is _MISS:
            angle = miss("sudut", angle_text)
        if (sees := m_sees.get(sees_text, _MISS)) is _MISS:
            sees = miss("melihat_jalan", sees_text)
        if (phone := m_phone.get(phone_text, _MISS)) is _MISS:
            phone = miss("no_hp", phone_text)
        if _MISS in (brand, host, rtsp_port, onvif_port, channel, direction, angle, sees, phone):
            return None
        return Row(
            row=number,
            site_ref=site_ref,
            address=address,
            latitude=lat,
            longitude=lng,
            village_pk=village.pk,
            brand=brand[0],
            brand_given=brand[1],
            host=host,
            rtsp_port=rtsp_port,
            onvif_port=onvif_port,
            username=username or None,
            password=password or None,
            channel=channel,
            camera_name=camera_name or None,
            direction=direction,
            angle=angle,
            sees_public_space=sees,
            contact_name=contact_name or None,
            contact_phone=phone,
        )


RECORDER_FIELDS = ("brand", "rtsp_port", "onvif_port", "username", "password")
RECORDER_COLUMNS = ("merek", "port_rtsp", "port_onvif", "pengguna", "sandi")
_CHANNEL_ROW = struct.Struct("<BI")


class _RecorderSeen:
    """What the stream remembers of a recorder: little, as a file has thousands."""

    __slots__ = ("channels", "first", "no", "rows")

    def __init__(self, no: int, first: tuple[Any, ...]) -> None:
        self.no = no
        self.first = first  # (row number, brand given, *RECORDER_FIELDS) of its first row
        self.channels = 0  # a bit per channel seen
        self.rows = b""  # (channel, row number) packed, for the duplicate message


class RowStream:
    """The file's checked rows one by one, with the checks that span rows.

    Rows come numbered: ``site_no`` and ``recorder_no`` count sites and
    recorders in order of first appearance. A row that repeats a (kode_lokasi,
    host, kanal), or describes its recorder differently from the recorder's
    first row, is an error. Errors collect in ``errors``; memory grows with the
    number of recorders, not of rows.
    """

    def __init__(self, data: Source, area: Area, *, filename: str = "") -> None:
        self.header, self._numbered = find_header(file_rows(data, filename))
        self.checker = RowChecker(self.header, area)
        self.errors: list[RowError] = []
        self.row_count = 0
        self.sites: dict[str, int] = {}
        self.recorders: dict[tuple[str, str], _RecorderSeen] = {}

    def rows(
        self, *, on_progress: Callable[[int], None] | None = None, progress_every: int = 2000
    ) -> Iterator[Row]:
        check = self.checker.check
        sites, recorders = self.sites, self.recorders
        for number, cells in self._numbered:
            if not any(cells):
                continue
            self.row_count += 1
            if self.row_count > MAX_ROWS:
                raise FileUnusable(
                    _("Terlalu banyak baris (paling banyak %(n)s). Pecah menjadi beberapa berkas.")
                    % {"n": f"{MAX_ROWS:,}".replace(",", ".")}
                )
            if on_progress is not None and self.row_count % progress_every == 0:
                on_progress(self.row_count)
            try:
                row = check(number, cells)
            except RowErrors as bad:
                self.errors.extend(bad.errors)
                continue
            site_key = row.site_ref.casefold()
            site_no = sites.get(site_key)
            recorder = None if site_no is None else recorders.get((site_key, row.host))
            bit = 1 << (row.channel - 1)
            if recorder is None:
                first = (number, row.brand_given, *(getattr(row, f) for f in RECORDER_FIELDS))
                recorder = _RecorderSeen(len(recorders), first)
                row.first_of_recorder = True
            elif recorder.channels & bit:
                self.errors.append(self._duplicate(recorder, row))
                continue
            else:
                conflict = _recorder_conflict(recorder.first, row)
                if conflict is not None:
                    self.errors.append(conflict)
                    continue
            if site_no is None:
                site_no = sites[site_key] = len(sites)
                row.first_of_site = True
            if row.first_of_recorder:
                recorders[(site_key, row.host)] = recorder
            recorder.channels |= bit
            recorder.rows += _CHANNEL_ROW.pack(row.channel, number)
            row.site_no, row.recorder_no = site_no, recorder.no
            yield row

    @staticmethod
    def _duplicate(recorder: _RecorderSeen, row: Row) -> RowError:
        first = next(n for ch, n in _CHANNEL_ROW.iter_unpack(recorder.rows) if ch == row.channel)
        return RowError(
            row.row,
            "kanal",
            _("kode_lokasi, host dan kanal yang sama sudah ada di baris %(row)s.") % {"row": first},
        )


@dataclass
class Parsed:
    header: Header
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0


def parse(
    data: Source,
    area: Area,
    *,
    filename: str = "",
    on_progress: Any = None,
    progress_every: int = 2000,
) -> Parsed:
    """Read and check every row into a list (small files; the import streams ``RowStream``).

    File-level problems raise ``FileUnusable``.
    """
    stream = RowStream(data, area, filename=filename)
    rows = list(stream.rows(on_progress=on_progress, progress_every=progress_every))
    return Parsed(header=stream.header, rows=rows, errors=stream.errors, row_count=stream.row_count)


def _recorder_conflict(first: tuple[Any, ...], row: Row) -> RowError | None:
    """Rows of one recorder must agree on its brand, ports and credentials.

    ``first`` is (row number, brand given, *RECORDER_FIELDS) of the recorder's first row.
    """
    for name, column, theirs in zip(RECORDER_FIELDS, RECORDER_COLUMNS, first[2:], strict=True):
        if name == "brand" and not row.brand_given:
            continue
        ours = getattr(row, name)
        if ours is None:
            continue
        if theirs != ours:
            return RowError(
                row.row,
                column,
                _("%(col)s berbeda dengan baris %(row)s untuk perekam (host) yang sama.")
                % {"col": column, "row": first[0]},
            )
    return None
