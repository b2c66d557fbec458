"""Writes on accounts."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account with its sign-in data (emails, authenticators, sessions' user).

    Callers decide whether the account may go (``consent`` does, after the
    owner's data is deleted and no other owner or police role needs it).
    """
    user.delete()
