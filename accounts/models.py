from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra: Any) -> User:
        email = self.normalize_email(email) if email else None
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: a camera owner, an officer or an administrator.

    People sign in by email or by phone number, so both are optional and unique;
    phone numbers are stored in E.164 form.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)  # type: ignore[assignment]
    phone = models.CharField(_("nomor telepon"), max_length=20, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("telepon terverifikasi"), default=False)
    full_name = models.CharField(_("nama lengkap"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc, assignment]

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or str(self)

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else "") or str(self)


class ActivationLink(models.Model):
    """A one-time, expiring link with which a staff account is claimed.

    Officers and administrators set their password and enrol their authenticator
    only through such a link (issued by an administrator); only the SHA-256 of
    the token is stored, so the database alone cannot be used to claim an account.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_links")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tautan aktivasi")
        verbose_name_plural = _("tautan aktivasi")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
