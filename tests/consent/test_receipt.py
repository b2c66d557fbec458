from __future__ import annotations

import re
import zlib

import pytest
from django.urls import reverse

from consent.models import ConsentRecord
from consent.receipts import receipt_fields, receipt_pdf
from consent.services import consent_withdraw
from tests.consent.conftest import World, sign

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """Every content stream of a PDF, inflated, as latin-1 text."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        try:
            chunks.append(zlib.decompress(raw))
        except zlib.error:
            chunks.append(raw)
    return b"\n".join(chunks).decode("latin-1")


def test_the_receipt_pdf_renders_and_contains_the_text_hash(world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="abd")
    data = receipt_pdf(record)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert record.terms_sha256 in text
    assert record.record_hash in text
    assert str(record.receipt_id) in text
    assert b"/Subtype /Image" in data  # the QR code


def test_the_receipt_has_the_kantara_consent_receipt_fields(world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ab")
    fields = receipt_fields(record)
    for key in (
        "version",
        "jurisdiction",
        "consent_timestamp",
        "collection_method",
        "consent_receipt_id",
        "controllers",
        "purposes",
        "pii_categories",
        "withdraw",
    ):
        assert fields[key], key
    assert "Polres Tangerang Kota" in fields["controllers"]
    assert [p["scope"] for p in fields["purposes"]] == ["a", "b"]
    assert all(p["retention"] and p["recipient"] for p in fields["purposes"])
    assert fields["verification_url"].endswith(reverse("consent:verify", args=[record.receipt_id]))


def test_the_owner_opens_the_receipt_page_and_downloads_the_pdf(client, world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.admin)
    page = client.get(reverse("consent:receipt", args=[record.receipt_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert record.terms_sha256 in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    pdf = client.get(reverse("consent:receipt-pdf", args=[record.receipt_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_a_withdrawal_has_a_receipt_too(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    record = consent_withdraw(owner=world.owner, user=world.admin)
    client.force_login(world.admin)
    page = client.get(reverse("consent:receipt", args=[record.receipt_id]))
    assert "Tanda terima penarikan persetujuan" in page.content.decode()
    assert receipt_pdf(record).startswith(b"%PDF-")


def test_another_owner_and_the_police_get_404_on_a_receipt(client, world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    for user in (world.other_admin, world.analyst.user, world.other_analyst.user):
        client.force_login(user)
        assert client.get(reverse("consent:receipt", args=[record.receipt_id])).status_code == 404
        assert (
            client.get(reverse("consent:receipt-pdf", args=[record.receipt_id])).status_code == 404
        )


def test_the_public_verification_page_says_whether_the_record_holds(client, world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    page = client.get(reverse("consent:verify", args=[record.receipt_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Catatan ini utuh" in html
    assert world.owner.name not in html  # no personal data on the public page
    ConsentRecord.objects.filter(pk=record.pk).update(signer_name="Orang Lain")
    page = client.get(reverse("consent:verify", args=[record.receipt_id]))
    assert "TIDAK cocok" in page.content.decode()


def test_a_drawn_signature_appears_on_the_receipt(client, world: World):
    import base64
    import io

    import segno

    png = io.BytesIO()
    segno.make("tanda tangan").save(png, kind="png", scale=2)
    image = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, signature_image=image)
    assert receipt_pdf(record).count(b"/Subtype /Image") == 2  # signature and QR code
    client.force_login(world.admin)
    page = client.get(reverse("consent:receipt", args=[record.receipt_id]))
    assert f'src="{image}"' in page.content.decode()


def test_a_broken_signature_image_does_not_break_the_pdf(world: World):
    from tests.consent.test_signing import PNG

    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, signature_image=PNG)
    assert receipt_pdf(record).startswith(b"%PDF-")


def test_the_receipt_pdf_is_rendered_once_and_then_served_as_kept(client, world: World):
    from portal.private_files import private_storage

    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    client.force_login(world.admin)
    url = reverse("consent:receipt-pdf", args=[record.receipt_id])
    first = client.get(url).content
    name = f"receipts/{record.receipt_id}/id.pdf"
    assert private_storage().exists(name)
    with private_storage().open(name, "wb") as kept:  # what is served is what was kept
        kept.write(first + b"%kept")
    assert client.get(url).content == first + b"%kept"
