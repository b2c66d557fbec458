"""Every Wagtail admin view of every scoped viewset answers, for the program admin
(issue 11, F8: history and usage pages crashed, the CSV export was blank).

The viewsets come from Wagtail's registry, so a viewset added later with
``portal.admin_scoping.scoped_viewset`` is walked too; give the ``world`` fixture
an object of its model.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import get_resolver, reverse
from wagtail.admin.viewsets import viewsets as registry

from police.models import UnitLevel, UnitTarget
from portal.admin_scoping import ScopedModelViewSet
from tests.conftest import give_totp
from tests.factories import (
    CameraFactory,
    OfficerFactory,
    OwnerFactory,
    PoliceUnitFactory,
    ProgramFactory,
    RecorderFactory,
    SiteFactory,
    UserFactory,
    region_tree,
)

pytestmark = pytest.mark.django_db


def scoped_viewsets() -> list[ScopedModelViewSet]:
    get_resolver().url_patterns  # loading Wagtail's admin URLs fills its viewset registry  # noqa: B018
    found = [vs for vs in registry.viewsets if isinstance(vs, ScopedModelViewSet)]
    assert found, "no scoped viewset registered"
    return found


VIEWSETS = scoped_viewsets()
VIEWS = ["index", "inspect", "edit", "delete", "history", "usage", "export-csv", "export-xlsx"]


@pytest.fixture
def world():
    """One object of each scoped model, in one jurisdiction, plus a second camera elsewhere."""
    village = region_tree("36.03", "18", "2005")
    unit = PoliceUnitFactory(name="Polresta Tangerang")
    unit.regions.set([village.parent.parent])
    owner_user = UserFactory()
    site = SiteFactory(
        owner=OwnerFactory(member=owner_user),
        village=village,
        latitude=Decimal("-6.2"),
        longitude=Decimal("106.5"),
    )
    camera = CameraFactory(recorder=RecorderFactory(site=site))
    program = ProgramFactory(unit=unit)
    polsek = PoliceUnitFactory(name="Polsek Cikupa", level=UnitLevel.POLSEK, parent=unit)
    UnitTarget.objects.create(program=program, unit=polsek, target=250)
    OfficerFactory(unit=unit)
    other_site = SiteFactory(owner=OwnerFactory(member=UserFactory()), village=village)
    other_camera = CameraFactory(recorder=RecorderFactory(site=other_site))
    return {"camera": camera, "other_camera": other_camera, "owner_user": owner_user}


@pytest.fixture
def program_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    client.force_login(admin)
    return client


def view_url(viewset: ScopedModelViewSet, view: str, pk: object) -> str:
    if view.startswith("export-"):
        return reverse(viewset.get_url_name("index")) + "?export=" + view.removeprefix("export-")
    if view == "index":
        return reverse(viewset.get_url_name("index"))
    return reverse(viewset.get_url_name(view), args=[pk])


def cases():
    for viewset in VIEWSETS:
        for view in VIEWS:
            if view == "inspect" and not viewset.inspect_view_enabled:
                continue
            yield pytest.param(viewset, view, id=f"{viewset.url_namespace}-{view}")


@pytest.mark.parametrize(("viewset", "view"), list(cases()))
def test_the_program_admin_opens_every_admin_view(program_admin, world, viewset, view):
    obj = viewset.model._default_manager.order_by("pk").first()
    assert obj is not None, f"give the world fixture a {viewset.model.__name__}"

    response = program_admin.get(view_url(viewset, view, obj.pk))

    assert response.status_code == 200, response.content[:2000]
    if view == "export-csv":
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        header, *records = rows
        assert any(header), rows
        assert records, rows
        assert all(any(cell.strip() for cell in row) for row in records), rows
    elif view == "export-xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        header, *records = list(sheet.iter_rows(values_only=True))
        assert any(header)
        assert records
        assert all(any(cell not in (None, "") for cell in row) for row in records)


@pytest.mark.parametrize("view", ["inspect", "edit", "delete", "history", "usage"])
def test_an_owner_in_the_admin_gets_404_for_another_owners_camera(client, world, view):
    user = world["owner_user"]
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "view_camera", "change_camera", "delete_camera"]
        )
    )
    give_totp(user)
    client.force_login(user)
    cameras = next(vs for vs in VIEWSETS if vs.url_namespace == "cameras")

    assert client.get(view_url(cameras, view, world["camera"].pk)).status_code == 200
    assert client.get(view_url(cameras, view, world["other_camera"].pk)).status_code == 404


def test_an_owner_exports_only_their_own_cameras(client, world):
    user = world["owner_user"]
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_camera"])
    )
    give_totp(user)
    client.force_login(user)
    cameras = next(vs for vs in VIEWSETS if vs.url_namespace == "cameras")

    response = client.get(view_url(cameras, "export-csv", None))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2  # the header and the owner's one camera
    assert str(world["camera"]) in rows[1]
