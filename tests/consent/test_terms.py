from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from consent.models import PublishedTermsImmutable, TermsScope, TermsVersion
from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from tests.consent.conftest import publish_terms, with_mfa
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDIT_URL = "wagtailsnippets_consent_termsversion:edit"


@pytest.fixture
def admin_client(client):
    client.force_login(with_mfa(UserFactory(is_staff=True, is_superuser=True)))
    return client


def test_publishing_numbers_the_version_and_stores_the_hash_of_its_exact_text():
    terms = publish_terms()
    assert terms.version == 1
    assert terms.published_at is not None
    expected = hashlib.sha256(terms.canonical_text().encode("utf-8")).hexdigest()
    assert terms.text_sha256 == expected
    assert "Persetujuan berbagi data" in terms.canonical_text()
    assert "consent" in terms.canonical_text()  # the English text is covered too
    assert current_terms() == terms


def test_a_draft_is_not_signable_and_has_no_hash():
    draft = terms_draft_create()
    assert draft.text_sha256 == ""
    assert current_terms() is None


def test_a_published_version_cannot_be_changed_through_the_model():
    terms = publish_terms()
    terms.body_id = "Teks yang diubah diam-diam."
    with pytest.raises(ValidationError, match="tidak bisa diubah"):
        terms.full_clean()
    with pytest.raises(PublishedTermsImmutable):
        terms.save()
    scope = terms.scopes.get(scope="a")
    scope.purpose_id = "Tujuan lain"
    with pytest.raises(PublishedTermsImmutable):
        scope.save()
    with pytest.raises(PublishedTermsImmutable):
        scope.delete()
    with pytest.raises(PublishedTermsImmutable):
        TermsScope.objects.create(
            terms=terms,
            scope="b",
            purpose_id="x",
            purpose_en="x",
            recipient_id="x",
            recipient_en="x",
            retention_id="x",
            retention_en="x",
        )
    fresh = TermsVersion.objects.get(pk=terms.pk)
    assert fresh.body_id != "Teks yang diubah diam-diam."
    assert fresh.compute_sha256() == fresh.text_sha256


def test_editing_a_published_version_in_the_wagtail_admin_is_refused(admin_client):
    terms = publish_terms()
    revisions_before = terms.revisions.count()
    url = reverse(EDIT_URL, args=[terms.pk])

    page = admin_client.get(url, follow=True)
    assert "tidak bisa diubah" in page.content.decode()

    response = admin_client.post(
        url,
        {
            "title_id": "Diubah",
            "title_en": "Changed",
            "body_id": "x",
            "body_en": "x",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 302
    fresh = TermsVersion.objects.get(pk=terms.pk)
    assert fresh.title_id == terms.title_id
    assert fresh.text_sha256 == terms.text_sha256
    assert fresh.revisions.count() == revisions_before


def test_a_draft_can_be_edited_in_the_wagtail_admin(admin_client):
    draft = terms_draft_create()
    response = admin_client.get(reverse(EDIT_URL, args=[draft.pk]))
    assert response.status_code == 200


def test_a_change_makes_a_new_version_and_the_old_one_stays_as_it_was(admin_client):
    v1 = publish_terms()
    response = admin_client.post(reverse("consent_terms_new_version", args=[v1.pk]))
    assert response.status_code == 302
    draft = TermsVersion.objects.exclude(pk=v1.pk).get()
    assert draft.body_id == v1.body_id
    assert draft.scopes.count() == v1.scopes.count()
    draft.body_id = v1.body_id + "\n\nParagraf baru."
    draft.save()
    draft.save_revision()
    v2 = terms_publish(terms=draft)
    assert v2.version == 2
    assert v2.text_sha256 != v1.text_sha256
    assert current_terms() == v2
    v1.refresh_from_db()
    assert v1.compute_sha256() == v1.text_sha256


class _ButtonFinder(HTMLParser):
    """The attributes of every link or button whose text is ``label``."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.found: list[dict[str, str]] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "button"):
            self._open.append((tag, {k: v or "" for k, v in attrs}, []))

    def handle_data(self, data: str) -> None:
        for _tag, _attrs, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _tag, attrs, text = self._open.pop()
            if " ".join("".join(text).split()) == self.label:
                self.found.append(attrs)


def _buttons(html: str, label: str) -> list[dict[str, str]]:
    finder = _ButtonFinder(label)
    finder.feed(html)
    return finder.found


def _where_the_browser_sends(button: dict[str, str]) -> tuple[str, str]:
    """Method and URL of a click, as Wagtail's admin JavaScript would send it.

    Wagtail's ``w-action#post`` submits a POST form to ``data-w-action-url-value``
    and, when that is missing, to the current page; a plain link is a GET of href.
    """
    if "w-action#post" in button.get("data-action", ""):
        return "POST", button.get("data-w-action-url-value", "")
    return "GET", button["href"]


def test_the_admin_lists_terms_with_the_new_version_button(admin_client):
    publish_terms()
    response = admin_client.get(reverse("wagtailsnippets_consent_termsversion:list"))
    assert response.status_code == 200
    assert "Buat versi baru" in response.content.decode()


def test_the_new_version_button_opens_a_draft_copy_of_the_version(admin_client):
    v1 = publish_terms()
    listing = admin_client.get(reverse("wagtailsnippets_consent_termsversion:list"))
    (button,) = _buttons(listing.content.decode(), "Buat versi baru")
    method, url = _where_the_browser_sends(button)
    assert (method, url) == ("POST", reverse("consent_terms_new_version", args=[v1.pk]))
    assert button["href"] == url  # opened in a new tab, the link leads to the same place

    response = admin_client.post(url, follow=True)

    assert response.status_code == 200
    draft = TermsVersion.objects.exclude(pk=v1.pk).get()
    assert response.redirect_chain[-1][0] == reverse(EDIT_URL, args=[draft.pk])
    assert not draft.is_frozen and not draft.live
    assert [getattr(draft, f) for f in ("title_id", "title_en", "body_id", "body_en")] == [
        getattr(v1, f) for f in ("title_id", "title_en", "body_id", "body_en")
    ]
    copied = list(draft.scopes.order_by("scope").values_list("scope", "purpose_id", "purpose_en"))
    assert copied == list(
        v1.scopes.order_by("scope").values_list("scope", "purpose_id", "purpose_en")
    )
    assert v1.body_id in response.content.decode()  # the edit form, filled in
    v1.refresh_from_db()
    assert v1.compute_sha256() == v1.text_sha256


def test_the_new_version_link_opened_without_javascript_asks_first(admin_client):
    v1 = publish_terms()
    url = reverse("consent_terms_new_version", args=[v1.pk])

    page = admin_client.get(url)

    assert page.status_code == 200
    assert TermsVersion.objects.count() == 1  # a GET creates nothing
    html = page.content.decode()
    assert len(_buttons(html, "Buat versi baru")) == 1
    assert re.search(rf'<form action="{url}" method="post">', html)
    assert admin_client.post(url).status_code == 302
    assert TermsVersion.objects.count() == 2


def test_an_editor_without_the_add_permission_cannot_make_a_new_version(client):
    from django.contrib.auth.models import Permission

    v1 = publish_terms()
    editor = with_mfa(UserFactory(is_staff=True))
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)

    client.post(reverse("consent_terms_new_version", args=[v1.pk]))

    assert TermsVersion.objects.count() == 1


def test_the_default_terms_are_published_once(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("consent_seed_terms", stdout=StringIO())
    call_command("consent_seed_terms", stdout=StringIO())
    assert TermsVersion.objects.count() == 1
    assert set(current_terms().scopes.values_list("scope", flat=True)) == set("abcde")


def test_administrators_can_open_the_create_form_for_a_new_draft(admin_client):
    response = admin_client.get(reverse("wagtailsnippets_consent_termsversion:add"))
    assert response.status_code == 200


def test_an_administrator_writes_and_publishes_a_version_in_the_wagtail_admin(admin_client):
    data = {
        "title_id": "Syarat baru",
        "title_en": "New terms",
        "body_id": "Isi syarat.",
        "body_en": "Terms body.",
        "scopes-TOTAL_FORMS": "1",
        "scopes-INITIAL_FORMS": "0",
        "scopes-MIN_NUM_FORMS": "1",
        "scopes-MAX_NUM_FORMS": "1000",
        "scopes-0-scope": "a",
        "scopes-0-purpose_id": "Terdaftar",
        "scopes-0-purpose_en": "Listed",
        "scopes-0-recipient_id": "Polsek",
        "scopes-0-recipient_en": "Polsek",
        "scopes-0-retention_id": "Selama berlaku",
        "scopes-0-retention_en": "While in force",
        "scopes-0-retention_days": "0",
        "action-publish": "action-publish",
    }
    response = admin_client.post(reverse("wagtailsnippets_consent_termsversion:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    terms = TermsVersion.objects.get()
    assert terms.live and terms.version == 1
    assert terms.text_sha256 == terms.compute_sha256()
    assert "Terdaftar" in terms.canonical_text()
    assert current_terms() == terms


def test_published_versions_are_titled_by_their_number_in_the_admin(admin_client):
    v1 = publish_terms()
    admin_client.post(reverse("consent_terms_new_version", args=[v1.pk]))
    v2 = terms_publish(terms=TermsVersion.objects.exclude(pk=v1.pk).get())
    admin_client.post(reverse("consent_terms_new_version", args=[v2.pk]))
    title = v1.title_id

    listing = admin_client.get(reverse("wagtailsnippets_consent_termsversion:list")).text
    titles = re.findall(r'<span id="snippet_\d+_title">([^<]*)</span>', listing)
    assert sorted(titles) == [f"Draf — {title}", f"v1 — {title}", f"v2 — {title}"]
    for view in ("inspect", "history"):
        page = admin_client.get(
            reverse(f"wagtailsnippets_consent_termsversion:{view}", args=[v1.pk])
        )
        assert f"v1 — {title}" in page.text
        assert "Draf —" not in page.text


def test_versions_published_before_the_fix_get_their_number_back_in_the_admin(admin_client):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("consent.migrations.0005_published_terms_revision_titles")
    v1 = publish_terms()
    v1.revisions.update(object_str=f"Draf — {v1.title_id}")  # as stored before the fix

    migration.retitle_published_revisions(apps, None)

    listing = admin_client.get(reverse("wagtailsnippets_consent_termsversion:list")).text
    assert re.findall(r'<span id="snippet_\d+_title">([^<]*)</span>', listing) == [
        f"v1 — {v1.title_id}"
    ]


def test_the_scopes_and_what_police_may_do_are_public(client, terms):
    """Anyone can read the five scopes before creating an account (issue 15 item 5)."""
    html = client.get("/persetujuan/izin-berbagi/").content.decode()

    for scope in terms.scopes.all():
        assert escape(scope.get_scope_display()) in html
        assert escape(scope.purpose_id) in html
        assert escape(scope.retention_id) in html
    assert "Mereka tidak melihat gambar kamera." in html  # what (a) lets police do
    assert terms.title_id in html
    english = client.get("/en/persetujuan/izin-berbagi/").content.decode()
    assert "They do not see the camera" in english
    assert escape(terms.scopes.first().purpose_en) in english


def test_the_scopes_page_says_so_when_no_terms_are_published(client, db):
    response = client.get("/persetujuan/izin-berbagi/")

    assert response.status_code == 200
    assert "Syarat persetujuan belum diterbitkan." in response.content.decode()
