"""Who hears of what: owners, the village's Bhabinkamtibmas, subscribed Polsek/Polres."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connectivity.models import Check, CheckStatus, RecorderStatusEvent
from consent.models import ConsentEvent
from notifications import services
from notifications.models import DigestSubscription, Notification, Recipient
from owners.models import EnrolmentState, Invitation, MemberRole
from owners.services import enrolment_transition
from police.models import OfficerRole, UnitLevel
from tests.factories import OfficerFactory, PoliceUnitFactory, UserFactory
from tests.notifications.conftest import PHONE, cameras, cycle, opt_in

pytestmark = pytest.mark.django_db


def sent_templates(fake, phone=PHONE):
    return [m["template"] for m in fake.to(phone)]


def test_the_bhabinkamtibmas_of_the_village_hears_of_a_new_submission(graph_api, resident):
    _user, _owner, recorder = resident
    bhabin = OfficerFactory(role=OfficerRole.BHABINKAMTIBMAS)
    bhabin.villages.set([recorder.site.village])
    bhabin.user.phone = "+6281311112222"
    bhabin.user.save()
    opt_in(bhabin.user, phone=bhabin.user.phone)
    elsewhere = OfficerFactory(role=OfficerRole.BHABINKAMTIBMAS)
    elsewhere.user.phone = "+6281311113333"
    elsewhere.user.save()
    opt_in(elsewhere.user, phone=elsewhere.user.phone)
    for e in cameras(recorder, 3):
        enrolment_transition(enrolment=e, to_state=EnrolmentState.SUBMITTED, actor=None)
    cycle()
    [sent] = graph_api.to("+6281311112222")
    assert sent["template"] == "cw_new_submission"
    assert sent["components"][0]["parameters"][0]["text"] == "3"
    assert graph_api.to("+6281311113333") == []


def test_a_failed_check_carries_the_advice_for_its_result_code(graph_api, resident):
    user, _owner, recorder = resident
    opt_in(user)
    Check.objects.create(recorder=recorder, status=CheckStatus.FINISHED, result_code="tcp_refused")
    cycle()
    [sent] = graph_api.to(PHONE)
    assert sent["template"] == "cw_check_failed"
    params = [p["text"] for p in sent["components"][0]["parameters"]]
    assert params[0] == "DVR Rumah"
    assert len(params[1]) > 10


def test_a_recorder_offline_for_long_is_reported_and_its_return_too(graph_api, resident, settings):
    user, _owner, recorder = resident
    opt_in(user)
    offline = RecorderStatusEvent.objects.create(recorder=recorder, online=False, previous=True)
    cycle()
    assert graph_api.sent == []  # not long enough yet
    RecorderStatusEvent.objects.filter(pk=offline.pk).update(
        at=timezone.now() - timedelta(seconds=settings.WHATSAPP_OFFLINE_AFTER + 1)
    )
    cycle()
    assert sent_templates(graph_api) == ["cw_recorder_offline"]
    RecorderStatusEvent.objects.create(recorder=recorder, online=True, previous=False)
    Recipient.objects.update(last_sent_at=None)
    cycle()
    assert sent_templates(graph_api) == ["cw_recorder_offline", "cw_recorder_online"]


def test_a_short_outage_sends_nothing(graph_api, resident, settings):
    user, _owner, recorder = resident
    opt_in(user)
    long_ago = timezone.now() - timedelta(seconds=settings.WHATSAPP_OFFLINE_AFTER + 60)
    off = RecorderStatusEvent.objects.create(recorder=recorder, online=False, previous=True)
    RecorderStatusEvent.objects.filter(pk=off.pk).update(at=long_ago)
    RecorderStatusEvent.objects.create(recorder=recorder, online=True, previous=False)
    cycle()
    assert graph_api.sent == []


def test_new_consent_terms_ask_the_members_to_sign(graph_api, resident):
    user, owner, _recorder = resident
    opt_in(user)
    ConsentEvent.objects.create(kind=ConsentEvent.Kind.RECONSENT_NEEDED, owner=owner)
    cycle()
    [sent] = graph_api.to(PHONE)
    assert sent["template"] == "cw_reconsent"
    assert sent["components"][0]["parameters"][1]["text"].endswith(
        reverse("consent:overview", args=[owner.pk])
    )


def test_an_invitation_by_phone_reaches_the_invited_person_with_its_link(graph_api, resident):
    _user, owner, _recorder = resident
    invited = "+6285611112222"
    opt_in(None, phone=invited)
    Invitation.objects.create(owner=owner, phone=invited, role=MemberRole.VIEWER)
    cycle()
    [sent] = graph_api.to(invited)
    assert sent["template"] == "cw_invitation"
    assert sent["components"][0]["parameters"][1]["text"] == owner.name[:60]


def test_the_daily_digest_goes_to_subscribed_polsek_and_polres_once_a_day(graph_api):
    polsek = PoliceUnitFactory(level=UnitLevel.POLSEK, name="Polsek Cikupa")
    officer = OfficerFactory(unit=polsek, role=OfficerRole.ANALYST)
    officer.user.phone = "+6281322223333"
    officer.user.save()
    opt_in(officer.user, phone=officer.user.phone)
    assert services.digest_allowed(officer.user)
    DigestSubscription.objects.create(user=officer.user)
    assert services.digests_collect() == 1
    services.digests_collect()
    cycle()
    [sent] = graph_api.to("+6281322223333")
    assert sent["template"] == "cw_daily_digest"
    assert sent["components"][0]["parameters"][0]["text"] == "Polsek Cikupa"
    assert Notification.objects.count() == 1


def test_a_bhabinkamtibmas_gets_no_digest_option():
    bhabin = OfficerFactory(role=OfficerRole.BHABINKAMTIBMAS)
    assert not services.digest_allowed(bhabin.user)
    assert not services.digest_allowed(UserFactory())
