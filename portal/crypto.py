"""Secrets at rest: a model field encrypted with MultiFernet.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (newest first), never from
``SECRET_KEY``. A value that does not decrypt raises ``DecryptionError``: it is
never handed back as if the ciphertext were the secret.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a valid Fernet key"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return PREFIX + fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionError("stored value is not an encrypted token")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


def rotate(stored: str) -> str:
    """Re-encrypt ``stored`` with the newest key (raises ``DecryptionError``)."""
    if not stored.startswith(PREFIX):
        raise DecryptionError("stored value is not an encrypted token")
    try:
        return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


class EncryptedTextField(models.TextField):
    """Stores text encrypted; reads give the plaintext or raise ``DecryptionError``.

    Empty strings are stored as empty strings (no secret to protect), so that
    "no password" stays distinguishable from a secret.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "portal.crypto.EncryptedTextField", args, kwargs
