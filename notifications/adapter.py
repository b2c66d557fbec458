"""allauth adapter: accounts' adapter, with phone codes sent by WhatsApp.

``ACCOUNT_ADAPTER`` points here, so the ground layer (``accounts``) needs no
knowledge of WhatsApp. The code goes out as the AUTHENTICATION template with a
copy-code button; with no ``WHATSAPP_ACCESS_TOKEN`` it is printed to the console.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext as _

from accounts.adapter import AccountAdapter as BaseAccountAdapter
from notifications import services, whatsapp
from notifications.models import MessageStatus


class AccountAdapter(BaseAccountAdapter):
    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        message = services.sign_in_code_send(phone=phone, code=code, user=user)
        request = getattr(self, "request", None)
        if request is None or message.status != MessageStatus.FAILED:
            return
        if message.error_code == whatsapp.UNDELIVERABLE:
            text = _(
                "Nomor %(phone)s tidak dapat menerima pesan WhatsApp, jadi kode tidak "
                "terkirim. Masuk atau daftar dengan alamat email Anda."
            ) % {"phone": phone}
        else:
            text = _(
                "Kode belum dapat dikirim lewat WhatsApp. Coba lagi sebentar lagi, atau "
                "gunakan alamat email Anda."
            )
        messages.error(request, text)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        # Nobody asked for anything on this number: send nothing (no spam, no hint).
        return None

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Sending here would tell a stranger who typed a number that it has an account.
        return None
