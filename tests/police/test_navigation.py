"""Each role lands on its own workspace and sees its own menu (issue 12)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from police.models import OfficerRole
from tests.conftest import give_totp
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("officer", "police:dashboard"),
        ("resident", "owners:dashboard"),
        ("admin", "wagtailadmin_home"),
    ],
)
def test_after_sign_in_each_role_lands_on_its_workspace(client, who, lands_on):
    if who == "officer":
        user = OfficerFactory(role=OfficerRole.COMMANDER).user
        give_totp(user)
    elif who == "admin":
        user = UserFactory(is_staff=True, is_superuser=True)
        give_totp(user)
    else:
        user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("signin:landing")).url == reverse(lands_on)


def test_an_officer_sees_the_police_menu_and_can_switch_to_their_own_cameras(client):
    officer = OfficerFactory(role=OfficerRole.ANALYST)
    give_totp(officer.user)
    client.force_login(officer.user)
    html = client.get(reverse("owners:dashboard")).content.decode()
    assert reverse("police:dashboard") in html and reverse("police:queue") in html
    resident = UserFactory()
    client.force_login(resident)
    assert (
        reverse("police:dashboard") not in client.get(reverse("owners:dashboard")).content.decode()
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_admin_answers_a_signed_in_non_admin_with_a_clear_403_not_a_loop(client, language):
    from django.conf import settings
    from django.utils import translation

    client.force_login(UserFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/admin/", follow=True)
    assert len(response.redirect_chain) <= 2
    assert response.status_code == 403
    with translation.override(language):
        expected = translation.gettext("Anda tidak punya akses ke admin")
    assert expected in response.content.decode()


def test_the_totp_page_says_why_and_shows_the_whole_secret(client):
    from accounts.services import activation_link_create

    officer = OfficerFactory(role=OfficerRole.BHABINKAMTIBMAS)
    token = activation_link_create(user=officer.user)
    password = "Polisi-Tangerang-2026!"
    client.post(
        reverse("accounts:activate", args=[token]),
        {"new_password1": password, "new_password2": password},
    )
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    assert "aplikasi autentikator" in html and "kata sandi Anda" in html
    secret = page.context["form"].secret
    assert f'value="{secret}"' in html and len(secret) >= 32


def test_the_recovery_codes_page_continues_to_the_workspace(rf):
    from django.template.loader import render_to_string

    request = rf.get("/accounts/2fa/recovery-codes/")
    request.user = UserFactory()
    html = render_to_string(
        "mfa/recovery_codes/index.html",
        {"unused_codes": ["a1b2c3d4"], "total_count": 10, "can_view_codes": True},
        request=request,
    )
    assert "a1b2c3d4" in html
    assert f'id="continue" href="{reverse("signin:landing")}"' in html
