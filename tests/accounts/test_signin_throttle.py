"""Failed sign-ins lock out the address they come from, not the account (issue 11,
"lockout as a weapon").

Five wrong passwords or TOTP codes used to lock a named officer out for five
minutes from everywhere, so anyone who knew an officer's email could keep them
out. Passwords are now throttled per account *and* address, TOTP codes have
their own counter (also per account and address), and each address keeps its
own cap across accounts. The rates are the production ones from portal.settings.
"""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from portal import settings as production
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kamera-Aman-2026"
ATTACKER = "203.0.113.66"
OFFICER_DESK = "198.51.100.10"


@pytest.fixture(autouse=True)
def _production_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = production.ACCOUNT_RATE_LIMITS
    settings.MFA_RATE_LIMITS = production.MFA_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


def officer_with_totp(email: str) -> tuple[User, str]:
    user = OfficerFactory(user=UserFactory(email=email, password=PASSWORD)).user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def wrong_code(secret: str) -> str:
    valid = {format_hotp_value(hotp_value(secret, c)) for c in yield_hotp_counters_from_time()}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def sign_in(client, login: str, password: str, address: str):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address
    )


def reached_totp_step(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("mfa_authenticate"))


def enter_code(client, code: str, address: str):
    return client.post(reverse("mfa_authenticate"), {"code": code}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and not response.url.startswith("/accounts/")


def test_wrong_passwords_from_one_address_do_not_lock_the_officer_out_elsewhere(client):
    officer, _secret = officer_with_totp("kanit@polres.example")
    for _ in range(5):
        assert not reached_totp_step(sign_in(client, officer.email, "tebakan", ATTACKER))

    assert not reached_totp_step(sign_in(client, officer.email, PASSWORD, ATTACKER))
    assert reached_totp_step(sign_in(client, officer.email, PASSWORD, OFFICER_DESK))


def test_wrong_totp_codes_from_one_address_do_not_lock_the_officer_out_elsewhere(client):
    officer, secret = officer_with_totp("kanit@polres.example")
    assert reached_totp_step(sign_in(client, officer.email, PASSWORD, ATTACKER))
    for _ in range(5):
        assert not signed_in(enter_code(client, wrong_code(secret), ATTACKER))
    refused = enter_code(client, current_code(secret), ATTACKER)
    assert not signed_in(refused)

    desk = client.__class__()
    assert reached_totp_step(sign_in(desk, officer.email, PASSWORD, OFFICER_DESK))
    assert signed_in(enter_code(desk, current_code(secret), OFFICER_DESK))


def test_wrong_totp_codes_do_not_use_up_the_password_attempts_of_the_address(client):
    # One office, one public address: two officers mistype their codes five times
    # each; a third officer's password still works (the code step has its own count).
    for n in range(2):
        officer, secret = officer_with_totp(f"anggota{n}@polres.example")
        office = client.__class__()
        assert reached_totp_step(sign_in(office, officer.email, PASSWORD, OFFICER_DESK))
        for _ in range(5):
            assert not signed_in(enter_code(office, wrong_code(secret), OFFICER_DESK))

    third, _secret = officer_with_totp("anggota2@polres.example")
    assert reached_totp_step(sign_in(client, third.email, PASSWORD, OFFICER_DESK))


def test_the_attackers_address_stays_capped_across_accounts(client):
    for n in range(10):
        sign_in(client, f"orang{n}@contoh.id", "tebakan", ATTACKER)
    officer, _secret = officer_with_totp("kanit@polres.example")

    assert not reached_totp_step(sign_in(client, officer.email, PASSWORD, ATTACKER))


def test_wrong_passwords_for_one_phone_number_do_not_lock_out_another(client):
    UserFactory(email=None, phone="+6281211112222", phone_verified=True, password=PASSWORD)
    other = UserFactory(email=None, phone="+6281233334444", phone_verified=True, password=PASSWORD)
    for _ in range(5):
        sign_in(client, "0812 1111 2222", "tebakan", ATTACKER)

    response = sign_in(client, "0812 3333 4444", PASSWORD, ATTACKER)

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(other.pk)


def test_behind_the_proxy_each_client_is_counted_by_its_forwarded_address(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # compose.yaml's default
    proxy = "10.0.0.2"
    officer, _secret = officer_with_totp("kanit@polres.example")
    for _ in range(6):
        client.post(
            reverse("account_login"),
            {"login": officer.email, "password": "tebakan"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"{OFFICER_DESK}, {ATTACKER}",  # the first part is forged
        )

    response = client.post(
        reverse("account_login"),
        {"login": officer.email, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=OFFICER_DESK,
    )
    assert reached_totp_step(response)
