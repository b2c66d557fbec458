"""An administrator makes a new consent terms version from the Wagtail admin listing.

Uses the browser fixtures of tests/e2e/conftest.py; the click goes through Wagtail's
own admin JavaScript, which is where the button used to post to the wrong URL.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from consent.models import TermsVersion
from tests.consent.conftest import publish_terms, with_mfa
from tests.e2e.conftest import only_live_server
from tests.e2e.test_consent_journey import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_new_version_in_the_admin_opens_a_draft_copy(browser, live_server):
    v1 = publish_terms()
    admin = with_mfa(UserFactory(is_staff=True, is_superuser=True))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.set_default_timeout(15_000)
    only_live_server(context, live_server.url)
    page = context.new_page()
    try:
        sign_in(page, live_server, admin)
        page.goto(live_server.url + "/admin/snippets/consent/termsversion/")
        expect(page.get_by_text(f"v1 — {v1.title_id}")).to_be_visible()

        page.get_by_role("link", name="Buat versi baru").first.click()

        expect(page).to_have_url(re.compile(r"/admin/snippets/consent/termsversion/edit/\d+/$"))
        draft = TermsVersion.objects.exclude(pk=v1.pk).get()
        assert page.url.endswith(f"/edit/{draft.pk}/")
        expect(page.locator("textarea[name=body_id]")).to_have_value(v1.body_id)
        assert draft.scopes.count() == v1.scopes.count()
    finally:
        context.close()
