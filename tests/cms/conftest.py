"""Shared data for the public-site tests: a page tree and programs with enrolments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from cms import page_cache
from cms.services import site_tree_ensure
from owners.models import Camera, Enrolment
from police.models import Program, Region
from tests.factories import ProgramFactory, RecorderFactory, SiteFactory, region_tree

# Where the private homes and cameras of these tests are; none of these digits
# may ever appear on the public site.
SITE_LAT, SITE_LNG = Decimal("-6.181234"), Decimal("106.641234")
CAMERA_LAT, CAMERA_LNG = Decimal("-6.181299"), Decimal("106.641299")


def enrol_cameras(*, program: Program, village: Region, states: dict[str, int]) -> list[Enrolment]:
    """Cameras at one private site in ``village``, enrolled in ``program`` in the given states."""
    site = SiteFactory(village=village, latitude=SITE_LAT, longitude=SITE_LNG)
    enrolments: list[Enrolment] = []
    channel = 0
    recorder = RecorderFactory(site=site)
    for state, n in states.items():
        for _ in range(n):
            channel += 1
            if channel > 256:
                recorder, channel = RecorderFactory(site=site), 1
            camera = Camera(
                recorder=recorder,
                channel=channel,
                latitude=CAMERA_LAT,
                longitude=CAMERA_LNG,
                direction=90,
                angle=90,
            )
            enrolments.append(Enrolment(camera=camera, program=program, state=state))
    Camera.objects.bulk_create([e.camera for e in enrolments])
    return Enrolment.objects.bulk_create(enrolments)


@pytest.fixture
def village_a(db) -> Region:
    return region_tree(prefix="36.03", district="01", village="1001")


@pytest.fixture
def village_b(db) -> Region:
    return region_tree(prefix="36.03", district="02", village="2002")


@pytest.fixture
def mataraksa(db, village_a, village_b) -> Program:
    """Mataraksa, target 1.000: 350 accepted cameras, 30 in process, others not shown."""
    program = ProgramFactory(name="Mataraksa", slug="mataraksa", target=1000)
    program.area.add(village_a.parent.parent)
    enrol_cameras(
        program=program,
        village=village_a,
        states={"verified": 100, "connected": 100, "stickered": 50, "submitted": 20},
    )
    enrol_cameras(
        program=program,
        village=village_b,
        states={"stickered": 100, "checked": 10, "draft": 7, "rejected": 3, "withdrawn": 2},
    )
    return program


@pytest.fixture
def home(db, mataraksa):
    return site_tree_ensure()


@pytest.fixture(autouse=True)
def _static_root_exists(settings, tmp_path):
    # WhiteNoise warns (an error here) when STATIC_ROOT does not exist yet.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture(autouse=True)
def _fresh_progress_stamp(settings):
    # The page cache re-reads the change stamp and the content version at most
    # once a second per process; tests look right after a change.
    settings.PAGE_CACHE_MEMO_SECONDS = 0
    cache.clear()
    page_cache._local.clear()
