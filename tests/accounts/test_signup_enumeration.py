"""Sign-up answers the same whether or not an email address or phone number is
already registered (issue 11, F5): the attacker learns nothing, and the owner of
the existing account is told by email that someone tried.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from accounts.models import User
from accounts.phones import normalize_phone

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Kamera-Aman-2026"


def signup(client, **fields):
    payload = {"full_name": "Penyerang", "password1": PASSWORD, "password2": PASSWORD}
    payload.update(fields)
    return client.post(reverse("account_signup"), payload, follow=True)


def answer(response, *secrets: str) -> tuple[list, int, str]:
    """What the browser sees: the redirects, the status and the page, with the
    values the visitor typed in blanked out (the page may echo them)."""
    page = response.content.decode()
    for secret in secrets:
        shown = normalize_phone(secret) if "@" not in secret else secret.lower()
        page = page.replace(secret, "…").replace(shown, "…")
    # The CSRF token and the CSP nonce change at every request.
    page = _without_tokens(page)
    return response.redirect_chain, response.status_code, page


def _without_tokens(page: str) -> str:
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


@pytest.fixture
def registered():
    user = User.objects.create_user(email="warga@contoh.id", password="x", phone="+6281211112222")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.mark.parametrize(
    ("taken", "fresh"),
    [
        ({"email": "warga@contoh.id"}, {"email": "baru@contoh.id"}),
        ({"email": "WARGA@contoh.id"}, {"email": "baru@contoh.id"}),
        (
            {"email": "warga@contoh.id", "phone": "081299998888"},
            {"email": "baru@contoh.id", "phone": "081299997777"},
        ),
        ({"phone": "081211112222"}, {"phone": "081233334444"}),
    ],
    ids=["email", "email-other-case", "email-and-new-phone", "phone"],
)
def test_sign_up_answers_the_same_for_a_registered_and_a_new_contact(
    client, registered, taken, fresh
):
    existing = signup(client, **taken)
    client.cookies.clear()
    new = signup(client, **fresh)

    assert answer(existing, *taken.values()) == answer(new, *fresh.values())
    assert "sudah terdaftar" not in existing.content.decode()
    assert User.objects.filter(email="warga@contoh.id").count() == 1


def test_the_owner_of_a_registered_email_is_told_by_email_and_nobody_signs_in(
    client, registered, mailoutbox
):
    response = signup(client, email="warga@contoh.id")

    assert response.wsgi_request.user.is_anonymous
    assert [m.to for m in mailoutbox] == [["warga@contoh.id"]]
    assert "reset" in mailoutbox[0].body.lower()  # "you already have an account"
    assert User.objects.count() == 1


def test_a_new_email_signs_in_only_after_following_the_verification_link(client, mailoutbox):
    response = signup(client, email="siti@contoh.id")
    assert response.wsgi_request.user.is_anonymous
    user = User.objects.get(email="siti@contoh.id")

    (message,) = mailoutbox
    link = next(word for word in message.body.split() if "/accounts/confirm-email/" in word)
    client.post(link[link.index("/accounts/") :])

    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("owners:dashboard")).wsgi_request.user == user


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how many passwords a request hashes."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.mark.parametrize(
    ("taken", "fresh"),
    [
        ({"email": "warga@contoh.id"}, {"email": "baru@contoh.id"}),
        ({"phone": "081211112222"}, {"phone": "081233334444"}),
    ],
    ids=["email", "phone"],
)
def test_a_registered_contact_costs_the_same_password_hashing_as_a_new_one(
    client, settings, registered, taken, fresh
):
    # Without it, the answer for a registered address came back in 10 ms instead
    # of the 0.6-0.9 s that hashing a new account's password takes in production.
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    counts = []
    for fields in (taken, fresh):
        CountingHasher.calls = 0
        signup(client, **fields)
        client.cookies.clear()
        counts.append(CountingHasher.calls)

    assert counts[0] == counts[1] >= 1


@pytest.mark.parametrize("mode", ["none", "mandatory"])
def test_settings_refuse_an_email_verification_mode_that_would_reveal_accounts(mode):
    # "none" signs a new address in at once, which an existing one cannot match;
    # allauth's "mandatory" needs an email for every sign-up, and ours may be by phone.
    env = {
        **os.environ,
        "ACCOUNT_EMAIL_VERIFICATION": mode,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.setdefault("SECRET_KEY", "test-only-not-secret")
    env.setdefault("FIELD_ENCRYPTION_KEYS", "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "ACCOUNT_EMAIL_VERIFICATION" in result.stderr
