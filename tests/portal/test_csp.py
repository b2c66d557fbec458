import pytest

from tests.conftest import give_totp

pytestmark = pytest.mark.django_db


def test_public_pages_allow_only_our_own_scripts(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src


def test_the_wagtail_admin_keeps_its_inline_widget_scripts_working(admin_client, admin_user):
    give_totp(admin_user)
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    script_src = next(
        part for part in response["Content-Security-Policy"].split(";") if "script-src" in part
    )
    assert "'unsafe-inline'" in script_src
