"""Retention: kept snapshots go when the period their scope (e) states has passed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from connectivity import services
from connectivity.models import Check
from consent.models import RetentionPurge, TermsScope
from consent.selectors import current_terms
from consent.services import terms_draft_create, terms_publish
from consent.snapshots import snapshot_name
from portal.private_files import private_storage
from tests.factories import CameraFactory, RecorderFactory, grant_consent

pytestmark = pytest.mark.django_db


def kept_check(camera, *, days_ago: int) -> Check:
    check = Check.objects.create(
        recorder=camera.recorder, finished_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    check.snapshot.save(snapshot_name(camera=camera), ContentFile(b"\xff\xd8jpeg"))
    return check


def test_snapshots_past_the_stated_90_days_are_deleted_and_the_run_is_counted():
    camera = CameraFactory(recorder=RecorderFactory(), channel=1)
    grant_consent(camera, scopes="ae")
    assert current_terms().scopes.get(scope="e").retention_days == 90
    old, young = kept_check(camera, days_ago=91), kept_check(camera, days_ago=89)
    old_name = old.snapshot.name

    assert services.snapshots_purge_expired() == 1

    old.refresh_from_db()
    young.refresh_from_db()
    assert not old.snapshot and not private_storage().exists(old_name)
    assert young.snapshot and private_storage().exists(young.snapshot.name)
    assert RetentionPurge.objects.get().purged == 1


def test_the_period_is_the_one_the_signed_terms_state():
    camera = CameraFactory(recorder=RecorderFactory(), channel=1)
    grant_consent(camera, scopes="ae")
    draft = terms_draft_create(based_on=current_terms())
    TermsScope.objects.filter(terms=draft, scope="e").update(retention_days=30)
    draft.save_revision()  # publishing takes the latest revision
    assert terms_publish(terms=draft).scopes.get(scope="e").retention_days == 30
    grant_consent(camera, scopes="ae")  # signs the new version
    check = kept_check(camera, days_ago=31)

    assert services.snapshots_purge_expired() == 1
    check.refresh_from_db()
    assert not check.snapshot


def test_a_snapshot_whose_camera_no_longer_grants_e_goes_at_once():
    camera = CameraFactory(recorder=RecorderFactory(), channel=1)
    grant_consent(camera, scopes="a")
    check = kept_check(camera, days_ago=0)

    assert services.snapshots_purge_expired() == 1
    check.refresh_from_db()
    assert not check.snapshot


def test_the_purge_is_a_daily_periodic_task():
    from portal import periodic

    names = {p.name: p for p in periodic.periodic_tasks()}
    assert isinstance(names["connectivity.purge_expired_snapshots"].schedule, periodic.DailyAt)
