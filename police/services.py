"""Writes on police reference data: officer accounts and their activation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from police.models import Officer, OfficerRole, PoliceUnit, Region
from police.regions import region_q


def activation_url(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:activate", args=[token])


def villages_outside_unit(*, unit: PoliceUnit, villages: list[Region]) -> list[Region]:
    """The villages of ``villages`` that lie outside ``unit``'s jurisdiction."""
    codes = list(unit.regions.values_list("code", flat=True))
    inside = set(
        Region.objects.filter(region_q(codes), pk__in=[v.pk for v in villages]).values_list(
            "pk", flat=True
        )
    )
    return [v for v in villages if v.pk not in inside]


def officer_validate(*, unit: PoliceUnit, role: str, villages: list[Region]) -> None:
    """Invariants across the officer's unit, role and villages (the admin form shows them)."""
    outside = villages_outside_unit(unit=unit, villages=villages)
    if outside:
        raise ValidationError(
            {
                "villages": _("Desa di luar wilayah hukum %(unit)s: %(names)s.")
                % {"unit": unit, "names": ", ".join(v.name for v in outside)}
            }
        )
    if role == OfficerRole.BHABINKAMTIBMAS and not villages:
        raise ValidationError({"villages": _("Bhabinkamtibmas perlu desa/kelurahan binaan.")})


@transaction.atomic
def officer_save(
    *,
    officer: Officer,
    email: str,
    full_name: str,
    villages: list[Region],
) -> Officer:
    """Create or update an officer and their account (created without a usable password).

    A new account is claimed only through an activation link (``officer_activation_send``).
    """
    email = email.strip().lower()
    user = officer.user if officer.user_id else None
    clash = User.objects.filter(email__iexact=email)
    if user is not None:
        clash = clash.exclude(pk=user.pk)
    if clash.exists():
        raise ValidationError({"email": _("Email ini sudah dipakai akun lain.")})
    if user is None:
        user = User(email=email, full_name=full_name)
        user.set_unusable_password()
        user.save()
        officer.user = user
    elif (user.email, user.full_name) != (email, full_name):
        user.email, user.full_name = email, full_name
        user.save(update_fields=["email", "full_name"])
    officer.save()
    officer.villages.set(villages)
    return officer


def officer_activation_send(*, officer: Officer, created_by: Any = None) -> str:
    """Issue a new one-time activation link for ``officer`` and email it; returns the URL."""
    url = activation_url(
        account_services.activation_link_create(user=officer.user, created_by=created_by)
    )
    if officer.user.email:
        send_mail(
            subject=_("Aktivasi akun petugas CCTV Warga"),
            message=_(
                "Yth. %(name)s,\n\nakun petugas Anda di CCTV Warga (%(unit)s) sudah dibuat. "
                "Buka tautan ini untuk membuat kata sandi dan memasang aplikasi autentikator. "
                "Tautan hanya bisa dipakai sekali dan berlaku %(hours)s jam:\n\n%(url)s\n"
            )
            % {
                "name": officer.user.get_full_name(),
                "unit": officer.unit,
                "hours": settings.ACTIVATION_LINK_HOURS,
                "url": url,
            },
            from_email=None,
            recipient_list=[officer.user.email],
        )
    return url
