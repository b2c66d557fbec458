"""Passwords are hashed with Argon2id; older PBKDF2 hashes upgrade at the next sign-in.

The test settings use a fast hasher; these tests switch to the production list.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from portal import settings as production
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kata-sandi-yang-panjang-2026"
ARGON2_PREFIX = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(autouse=True)
def _production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def sign_in(client, login: str, password: str):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_new_passwords_are_hashed_with_argon2id_and_the_measured_parameters():
    assert make_password(PASSWORD).startswith(ARGON2_PREFIX)


def test_a_pbkdf2_hash_becomes_argon2_when_its_owner_signs_in(client):
    user = UserFactory(email="lama@example.id")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = sign_in(client, "lama@example.id", PASSWORD)

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith(ARGON2_PREFIX)
    assert user.check_password(PASSWORD)
    client.logout()
    sign_in(client, "lama@example.id", PASSWORD)  # and the new hash signs in too
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_a_wrong_password_leaves_the_old_hash_alone(client):
    user = UserFactory(email="lama@example.id")
    old_hash = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.password = old_hash
    user.save(update_fields=["password"])

    response = sign_in(client, "lama@example.id", "salah-" + PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.password == old_hash
