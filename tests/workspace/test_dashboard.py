"""The police dashboard: rollups, funnel, target shares, breakdown, outages, queue age, map."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from connectivity.models import RecorderStatusEvent
from owners.models import Enrolment, Recorder
from owners.models import EnrolmentState as S
from owners.services import enrolment_transition
from police.models import PoliceUnit, UnitLevel, UnitTarget
from police.targets import unit_shares
from tests.factories import (
    CameraFactory,
    EnrolmentFactory,
    OwnerFactory,
    PoliceUnitFactory,
    RecorderFactory,
    RegionFactory,
    SiteFactory,
    grant_consent,
    region_tree,
)
from tests.workspace.conftest import Pipeline
from workspace import dashboard as boards
from workspace import rollups
from workspace.models import EnrolmentRollup, EnrolmentWeekRollup

pytestmark = pytest.mark.django_db


def rollup_table() -> dict[tuple[int, int, str], int]:
    return {
        (r.program_id, r.village_id, r.state): r.n for r in EnrolmentRollup.objects.all() if r.n
    }


def week_table() -> dict[tuple[int, int, dt.date], int]:
    return {
        (r.program_id, r.village_id, r.week): r.delta
        for r in EnrolmentWeekRollup.objects.all()
        if r.delta
    }


def camera_in(village, *, state=S.SUBMITTED, program, consent="a", online=None):
    site = SiteFactory(
        owner=OwnerFactory(),
        village=village,
        latitude=Decimal("-6.2"),
        longitude=Decimal("106.5"),
    )
    camera = CameraFactory(recorder=RecorderFactory(site=site, online=online))
    enrolment = EnrolmentFactory(camera=camera, program=program, state=state)
    if consent:
        grant_consent(camera, scopes=consent)
    return enrolment


def move(enrolment, *states):
    for state in states:
        enrolment_transition(enrolment=enrolment, to_state=state, actor=None, reason="uji")


# --- rollups ------------------------------------------------------------------------------


def test_the_rollup_follows_every_move_and_equals_a_full_recount(pipeline: Pipeline):
    program = pipeline.enrolment.program
    other = camera_in(pipeline.village, program=program)
    move(pipeline.enrolment, S.CHECKED, S.VERIFIED, S.CONNECTED)
    move(other, S.REJECTED)
    kept = rollup_table()
    kept_weeks = week_table()
    assert kept[(program.pk, pipeline.village.pk, S.CONNECTED)] == 1
    assert kept[(program.pk, pipeline.village.pk, S.REJECTED)] == 1
    assert (program.pk, pipeline.village.pk, S.SUBMITTED) not in kept
    rollups.rollups_rebuild()
    assert rollup_table() == kept
    assert week_table() == kept_weeks
    assert sum(kept_weeks.values()) == 1


def test_a_deleted_camera_leaves_the_rollup(pipeline: Pipeline):
    program = pipeline.enrolment.program
    move(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    pipeline.camera.delete()
    assert rollup_table() == {}
    assert (program.pk, pipeline.village.pk, S.VERIFIED) not in rollup_table()


# --- shares -------------------------------------------------------------------------------


def test_a_unit_without_its_own_target_gets_an_even_part_of_what_is_left(pipeline: Pipeline):
    program = pipeline.enrolment.program  # of the Polres, target 1000
    polres = program.unit
    polsek = PoliceUnit.objects.get(parent=polres)
    second = PoliceUnitFactory(level=UnitLevel.POLSEK, parent=polres, name="Polsek Balaraja")
    third = PoliceUnitFactory(level=UnitLevel.POLSEK, parent=polres, name="Polsek Curug")
    shares = unit_shares(program=program)
    assert sorted(shares[u.pk].target for u in (polsek, second, third)) == [333, 333, 334]
    assert all(shares[u.pk].even for u in (polsek, second, third))
    UnitTarget.objects.create(program=program, unit=polsek, target=600)
    shares = unit_shares(program=program)
    assert (shares[polsek.pk].target, shares[polsek.pk].even) == (600, False)
    assert shares[second.pk].target + shares[third.pk].target == 400


# --- the page -----------------------------------------------------------------------------


def test_the_polres_dashboard_shows_funnel_percentage_and_every_polsek(client, pipeline: Pipeline):
    program = pipeline.enrolment.program
    move(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    camera_in(pipeline.village, program=program, state=S.STICKERED, consent="")  # not listed
    empty_polsek = PoliceUnitFactory(
        level=UnitLevel.POLSEK, parent=program.unit, name="Polsek Tanpa Kamera"
    )
    empty_village = RegionFactory(
        code="36.03.19.2001",
        name="Desa Sepi",
        level=4,
        parent=RegionFactory(
            code="36.03.19", name="Kec Sepi", level=3, parent=pipeline.village.parent.parent
        ),
    )
    empty_polsek.regions.set([empty_village.parent])
    client.force_login(pipeline.polres.user)
    response = client.get(reverse("police:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.counts.counted == 2  # verified + stickered: the public definition
    assert board.share.target == 1000
    assert board.not_listed == 1
    html = response.content.decode()
    assert "2</strong> / 1.000" in html
    assert "tidak tampil di daftar polisi" in html
    names = [r.name for r in response.context["rows"]]
    assert names[0] == "Polsek Tanpa Kamera"  # furthest from its share: sorted first
    empty_row = next(r for r in board.rows if r.name == "Polsek Tanpa Kamera")
    assert (empty_row.zero_villages, empty_row.villages) == (1, 1)
    assert empty_row.share.even


def test_a_polsek_sees_its_villages_including_those_without_cameras(client, pipeline: Pipeline):
    quiet = RegionFactory(
        code="36.03.18.2099", name="Desa Sunyi", level=4, parent=pipeline.village.parent
    )
    client.force_login(pipeline.polsek.user)
    response = client.get(reverse("police:dashboard"))
    board = response.context["board"]
    assert board.rows_are_villages
    rows = {r.name: r for r in board.rows}
    assert rows["Desa Sunyi"].counts.counted == 0
    assert rows["Desa Sunyi"].zero_villages == 1
    assert rows[pipeline.village.name].counts.in_process == 1
    assert quiet.name in response.content.decode()


def test_the_polres_can_open_a_polsek_below_but_not_another_unit(client, pipeline: Pipeline):
    polsek_unit = pipeline.polsek.unit
    client.force_login(pipeline.polres.user)
    response = client.get(reverse("police:dashboard"), {"unit": polsek_unit.pk})
    assert response.status_code == 200
    assert response.context["board"].rows_are_villages
    stranger_unit = PoliceUnitFactory(level=UnitLevel.POLRES, name="Polres Lain")
    assert client.get(reverse("police:dashboard"), {"unit": stranger_unit.pk}).status_code == 404
    assert client.get(reverse("police:dashboard"), {"unit": "abc"}).status_code == 404
    assert client.get(reverse("police:dashboard"), {"program": "nope"}).status_code == 404
    client.force_login(pipeline.polsek.user)
    parent = pipeline.polres.unit
    assert client.get(reverse("police:dashboard"), {"unit": parent.pk}).status_code == 404


def test_the_trend_counts_weeks_and_projects_a_date(client, pipeline: Pipeline):
    program = pipeline.enrolment.program
    program.ends_on = timezone.localdate() + dt.timedelta(days=70)
    program.target = 3
    program.save()
    move(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    client.force_login(pipeline.polres.user)
    trend = client.get(reverse("police:dashboard")).context["board"].trend
    assert trend.points[-1].counted == 1
    assert trend.needed_per_week == pytest.approx(2 / 10, rel=0.01)
    # One camera in the last eight weeks: two more take sixteen.
    assert trend.pace_per_week == pytest.approx(1 / 8)
    assert trend.projected_on == timezone.localdate() + dt.timedelta(weeks=16)


def test_a_connected_recorder_that_keeps_failing_shows_as_an_outage(client, pipeline: Pipeline):
    move(pipeline.enrolment, S.CHECKED, S.VERIFIED, S.CONNECTED)
    recorder = pipeline.camera.recorder
    Recorder.objects.filter(pk=recorder.pk).update(online=False)
    event = RecorderStatusEvent.objects.create(recorder=recorder, online=False, previous=True)
    client.force_login(pipeline.polres.user)
    assert client.get(reverse("police:dashboard")).context["board"].outages == []  # too recent
    RecorderStatusEvent.objects.filter(pk=event.pk).update(
        at=timezone.now() - dt.timedelta(hours=3)
    )
    cache.clear()  # time passing; the dashboard's figures live PROGRESS_CACHE_SECONDS
    outages = client.get(reverse("police:dashboard")).context["board"].outages
    assert [(o.camera_id, o.village) for o in outages] == [
        (pipeline.camera.pk, pipeline.village.name)
    ]


def test_while_one_request_recounts_a_board_the_others_get_its_last_count(
    client, pipeline: Pipeline
):
    officer, program = pipeline.polres, pipeline.enrolment.program
    client.force_login(officer.user)

    def counted() -> str:
        page = client.get(reverse("police:dashboard")).content.decode()
        return page.split('data-testid="counted"><strong>')[1].split("<")[0]

    assert counted() == "0"
    move(pipeline.enrolment, S.CHECKED, S.VERIFIED)
    latest = boards.latest_key(officer=officer, program=program, unit_id=None, variant="gap:id")
    assert cache.add(boards.recounting_key(latest), 1)  # another request is recounting
    assert counted() == "0"
    cache.delete(boards.recounting_key(latest))
    assert counted() == "1"


def test_queue_age_gives_count_median_and_oldest_per_state(client, pipeline: Pipeline):
    program = pipeline.enrolment.program
    others = [camera_in(pipeline.village, program=program) for _ in range(2)]
    now = timezone.now()
    for enrolment, days in zip([pipeline.enrolment, *others], [1, 3, 9], strict=True):
        Enrolment.objects.filter(pk=enrolment.pk).update(
            state_changed_at=now - dt.timedelta(days=days)
        )
    client.force_login(pipeline.polres.user)
    queue = {q.state: q for q in client.get(reverse("police:dashboard")).context["board"].queue}
    submitted = queue[S.SUBMITTED]
    assert submitted.count == 3
    assert submitted.median.days == 3
    assert submitted.oldest.days == 9
    assert queue[S.CHECKED].count == 0


def test_the_bhabinkamtibmas_sees_only_their_villages(client, pipeline: Pipeline):
    other_village = region_tree("36.03", "18", "2077")
    camera_in(other_village, program=pipeline.enrolment.program, state=S.VERIFIED)
    client.force_login(pipeline.bhabin.user)
    response = client.get(reverse("police:dashboard"))
    board = response.context["board"]
    assert [r.name for r in board.rows] == [pipeline.village.name]
    assert board.counts.in_process == 1 and board.counts.counted == 0
    assert client.get(reverse("police:dashboard"), {"unit": 1}).status_code == 404


# --- map ----------------------------------------------------------------------------------


def test_the_map_shows_exact_points_with_consent_inside_the_jurisdiction(
    client, pipeline: Pipeline
):
    program = pipeline.enrolment.program
    hidden = camera_in(pipeline.village, program=program, consent="")
    far = camera_in(region_tree("31.73", "01", "1001"), program=program)
    client.force_login(pipeline.polres.user)
    data = client.get(reverse("police:map-data"), {"program": program.slug}).json()
    ids = {c["id"] for c in data["cameras"]}
    assert ids == {pipeline.camera.pk}
    assert hidden.camera_id not in ids and far.camera_id not in ids
    camera = data["cameras"][0]
    assert {"lat", "lng", "direction", "angle", "range", "state"} <= camera.keys()
    only_verified = client.get(reverse("police:map-data"), {"state": S.VERIFIED}).json()
    assert only_verified["cameras"] == []
    bad = client.get(reverse("police:map-data"), {"state": "nonsense"})
    assert bad.status_code == 400
    assert client.get(reverse("police:map-data"), {"bbox": "1,2"}).status_code == 400
    page = client.get(reverse("police:map"))
    assert b"vendor/leaflet/leaflet.js" in page.content
    assert b"unpkg" not in page.content and b"cdn" not in page.content.lower()


def test_a_unit_target_must_be_for_a_unit_below_the_programs_unit(pipeline: Pipeline):
    program = pipeline.enrolment.program
    below = UnitTarget(program=program, unit=pipeline.polsek.unit, target=100)
    below.full_clean()
    stranger = PoliceUnitFactory(level=UnitLevel.POLRES, name="Polres Lain")
    with pytest.raises(ValidationError) as error:
        UnitTarget(program=program, unit=stranger, target=100).full_clean()
    assert "unit" in error.value.error_dict
