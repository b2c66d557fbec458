"""Reading estate camera files: formats as they arrive, headers, row checks, hostile files."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from joining.estate_file import Area, FileUnusable, Village, file_rows, header_key, parse
from tests.joining.estate_helpers import HEADERS, csv_bytes, row, xlsx_bytes

AREA = Area(
    "Mataraksa",
    [Village(1, "36.71.01.1001", -6.17, 106.63), Village(2, "36.71.01.1002", -6.20, 106.66)],
)


def errors_of(data: bytes) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in parse(data, AREA).errors]


def test_headers_match_without_case_spaces_dots_or_accents():
    assert header_key("No. HP") == header_key("no_hp")
    assert header_key(" Kódé Lokasi ") == header_key("kode_lokasi")


def test_english_aliases_are_accepted():
    english = [
        "site_ref",
        "address",
        "latitude",
        "longitude",
        "village_code",
        "brand",
        "host",
        "rtsp_port",
        "onvif_port",
        "username",
        "password",
        "channel",
        "camera_name",
        "direction",
        "angle",
        "sees_public_space",
        "contact_name",
        "contact_phone",
    ]
    parsed = parse(csv_bytes([row(0)], headers=english), AREA)
    assert parsed.errors == []
    assert parsed.rows[0].site_ref == "Blok A0 No. 0"


def test_it_reads_a_semicolon_csv_in_windows_1252_with_comma_decimals():
    data = csv_bytes(
        [row(0, lintang="-6,1701", bujur="106,6301", alamat="Jl. Café")],
        delimiter=";",
        encoding="cp1252",
    )
    parsed = parse(data, AREA)
    assert parsed.errors == []
    assert parsed.rows[0].latitude == Decimal("-6.170100")
    assert parsed.rows[0].address == "Jl. Café"


def test_it_reads_utf8_with_a_bom_and_skips_empty_trailing_rows():
    data = b"\xef\xbb\xbf" + csv_bytes([row(0), row(1)]) + b",,,\r\n\r\n"
    parsed = parse(data, AREA)
    assert (parsed.errors, len(parsed.rows)) == ([], 2)


def test_it_finds_a_header_under_a_title_line_and_numbers_rows_as_the_sheet_does():
    data = b"Daftar kamera Perumahan Griya\r\n" + csv_bytes([row(0), row(1, arah="400")])
    parsed = parse(data, AREA)
    assert [(e.row, e.column) for e in parsed.errors] == [(4, "arah")]


def test_xlsx_with_numbers_for_phones_and_floats_for_coordinates():
    values = row(0)
    cells = [values[h] for h in HEADERS]
    cells[HEADERS.index("no_hp")] = 6281234567890.0
    cells[HEADERS.index("lintang")] = -6.1701
    cells[HEADERS.index("bujur")] = 106.6301
    cells[HEADERS.index("kanal")] = 1
    data = xlsx_bytes([["Judul"], [*HEADERS, "", ""], cells, [None] * 5])
    parsed = parse(data, AREA)
    assert parsed.errors == []
    assert parsed.rows[0].contact_phone == "+6281234567890"
    assert parsed.rows[0].latitude == Decimal("-6.170100")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("81234567890", "+6281234567890"),
    ],
)
def test_phones_in_common_indonesian_forms_become_e164(raw, expected):
    assert parse(csv_bytes([row(0, no_hp=raw)]), AREA).rows[0].contact_phone == expected


@pytest.mark.parametrize(("word", "degrees"), [("U", 0), ("TL", 45), ("tg", 135), ("NW", 315)])
def test_compass_words_become_degrees(word, degrees):
    assert parse(csv_bytes([row(0, arah=word)]), AREA).rows[0].direction == degrees


def test_the_village_comes_from_the_pin_when_the_code_is_empty():
    parsed = parse(csv_bytes([row(0, lintang="-6.2001", bujur="106.6601")]), AREA)
    assert parsed.rows[0].village_pk == 2


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"kode_lokasi": ""}, "kode_lokasi"),
        ({"lintang": "-7.5"}, "lintang"),
        ({"lintang": "106.6301", "bujur": "-6.1701"}, "lintang"),
        ({"port_rtsp": "70000"}, "port_rtsp"),
        ({"arah": "400"}, "arah"),
        ({"no_hp": "12"}, "no_hp"),
        ({"no_hp": "6,28123E+12"}, "no_hp"),
        ({"kanal": "65"}, "kanal"),
        ({"kode_desa": "31.71.01.1001"}, "kode_desa"),
    ],
)
def test_a_bad_row_is_reported_with_its_row_number_and_column(overrides, column):
    assert errors_of(csv_bytes([row(0), row(1, **overrides)])) == [(3, column)]


def test_the_same_site_host_and_channel_twice_is_an_error_on_the_later_row():
    assert errors_of(csv_bytes([row(0), row(4, kanal="1", kode_lokasi="Blok A0 No. 0")])) == []
    duplicate = row(1, kanal="1")
    assert errors_of(csv_bytes([row(0), duplicate])) == [(3, "kanal")]


def test_swapped_coordinates_are_named_as_such():
    parsed = parse(csv_bytes([row(0, lintang="106.6301", bujur="-6.1701")]), AREA)
    assert "tertukar" in parsed.errors[0].message


def test_a_password_is_never_repeated_in_an_error():
    secret = "x" * 129
    parsed = parse(csv_bytes([row(0, sandi=secret)]), AREA)
    assert parsed.errors and all(secret not in e.message for e in parsed.errors)


def test_a_formula_in_a_name_is_kept_as_text():
    parsed = parse(csv_bytes([row(0, nama_kamera='=HYPERLINK("http://x","y")')]), AREA)
    assert parsed.rows[0].camera_name == '=HYPERLINK("http://x","y")'


def test_missing_required_columns_make_the_file_unusable():
    data = b"kode_lokasi,alamat,lintang\r\nA,B,-6.17\r\n"
    with pytest.raises(FileUnusable, match="bujur"):
        parse(data, AREA)


def test_binary_garbage_with_a_csv_name_is_refused():
    with pytest.raises(FileUnusable):
        parse(bytes(range(256)) * 100, AREA)


def test_a_csv_with_a_10_mb_field_is_refused():
    data = csv_bytes([row(0)]) + b'"' + b"a" * (10 * 1024 * 1024) + b'"\r\n'
    with pytest.raises(FileUnusable):
        parse(data, AREA)


def test_a_file_over_the_size_limit_is_refused_before_reading():
    with pytest.raises(FileUnusable, match="20 MB"):
        list(file_rows(b"a" * (20 * 1024 * 1024 + 1)))


def test_an_xlsx_zip_bomb_is_refused_without_expanding_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"0" * (1 << 20)
            for _ in range(400):
                part.write(chunk)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(FileUnusable, match="terlalu besar"):
        list(file_rows(data))


def test_both_templates_read_back_with_their_example_row():
    from joining.estate_import import template_csv, template_xlsx

    area = Area("Mataraksa", [Village(7, "36.03.01.1001", -6.2341, 106.5512)])
    for data in (template_csv(), template_xlsx()):
        parsed = parse(data, area)
        assert parsed.errors == []
        (example,) = parsed.rows
        assert (example.site_ref, example.direction, example.contact_phone) == (
            "Blok A1 No. 7",
            45,
            "+6281234567890",
        )
