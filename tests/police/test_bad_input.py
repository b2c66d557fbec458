"""Reference data and camera descriptions refuse garbage with a message."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from owners.models import Camera, Site
from police.models import Program, Region
from tests.factories import CameraFactory, SiteFactory, region_tree

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["3", "36.7", "36-71", "36.71.01.100", "abc", "36.71.01.10011"])
def test_a_malformed_region_code_is_refused(code):
    region = Region(code=code, name="X", level=2)
    with pytest.raises(ValidationError) as excinfo:
        region.full_clean()
    assert "code" in excinfo.value.message_dict


def test_a_region_must_sit_under_the_region_its_code_names():
    village = region_tree("36.71", "01", "1001")
    wrong = Region(code="31.73.01", name="Cengkareng", level=3, parent=village.parent.parent)
    with pytest.raises(ValidationError) as excinfo:
        wrong.full_clean()
    assert "parent" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("lat", "lng"), [("48.85", "2.35"), ("-6.2", "150"), ("-12", "106"), ("7", "120")]
)
def test_a_site_outside_indonesia_is_refused_with_a_message(lat, lng):
    site = SiteFactory.build(latitude=Decimal(lat), longitude=Decimal(lng), village=region_tree())
    site.owner.save()
    site.owner_id = site.owner.pk
    with pytest.raises(ValidationError) as excinfo:
        site.full_clean()
    assert "di luar Indonesia" in " ".join(excinfo.value.messages)


@pytest.mark.parametrize(("field", "value"), [("direction", 360), ("angle", 0), ("angle", 361)])
def test_camera_direction_and_field_of_view_are_bounded(field, value):
    camera = CameraFactory()
    setattr(camera, field, value)
    with pytest.raises(ValidationError) as excinfo:
        camera.full_clean()
    assert field in excinfo.value.message_dict


def test_camera_bounds_hold_in_the_database_too():
    from django.db import IntegrityError, transaction

    camera = CameraFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Camera.objects.filter(pk=camera.pk).update(direction=400)


def test_the_admin_answers_garbage_with_form_errors_not_a_500(admin_client):
    from tests.conftest import give_totp

    give_totp(
        admin_client.session
        and __import__("accounts.models").models.User.objects.get(is_superuser=True)
    )
    camera = CameraFactory()
    response = admin_client.post(
        f"/admin/cameras/edit/{camera.pk}/",
        {
            "recorder": camera.recorder_id,
            "channel": "x",
            "latitude": "91",
            "longitude": "abc",
            "direction": "999",
            "angle": "0",
            "range_m": "-1",
            "mount": "rocket",
            "camera_type": "fixed",
            "height_m": "3",
            "zone": "town",
        },
    )
    assert response.status_code == 200
    camera.refresh_from_db()
    assert camera.direction == 90


def test_seed_demo_is_idempotent():
    call_command("seed_demo", "--cameras", "60", verbosity=0)
    counts = (
        Region.objects.count(),
        Program.objects.count(),
        Site.objects.count(),
        Camera.objects.count(),
    )
    call_command("seed_demo", "--cameras", "60", verbosity=0)
    assert (
        Region.objects.count(),
        Program.objects.count(),
        Site.objects.count(),
        Camera.objects.count(),
    ) == counts
    assert Program.objects.get(slug="mataraksa").target == 1000
    assert Program.objects.get(slug="cctv-no-blindspot").target == 20000
    call_command("seed_demo", "--cameras", "80", verbosity=0)
    assert Camera.objects.count() == counts[3] + 20
