"""Realistic, idempotent demo data: regions, units, programs, owners and cameras.

``demo_seed(cameras=N)`` can be run any number of times: reference data is
upserted by its natural key and generated owners are numbered, so a second run
with the same N adds nothing and a larger N only adds the missing cameras.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.estate import estate_demo_ensure
from demo.regions import DISTRICTS, PROGRAMS, PROVINCES, REGENCIES, UNITS
from demo.whatsapp import whatsapp_ensure
from owners.models import (
    Camera,
    CameraMount,
    Enrolment,
    EnrolmentState,
    EnrolmentTransition,
    MemberRole,
    Membership,
    Owner,
    OwnerKind,
    Recorder,
    RecorderBrand,
    Site,
    SurveillanceZone,
)
from police.models import (
    Officer,
    OfficerRole,
    PoliceUnit,
    Program,
    ProgramStatus,
    Region,
    RegionLevel,
)
from workspace.rollups import rollups_rebuild

DEMO_PASSWORD = "CctvWarga-demo-2026"
# Published like the password: demo officers and the demo admin come with this TOTP
# authenticator already enrolled (real staff enrol theirs through an activation link).
# Add it to an authenticator app, or run `manage.py demo_totp` for the current code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_DOMAIN = "demo.cctvwarga.id"
GENERATED_PREFIX = "demo-owner-"

# (email local part, full name, description, officer unit slug, officer role, villages)
DEMO_USERS: list[tuple[str, str, str, str | None, str | None, list[str]]] = [
    ("admin", "Admin Program", "administrator program (Wagtail admin)", None, None, []),
    ("warga", "Siti Rahmawati", "warga, 1 rumah di Cikupa", None, None, []),
    ("usaha", "Budi Santoso", "usaha, toko di Kebon Jeruk", None, None, []),
    ("pengelola", "Hendra Wijaya", "pengelola perumahan di Curug", None, None, []),
    (
        "bhabin",
        "Aipda Joko Susilo",
        "Bhabinkamtibmas Polsek Cikupa",
        "polsek-cikupa",
        OfficerRole.BHABINKAMTIBMAS,
        ["Bitung Jaya", "Cikupa"],
    ),
    (
        "polsek",
        "Iptu Rina Marlina",
        "analis Polsek Cikupa",
        "polsek-cikupa",
        OfficerRole.ANALYST,
        [],
    ),
    (
        "polres",
        "Kombes Pol Arief Nugroho",
        "pimpinan Polresta Tangerang",
        "polresta-tangerang",
        OfficerRole.COMMANDER,
        [],
    ),
    (
        "polda",
        "Brigjen Pol Dedi Kurniawan",
        "pimpinan Polda Banten",
        "polda-banten",
        OfficerRole.COMMANDER,
        [],
    ),
    (
        "operator",
        "Bripka Yusuf Hidayat",
        "operator Command Center Polresta Tangerang",
        "polresta-tangerang",
        OfficerRole.OPERATOR,
        [],
    ),
    (
        "jakbar",
        "AKBP Maya Sari",
        "analis Polres Metro Jakarta Barat",
        "polres-metro-jakarta-barat",
        OfficerRole.ANALYST,
        [],
    ),
]

STATE_WEIGHTS = [
    (EnrolmentState.DRAFT, 4),
    (EnrolmentState.SUBMITTED, 10),
    (EnrolmentState.CHECKED, 8),
    (EnrolmentState.VERIFIED, 20),
    (EnrolmentState.CONNECTED, 25),
    (EnrolmentState.STICKERED, 28),
    (EnrolmentState.REJECTED, 3),
    (EnrolmentState.WITHDRAWN, 2),
]
STREETS = [
    "Jl. Merdeka",
    "Jl. Melati",
    "Jl. Kenanga",
    "Jl. Raya Serang",
    "Jl. Mawar",
    "Jl. Anggrek",
    "Jl. Flamboyan",
    "Jl. Cendana",
    "Jl. Dahlia",
    "Jl. Kamboja",
    "Gg. Masjid",
    "Jl. Pahlawan",
]
FIRST = [
    "Agus",
    "Dewi",
    "Rudi",
    "Sri",
    "Wahyu",
    "Ani",
    "Eko",
    "Fitri",
    "Hadi",
    "Indah",
    "Yanti",
    "Bambang",
    "Lestari",
    "Teguh",
    "Ratna",
    "Fajar",
    "Nur",
    "Dian",
    "Rizky",
    "Putri",
]
LAST = [
    "Saputra",
    "Wulandari",
    "Setiawan",
    "Hidayat",
    "Kusuma",
    "Pratama",
    "Lestari",
    "Gunawan",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Wibowo",
    "Rahman",
    "Syahputra",
    "Halim",
]
BUSINESSES = ["Toko", "Warung", "Apotek", "Bengkel", "Minimarket", "Laundry", "Klinik", "Gudang"]
ESTATES = ["Perumahan Griya", "Cluster", "Kawasan Industri", "Perumahan Taman", "Residence"]


@dataclass
class SeedReport:
    regions: int = 0
    units: int = 0
    programs: int = 0
    users: int = 0
    owners_created: int = 0
    cameras_created: int = 0
    cameras_total: int = 0


def _d(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def regions_ensure() -> int:
    count = 0
    for code, name, lat, lng in PROVINCES:
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": RegionLevel.PROVINCE,
                "parent": None,
                "latitude": _d(lat),
                "longitude": _d(lng),
            },
        )
        count += 1
    for code, name, lat, lng in REGENCIES:
        parent = Region.objects.get(code=code.split(".")[0])
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": RegionLevel.REGENCY,
                "parent": parent,
                "latitude": _d(lat),
                "longitude": _d(lng),
            },
        )
        count += 1
    for code, name, lat, lng, prefix, villages in DISTRICTS:
        parent = Region.objects.get(code=code.rsplit(".", 1)[0])
        district, _created = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": RegionLevel.DISTRICT,
                "parent": parent,
                "latitude": _d(lat),
                "longitude": _d(lng),
            },
        )
        count += 1
        rng = random.Random(code)
        for index, village in enumerate(villages, start=1):
            Region.objects.update_or_create(
                code=f"{code}.{prefix}{index:02d}",
                defaults={
                    "name": village,
                    "level": RegionLevel.VILLAGE,
                    "parent": district,
                    "latitude": _d(lat + rng.uniform(-0.012, 0.012)),
                    "longitude": _d(lng + rng.uniform(-0.012, 0.012)),
                },
            )
            count += 1
    return count


def units_ensure() -> int:
    for slug, name, level, parent_slug, codes in UNITS:
        parent = PoliceUnit.objects.get(slug=parent_slug) if parent_slug else None
        unit, _created = PoliceUnit.objects.update_or_create(
            slug=slug, defaults={"name": name, "level": level, "parent": parent}
        )
        unit.regions.set(Region.objects.filter(code__in=codes))
    return len(UNITS)


def programs_ensure() -> int:
    for slug, name, unit_slug, target, codes, starts_on, summary in PROGRAMS:
        program, _created = Program.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "unit": PoliceUnit.objects.get(slug=unit_slug),
                "target": target,
                "starts_on": datetime.date.fromisoformat(starts_on),
                "status": ProgramStatus.ACTIVE,
                "summary": summary,
            },
        )
        program.area.set(Region.objects.filter(code__in=codes))
    return len(PROGRAMS)


def demo_logins() -> list[tuple[str, str]]:
    return [
        (f"{local}@{DEMO_DOMAIN}", description) for local, _n, description, *_rest in DEMO_USERS
    ]


def users_ensure() -> dict[str, User]:
    users: dict[str, User] = {}
    for local, full_name, _description, unit_slug, role, villages in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=full_name
            )
        if local == "admin" and not user.is_superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if unit_slug:
            officer, _created = Officer.objects.update_or_create(
                user=user,
                defaults={"unit": PoliceUnit.objects.get(slug=unit_slug), "role": role or ""},
            )
            if villages:
                officer.villages.set(
                    Region.objects.filter(
                        level=RegionLevel.VILLAGE,
                        name__in=villages,
                        code__startswith=_unit_prefix(officer.unit),
                    )
                )
        if unit_slug or local == "admin":
            totp_ensure(user)
        users[local] = user
    return users


def totp_ensure(user: User) -> None:
    """Enrol the published demo authenticator for a demo staff account (once)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def demo_totp_code() -> str:
    """The current code of the demo authenticator."""
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))


def _unit_prefix(unit: PoliceUnit) -> str:
    codes = list(unit.regions.values_list("code", flat=True))
    return codes[0] if codes else ""


def _owner_plan(index: int, rng: random.Random) -> tuple[str, str, bool, int]:
    """Kind, name, is_organisation and camera count of generated owner ``index``."""
    roll = rng.random()
    if roll < 0.70:
        return (
            OwnerKind.RESIDENT,
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            False,
            rng.randint(1, 4),
        )
    if roll < 0.92:
        return (
            OwnerKind.BUSINESS,
            f"{rng.choice(BUSINESSES)} {rng.choice(LAST)}",
            True,
            rng.randint(2, 8),
        )
    if roll < 0.97:
        return (
            OwnerKind.ESTATE,
            f"{rng.choice(ESTATES)} {rng.choice(FIRST)} {index}",
            True,
            rng.randint(8, 32),
        )
    return (
        OwnerKind.COMMUNITY,
        f"RW {rng.randint(1, 15):02d} {rng.choice(LAST)}",
        True,
        rng.randint(2, 10),
    )


def _pick_state(rng: random.Random) -> str:
    total = sum(weight for _state, weight in STATE_WEIGHTS)
    roll = rng.uniform(0, total)
    for state, weight in STATE_WEIGHTS:
        roll -= weight
        if roll <= 0:
            return state
    return EnrolmentState.SUBMITTED


def cameras_ensure(target: int, *, batch: int = 2000) -> tuple[int, int]:
    """Generate owners with sites, recorders and cameras until ``target`` demo cameras exist."""
    generated = Camera.objects.filter(
        recorder__site__owner__contact_email__startswith=GENERATED_PREFIX
    )
    existing = generated.count()
    if existing >= target:
        return 0, existing
    start_index = Owner.objects.filter(contact_email__startswith=GENERATED_PREFIX).count()
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).order_by("code"))
    programs = list(Program.objects.prefetch_related("area"))
    program_for_prefix = {
        region.code: program for program in programs for region in program.area.all()
    }
    brands = [b for b, _label in RecorderBrand.choices]
    owners_created = 0
    created = 0
    index = start_index
    now = timezone.now()
    while existing + created < target:
        with transaction.atomic():
            owners: list[Owner] = []
            plans = []
            planned = 0
            while planned < batch and existing + created + planned < target:
                rng = random.Random(f"owner-{index}")
                kind, name, is_org, n_cameras = _owner_plan(index, rng)
                n_cameras = min(n_cameras, target - existing - created - planned)
                village = villages[rng.randrange(len(villages))]
                owners.append(
                    Owner(
                        kind=kind,
                        name=name,
                        is_organisation=is_org,
                        contact_email=f"{GENERATED_PREFIX}{index}@{DEMO_DOMAIN}",
                    )
                )
                plans.append((rng, village, n_cameras))
                planned += n_cameras
                index += 1
            Owner.objects.bulk_create(owners)
            owners_created += len(owners)
            # Re-read ids (bulk_create sets pks on PostgreSQL and SQLite).
            sites = [
                Site(
                    owner=owner,
                    name=("Rumah" if owner.kind == OwnerKind.RESIDENT else owner.name),
                    address=f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}, RT {rng.randint(1, 12):02d}/RW {rng.randint(1, 15):02d}",
                    village=village,
                    latitude=_d(float(village.latitude or 0) + rng.uniform(-0.004, 0.004)),
                    longitude=_d(float(village.longitude or 0) + rng.uniform(-0.004, 0.004)),
                )
                for owner, (rng, village, _n) in zip(owners, plans, strict=True)
            ]
            Site.objects.bulk_create(sites)
            recorders = [
                Recorder(
                    site=site,
                    brand=rng.choice(brands),
                    host=f"cctv{site.owner_id}.example.net",
                    onvif_port=80,
                    rtsp_port=554,
                    username="onvif",
                    password="",
                    channel_count=max(4, n),
                )
                for site, (rng, _v, n) in zip(sites, plans, strict=True)
            ]
            Recorder.objects.bulk_create(recorders)
            cameras: list[Camera] = []
            for recorder, site, (rng, _village, n) in zip(recorders, sites, plans, strict=True):
                for channel in range(1, n + 1):
                    cameras.append(
                        Camera(
                            recorder=recorder,
                            channel=channel,
                            name=f"Kamera {channel}",
                            latitude=_d(float(site.latitude) + rng.uniform(-0.0004, 0.0004)),
                            longitude=_d(float(site.longitude) + rng.uniform(-0.0004, 0.0004)),
                            direction=rng.randrange(360),
                            angle=rng.choice([60, 90, 90, 110, 360]),
                            range_m=rng.choice([10, 15, 20, 30, 50]),
                            mount=rng.choice(
                                [CameraMount.WALL, CameraMount.POLE, CameraMount.CEILING]
                            ),
                            zone=rng.choice(
                                [
                                    SurveillanceZone.TOWN,
                                    SurveillanceZone.GATE,
                                    SurveillanceZone.PARKING,
                                    SurveillanceZone.SHOP,
                                ]
                            ),
                            sees_public_space=rng.random() < 0.8,
                        )
                    )
            Camera.objects.bulk_create(cameras, batch_size=1000)
            enrolments = []
            for camera in cameras:
                program = program_for_prefix.get(camera.recorder.site.village.code[:5])
                if program is None:
                    continue
                rng = random.Random(f"camera-{camera.recorder.site.owner_id}-{camera.channel}")
                enrolments.append(
                    Enrolment(
                        camera=camera, program=program, state=_pick_state(rng), state_changed_at=now
                    )
                )
            Enrolment.objects.bulk_create(enrolments, batch_size=1000)
            EnrolmentTransition.objects.bulk_create(
                [
                    EnrolmentTransition(
                        enrolment=e,
                        from_state=EnrolmentState.DRAFT,
                        to_state=e.state,
                        reason="data demo",
                    )
                    for e in enrolments
                    if e.state != EnrolmentState.DRAFT
                ],
                batch_size=1000,
            )
            _spread_over_program_life(enrolments, now=now)
            created += len(cameras)
    return owners_created, existing + created


WAITING_DEMO_STATES = (
    EnrolmentState.SUBMITTED,
    EnrolmentState.CHECKED,
    EnrolmentState.VERIFIED,
    EnrolmentState.CONNECTED,
)


def _spread_over_program_life(enrolments: list[Enrolment], *, now: datetime.datetime) -> None:
    """Date the generated cameras' last move between their program's start and now.

    ``auto_now_add`` stamps bulk-created rows with the same moment; the dashboard's
    weekly trend and queue ages look real only when joining is spread out
    (more recently than long ago, as a campaign gathers pace).
    """
    days_by_pk: dict[int, int] = {}
    for e in enrolments:
        span = max(0, (now.date() - e.program.starts_on).days)
        rng = random.Random(f"when-{e.camera_id}")
        days = round(span * (1 - rng.random() ** 0.6))
        if e.state in WAITING_DEMO_STATES:  # nobody waits years for the next step
            days = min(days, rng.randrange(0, 60))
        days_by_pk[e.pk] = days
    buckets: dict[int, list[int]] = {}
    for pk, days in days_by_pk.items():
        buckets.setdefault(days, []).append(pk)
    for days, pks in buckets.items():
        when = now - datetime.timedelta(days=days, hours=(days * 7) % 24)
        Enrolment.objects.filter(pk__in=pks).update(state_changed_at=when, created_at=when)
        EnrolmentTransition.objects.filter(enrolment_id__in=pks).update(at=when)


def showcase_ensure(users: dict[str, User]) -> None:
    """The demo logins' own owners, sites and cameras (one per owner role)."""
    specs = [
        ("warga", OwnerKind.RESIDENT, "Keluarga Rahmawati", False, "Bitung Jaya", "Rumah", 2),
        ("usaha", OwnerKind.BUSINESS, "Toko Santoso", True, "Kebon Jeruk", "Toko Santoso", 4),
        (
            "pengelola",
            OwnerKind.ESTATE,
            "Perumahan Griya Curug",
            True,
            "Curug Wetan",
            "Gerbang utama",
            8,
        ),
    ]
    mataraksa = Program.objects.filter(slug="mataraksa").first()
    blindspot = Program.objects.filter(slug="cctv-no-blindspot").first()
    for local, kind, name, is_org, village_name, site_name, n_cameras in specs:
        user = users[local]
        if Membership.objects.filter(user=user).exists():
            continue
        village = (
            Region.objects.filter(level=RegionLevel.VILLAGE, name=village_name)
            .order_by("code")
            .first()
        )
        assert (
            village is not None and village.latitude is not None and village.longitude is not None
        )
        owner = Owner.objects.create(
            kind=kind, name=name, is_organisation=is_org, contact_email=user.email or ""
        )
        Membership.objects.create(owner=owner, user=user, role=MemberRole.ADMIN)
        site = Site.objects.create(
            owner=owner,
            name=site_name,
            address="Jl. Melati No. 7",
            village=village,
            latitude=village.latitude,
            longitude=village.longitude,
        )
        recorder = Recorder.objects.create(
            site=site,
            brand=RecorderBrand.HIKVISION,
            model="DS-7208HQHI",
            host="dvr.example.net",
            username="onvif",
            password="demo-onvif-123",
            channel_count=max(4, n_cameras),
        )
        program = mataraksa if village.code.startswith("36.03") else blindspot
        for channel in range(1, n_cameras + 1):
            camera = Camera.objects.create(
                recorder=recorder,
                channel=channel,
                name=f"Kamera {channel}",
                latitude=village.latitude,
                longitude=village.longitude,
                direction=(channel * 90) % 360,
                angle=90,
            )
            if program is not None:
                Enrolment.objects.create(
                    camera=camera,
                    program=program,
                    state=EnrolmentState.SUBMITTED if channel % 2 else EnrolmentState.VERIFIED,
                )


#: Neighbours of the demo resident, in the demo Bhabinkamtibmas's villages, one camera
#: at each step of the police pipeline, so every officer login has work to do. Their
#: contact addresses match ``demo.consent.DEMO_OWNER_EMAIL``: they get demo agreements.
PIPELINE_NEIGHBOURS = [
    (9001, "Bapak Darmawan", "Bitung Jaya", EnrolmentState.CHECKED),
    (9002, "Ibu Wulandari", "Bitung Jaya", EnrolmentState.CHECKED),
    (9003, "Warung Bu Tini", "Cikupa", EnrolmentState.VERIFIED),
    (9004, "Bengkel Jaya Motor", "Cikupa", EnrolmentState.VERIFIED),
    (9005, "Bapak Hasan", "Bitung Jaya", EnrolmentState.CONNECTED),
    (9006, "Apotek Sehat", "Cikupa", EnrolmentState.CONNECTED),
]


def pipeline_neighbours_ensure() -> None:
    program = Program.objects.filter(slug="mataraksa").first()
    if program is None:
        return
    for number, name, village_name, state in PIPELINE_NEIGHBOURS:
        email = f"{GENERATED_PREFIX}{number}@{DEMO_DOMAIN}"
        if Owner.objects.filter(contact_email=email).exists():
            continue
        village = (
            Region.objects.filter(
                level=RegionLevel.VILLAGE, name=village_name, code__startswith="36.03"
            )
            .order_by("code")
            .first()
        )
        if village is None or village.latitude is None or village.longitude is None:
            continue
        owner = Owner.objects.create(
            kind=OwnerKind.RESIDENT, name=name, contact_email=email, contact_phone="+6281200009000"
        )
        offset = Decimal(number - 9000) / Decimal(2000)
        site = Site.objects.create(
            owner=owner,
            name="Rumah",
            address=f"Jl. Kenanga No. {number - 9000}",
            village=village,
            latitude=village.latitude + offset,
            longitude=village.longitude - offset,
        )
        recorder = Recorder.objects.create(
            site=site,
            brand=RecorderBrand.DAHUA,
            model="XVR5104HS",
            host=f"rumah{number}.ddns.example",
            username="admin",
            password=f"demo-dvr-{number}",
            channel_count=1,
        )
        camera = Camera.objects.create(
            recorder=recorder,
            channel=1,
            name="Depan rumah",
            latitude=site.latitude,
            longitude=site.longitude,
            direction=(number * 45) % 360,
            angle=90,
        )
        Enrolment.objects.create(camera=camera, program=program, state=state)


def demo_seed(*, cameras: int = 400) -> SeedReport:
    report = SeedReport()
    with transaction.atomic():
        report.regions = regions_ensure()
        report.units = units_ensure()
        report.programs = programs_ensure()
        users = users_ensure()
        report.users = len(users)
        showcase_ensure(users)
        pipeline_neighbours_ensure()
        whatsapp_ensure(users)
        estate_demo_ensure(users)
    report.owners_created, report.cameras_total = cameras_ensure(cameras)
    # Bulk writes bypass the rollup receivers: recount the dashboard rollups once.
    rollups_rebuild()
    return report
