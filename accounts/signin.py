"""Sign-in throttles that lock out the attacker's address, not the account.

allauth counts failed passwords per account ("5/5m/key", the key being the email
address) and failed second-factor codes per user, whichever address they come
from: anyone who knows an officer's email can keep that officer out. Here both
keys are the account *and* the client address together, and second-factor codes
have their own action (``MFA_RATE_LIMITS["authenticate_failed"]``), so they never
use up the password attempts. Each address stays capped across accounts by the
"per ip" part of both rates. The client address is allauth's (it honours
``ALLAUTH_TRUSTED_PROXY_COUNT``), with IPv6 cut to its /64 the way allauth does.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from allauth import app_settings as allauth_settings
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.phones import normalize_phone

MFA_FAILED_ACTION = "authenticate_failed"


def client_network(request: HttpRequest) -> str:
    address = get_account_adapter().get_client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
    return str(ip)


def throttle_key(request: HttpRequest, account: str) -> str:
    """The rate limit key of one account tried from one address."""
    return f"{client_network(request)}|{account}"


class AuthenticateForm(AllauthAuthenticateForm):
    """allauth's second-factor form at sign-in, counted per user and address.

    ``clean_code`` is allauth's own apart from the count: its version counts
    under the password's action, per user only.
    """

    def clean_code(self) -> str:
        request = context.request
        usage = ratelimit.consume(
            request,
            app="allauth.mfa",
            action=MFA_FAILED_ACTION,
            key=throttle_key(request, f"user:{self.user.pk}"),
        )
        if not usage:
            raise get_account_adapter().validation_error("too_many_login_attempts")
        code = self.cleaned_data["code"]
        main: Authenticator | None = None
        for authenticator in Authenticator.objects.filter(user=self.user).exclude(
            type=Authenticator.Type.WEBAUTHN  # WebAuthn cannot validate typed codes
        ):
            if main is None or authenticator.type == Authenticator.Type.TOTP:
                main = authenticator
            if authenticator.wrap().validate_code(code):
                authenticator.user = self.user
                self.authenticator = authenticator
                # A success takes back its own attempt only, as allauth does for
                # passwords: wiping the count would let an attacker reset it.
                usage.rollback()
                return code
        if main is not None:
            self._emit_authentication_failed(main)
        raise get_mfa_adapter().validation_error("incorrect_code")


def login_attempts_key(request: HttpRequest, credentials: dict[str, Any]) -> str:
    """The account a password sign-in names, normalised, with the client address.

    allauth's own key reads only "email" or "username", so every sign-in by phone
    number shared one counter.
    """
    if credentials.get("email"):
        account = f"email:{credentials['email'].strip().lower()}"
    elif credentials.get("phone"):
        raw = str(credentials["phone"])
        try:
            account = f"phone:{normalize_phone(raw)}"
        except ValidationError:  # an unparsable number is still one account name
            account = f"phone:{raw.strip()}"
    else:
        account = f"other:{str(credentials.get('username', '')).strip().lower()}"
    return throttle_key(request, account)
