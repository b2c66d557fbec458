"""Members and invitations (issue 11, F1): no account lookup, no forced membership."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from consent.services import account_delete
from owners.models import Invitation, MemberRole, Membership, OwnerEvent, OwnerEventKind
from tests.factories import OwnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_and_owner():
    admin = UserFactory(full_name="Hendra Wijaya")
    return admin, OwnerFactory(member=admin, name="Perumahan Griya Curug")


def invite(client, owner, contact, role="viewer"):
    return client.post(
        reverse("owners:members", args=[owner.pk]), {"contact": contact, "role": role}
    )


def test_inviting_an_existing_account_creates_an_invitation_and_no_membership(
    client, admin_and_owner
):
    admin, owner = admin_and_owner
    victim = UserFactory(phone="+6281277771234", phone_verified=True)
    client.force_login(admin)

    assert invite(client, owner, "0812 7777 1234").status_code == 302

    assert not Membership.objects.filter(user=victim).exists()
    assert Invitation.objects.get(owner=owner).phone == "+6281277771234"


def test_the_answer_is_the_same_whether_or_not_the_contact_has_an_account(client, admin_and_owner):
    admin, owner = admin_and_owner
    UserFactory(phone="+6281277771234", phone_verified=True)
    client.force_login(admin)

    def answer(contact: str) -> tuple[int, list[str]]:
        response = invite(client, owner, contact)
        followed = client.get(response.url)
        return response.status_code, [str(m) for m in followed.context["messages"]]

    assert answer("0812 7777 1234") == answer("0812 7777 9999")
    assert sorted(Invitation.objects.values_list("phone", flat=True)) == [
        "+6281277771234",
        "+6281277779999",
    ]


def test_invitations_are_rate_limited_per_inviter(client, admin_and_owner, settings):
    settings.INVITATION_RATE_LIMIT = 3
    admin, owner = admin_and_owner
    client.force_login(admin)
    statuses = [invite(client, owner, f"0812 7777 100{n}").status_code for n in range(5)]

    assert statuses == [302, 302, 302, 429, 429]
    assert Invitation.objects.count() == 3


def test_the_data_export_shows_other_members_by_name_and_role_only(client, admin_and_owner):
    admin, owner = admin_and_owner
    other = UserFactory(full_name="Polda Officer", email="rahasia@polri.example")
    other.phone = "+6281211110000"
    other.save()
    Membership.objects.create(owner=owner, user=other, role=MemberRole.VIEWER)
    client.force_login(admin)

    data = json.loads(client.get(reverse("consent:my-data-json", args=[owner.pk])).content)

    by_name = {m["name"]: m for m in data["members"]}
    assert set(by_name["Polda Officer"]) == {"name", "role", "since"}
    assert by_name["Hendra Wijaya"]["email"] == admin.email  # your own contact, only
    html = client.get(reverse("consent:my-data", args=[owner.pk])).content.decode()
    assert "rahasia@polri.example" not in html and "6281211110000" not in html


def test_an_invitation_becomes_a_membership_only_when_accepted_and_can_be_declined(
    client, admin_and_owner
):
    admin, owner = admin_and_owner
    invitee = UserFactory(phone="+6281211112222", phone_verified=True)
    client.force_login(admin)
    invite(client, owner, "0812 1111 2222", role="editor")
    invite(client, owner, "0812 1111 3333")
    accepted, declined = Invitation.objects.order_by("pk")

    client.force_login(invitee)
    client.post(reverse("owners:invitation-accept", args=[accepted.pk]))
    assert Membership.objects.get(owner=owner, user=invitee).role == MemberRole.EDITOR

    other = UserFactory(phone="+6281211113333", phone_verified=True)
    client.force_login(other)
    client.post(reverse("owners:invitation-decline", args=[declined.pk]))
    assert not Membership.objects.filter(user=other).exists()
    assert not Invitation.objects.filter(pk=declined.pk).exists()
    kinds = set(OwnerEvent.objects.filter(owner=owner).values_list("kind", flat=True))
    assert {
        OwnerEventKind.INVITED,
        OwnerEventKind.JOINED,
        OwnerEventKind.INVITATION_DECLINED,
    } <= kinds


def test_a_member_can_leave_but_the_last_admin_cannot(client, admin_and_owner):
    admin, owner = admin_and_owner
    member = UserFactory()
    Membership.objects.create(owner=owner, user=member, role=MemberRole.VIEWER)

    client.force_login(member)
    assert client.post(reverse("owners:member-leave", args=[owner.pk])).status_code == 302
    assert not Membership.objects.filter(user=member).exists()
    assert OwnerEvent.objects.filter(owner=owner, kind=OwnerEventKind.LEFT).exists()

    client.force_login(admin)
    client.post(reverse("owners:member-leave", args=[owner.pk]))
    assert Membership.objects.filter(owner=owner, user=admin, role=MemberRole.ADMIN).exists()


def test_an_admin_changes_a_role_and_removes_a_member_and_both_are_in_the_history(
    client, admin_and_owner
):
    admin, owner = admin_and_owner
    member = UserFactory(full_name="Ani Lestari")
    membership = Membership.objects.create(owner=owner, user=member, role=MemberRole.VIEWER)
    client.force_login(admin)

    client.post(reverse("owners:member-role", args=[owner.pk, membership.pk]), {"role": "editor"})
    membership.refresh_from_db()
    assert membership.role == MemberRole.EDITOR
    client.post(reverse("owners:member-remove", args=[owner.pk, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()

    page = client.get(reverse("owners:members", args=[owner.pk])).content.decode()
    assert "Ani Lestari" in page and "Dikeluarkan" in page and "Peran diubah" in page


def test_the_last_admin_cannot_be_demoted(client, admin_and_owner):
    admin, owner = admin_and_owner
    mine = Membership.objects.get(owner=owner, user=admin)
    client.force_login(admin)
    client.post(reverse("owners:member-role", args=[owner.pk, mine.pk]), {"role": "viewer"})
    mine.refresh_from_db()
    assert mine.role == MemberRole.ADMIN


def test_a_member_who_is_not_admin_cannot_change_or_remove_others(client, admin_and_owner):
    admin, owner = admin_and_owner
    viewer = UserFactory()
    Membership.objects.create(owner=owner, user=viewer, role=MemberRole.VIEWER)
    target = Membership.objects.get(owner=owner, user=admin)
    client.force_login(viewer)

    role = client.post(
        reverse("owners:member-role", args=[owner.pk, target.pk]), {"role": "viewer"}
    )
    remove = client.post(reverse("owners:member-remove", args=[owner.pk, target.pk]))

    assert (role.status_code, remove.status_code) == (403, 403)
    assert Membership.objects.filter(pk=target.pk, role=MemberRole.ADMIN).exists()


def test_account_deletion_removes_memberships_where_the_person_is_not_the_last_admin():
    person = UserFactory()
    own = OwnerFactory(member=person)
    other = OwnerFactory(member=UserFactory())
    Membership.objects.create(owner=other, user=person, role=MemberRole.VIEWER)

    account_delete(owner=own, user=person)

    assert not get_user_model().objects.filter(pk=person.pk).exists()
    assert other.memberships.count() == 1


def test_account_deletion_keeps_the_account_of_the_last_admin_of_another_owner_and_says_so():
    person = UserFactory()
    own = OwnerFactory(member=person)
    other = OwnerFactory(member=person, name="Toko Sebelah")

    explanation = account_delete(owner=own, user=person)

    assert get_user_model().objects.filter(pk=person.pk).exists()
    assert "Toko Sebelah" in explanation
    assert other.memberships.filter(user=person, role=MemberRole.ADMIN).exists()
