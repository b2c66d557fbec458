"""factory_boy factories shared by every test folder."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from owners.models import (
    Camera,
    Enrolment,
    MemberRole,
    Membership,
    Owner,
    OwnerKind,
    Recorder,
    Site,
)
from police.models import (
    Officer,
    OfficerRole,
    PoliceUnit,
    Program,
    ProgramStatus,
    Region,
    UnitLevel,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.id")
    full_name = factory.Faker("name", locale="id_ID")
    password = factory.django.Password("rahasia-123")


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "36"
    name = "Banten"
    level = 1


def region_tree(prefix: str = "36.71", district: str = "01", village: str = "1001") -> Region:
    """Province > regency > district > village under ``prefix``; returns the village."""
    province_code = prefix.split(".")[0]
    province = RegionFactory(code=province_code, name=f"Provinsi {province_code}", level=1)
    regency = RegionFactory(code=prefix, name=f"Kota {prefix}", level=2, parent=province)
    district_region = RegionFactory(
        code=f"{prefix}.{district}", name=f"Kecamatan {prefix}.{district}", level=3, parent=regency
    )
    return RegionFactory(
        code=f"{prefix}.{district}.{village}",
        name=f"Kelurahan {prefix}.{district}.{village}",
        level=4,
        parent=district_region,
        latitude=Decimal("-6.17"),
        longitude=Decimal("106.63"),
    )


class PoliceUnitFactory(DjangoModelFactory):
    class Meta:
        model = PoliceUnit

    name = factory.Sequence(lambda n: f"Polres {n}")
    slug = factory.Sequence(lambda n: f"unit-{n}")
    level = UnitLevel.POLRES


class OfficerFactory(DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(PoliceUnitFactory)
    role = OfficerRole.ANALYST


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    unit = factory.SubFactory(PoliceUnitFactory)
    target = 1000
    starts_on = datetime.date(2026, 1, 1)
    status = ProgramStatus.ACTIVE


class OwnerFactory(DjangoModelFactory):
    class Meta:
        model = Owner
        skip_postgeneration_save = True

    kind = OwnerKind.RESIDENT
    name = factory.Faker("name", locale="id_ID")

    @factory.post_generation
    def member(self, create: bool, extracted: User | None, **kwargs: object) -> None:
        if create and extracted is not None:
            Membership.objects.create(owner=self, user=extracted, role=MemberRole.ADMIN)


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    owner = factory.SubFactory(OwnerFactory)
    name = factory.Sequence(lambda n: f"Rumah {n}")
    address = "Jl. Merdeka No. 1"
    village = factory.LazyFunction(region_tree)
    latitude = Decimal("-6.170000")
    longitude = Decimal("106.630000")


class RecorderFactory(DjangoModelFactory):
    class Meta:
        model = Recorder

    site = factory.SubFactory(SiteFactory)
    brand = "hikvision"
    host = "203.0.113.10"
    username = "admin"
    password = "s3cret:p@ss/#?"


class CameraFactory(DjangoModelFactory):
    class Meta:
        model = Camera

    recorder = factory.SubFactory(RecorderFactory)
    channel = factory.Sequence(lambda n: n % 200 + 1)
    latitude = Decimal("-6.170100")
    longitude = Decimal("106.630100")
    direction = 90
    angle = 90


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    camera = factory.SubFactory(CameraFactory)
    program = factory.SubFactory(ProgramFactory)


def grant_consent(camera: Camera, scopes: str = "a") -> None:
    """Sign consent for ``camera`` as its owner, so the police may see it.

    Police querysets (registry.scoping) show a camera only when the owner's consent
    in force grants the scope the role needs: (a) for officers, (c) or (d) for
    the Command Center. Publishes the default terms first when none are.
    """
    from consent.selectors import current_terms
    from consent.services import agreement_sign, terms_draft_create, terms_publish

    terms = current_terms() or terms_publish(terms=terms_draft_create())
    owner = camera.recorder.site.owner
    membership = owner.memberships.filter(role=MemberRole.ADMIN).select_related("user").first()
    user = membership.user if membership else UserFactory()
    if membership is None:
        Membership.objects.create(owner=owner, user=user, role=MemberRole.ADMIN)
    agreement_sign(
        owner=owner,
        user=user,
        terms=terms,
        cameras=[camera],
        scopes=list(scopes),
        signer_name=user.full_name or "Pemilik Kamera",
        confirmed=True,
        language="id",
        authority_statement="Kuasa pengelola sesuai akta organisasi.",
    )
