"""Writes on accounts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ActivationLink, User


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account with its sign-in data (emails, authenticators, sessions' user).

    Callers decide whether the account may go (``consent`` does, after the
    owner's data is deleted and no other owner or police role needs it).
    """
    user.delete()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def activation_link_create(*, user: User, created_by: Any = None) -> str:
    """Issue a one-time activation link for ``user``; returns the token (shown once).

    Earlier unused links of the user stop working, so only the newest one counts.
    The link expires after ``ACTIVATION_LINK_HOURS``.
    """
    now = timezone.now()
    ActivationLink.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    ActivationLink.objects.create(
        user=user,
        token_sha256=_digest(token),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        expires_at=now + timedelta(hours=settings.ACTIVATION_LINK_HOURS),
    )
    return token


def activation_link_valid(*, token: str) -> ActivationLink | None:
    """The link ``token`` names, if it is unused and not expired."""
    return (
        ActivationLink.objects.filter(
            token_sha256=_digest(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("user")
        .first()
    )


@transaction.atomic
def activation_link_use(*, token: str, password: str) -> User | None:
    """Spend the link: set the account's password and verify its email. ``None`` if invalid.

    Two requests with the same token cannot both succeed (the row is locked).
    """
    link = (
        ActivationLink.objects.select_for_update()
        .filter(token_sha256=_digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        return None
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    user = link.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    if user.email:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    return user
