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
from joining.estate_file import COLUMNS, EXAMPLE_ROW, Area, FileUnusable, Row, Village
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


# --- comparing the file with what the owner has --------------------------------------

SITE_FIELDS = ("address", "latitude", "longitude", "village_id", "contact_name", "contact_phone")
RECORDER_FIELDS = ("brand", "rtsp_port", "onvif_port", "username", "password")
CAMERA_FIELDS = ("name", "latitude", "longitude", "direction", "angle", "sees_public_space")


@dataclass
class _Plan:
    new_sites: list[Site] = field(default_factory=list)
    changed_sites: list[Site] = field(default_factory=list)
    new_recorders: list[tuple[str, Recorder]] = field(default_factory=list)
    changed_recorders: list[Recorder] = field(default_factory=list)
    new_cameras: list[Row] = field(default_factory=list)  # made Camera per chunk (memory)
    changed_cameras: list[Camera] = field(default_factory=list)
    material_camera_ids: dict[int, list[str]] = field(default_factory=dict)
    enrol_existing: list[int] = field(default_factory=list)
    site_ids: dict[str, int] = field(default_factory=dict)
    recorder_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    result: ImportResult = field(default_factory=ImportResult)


def _site_values(rows: list[Row]) -> dict[str, Any]:
    first = rows[0]
    return {
        "address": first.address,
        "latitude": first.latitude,
        "longitude": first.longitude,
        "village_id": first.village_pk,
        "contact_name": next((r.contact_name for r in rows if r.contact_name), None),
        "contact_phone": next((r.contact_phone for r in rows if r.contact_phone), None),
    }


def _diff(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the given (non-None) values on ``obj``; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if value is None:
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _plan(*, owner: Owner, program: Program, rows: list[Row]) -> _Plan:
    plan = _Plan()
    result = plan.result
    by_site: dict[str, list[Row]] = {}
    for row in rows:
        by_site.setdefault(row.site_key, []).append(row)

    sites = {
        s.ref.casefold(): s
        for s in Site.objects.filter(owner=owner)
        .exclude(ref="")
        .only("pk", "ref", "name", *SITE_FIELDS)
    }
    recorders: dict[tuple[str, str], Recorder] = {}
    site_key_of = {s.pk: key for key, s in sites.items()}
    for recorder in (
        Recorder.objects.filter(site__owner=owner, site_id__in=site_key_of)
        .only("pk", "site_id", "host", *RECORDER_FIELDS)
        .order_by("pk")
    ):
        recorders.setdefault((site_key_of[recorder.site_id], recorder.host.lower()), recorder)
    recorder_key_of = {r.pk: key for key, r in recorders.items()}
    cameras: dict[tuple[str, str, int], Camera] = {}
    for camera in Camera.objects.filter(recorder_id__in=recorder_key_of).only(
        "pk", "recorder_id", "channel", *CAMERA_FIELDS
    ):
        cameras[(*recorder_key_of[camera.recorder_id], camera.channel)] = camera
    enrolled = set(
        Enrolment.objects.filter(program=program, camera__recorder__site__owner=owner).values_list(
            "camera_id", flat=True
        )
    )

    for site_key, group in by_site.items():
        values = _site_values(group)
        site = sites.get(site_key)
        if site is None:
            site = Site(owner=owner, ref=group[0].site_ref, name=group[0].site_ref[:120])
            _diff(site, values)
            plan.new_sites.append(site)
            result.sites["created"] += 1
            result.points.append([float(site.latitude), float(site.longitude), site.ref])
        else:
            plan.site_ids[site_key] = site.pk
            if _diff(site, values):
                plan.changed_sites.append(site)
                result.sites["updated"] += 1
            else:
                result.sites["unchanged"] += 1
            result.points.append([float(site.latitude), float(site.longitude), site.ref])
        seen_recorders: set[tuple[str, str]] = set()
        for row in group:
            recorder_key = row.recorder_key
            if recorder_key not in seen_recorders:
                seen_recorders.add(recorder_key)
                _plan_recorder(plan, recorders.get(recorder_key), recorder_key, row)
            _plan_camera(plan, cameras.get(row.camera_key), enrolled, row)
    result.points = result.points[:POINTS_MAX]
    return plan


def _plan_recorder(plan: _Plan, recorder: Recorder | None, key: tuple[str, str], row: Row) -> None:
    values = {
        "brand": row.brand if row.brand_given else None,
        "rtsp_port": row.rtsp_port,
        "onvif_port": row.onvif_port,
        "username": row.username,
        "password": row.password,
    }
    counts = plan.result.recorders
    if recorder is None:
        profile = brand_profile(row.brand)
        recorder = Recorder(
            host=row.host,
            brand=row.brand,
            rtsp_port=profile.rtsp_port,
            onvif_port=profile.onvif_port,
            username="",
            password="",
        )
        _diff(recorder, values)
        plan.new_recorders.append((key[0], recorder))
        counts["created"] += 1
        return
    plan.recorder_ids[key] = recorder.pk
    if _diff(recorder, values):
        plan.changed_recorders.append(recorder)
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def _camera_values(row: Row) -> dict[str, Any]:
    return {
        "name": row.camera_name,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "direction": row.direction,
        "angle": row.angle,
        "sees_public_space": row.sees_public_space,
    }


def _plan_camera(plan: _Plan, camera: Camera | None, enrolled: set[int], row: Row) -> None:
    values = _camera_values(row)
    result = plan.result
    if camera is None:
        plan.new_cameras.append(row)
        result.created += 1
        return
    result.camera_ids.append(camera.pk)
    changed = _diff(camera, values)
    if changed:
        plan.changed_cameras.append(camera)
        material = [name for name in changed if name in owner_services.MATERIAL_FIELDS]
        if material:
            plan.material_camera_ids[camera.pk] = material
    if camera.pk not in enrolled:
        plan.enrol_existing.append(camera.pk)
    if changed or camera.pk not in enrolled:
        result.updated += 1
    else:
        result.unchanged += 1


# --- writing ------------------------------------------------------------------------


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (field attname -> value) and return their new ids, in order.

    On PostgreSQL the ids come from the table's sequence in one query and the rows
    go in with one ``COPY``: the same work as ``bulk_create`` without building a
    statement of thousands of placeholders. Fields a row leaves out get their
    default (``auto_now``/``auto_now_add``: now). Elsewhere, ``bulk_create``.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create(
            [model(**row) for row in rows], batch_size=BATCH
        )
        return [obj.pk for obj in created]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None
    # Values of custom fields (the encrypted password) go through the field.
    prepare = [
        (
            f.attname,
            f
            if not type(f).__module__.startswith("django.") or isinstance(f, models.JSONField)
            else None,
        )
        for f in fields
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY {table} (id, {columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values: list[Any] = [pk]
                for attname, field_ in prepare:
                    value = row.get(attname, defaults[attname])
                    if field_ is not None:
                        value = field_.get_db_prep_save(value, connection)
                    values.append(value)
                copy.write_row(values)
    return ids


def _fields_of(obj: models.Model) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now_add", False)
    }


def _write(*, plan: _Plan, owner: Owner, program: Program, actor: Any) -> None:
    site_ids = _insert(Site, [_fields_of(site) for site in plan.new_sites])
    for site, pk in zip(plan.new_sites, site_ids, strict=True):
        plan.site_ids[site.ref.casefold()] = pk
    if plan.changed_sites:
        Site.objects.bulk_update(plan.changed_sites, SITE_FIELDS, batch_size=BATCH)
    recorder_rows = []
    for site_key, recorder in plan.new_recorders:
        recorder.site_id = plan.site_ids[site_key]
        recorder_rows.append(_fields_of(recorder))
    recorder_ids = _insert(Recorder, recorder_rows)
    for (site_key, recorder), pk in zip(plan.new_recorders, recorder_ids, strict=True):
        plan.recorder_ids[(site_key, recorder.host)] = pk
    if plan.changed_recorders:
        Recorder.objects.bulk_update(plan.changed_recorders, RECORDER_FIELDS, batch_size=BATCH)
    default_name = _("Kamera %(channel)s")
    for start in range(0, len(plan.new_cameras), BATCH * 5):
        chunk = plan.new_cameras[start : start + BATCH * 5]
        camera_ids = _insert(
            Camera,
            [
                {
                    "recorder_id": plan.recorder_ids[row.recorder_key],
                    "channel": row.channel,
                    "name": row.camera_name or default_name % {"channel": row.channel},
                    "latitude": row.latitude,
                    "longitude": row.longitude,
                    "direction": row.direction if row.direction is not None else 0,
                    "angle": row.angle if row.angle is not None else 90,
                    "sees_public_space": row.sees_public_space
                    if row.sees_public_space is not None
                    else True,
                }
                for row in chunk
            ],
        )
        plan.result.camera_ids.extend(camera_ids)
        _insert(
            Enrolment,
            [
                {"camera_id": pk, "program_id": program.pk, "state": EnrolmentState.DRAFT}
                for pk in camera_ids
            ],
        )
    if plan.changed_cameras:
        Camera.objects.bulk_update(
            plan.changed_cameras, [*CAMERA_FIELDS, "updated_at"], batch_size=BATCH
        )
    if plan.enrol_existing:
        Enrolment.objects.bulk_create(
            [Enrolment(camera_id=pk, program=program) for pk in plan.enrol_existing],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
    for camera_id, material in plan.material_camera_ids.items():
        labels = ", ".join(
            str(getattr(Camera._meta.get_field(name), "verbose_name", name)) for name in material
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


def import_run(
    *,
    owner: Owner,
    program: Program,
    data: bytes,
    filename: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    actor: Any = None,
    on_progress: Callable[[int], None] | None = None,
    in_transaction: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Read, check and (unless ``dry_run``) write the file; all or nothing.

    Rows with errors stop the write unless ``skip_invalid``, which writes the
    valid rows. ``in_transaction`` runs inside the write's transaction (the web
    flow marks its job applied there, so "applied" and the rows commit together).
    Raises ``ImportBusy`` when another import of the owner is being written.
    """
    try:
        parsed = estate_file.parse(
            data, program_area(program), filename=filename, on_progress=on_progress
        )
    except FileUnusable as exc:
        return ImportResult(unusable=True, errors=[{"row": 0, "column": "", "message": str(exc)}])
    errors = [e.as_dict() for e in parsed.errors]
    if not dry_run and (skip_invalid or not errors):
        try:
            with transaction.atomic():
                # One import per owner at a time: the second is told to retry, never queued
                # behind the first to write the same sites twice.
                Owner.objects.select_for_update(nowait=True).filter(pk=owner.pk).exists()
                plan = _plan(owner=owner, program=program, rows=parsed.rows)
                _write(plan=plan, owner=owner, program=program, actor=actor)
                plan.result.written = True
                plan.result.errors = errors
                plan.result.rows = parsed.row_count
                if in_transaction is not None:
                    in_transaction(plan.result)
        except (IntegrityError, DatabaseError) as exc:
            logger.info("import for owner %s refused: %s", owner.pk, exc.__class__.__name__)
            raise ImportBusy from exc
        return plan.result
    plan = _plan(owner=owner, program=program, rows=parsed.rows)
    plan.result.errors = errors
    plan.result.rows = parsed.row_count
    return plan.result


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
