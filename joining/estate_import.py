"""Estate import: a camera file becomes sites, recorders, cameras and draft enrolments.

``import_run`` is the one way in (the web flow's tasks and ``manage.py
import_cameras`` both call it). It reads and checks the whole file first
(``joining.estate_file``), compares it with what the owner already has, and
writes everything in one transaction, or nothing. The key is (``kode_lokasi``,
``host``, ``kanal``): a second import of the same file changes nothing, a
corrected one updates only what changed, and a material change sends a
reviewed camera back to verification as the edit form does.

The web flow keeps its file in an ``ImportJob`` (encrypted) from upload to
preview to confirm. Every open state has a deadline; ``import_jobs_reap``
(periodic) marks jobs past it failed: "Impor terputus; jalankan lagi".
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import logging
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.tasks import Task, task
from django.utils import timezone
from django.utils.translation import gettext as _

from connectivity.brands import brand_profile
from joining import estate_file, estate_selectors
from joining.estate_file import COLUMNS, EXAMPLE_ROW, Area, FileUnusable, Row, RowStream, Village
from joining.models import OPEN_STATES, ImportJob, ImportStatus
from owners import selectors as owner_selectors
from owners import services as owner_services
from owners.models import (
    Camera,
    Enrolment,
    EnrolmentState,
    Owner,
    Recorder,
    Site,
)
from police.models import Program
from portal import crypto

logger = logging.getLogger(__name__)

BATCH = 2000
POINTS_MAX = 5000
ERRORS_KEPT = 2000
INTERRUPTED = "Impor terputus; jalankan lagi."


class ImportBusy(Exception):
    """Another import for the same owner is being written; try again shortly."""


def busy_message() -> str:
    return _("Impor lain untuk pemilik ini sedang disimpan. Coba lagi sebentar lagi.")


def program_area(program: Program) -> Area:
    villages = owner_selectors.villages_of_program(program=program).exclude(latitude__isnull=True)
    return Area(
        program.name,
        [
            Village(pk, code, float(lat or 0), float(lng or 0))
            for pk, code, lat, lng in villages.values_list("pk", "code", "latitude", "longitude")
        ],
    )


def _counts() -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": 0}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sites: dict[str, int] = field(default_factory=_counts)
    recorders: dict[str, int] = field(default_factory=_counts)
    errors: list[dict[str, Any]] = field(default_factory=list)
    unusable: bool = False
    written: bool = False
    rows: int = 0
    points: list[list[Any]] = field(default_factory=list)
    camera_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "sites": dict(self.sites),
            "recorders": dict(self.recorders),
            "errors": self.errors,
        }

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return 2
        return 1 if self.errors else 0


# --- what the owner already has --------------------------------------------------------

SITE_FIELDS = ("address", "latitude", "longitude", "village_id", "contact_name", "contact_phone")
RECORDER_FIELDS = ("brand", "rtsp_port", "onvif_port", "username", "password")
CAMERA_FIELDS = ("name", "latitude", "longitude", "direction", "angle", "sees_public_space")


@dataclass
class _Existing:
    """The owner's sites, recorders and cameras keyed as the file keys them: one query each.

    Values are tuples in the order of ``*_FIELDS`` (the recorder password decrypted).
    """

    sites: dict[str, tuple[int, tuple[Any, ...]]] = field(default_factory=dict)
    recorders: dict[tuple[str, str], tuple[int, tuple[Any, ...]]] = field(default_factory=dict)
    cameras: dict[tuple[str, str, int], tuple[int, tuple[Any, ...]]] = field(default_factory=dict)
    enrolled: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, *, owner: Owner, program: Program) -> _Existing:
        existing = cls()
        site_key_of: dict[int, str] = {}
        for pk, ref, *values in (
            Site.objects.filter(owner=owner).exclude(ref="").values_list("pk", "ref", *SITE_FIELDS)
        ):
            key = ref.casefold()
            existing.sites[key] = (pk, tuple(values))
            site_key_of[pk] = key
        if not site_key_of:
            return existing
        recorder_key_of: dict[int, tuple[str, str]] = {}
        for pk, site_id, host, *values in (
            Recorder.objects.filter(site__owner=owner, site_id__in=site_key_of)
            .values_list("pk", "site_id", "host", *RECORDER_FIELDS)
            .order_by("pk")
        ):
            key = (site_key_of[site_id], host.lower())
            if key not in existing.recorders:
                existing.recorders[key] = (pk, tuple(values))
                recorder_key_of[pk] = key
        for pk, recorder_id, channel, *values in Camera.objects.filter(
            recorder__site__owner=owner, recorder_id__in=recorder_key_of
        ).values_list("pk", "recorder_id", "channel", *CAMERA_FIELDS):
            existing.cameras[(*recorder_key_of[recorder_id], channel)] = (pk, tuple(values))
        existing.enrolled = set(
            Enrolment.objects.filter(
                program=program, camera__recorder__site__owner=owner
            ).values_list("camera_id", flat=True)
        )
        return existing


def _changes(stored: tuple[Any, ...], names: tuple[str, ...], given: tuple[Any, ...]) -> dict:
    """The given values (None: keep what is stored) that differ from the stored ones."""
    return {
        name: value
        for name, old, value in zip(names, stored, given, strict=True)
        if value is not None and value != old
    }


def _changed(
    model: type[models.Model],
    pk: int,
    names: tuple[str, ...],
    stored: tuple[Any, ...],
    changes: dict[str, Any],
) -> Any:
    """An unsaved instance of ``model`` with its stored values and the changes, for
    ``bulk_update``."""
    instance = model(pk=pk, **dict(zip(names, stored, strict=True)))
    for name, value in changes.items():
        setattr(instance, name, value)
    return instance


# --- where new rows go ---------------------------------------------------------------


class _Sink:
    """Takes the new sites, recorders and cameras as the file is read, and writes them.

    ``site_no`` and ``recorder_no`` are the file's numbers (``Row.site_no``); a new
    recorder's site and a new camera's recorder are either one of those (new) or
    the pk of one that exists.
    """

    def site(self, site_no: int, row: Row, owner_id: int) -> None:
        raise NotImplementedError

    def close(self, exc: BaseException | None = None) -> None:
        """Stop taking rows (``exc``: because of this error)."""

    def site_contact(self, site_no: int, name: str | None, phone: str | None) -> None:
        raise NotImplementedError

    def recorder(
        self, recorder_no: int, site_no: int | None, site_id: int | None, row: Row
    ) -> None:
        raise NotImplementedError

    def camera(self, recorder_no: int | None, recorder_id: int | None, values: tuple) -> None:
        raise NotImplementedError

    def write(self, *, program: Program, with_camera_ids: bool) -> list[int]:
        """Insert everything taken, with a draft enrolment per new camera; new camera ids."""
        raise NotImplementedError


def _new_recorder_values(row: Row) -> dict[str, Any]:
    profile = brand_profile(row.brand)
    return {
        "host": row.host,
        "brand": row.brand,
        "rtsp_port": row.rtsp_port if row.rtsp_port is not None else profile.rtsp_port,
        "onvif_port": row.onvif_port if row.onvif_port is not None else profile.onvif_port,
        "username": row.username or "",
        "password": row.password or "",
    }


class _CopySink(_Sink):
    """PostgreSQL: rows stream with one ``COPY`` into a temporary table while the file
    is read (the server loads while Python checks), then one ``INSERT ... SELECT``
    per table writes them, new ids straight from the sequences.

    Passwords are encrypted before they leave Python.
    """

    TABLE = "joining_import_stage"
    SITE_IDS = "joining_import_site_ids"
    RECORDER_IDS = "joining_import_recorder_ids"
    # kind: S site, N/P a site's contact name/phone found on a later row, R recorder, C camera.
    COLUMNS = (
        ("kind", "char(1)"),
        ("no", "integer"),  # the file's site_no (S, N, P) or recorder_no (R)
        ("parent_no", "integer"),  # a new parent: site_no (R) or recorder_no (C)
        ("parent_id", "bigint"),  # an existing parent: site id (R) or recorder id (C)
        ("ref", "text"),
        ("address", "text"),
        ("latitude", "numeric(9,6)"),
        ("longitude", "numeric(9,6)"),
        ("village_id", "bigint"),
        ("contact_name", "text"),
        ("contact_phone", "text"),
        ("host", "text"),
        ("brand", "text"),
        ("rtsp_port", "integer"),
        ("onvif_port", "integer"),
        ("username", "text"),
        ("password", "text"),
        ("channel", "integer"),
        ("name", "text"),
        ("direction", "integer"),
        ("angle", "integer"),
        ("sees_public_space", "boolean"),
    )

    def __init__(self, cursor: Any, owner: Owner) -> None:
        self.cursor = cursor
        self.owner = owner
        self.password_field = Recorder._meta.get_field("password")
        self.sites = self.recorders = self.cameras = 0
        # Left over from an earlier import in the same (outer) transaction.
        cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}, {self.SITE_IDS}, {self.RECORDER_IDS}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.TABLE} "
            f"({', '.join(f'{n} {t}' for n, t in self.COLUMNS)}) ON COMMIT DROP"
        )
        self._copy_cm = cursor.cursor.copy(
            f"COPY {self.TABLE} ({', '.join(n for n, _t in self.COLUMNS)}) FROM STDIN"
        )
        self._copy = self._copy_cm.__enter__()
        self._put = self._copy.write_row

    def close(self, exc: BaseException | None = None) -> None:
        if self._copy_cm is not None:
            cm, self._copy_cm = self._copy_cm, None
            cm.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)

    def site(self, site_no: int, row: Row, owner_id: int) -> None:
        self.sites += 1
        self._put(
            ("S", site_no, None, None, row.site_ref, row.address, row.latitude, row.longitude,
             row.village_pk, row.contact_name or "", row.contact_phone or "",
             None, None, None, None, None, None, None, None, None, None, None)
        )  # fmt: skip

    def site_contact(self, site_no: int, name: str | None, phone: str | None) -> None:
        self._put(
            ("N" if name else "P", site_no, None, None, None, None, None, None, None, name, phone,
             None, None, None, None, None, None, None, None, None, None, None)
        )  # fmt: skip

    def recorder(
        self, recorder_no: int, site_no: int | None, site_id: int | None, row: Row
    ) -> None:
        self.recorders += 1
        v = _new_recorder_values(row)
        password = self.password_field.get_db_prep_save(v["password"], connection)
        self._put(
            ("R", recorder_no, site_no, site_id, None, None, None, None, None, None, None,
             v["host"], v["brand"], v["rtsp_port"], v["onvif_port"], v["username"], password,
             None, None, None, None, None)
        )  # fmt: skip

    def camera(self, recorder_no: int | None, recorder_id: int | None, values: tuple) -> None:
        self.cameras += 1
        channel, name, lat, lng, direction, angle, sees = values
        self._put(
            ("C", None, recorder_no, recorder_id, None, None, lat, lng, None, None, None,
             None, None, None, None, None, None, channel, name, direction, angle, sees)
        )  # fmt: skip

    def _insert(self, model: type[models.Model], given: dict[str, Any], source: str) -> tuple:
        """``INSERT INTO <model> (...) SELECT ... <source>`` and its parameters.

        ``given`` maps a column to SQL over ``source`` (a ``str``) or to a value
        (``_Value``); every other column gets its field's default (timestamps: now).
        """
        qn = connection.ops.quote_name
        now = timezone.now()
        columns: list[str] = []
        values: list[str] = []
        params: list[Any] = []
        for f in model._meta.concrete_fields:
            column = str(f.column)
            if f.primary_key and column not in given:
                continue
            columns.append(qn(column))
            sql = given.get(column)
            if isinstance(sql, str):
                values.append(sql)
                continue
            if isinstance(sql, _Value):
                value = sql.value
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            values.append("%s")
            params.append(f.get_db_prep_save(value, connection))
        return (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} {source}",
            params,
        )

    def write(self, *, program: Program, with_camera_ids: bool) -> list[int]:
        self.close()
        t = self.TABLE
        execute = self.cursor.execute
        # A new id for each new site and recorder, by the file's number.
        for kind, table, model in (
            ("S", self.SITE_IDS, Site),
            ("R", self.RECORDER_IDS, Recorder),
        ):
            execute(
                f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT no, nextval(pg_get_serial_sequence(%s, 'id')) AS id "
                f"FROM {t} WHERE kind = %s",
                [model._meta.db_table, kind],
            )
            execute(f"CREATE UNIQUE INDEX ON {table} (no)")
        if self.sites:
            execute(
                *self._insert(
                    Site,
                    {
                        "id": "i.id",
                        "owner_id": _Value(self.owner.pk),
                        "name": "left(s.ref, 120)",
                        "ref": "s.ref",
                        **{c: f"s.{c}" for c in ("address", "latitude", "longitude")},
                        "village_id": "s.village_id",
                        "contact_name": "coalesce(n.contact_name, s.contact_name)",
                        "contact_phone": "coalesce(p.contact_phone, s.contact_phone)",
                    },
                    f"FROM {t} s JOIN {self.SITE_IDS} i ON i.no = s.no "
                    f"LEFT JOIN {t} n ON n.kind = 'N' AND n.no = s.no "
                    f"LEFT JOIN {t} p ON p.kind = 'P' AND p.no = s.no WHERE s.kind = 'S'",
                )
            )
        if self.recorders:
            execute(
                *self._insert(
                    Recorder,
                    {
                        "id": "i.id",
                        "site_id": "coalesce(r.parent_id, si.id)",
                        **{c: f"r.{c}" for c in ("host", "brand", "rtsp_port", "onvif_port")},
                        **{c: f"r.{c}" for c in ("username", "password")},
                    },
                    f"FROM {t} r JOIN {self.RECORDER_IDS} i ON i.no = r.no "
                    f"LEFT JOIN {self.SITE_IDS} si ON si.no = r.parent_no WHERE r.kind = 'R'",
                )
            )
        camera_ids: list[int] = []
        if self.cameras:
            camera_sql, camera_params = self._insert(
                Camera,
                {
                    "recorder_id": "coalesce(c.parent_id, ri.id)",
                    **{c: f"c.{c}" for c in ("channel", "name", "latitude", "longitude")},
                    **{c: f"c.{c}" for c in ("direction", "angle", "sees_public_space")},
                },
                f"FROM {t} c LEFT JOIN {self.RECORDER_IDS} ri ON ri.no = c.parent_no "
                f"WHERE c.kind = 'C' RETURNING id",
            )
            enrolment_sql, enrolment_params = self._insert(
                Enrolment,
                {
                    "camera_id": "new.id",
                    "program_id": _Value(program.pk),
                    "state": _Value(EnrolmentState.DRAFT),
                },
                "FROM new",
            )
            returning = " RETURNING camera_id" if with_camera_ids else ""
            execute(
                f"WITH new AS ({camera_sql}) {enrolment_sql}{returning}",
                [*camera_params, *enrolment_params],
            )
            if with_camera_ids:
                camera_ids = [pk for (pk,) in self.cursor.fetchall()]
        execute(f"DROP TABLE {t}, {self.SITE_IDS}, {self.RECORDER_IDS}")
        return camera_ids


@dataclass(frozen=True)
class _Value:
    value: Any


class _OrmSink(_Sink):
    """Other databases (SQLite, the embedded default): ``bulk_create`` at the end."""

    def __init__(self, owner: Owner) -> None:
        self.owner = owner
        self.sites: dict[int, Site] = {}
        self.recorders: dict[int, tuple[int | None, Recorder]] = {}
        self.cameras: list[tuple[int | None, Camera]] = []

    def close(self, exc: BaseException | None = None) -> None:
        pass

    def site(self, site_no: int, row: Row, owner_id: int) -> None:
        self.sites[site_no] = Site(
            owner_id=owner_id,
            ref=row.site_ref,
            name=row.site_ref[:120],
            address=row.address,
            latitude=row.latitude,
            longitude=row.longitude,
            village_id=row.village_pk,
            contact_name=row.contact_name or "",
            contact_phone=row.contact_phone or "",
        )

    def site_contact(self, site_no: int, name: str | None, phone: str | None) -> None:
        site = self.sites[site_no]
        if name:
            site.contact_name = name
        if phone:
            site.contact_phone = phone

    def recorder(
        self, recorder_no: int, site_no: int | None, site_id: int | None, row: Row
    ) -> None:
        recorder = Recorder(**_new_recorder_values(row))
        if site_id is not None:
            recorder.site_id = site_id
        self.recorders[recorder_no] = (site_no, recorder)

    def camera(self, recorder_no: int | None, recorder_id: int | None, values: tuple) -> None:
        channel, name, lat, lng, direction, angle, sees = values
        camera = Camera(
            channel=channel,
            name=name,
            latitude=lat,
            longitude=lng,
            direction=direction,
            angle=angle,
            sees_public_space=sees,
        )
        if recorder_id is not None:
            camera.recorder_id = recorder_id
        self.cameras.append((recorder_no, camera))

    def write(self, *, program: Program, with_camera_ids: bool) -> list[int]:
        Site.objects.bulk_create(self.sites.values(), batch_size=BATCH)
        for site_no, recorder in self.recorders.values():
            if site_no is not None:
                recorder.site_id = self.sites[site_no].pk
        Recorder.objects.bulk_create([r for _no, r in self.recorders.values()], batch_size=BATCH)
        for recorder_no, camera in self.cameras:
            if recorder_no is not None:
                camera.recorder_id = self.recorders[recorder_no][1].pk
        cameras = Camera.objects.bulk_create([c for _no, c in self.cameras], batch_size=BATCH)
        Enrolment.objects.bulk_create(
            [Enrolment(camera_id=c.pk, program=program) for c in cameras], batch_size=BATCH
        )
        return [c.pk for c in cameras]


# --- reading the file against what exists ----------------------------------------------

NO_CONTACT_NAME, NO_CONTACT_PHONE = 1, 2


class _Import:
    """Feeds the checked rows: counts what is new, changed or unchanged, hands new rows
    to the sink (none in a dry run) and collects changes to existing rows.

    Per row it keeps nothing; per site a byte (new sites) or the values to compare
    (existing sites), per recorder its id.
    """

    def __init__(self, *, owner: Owner, existing: _Existing, sink: _Sink | None) -> None:
        self.owner = owner
        self.existing = existing
        self.sink = sink
        self.result = ImportResult()
        self.default_name = _("Kamera %(channel)s")
        self.site_ids = array("q")  # by site_no: the existing site's id, or 0 when new
        self.new_site_contact = bytearray()  # by site_no: which contact is still missing
        self.site_values: dict[int, list[Any]] = {}  # existing sites: values from the file
        self.recorder_ids = array("q")  # by recorder_no: the existing recorder's id, or 0
        self.changed_sites: list[Site] = []
        self.changed_recorders: list[Recorder] = []
        self.changed_cameras: list[Camera] = []
        self.material: dict[int, list[str]] = {}
        self.enrol_existing: list[int] = []
        self.camera_ids: list[int] = []

    def feed(self, row: Row) -> None:
        result = self.result
        site_no = row.site_no
        if row.first_of_site:
            self._site(row)
        elif self.site_ids[site_no]:
            values = self.site_values[site_no]
            if values[4] is None:
                values[4] = row.contact_name
            if values[5] is None:
                values[5] = row.contact_phone
        elif self.new_site_contact[site_no]:
            missing = self.new_site_contact[site_no]
            name = row.contact_name if missing & NO_CONTACT_NAME else None
            phone = row.contact_phone if missing & NO_CONTACT_PHONE else None
            if self.sink is not None:
                if name:
                    self.sink.site_contact(site_no, name, None)
                if phone:
                    self.sink.site_contact(site_no, None, phone)
            self.new_site_contact[site_no] = (
                missing & ~(NO_CONTACT_NAME if name else 0) & ~(NO_CONTACT_PHONE if phone else 0)
            )
        if row.first_of_recorder:
            self._recorder(row)
        recorder_id = self.recorder_ids[row.recorder_no]
        stored = self.existing.cameras.get(row.camera_key) if recorder_id else None
        if stored is None:
            result.created += 1
            if self.sink is not None:
                self.sink.camera(
                    None if recorder_id else row.recorder_no,
                    recorder_id or None,
                    (
                        row.channel,
                        row.camera_name or self.default_name % {"channel": row.channel},
                        row.latitude,
                        row.longitude,
                        row.direction if row.direction is not None else 0,
                        row.angle if row.angle is not None else 90,
                        row.sees_public_space if row.sees_public_space is not None else True,
                    ),
                )
            return
        pk, stored_values = stored
        self.camera_ids.append(pk)
        changes = _changes(
            stored_values,
            CAMERA_FIELDS,
            (
                row.camera_name,
                row.latitude,
                row.longitude,
                row.direction,
                row.angle,
                row.sees_public_space,
            ),
        )
        enrolled = pk in self.existing.enrolled
        if changes:
            self.changed_cameras.append(_changed(Camera, pk, CAMERA_FIELDS, stored_values, changes))
            material = [n for n in changes if n in owner_services.MATERIAL_FIELDS]
            if material:
                self.material[pk] = material
        if not enrolled:
            self.enrol_existing.append(pk)
        if changes or not enrolled:
            result.updated += 1
        else:
            result.unchanged += 1

    def _site(self, row: Row) -> None:
        result = self.result
        if len(result.points) < POINTS_MAX:
            result.points.append([float(row.latitude), float(row.longitude), row.site_ref])
        stored = self.existing.sites.get(row.site_key)
        if stored is not None:
            self.site_ids.append(stored[0])
            self.new_site_contact.append(0)
            self.site_values[row.site_no] = [
                row.address,
                row.latitude,
                row.longitude,
                row.village_pk,
                row.contact_name,
                row.contact_phone,
            ]
            return
        result.sites["created"] += 1
        self.site_ids.append(0)
        self.new_site_contact.append(
            (0 if row.contact_name else NO_CONTACT_NAME)
            | (0 if row.contact_phone else NO_CONTACT_PHONE)
        )
        if self.sink is not None:
            self.sink.site(row.site_no, row, self.owner.pk)

    def _recorder(self, row: Row) -> None:
        counts = self.result.recorders
        site_id = self.site_ids[row.site_no]
        stored = self.existing.recorders.get(row.recorder_key) if site_id else None
        if stored is None:
            counts["created"] += 1
            self.recorder_ids.append(0)
            if self.sink is not None:
                self.sink.recorder(
                    row.recorder_no, None if site_id else row.site_no, site_id or None, row
                )
            return
        pk, values = stored
        self.recorder_ids.append(pk)
        given = (
            row.brand if row.brand_given else None,
            row.rtsp_port,
            row.onvif_port,
            row.username,
            row.password,
        )
        changes = _changes(values, RECORDER_FIELDS, given)
        if changes:
            self.changed_recorders.append(_changed(Recorder, pk, RECORDER_FIELDS, values, changes))
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1

    def finish(self) -> None:
        """Compare the existing sites now that all their rows are read."""
        counts = self.result.sites
        stored_values = dict(self.existing.sites.values())
        for site_no, values in self.site_values.items():
            pk = self.site_ids[site_no]
            stored = stored_values[pk]
            changes = _changes(stored, SITE_FIELDS, tuple(values))
            if changes:
                self.changed_sites.append(_changed(Site, pk, SITE_FIELDS, stored, changes))
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1

    def write(self, *, program: Program, actor: Any, with_camera_ids: bool) -> None:
        """Write the changes to existing rows; the sink has written the new ones."""
        if self.changed_sites:
            Site.objects.bulk_update(self.changed_sites, SITE_FIELDS, batch_size=BATCH)
        if self.changed_recorders:
            Recorder.objects.bulk_update(self.changed_recorders, RECORDER_FIELDS, batch_size=BATCH)
        if self.changed_cameras:
            now = timezone.now()
            for camera in self.changed_cameras:
                camera.updated_at = now
            Camera.objects.bulk_update(
                self.changed_cameras, [*CAMERA_FIELDS, "updated_at"], batch_size=BATCH
            )
        if self.enrol_existing:
            Enrolment.objects.bulk_create(
                [Enrolment(camera_id=pk, program=program) for pk in self.enrol_existing],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
        for camera_id, material in self.material.items():
            labels = ", ".join(
                str(getattr(Camera._meta.get_field(name), "verbose_name", name))
                for name in material
            )
            for enrolment in Enrolment.objects.filter(
                camera_id=camera_id, state__in=owner_services.REVIEWED_STATES
            ):
                owner_services.enrolment_transition(
                    enrolment=enrolment,
                    to_state=EnrolmentState.SUBMITTED,
                    actor=actor,
                    reason=f"perubahan oleh impor berkas: {labels}",
                )


def _read(
    stream: RowStream,
    importer: _Import,
    on_progress: Callable[[int], None] | None,
) -> None:
    feed = importer.feed
    for row in stream.rows(on_progress=on_progress):
        feed(row)
    importer.finish()
    result = importer.result
    result.errors = [e.as_dict() for e in stream.errors]
    result.rows = stream.row_count


def import_run(
    *,
    owner: Owner,
    program: Program,
    data: estate_file.Source,
    filename: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    actor: Any = None,
    on_progress: Callable[[int], None] | None = None,
    in_transaction: Callable[[ImportResult], None] | None = None,
    with_camera_ids: bool = False,
) -> ImportResult:
    """Read, check and (unless ``dry_run``) write the file; all or nothing.

    ``data`` is the file's bytes or a binary file (streamed, never read whole).
    Rows with errors stop the write unless ``skip_invalid``, which writes the
    valid rows. ``in_transaction`` runs inside the write's transaction (the web
    flow marks its job applied there, so "applied" and the rows commit together).
    ``with_camera_ids`` lists the file's cameras in ``camera_ids``.
    Raises ``ImportBusy`` when another import of the owner is being written.

    The file is read once, as a stream: rows are checked and compared with what
    the owner has as they come, and new ones go straight to the database
    (PostgreSQL: ``COPY``) inside the transaction; when the file turns out to
    have errors, the transaction is rolled back.
    """
    area = program_area(program)
    try:
        stream = RowStream(data, area, filename=filename)
    except FileUnusable as exc:
        return _unusable(exc)
    if dry_run:
        importer = _Import(
            owner=owner, existing=_Existing.load(owner=owner, program=program), sink=None
        )
        try:
            _read(stream, importer, on_progress)
        except FileUnusable as exc:
            return _unusable(exc)
        return importer.result
    try:
        with transaction.atomic():
            # One import per owner at a time: the second is told to retry, never queued
            # behind the first to write the same sites twice.
            Owner.objects.select_for_update(nowait=True).filter(pk=owner.pk).exists()
            existing = _Existing.load(owner=owner, program=program)
            with connection.cursor() as cursor:
                sink: _Sink = (
                    _CopySink(cursor, owner)
                    if connection.vendor == "postgresql"
                    else _OrmSink(owner)
                )
                importer = _Import(owner=owner, existing=existing, sink=sink)
                try:
                    _read(stream, importer, on_progress)
                except BaseException as exc:
                    sink.close(exc)
                    raise
                result = importer.result
                if result.errors and not skip_invalid:
                    sink.close()
                    transaction.set_rollback(True)
                    return result
                new_ids = sink.write(program=program, with_camera_ids=with_camera_ids)
            importer.write(program=program, actor=actor, with_camera_ids=with_camera_ids)
            result.camera_ids = [*importer.camera_ids, *new_ids] if with_camera_ids else []
            result.written = True
            if in_transaction is not None:
                in_transaction(result)
    except FileUnusable as exc:
        return _unusable(exc)
    except (IntegrityError, DatabaseError) as exc:
        logger.info("import for owner %s refused: %s", owner.pk, exc.__class__.__name__)
        raise ImportBusy from exc
    return result


def _unusable(exc: FileUnusable) -> ImportResult:
    return ImportResult(unusable=True, errors=[{"row": 0, "column": "", "message": str(exc)}])


# --- jobs: upload, preview, confirm, apply, reap --------------------------------------


def _deadline(seconds: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def payload_encrypt(data: bytes) -> str:
    return crypto.encrypt(base64.b64encode(data).decode("ascii"))


def job_data(job: ImportJob) -> bytes:
    return base64.b64decode(crypto.decrypt(job.payload)) if job.payload else b""


def import_job_create(
    *, owner: Owner, program: Program, user: Any, filename: str, data: bytes
) -> ImportJob:
    """Keep the file (encrypted) and queue its preview. Too large a file is refused here."""
    if len(data) > estate_file.MAX_FILE_BYTES:
        raise FileUnusable(
            _("Berkas terlalu besar (paling besar %(mb)s MB).")
            % {"mb": estate_file.MAX_FILE_BYTES // (1024 * 1024)}
        )
    with transaction.atomic():
        job = ImportJob.objects.create(
            owner=owner,
            program=program,
            user=user if getattr(user, "is_authenticated", False) else None,
            filename=(filename or "berkas")[-200:],
            file_sha256=hashlib.sha256(data).hexdigest(),
            payload=payload_encrypt(data),
            deadline=_deadline(settings.ESTATE_IMPORT_DEADLINE_SECONDS),
        )
        transaction.on_commit(partial(import_job_hand_over, job_id=job.pk))
    return job


def import_job_hand_over(*, job_id: int) -> bool:
    """Queue the task of the job's current step (recorded already); False if the
    broker is down.

    The job is a row before this runs, so an unreachable broker (Redis restarting
    under Celery) loses nothing: the upload or the confirmation succeeds, the job
    waits without a task id, and the reaper's sweep (``import_jobs_sweep``) hands it
    over once the broker answers. A step handed over twice runs once: each step
    claims the job by its state first.
    """
    job = ImportJob.objects.filter(pk=job_id).only("status").first()
    if job is None or job.status not in STEP_TASKS:
        return True
    try:
        task_id = STEP_TASKS[job.status].enqueue(job_id).id
    except Exception:  # each broker raises its own errors (kombu, redis, OSError)
        logger.warning(
            "task engine unreachable: import job %s waits for the sweep", job_id, exc_info=True
        )
        return False
    ImportJob.objects.filter(pk=job_id, status=job.status, task_id="").update(task_id=task_id[:64])
    return True


def import_jobs_sweep(*, now: dt.datetime | None = None) -> int:
    """Hand to the engine the job steps recorded while its broker was down."""
    now = now or timezone.now()
    sent = 0
    for job_id in (
        estate_selectors.import_jobs_unsent(now).order_by("pk").values_list("pk", flat=True)
    ):
        if not import_job_hand_over(job_id=job_id):
            break  # still down: the next pass tries again
        sent += 1
    return sent


def _claim(job_id: int, from_status: str, to_status: str) -> ImportJob | None:
    """Move the job on only if it is still in ``from_status`` (one worker wins)."""
    moved = ImportJob.objects.filter(pk=job_id, status=from_status).update(
        status=to_status, deadline=_deadline(settings.ESTATE_IMPORT_DEADLINE_SECONDS)
    )
    return ImportJob.objects.filter(pk=job_id).first() if moved else None


def _fail(job_id: int, message: str, *, only_if: str = "") -> None:
    jobs = ImportJob.objects.filter(pk=job_id)
    if only_if:  # a duplicate run may not fail a job its twin applied
        jobs = jobs.filter(status=only_if)
    jobs.update(status=ImportStatus.FAILED, message=message, finished_at=timezone.now())


def import_job_preview(*, job_id: int) -> ImportJob | None:
    """Parse and check the job's file and store the summary for the preview page."""
    job = _claim(job_id, ImportStatus.QUEUED, ImportStatus.PARSING)
    if job is None:
        return ImportJob.objects.filter(pk=job_id).first()
    data = job_data(job)
    total = max(1, data.count(b"\n")) if not data.startswith(b"PK") else 0
    ImportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_done=0)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        result = import_run(
            owner=job.owner, program=job.program, data=data, dry_run=True, on_progress=progress
        )
    except Exception:
        logger.exception("preview of import job %s failed", job.pk)
        _fail(job.pk, _("Berkas tidak bisa diperiksa. Coba lagi atau hubungi admin."))
        return ImportJob.objects.get(pk=job.pk)
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PARSING).update(
        status=ImportStatus.FAILED if result.unusable else ImportStatus.PREVIEW,
        message=result.errors[0]["message"] if result.unusable else "",
        summary=result.as_json() | {"rows": result.rows},
        errors=result.errors[:ERRORS_KEPT],
        error_count=len(result.errors),
        points=result.points,
        rows_done=result.rows,
        rows_total=result.rows,
        payload="" if result.unusable else job.payload,
        deadline=_deadline(settings.ESTATE_IMPORT_PREVIEW_HOURS * 3600),
        finished_at=timezone.now() if result.unusable else None,
    )
    return ImportJob.objects.get(pk=job.pk)


def import_job_confirm(*, job: ImportJob, skip_invalid: bool) -> ImportJob:
    """The manager confirms the preview: queue the write (one transaction, in a task)."""
    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.APPLYING,
            skip_invalid=skip_invalid,
            task_id="",
            deadline=_deadline(settings.ESTATE_IMPORT_DEADLINE_SECONDS),
        )
        if moved:
            transaction.on_commit(partial(import_job_hand_over, job_id=job.pk))
    job.refresh_from_db()
    return job


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Write the job's file. An applied job is left as it is (a re-run finds its result)."""
    job = ImportJob.objects.select_related("owner", "program", "user").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.APPLYING:
        return job

    def mark_applied(result: ImportResult) -> None:
        # Inside the write's transaction: the rows and "applied" commit together.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.APPLIED,
            summary=result.as_json() | {"rows": result.rows, "camera_ids": result.camera_ids},
            errors=result.errors[:ERRORS_KEPT],
            error_count=len(result.errors),
            payload="",
            finished_at=timezone.now(),
        )

    try:
        result = import_run(
            owner=job.owner,
            program=job.program,
            data=job_data(job),
            skip_invalid=job.skip_invalid,
            actor=job.user,
            in_transaction=mark_applied,
            with_camera_ids=True,
        )
    except ImportBusy:
        _fail(job.pk, busy_message(), only_if=ImportStatus.APPLYING)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _fail(
            job.pk,
            _("Impor gagal; tidak ada yang tersimpan. Coba lagi."),
            only_if=ImportStatus.APPLYING,
        )
    else:
        if not result.written:
            # Rows are invalid (the file cannot have changed, so this is a stale confirm).
            ImportJob.objects.filter(pk=job.pk, status=ImportStatus.APPLYING).update(
                status=ImportStatus.PREVIEW,
                deadline=_deadline(settings.ESTATE_IMPORT_PREVIEW_HOURS * 3600),
            )
    job.refresh_from_db()
    return job


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Run a failed job again from its kept file (the preview first)."""
    with transaction.atomic():
        moved = (
            ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED)
            .exclude(payload="")
            .update(
                status=ImportStatus.QUEUED,
                message="",
                finished_at=None,
                task_id="",
                deadline=_deadline(settings.ESTATE_IMPORT_DEADLINE_SECONDS),
            )
        )
        if moved:
            transaction.on_commit(partial(import_job_hand_over, job_id=job.pk))
    job.refresh_from_db()
    return job


def import_jobs_reap(*, now: dt.datetime | None = None) -> int:
    """Mark every open job past its deadline failed; returns how many.

    A worker that died mid-write wrote nothing (one transaction), so the job
    can simply run again; a preview nobody confirmed expires and drops its file.
    """
    now = now or timezone.now()
    lost = ImportJob.objects.filter(
        status__in=[s for s in OPEN_STATES if s != ImportStatus.PREVIEW], deadline__lt=now
    ).update(status=ImportStatus.FAILED, message=INTERRUPTED, finished_at=now)
    expired = ImportJob.objects.filter(status=ImportStatus.PREVIEW, deadline__lt=now).update(
        status=ImportStatus.FAILED,
        message="Pratinjau kedaluwarsa; unggah berkas lagi.",
        payload="",
        finished_at=now,
    )
    # Finished jobs keep no file.
    ImportJob.objects.filter(
        status=ImportStatus.FAILED, finished_at__lt=now - dt.timedelta(days=7)
    ).exclude(payload="").update(payload="")
    return lost + expired


@task()
def import_preview(job_id: int) -> None:
    import_job_preview(job_id=job_id)


@task()
def import_apply(job_id: int) -> None:
    import_job_apply(job_id=job_id)


#: the task that runs a job waiting in each state
STEP_TASKS: dict[str, Task[[int], None]] = {
    ImportStatus.QUEUED: import_preview,
    ImportStatus.APPLYING: import_apply,
}


# --- files for people: template and error report ------------------------------------

HEADERS = [c.key for c in COLUMNS]


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerow([EXAMPLE_ROW[h] for h in HEADERS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(rows: list[list[Any]], *, title: str) -> bytes:
    # Imported here for loading time only (see estate_file._xlsx_rows).
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append([estate_file.formula_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    return _xlsx([HEADERS, [EXAMPLE_ROW[h] for h in HEADERS]], title="Kamera")


def error_report_xlsx(job: ImportJob) -> bytes:
    """The original rows with a "kesalahan" column; passwords are never written back.

    Formula-safe: a cell that would run as a formula gets a leading apostrophe.
    """
    by_row: dict[int, list[str]] = {}
    for error in job.errors:
        by_row.setdefault(int(error["row"]), []).append(f"{error['column']}: {error['message']}")
    data = job_data(job)
    out_rows: list[list[Any]] = []
    try:
        header, numbered = estate_file.find_header(estate_file.file_rows(data, job.filename))
    except FileUnusable:
        return _xlsx(
            [["baris", "kesalahan"]] + [[r, "; ".join(m)] for r, m in sorted(by_row.items())],
            title="Kesalahan",
        )
    secret = {i for key, i in header.positions.items() if key in estate_file.SECRET_COLUMNS}
    out_rows.append(["baris", *header.names, "kesalahan"])
    for number, cells in numbered:
        if not any(cells):
            continue
        shown = [("" if i in secret else cell) for i, cell in enumerate(cells[: len(header.names)])]
        out_rows.append([number, *shown, "; ".join(by_row.get(number, []))])
    return _xlsx(out_rows, title="Kesalahan")
