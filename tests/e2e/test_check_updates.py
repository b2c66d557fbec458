"""The wizard's check step updates by itself when the check finishes (issue 15, item 1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from connectivity.models import Check, CheckStatus
from owners.models import JoinDraft, JoinStep
from tests.factories import (
    OwnerFactory,
    ProgramFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_check_step_shows_the_result_without_a_reload(live_server, phone, shot):
    user = UserFactory(email="warga@contoh.id")
    user.set_password("Kamera-Aman-2026")
    user.save()
    owner = OwnerFactory(member=user)
    recorder = RecorderFactory(site=SiteFactory(owner=owner))
    draft = JoinDraft.objects.create(
        user=user,
        program=ProgramFactory(),
        owner=owner,
        site=recorder.site,
        recorder=recorder,
        reached=JoinStep.CHECK,
    )
    check = Check.objects.create(recorder=recorder, status=CheckStatus.RUNNING)

    phone.goto(live_server.url + "/accounts/login/")
    phone.locator("input[name='login']").fill("warga@contoh.id")
    phone.locator("input[name='password']").fill("Kamera-Aman-2026")
    phone.get_by_role("button", name="Masuk").click()
    phone.goto(f"{live_server.url}/saya/gabung/{draft.pk}/check/")
    expect(phone.locator("#check-result")).to_contain_text("sedang berjalan")

    Check.objects.filter(pk=check.pk).update(
        status=CheckStatus.FINISHED, result_code="ok", message="Lolos: gambar pertama diterima."
    )

    expect(phone.locator("#check-result")).to_contain_text("Lolos", timeout=20_000)
    assert phone.url.endswith(f"/saya/gabung/{draft.pk}/check/")  # no reload, no navigation
