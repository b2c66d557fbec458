"""Sticker sheets (A4 PDF, fpdf2 + segno) and what the public sticker page shows."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from fpdf import FPDF

from consent.models import ConsentState, TermsScope
from owners.models import EnrolmentState
from workspace.models import Sticker

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

# 2 x 4 stickers of 90 x 62 mm on A4 (210 x 297 mm).
COLUMNS, ROWS = 2, 4
WIDTH, HEIGHT, GAP, MARGIN_X, MARGIN_Y = 90.0, 62.0, 6.0, 12.0, 15.0


def sticker_url(sticker: Sticker) -> str:
    return settings.SITE_URL + reverse("stickers:public", args=[sticker.token])


def _setup_fonts(pdf: FPDF) -> str:
    try:
        pdf.add_font("sticker", "", FONT)
        pdf.add_font("sticker", "B", FONT_BOLD)
        return "sticker"
    except (FileNotFoundError, RuntimeError, OSError):
        return "helvetica"


def sticker_sheet_pdf(stickers: list[Sticker]) -> bytes:
    """A4 pages of stickers: program, short code and a QR code to the public page."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_creator("CCTV Warga")
    pdf.set_title("Stiker CCTV Warga")
    family = _setup_fonts(pdf)
    per_page = COLUMNS * ROWS
    for index, sticker in enumerate(stickers):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        x = MARGIN_X + (slot % COLUMNS) * (WIDTH + GAP)
        y = MARGIN_Y + (slot // COLUMNS) * (HEIGHT + GAP)
        pdf.set_draw_color(30, 30, 30)
        pdf.rect(x, y, WIDTH, HEIGHT)
        qr = io.BytesIO()
        segno.make(sticker_url(sticker), error="m").save(qr, kind="png", scale=6, border=1)
        qr.seek(0)
        pdf.image(qr, x=x + WIDTH - 44, y=y + 4, w=40, h=40)
        pdf.set_xy(x + 4, y + 5)
        pdf.set_font(family, "B", 13)
        pdf.cell(WIDTH - 50, 7, "CCTV WARGA")
        pdf.set_xy(x + 4, y + 13)
        pdf.set_font(family, "", 8)
        program = sticker.enrolment.program.name
        pdf.multi_cell(WIDTH - 50, 4, f"Kamera terdaftar di program {program}"[:90])
        pdf.set_xy(x + 4, y + 32)
        pdf.set_font(family, "B", 12)
        pdf.cell(WIDTH - 50, 6, sticker.code)
        pdf.set_xy(x + 4, y + 47)
        pdf.set_font(family, "", 7)
        pdf.multi_cell(
            WIDTH - 8,
            3.5,
            "Pindai kode QR: siapa yang mengawasi, data apa yang dibagikan, "
            "dan cara menyampaikan keberatan privasi.",
        )
    return bytes(pdf.output())


def sticker_public(*, sticker: Sticker, language: str = "id") -> dict[str, Any]:
    """What the public sticker page shows: no owner data, only the program and consent in force."""
    enrolment = sticker.enrolment
    program = enrolment.program
    state = (
        ConsentState.objects.filter(camera_id=enrolment.camera_id)
        .select_related("record__terms")
        .first()
    )
    taking_part = enrolment.state in (
        EnrolmentState.CONNECTED,
        EnrolmentState.STICKERED,
        EnrolmentState.VERIFIED,
    ) and bool(state and "a" in state.scopes)
    shared = []
    if taking_part and state is not None and state.record.terms_id:
        for scope in TermsScope.objects.filter(
            terms_id=state.record.terms_id, scope__in=list(state.scopes)
        ).order_by("scope"):
            shared.append({"label": str(scope), **scope.text(language)})
    return {
        "code": sticker.code,
        "program": program,
        "unit": program.unit,
        "taking_part": taking_part,
        "shared": shared,
        "placed": sticker.placed_at is not None,
    }
