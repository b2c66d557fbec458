"""Staff accounts are claimed only through a one-time, expiring activation link (issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ActivationLink
from police.models import Officer, OfficerRole
from tests.factories import OfficerFactory, PoliceUnitFactory, UserFactory, region_tree

pytestmark = pytest.mark.django_db

PASSWORD = "Polisi-Tangerang-2026!"


def claim(client, token, password=PASSWORD):
    url = reverse("accounts:activate", args=[token])
    return client.post(url, {"new_password1": password, "new_password2": password})


def test_the_link_sets_the_password_and_only_that_session_may_enrol_totp(client):
    officer = OfficerFactory(role=OfficerRole.ANALYST)
    officer.user.set_unusable_password()
    officer.user.save()
    token = services.activation_link_create(user=officer.user)

    response = claim(client, token)
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    officer.user.refresh_from_db()
    assert officer.user.check_password(PASSWORD)
    # The claimed session is sent to enrol its authenticator, and may open that page.
    assert client.get(reverse("police:dashboard")).url.startswith(reverse("mfa_activate_totp"))
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_someone_who_signs_in_with_the_password_elsewhere_cannot_enrol(client):
    officer = OfficerFactory(role=OfficerRole.ANALYST)
    token = services.activation_link_create(user=officer.user)
    claim(client.__class__(), token)  # the officer's own browser

    officer.user.refresh_from_db()
    client.force_login(officer.user)  # an attacker who learnt the password
    assert client.get(reverse("mfa_activate_totp")).status_code == 403
    assert not Authenticator.objects.filter(user=officer.user).exists()


@pytest.mark.parametrize("spoil", ["used", "expired", "unknown", "superseded"])
def test_a_used_expired_unknown_or_superseded_link_does_nothing(client, spoil):
    officer = OfficerFactory()
    token = services.activation_link_create(user=officer.user)
    if spoil == "used":
        claim(client.__class__(), token)
    elif spoil == "expired":
        ActivationLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif spoil == "unknown":
        token = "x" * 43
    else:
        services.activation_link_create(user=officer.user)
    before = officer.user.password

    response = claim(client, token, password="Lain-Sandi-2026!")

    assert response.status_code == 410
    officer.user.refresh_from_db()
    assert officer.user.password == before or spoil == "used"
    assert not officer.user.check_password("Lain-Sandi-2026!")


def test_only_a_hash_of_the_token_is_stored():
    user = UserFactory()
    token = services.activation_link_create(user=user)
    assert not ActivationLink.objects.filter(token_sha256__contains=token).exists()
    assert token not in str(list(ActivationLink.objects.values()))


def test_an_admin_creates_an_officer_who_gets_a_link_by_email(admin_client_with_totp):
    village = region_tree("36.03", "18", "2005")
    unit = PoliceUnitFactory(name="Polsek Cikupa")
    unit.regions.set([village.parent])
    response = admin_client_with_totp.post(
        reverse("officers:add"),
        {
            "email": "joko@polri.example",
            "full_name": "Aipda Joko",
            "unit": unit.pk,
            "role": OfficerRole.BHABINKAMTIBMAS,
            "rank": "Aipda",
            "nrp": "81010101",
            "villages": [village.pk],
            "active": "on",
            "send_activation": "on",
        },
    )
    assert response.status_code == 302
    officer = Officer.objects.get(user__email="joko@polri.example")
    assert not officer.user.has_usable_password()
    assert list(officer.villages.all()) == [village]
    assert len(mail.outbox) == 1 and "/accounts/aktivasi/" in mail.outbox[0].body
    assert ActivationLink.objects.filter(user=officer.user, used_at__isnull=True).exists()


def test_a_bhabinkamtibmas_village_must_lie_in_the_units_jurisdiction(admin_client_with_totp):
    unit = PoliceUnitFactory()
    unit.regions.set([region_tree("36.03", "18", "2005").parent])
    far = region_tree("31.73", "01", "1001")
    response = admin_client_with_totp.post(
        reverse("officers:add"),
        {
            "email": "x@polri.example",
            "full_name": "X",
            "unit": unit.pk,
            "role": OfficerRole.BHABINKAMTIBMAS,
            "villages": [far.pk],
            "active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "di luar wilayah hukum" in response.content.decode()
    assert not Officer.objects.filter(user__email="x@polri.example").exists()


def test_a_retired_officer_loses_access_at_once(client):
    officer = OfficerFactory(role=OfficerRole.ANALYST)
    Authenticator.objects.create(user=officer.user, type=Authenticator.Type.TOTP, data={})
    client.force_login(officer.user)
    assert client.get(reverse("police:dashboard")).status_code == 200
    Officer.objects.filter(pk=officer.pk).update(active=False)
    assert client.get(reverse("police:dashboard")).status_code == 403


def test_the_command_prints_a_working_link_for_a_superuser(capsys, client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    call_command("staff_activation_link", admin.email)
    url = capsys.readouterr().out.strip()
    assert "/accounts/aktivasi/" in url
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert claim(client, token).status_code == 302


@pytest.fixture
def admin_client_with_totp(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={})
    client.force_login(admin)
    return client
