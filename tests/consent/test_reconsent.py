from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import ConsentEvent
from consent.selectors import current_terms, owner_needs_reconsent, scopes_in_force
from consent.services import terms_draft_create, terms_publish
from registry import scoping
from tests.consent.conftest import World, publish_terms, sign

pytestmark = pytest.mark.django_db


def publish_with_scopes(scopes: str):
    draft = terms_draft_create()
    draft.scopes.exclude(scope__in=list(scopes)).delete()
    draft.save_revision()
    return terms_publish(terms=draft)


def test_a_new_version_asks_owners_again_and_the_old_one_stays_in_force(client, world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ad")
    assert not owner_needs_reconsent(owner=world.owner)

    v2 = publish_terms()

    event = ConsentEvent.objects.get(kind=ConsentEvent.Kind.RECONSENT_NEEDED)
    assert event.owner == world.owner and event.data["terms_version"] == v2.version
    assert owner_needs_reconsent(owner=world.owner)
    assert scopes_in_force(cameras=world.cameras) == {c.pk: "ad" for c in world.cameras}
    assert set(scoping.cameras_visible_to(world.operator.user)) == set(world.cameras)
    client.force_login(world.admin)
    page = client.get(reverse("consent:overview", args=[world.owner.pk]))
    assert "Baca dan tanda tangani versi baru" in page.content.decode()
    other = client.get(reverse("owners:dashboard"))  # the banner is on every page
    assert "Ada versi baru syarat persetujuan" in other.content.decode()

    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ad")
    assert not owner_needs_reconsent(owner=world.owner)


def test_a_new_scope_is_never_granted_silently(client, world: World):
    # the world's terms offer every scope; start again with a version offering (a) and (b)
    publish_with_scopes("ab")
    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ab")
    publish_with_scopes("abd")  # adds live view around the clock

    assert scopes_in_force(cameras=world.cameras) == {c.pk: "ab" for c in world.cameras}
    assert not scoping.cameras_visible_to(world.operator.user).exists()
    client.force_login(world.admin)
    page = client.get(reverse("consent:sign", args=[world.owner.pk]))
    form = page.context["form"]
    assert sorted(form.initial["scopes"]) == ["a", "b"]
    assert "d" in dict(form.fields["scopes"].choices)
    assert current_terms().scopes.filter(scope="d").exists()


def test_an_owner_who_withdrew_everything_is_not_asked_again(world: World):
    from consent.services import consent_withdraw

    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    consent_withdraw(owner=world.owner, user=world.admin)
    publish_terms()
    assert not ConsentEvent.objects.filter(kind=ConsentEvent.Kind.RECONSENT_NEEDED).exists()
