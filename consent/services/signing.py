"""Signing an agreement: checks of who signs what, then one record in the chain."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import struct
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from consent.models import (
    DEFAULT_SCOPES,
    ConsentRecord,
    RecordKind,
    Scope,
    SignerCapacity,
    TermsVersion,
)
from consent.selectors import current_terms, scopes_in_force
from consent.services.chain import chain_append
from consent.snapshots import snapshots_delete
from owners import selectors as owner_selectors
from owners.models import Camera, Owner

SIGNATURE_MAX_CHARS = 150_000  # a data URL; a drawn signature PNG is ~10-40 kB
SIGNATURE_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_IHDR = b"\x00\x00\x00\x0dIHDR"

NOT_CURRENT_MESSAGE = _lazy(
    "Versi syarat ini bukan versi terbaru. Muat ulang halaman dan baca versi terbaru."
)


class SigningRefused(ValidationError):
    """The agreement cannot be signed as asked; the message says why."""


#: The signing page's canvas is 400 x 150; anything much larger is not a drawn signature.
SIGNATURE_MAX_WIDTH = 1200
SIGNATURE_MAX_HEIGHT = 600


def _validate_signature_image(data_url: str) -> str:
    """A PNG data URL of a drawn signature, checked without decoding the pixels.

    The size of the data URL, the PNG signature and the IHDR chunk's width and
    height are checked, so a tiny file that decodes to a huge image (9400 x 9400
    zeros) is refused at signing instead of costing every receipt seconds.
    """
    data_url = (data_url or "").strip()
    if not data_url:
        return ""
    if len(data_url) > SIGNATURE_MAX_CHARS or not data_url.startswith(SIGNATURE_PREFIX):
        raise SigningRefused(
            _("Gambar tanda tangan tidak valid atau terlalu besar."), code="bad_signature"
        )
    try:
        raw = base64.b64decode(data_url[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as e:
        raise SigningRefused(_("Gambar tanda tangan tidak valid."), code="bad_signature") from e
    # PNG: 8-byte signature, then the IHDR chunk: length 13, "IHDR", width, height (big-endian).
    if len(raw) < 24 or not raw.startswith(PNG_MAGIC) or raw[8:16] != PNG_IHDR:
        raise SigningRefused(_("Gambar tanda tangan tidak valid."), code="bad_signature")
    width, height = struct.unpack(">II", raw[16:24])
    if not (0 < width <= SIGNATURE_MAX_WIDTH and 0 < height <= SIGNATURE_MAX_HEIGHT):
        raise SigningRefused(
            _("Gambar tanda tangan terlalu besar (paling besar %(w)s x %(h)s piksel).")
            % {"w": SIGNATURE_MAX_WIDTH, "h": SIGNATURE_MAX_HEIGHT},
            code="bad_signature",
        )
    return data_url


def normalise_ip(ip_address: str | None) -> str | None:
    """The form the database gives back, so the hash reads the same later."""
    try:
        return ipaddress.ip_address((ip_address or "").strip()).compressed
    except ValueError:
        return None


def camera_label(camera: Camera) -> str:
    return f"{camera.recorder.site.name} / {camera}"


@transaction.atomic
def agreement_sign(
    *,
    owner: Owner,
    user: Any,
    terms: TermsVersion,
    cameras: Iterable[Camera],
    scopes: Iterable[str],
    signer_name: str,
    confirmed: bool,
    language: str,
    ip_address: str | None = None,
    user_agent: str = "",
    capacity: str = SignerCapacity.OWNER,
    authority_statement: str = "",
    signature_image: str = "",
) -> ConsentRecord:
    """Record the owner's signature of ``terms`` for ``cameras`` and ``scopes``.

    Refused (``SigningRefused`` with a message) when the version is not the
    current one, no scope or camera is chosen, a camera is not the signer's, or
    an organisation signs without a declaration of authority.
    """
    current = current_terms()
    if current is None or terms.pk != current.pk:
        raise SigningRefused(str(NOT_CURRENT_MESSAGE), code="not_current")
    if not owner_selectors.owner_is_administered_by(owner=owner, user=user):
        raise SigningRefused(
            _("Hanya pengelola akun pemilik yang boleh menandatangani persetujuan."),
            code="not_admin",
        )
    chosen = sorted(set(scopes))
    offered = set(terms.scopes.values_list("scope", flat=True))
    if not chosen:
        raise SigningRefused(_("Pilih paling sedikit satu cakupan."), code="no_scope")
    if not set(chosen) <= offered:
        raise SigningRefused(_("Cakupan yang dipilih tidak ada di versi ini."), code="bad_scope")
    if not DEFAULT_SCOPES <= set(chosen):
        raise SigningRefused(
            _("Cakupan (a) terdaftar di registri diperlukan untuk cakupan lain."),
            code="listed_required",
        )
    camera_ids = {c.pk for c in cameras}
    if not camera_ids:
        raise SigningRefused(_("Pilih paling sedikit satu kamera."), code="no_camera")
    allowed = list(
        owner_selectors.cameras_editable_by(user)
        .filter(pk__in=camera_ids, recorder__site__owner=owner)
        .select_related("recorder__site")
    )
    if len(allowed) != len(camera_ids):
        raise SigningRefused(
            _("Ada kamera yang bukan milik Anda. Pilih hanya kamera Anda sendiri."),
            code="foreign_camera",
        )
    signer_name = " ".join((signer_name or "").split())
    if len(signer_name) < 3:
        raise SigningRefused(_("Ketik nama lengkap Anda."), code="no_name")
    if not confirmed:
        raise SigningRefused(
            _("Centang kotak persetujuan untuk menandatangani."), code="not_confirmed"
        )
    authority_statement = (authority_statement or "").strip()
    if capacity not in SignerCapacity.values:
        raise SigningRefused(_("Pilih kedudukan Anda."), code="bad_capacity")
    if capacity == SignerCapacity.SIGNATORY and not owner.is_organisation:
        raise SigningRefused(
            _("Penanda tangan atas nama organisasi hanya untuk pemilik berupa organisasi."),
            code="bad_capacity",
        )
    if capacity == SignerCapacity.SIGNATORY and len(authority_statement) < 2:
        raise SigningRefused(
            _("Tuliskan jabatan Anda di organisasi pemilik (misalnya Direktur)."),
            code="no_position",
        )
    if capacity == SignerCapacity.REPRESENTATIVE and len(authority_statement) < 10:
        raise SigningRefused(
            _("Sebagai kuasa, tuliskan pernyataan kewenangan Anda mewakili pemilik."),
            code="no_authority",
        )
    image = _validate_signature_image(signature_image)
    before = scopes_in_force(cameras=allowed)
    record = chain_append(
        fields={
            "kind": RecordKind.AGREEMENT,
            "owner": owner,
            "owner_ref": owner.pk,
            "owner_name": owner.name,
            "actor": user,
            "actor_ref": user.pk,
            "signer_name": signer_name,
            "capacity": capacity,
            "authority_statement": authority_statement,
            "terms": terms,
            "terms_version": terms.version,
            "terms_sha256": terms.text_sha256,
            "language": "en" if language == "en" else "id",
            "ip_address": normalise_ip(ip_address),
            "user_agent": (user_agent or "")[:400],
            "signature_image": image,
        },
        cameras=[
            {
                "camera": c,
                "camera_ref": c.pk,
                "camera_label": camera_label(c)[:200],
                "scopes": "".join(chosen),
            }
            for c in allowed
        ],
    )
    for c in allowed:
        if Scope.SNAPSHOT in before.get(c.pk, "") and Scope.SNAPSHOT not in chosen:
            snapshots_delete(camera=c)
    return record
