"""Consent receipts: the Kantara Consent Receipt fields, a PDF (fpdf2) and a QR code (segno).

The same ``receipt_fields`` dict feeds the HTML page, the PDF and the JSON, so
the three never disagree.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from consent.models import ConsentRecord, RecordKind, Scope, TermsScope
from owners.models import Camera
from police.jurisdiction import units_covering
from police.timezones import zone_for_region
from portal.private_files import private_storage

KANTARA_VERSION = "KI-CR-v1.1.0"
PLATFORM_OPERATOR = "CCTV Warga (operator platform)"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


def verification_url(record: ConsentRecord) -> str:
    return settings.SITE_URL + reverse("consent:verify", args=[record.receipt_id])


def _controllers(record: ConsentRecord) -> list[str]:
    """Police units whose jurisdiction covers the record's cameras, plus the operator."""
    codes = _codes(record)
    return [*(unit.name for unit in units_covering(codes)), PLATFORM_OPERATOR]


def _codes(record: ConsentRecord) -> list[str]:
    return list(
        Camera.objects.filter(pk__in=[c.camera_ref for c in record.cameras.all()])
        .values_list("recorder__site__village__code", flat=True)
        .distinct()
    )


def _terms_of(record: ConsentRecord) -> Any:
    """The terms whose scope texts explain the record.

    A withdrawal signs no terms: it is explained by the agreement it ends.
    """
    if record.terms is not None:
        return record.terms
    earlier = (
        ConsentRecord.objects.filter(
            owner_ref=record.owner_ref, kind=RecordKind.AGREEMENT, seq__lt=record.seq
        )
        .exclude(terms=None)
        .select_related("terms")
        .order_by("-seq")
        .first()
    )
    return earlier.terms if earlier is not None else None


def _scope_labels(codes: str) -> list[str]:
    return [str(Scope(code).label) for code in codes if code in Scope.values]


def receipt_fields(record: ConsentRecord, language: str = "id") -> dict[str, Any]:
    scope_texts: dict[str, TermsScope] = {}
    terms = _terms_of(record)
    if terms is not None:
        scope_texts = {s.scope: s for s in terms.scopes.all()}
    cameras = list(record.cameras.all())
    scope_codes = sorted({s for c in cameras for s in (c.scopes or c.withdrawn_scopes)})
    zone, zone_name = zone_for_region(next(iter(_codes(record)), None))
    with override("en" if language == "en" else "id"):
        purposes = []
        for code in scope_codes:
            text = scope_texts[code].text(language) if code in scope_texts else {}
            purposes.append(
                {
                    "scope": code,
                    "label": str(Scope(code).label),
                    "purpose": text.get("purpose", ""),
                    "recipient": text.get("recipient", ""),
                    "retention": text.get("retention", ""),
                }
            )
        method = _("formulir web, nama lengkap diketik dan kotak centang")
        if record.signature_image:
            method += _(", dengan tanda tangan gambar")
        local_time = (
            date_format(timezone.localtime(record.created_at, zone), "j F Y, H.i") + f" {zone_name}"
        )
        return {
            "version": KANTARA_VERSION,
            "jurisdiction": "ID (UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi)",
            "consent_timestamp": record.created_at.isoformat(),
            "local_time": local_time,
            "collection_method": str(method),
            "consent_receipt_id": str(record.receipt_id),
            "kind": record.kind,
            "kind_label": str(record.get_kind_display()),
            "language": record.language,
            "pii_principal": record.owner_name,
            "signer": record.signer_name,
            "capacity": str(record.get_capacity_display()),
            "authority_statement": record.authority_statement,
            "controllers": _controllers(record),
            "terms_version": record.terms_version or (terms.version if terms else None),
            "terms_sha256": record.terms_sha256,
            "purposes": purposes,
            "pii_categories": [
                "lokasi dan arah kamera / camera location and direction",
                "nama dan kontak pemilik / owner name and contact",
                "gambar dan video dari kamera sesuai cakupan / images and video per scope",
            ],
            "cameras": [
                {
                    "label": c.camera_label,
                    "scopes": c.scopes,
                    "withdrawn_scopes": c.withdrawn_scopes,
                    "scope_labels": _scope_labels(c.scopes),
                    "withdrawn_scope_labels": _scope_labels(c.withdrawn_scopes),
                }
                for c in cameras
            ],
            "withdraw": "Buka halaman Persetujuan di CCTV Warga dan pilih “Tarik persetujuan”; "
            "berlaku seketika. / Open the Consent page and choose “Withdraw consent”; "
            "it takes effect at once.",
            "record_hash": record.record_hash,
            "prev_hash": record.prev_hash,
            "sequence": record.seq,
            "verification_url": verification_url(record),
            "is_withdrawal": record.kind == RecordKind.WITHDRAWAL,
        }


def qr_svg_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4)


class _ReceiptPDF(FPDF):
    unicode_ok = False

    def setup_font(self) -> None:
        regular, bold = FONT_CANDIDATES
        if regular.exists() and bold.exists():
            self.add_font("receipt", "", str(regular))
            self.add_font("receipt", "B", str(bold))
            self.unicode_ok = True
            self.set_font("receipt", size=10)
        else:
            self.set_font("helvetica", size=10)

    def text_safe(self, value: Any) -> str:
        text = str(value)
        if self.unicode_ok:
            return text
        text = text.replace("—", "-").replace("“", '"').replace("”", '"').replace("→", "->")
        return text.encode("latin-1", "replace").decode("latin-1")

    def bold(self, on: bool) -> None:
        family = "receipt" if self.unicode_ok else "helvetica"
        self.set_font(family, "B" if on else "", size=10)


def receipt_pdf_kept(record: ConsentRecord, language: str = "id") -> bytes:
    """The receipt PDF, rendered once per record and language and then kept in storage.

    A record never changes, so neither does its receipt; rendering it at every
    download would let anyone with the link spend the server's time.
    """
    storage = private_storage()
    name = f"receipts/{record.receipt_id}/{'en' if language == 'en' else 'id'}.pdf"
    if storage.exists(name):
        with storage.open(name, "rb") as kept:
            return kept.read()
    content = receipt_pdf(record, language)
    storage.save(name, ContentFile(content))  # a concurrent twin gets another name
    return content


def receipt_pdf(record: ConsentRecord, language: str = "id") -> bytes:
    fields = receipt_fields(record, language)
    pdf = _ReceiptPDF(format="A4")
    pdf.set_title(f"Consent receipt {fields['consent_receipt_id']}")
    pdf.set_creator("CCTV Warga")
    pdf.add_page()
    pdf.setup_font()
    w = pdf.epw

    def line(label: str, value: Any, mono: bool = False) -> None:
        pdf.bold(True)
        pdf.multi_cell(w, 5, pdf.text_safe(label), new_x="LMARGIN", new_y="NEXT")
        if mono:  # hashes and links in a core font: plain text, easy to copy and search
            pdf.set_font("courier", size=9)
            pdf.multi_cell(w, 5, str(value or "-"), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.bold(False)
            pdf.multi_cell(w, 5, pdf.text_safe(value or "-"), new_x="LMARGIN", new_y="NEXT")
        pdf.bold(False)
        pdf.ln(1)

    pdf.bold(True)
    pdf.set_font_size(14)
    title = (
        "Tanda terima penarikan persetujuan / Consent withdrawal receipt"
        if fields["is_withdrawal"]
        else "Tanda terima persetujuan / Consent receipt"
    )
    pdf.multi_cell(w, 7, pdf.text_safe(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(10)
    pdf.bold(False)
    pdf.ln(2)
    line("Versi tanda terima / Receipt version", fields["version"])
    line("Yurisdiksi / Jurisdiction", fields["jurisdiction"])
    line("Nomor tanda terima / Consent receipt ID", fields["consent_receipt_id"], mono=True)
    line("Waktu / Time", fields["local_time"])
    line("Waktu (UTC) / Consent timestamp", fields["consent_timestamp"])
    line("Cara pengumpulan / Collection method", fields["collection_method"])
    line("Subjek data / PII principal", fields["pii_principal"])
    line("Penanda tangan / Signer", f"{fields['signer']} ({fields['capacity']})")
    if fields["authority_statement"]:
        line("Pernyataan kewenangan / Declaration of authority", fields["authority_statement"])
    line("Pengendali data / Data controllers", "; ".join(fields["controllers"]))
    if fields["terms_version"]:
        line("Versi syarat / Terms version", f"v{fields['terms_version']} ({fields['language']})")
    line("SHA-256 teks syarat / Terms text hash", fields["terms_sha256"], mono=True)
    line(
        "Kamera / Cameras",
        "\n".join(
            f"{c['label']}: "
            + (
                "; ".join(c["scope_labels"])
                or "ditarik / withdrawn: " + "; ".join(c["withdrawn_scope_labels"])
            )
            for c in fields["cameras"]
        ),
    )
    for p in fields["purposes"]:
        line(
            p["label"],
            f"Tujuan / Purpose: {p['purpose']}\nPenerima / Recipient: {p['recipient']}\n"
            f"Masa simpan / Retention: {p['retention']}",
        )
    line("Kategori data / PII categories", "; ".join(fields["pii_categories"]))
    line("Cara menarik / How to withdraw", fields["withdraw"])
    line("Hash catatan / Record hash", fields["record_hash"], mono=True)
    line("Hash sebelumnya / Previous record hash", fields["prev_hash"], mono=True)
    line("Verifikasi / Verification", fields["verification_url"], mono=True)
    if record.signature_image:
        pdf.bold(True)
        pdf.multi_cell(
            w,
            5,
            pdf.text_safe("Tanda tangan gambar / Drawn signature"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.bold(False)
        try:
            raw = base64.b64decode(record.signature_image.split(",", 1)[1])
            pdf.image(io.BytesIO(raw), w=60)
        except Exception:  # a broken image must not break the receipt
            pdf.multi_cell(w, 5, "-", new_x="LMARGIN", new_y="NEXT")
    png = io.BytesIO()
    segno.make(fields["verification_url"], error="m").save(png, kind="png", scale=4)
    png.seek(0)
    pdf.image(png, w=35)
    return bytes(pdf.output())
