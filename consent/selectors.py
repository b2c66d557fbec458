"""Reads on consent: the current terms, the scopes in force per camera, what an
owner must see, and the filters the police side uses (``registry.scoping``).

The scopes in force for a camera are those of the latest chain record that
names it: an agreement grants its scopes, a withdrawal leaves none. A newer
terms version changes nothing until the owner signs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from consent.models import (
    AccessLogEntry,
    ConsentRecord,
    ConsentState,
    DataSubjectRequest,
    MessagingConsent,
    RecordCamera,
    RecordKind,
    RequestStatus,
    Scope,
    TermsScope,
    TermsVersion,
)
from owners.models import Camera, EnrolmentTransition, Owner
from owners.selectors import owner_history


def current_terms() -> TermsVersion | None:
    """The newest published version; the only one that can be signed."""
    return (
        TermsVersion.objects.filter(live=True)
        .exclude(text_sha256="")
        .order_by("-version")
        .prefetch_related("scopes")
        .first()
    )


def _scope_q(scope: str | Iterable[str]) -> Q:
    wanted = [scope] if isinstance(scope, str) else list(scope)
    q = Q()
    for s in wanted:
        q |= Q(scopes__contains=s)
    return q


def cameras_with_scope(scope: str | Iterable[str]) -> QuerySet[Camera]:
    """Cameras whose consent in force grants ``scope`` (or any of several scopes)."""
    return Camera.objects.filter(pk__in=camera_ids_with_scope(scope))


def camera_ids_with_scope(scope: str | Iterable[str]) -> QuerySet[ConsentState, Any]:
    """Ids of those cameras, as a subquery for ``pk__in`` filters (one indexed table)."""
    return ConsentState.objects.filter(_scope_q(scope)).values("camera_id")


def scopes_in_force(*, cameras: Iterable[Camera]) -> dict[int, str]:
    """``{camera id: "ab..."}`` for the given cameras ("" when nothing is in force)."""
    ids = [c.pk for c in cameras]
    found = dict(ConsentState.objects.filter(camera_id__in=ids).values_list("camera_id", "scopes"))
    return {pk: found.get(pk, "") for pk in ids}


def retention_days_in_force(*, camera_ids: Iterable[int], scope: str) -> dict[int, int]:
    """Per camera with ``scope`` in force: the retention period (days) its agreement states.

    Cameras without ``scope`` in force are absent: whatever they kept under it
    is past its time.
    """
    states = list(
        ConsentState.objects.filter(
            camera_id__in=list(camera_ids), scopes__contains=scope
        ).values_list("camera_id", "record__terms_id")
    )
    days = dict(
        TermsScope.objects.filter(
            terms_id__in={terms_id for _c, terms_id in states}, scope=scope
        ).values_list("terms_id", "retention_days")
    )
    return {camera_id: days.get(terms_id, 0) for camera_id, terms_id in states}


def camera_has_scope(*, camera: Camera, scope: str) -> bool:
    """Whether the consent in force for ``camera`` grants ``scope``."""
    return camera_ids_with_scope(scope).filter(camera_id=camera.pk).exists()


def camera_consents(*, owner: Owner) -> list[dict[str, Any]]:
    """Each camera of ``owner`` with its scopes in force and the agreement behind them."""
    cameras = list(
        Camera.objects.filter(recorder__site__owner=owner)
        .select_related("recorder__site")
        .order_by("recorder__site__name", "recorder_id", "channel")
    )
    latest: dict[int, RecordCamera] = {}
    for entry in (
        RecordCamera.objects.filter(camera__in=cameras)
        .select_related("record")
        .order_by("record__seq")
    ):
        if entry.camera_id is not None:
            latest[entry.camera_id] = entry
    current = current_terms()
    rows = []
    for camera in cameras:
        found: RecordCamera | None = latest.get(camera.pk)
        record = found.record if found else None
        in_force = found.scopes if found else ""
        rows.append(
            {
                "camera": camera,
                "scopes": list(in_force),
                "scope_labels": [Scope(s).label for s in in_force],
                "record": record,
                "needs_reconsent": bool(
                    in_force
                    and record is not None
                    and current is not None
                    and record.terms_version != current.version
                ),
            }
        )
    return rows


def _stale_states(current: TermsVersion) -> QuerySet[ConsentState]:
    """Scopes in force that rest on an agreement to an older terms version."""
    return ConsentState.objects.exclude(scopes="").exclude(record__terms_version=current.version)


def owner_needs_reconsent(*, owner: Owner) -> bool:
    current = current_terms()
    if current is None:
        return False
    return _stale_states(current).filter(camera__recorder__site__owner=owner).exists()


def owners_needing_reconsent(*, user: Any) -> list[Owner]:
    """Owners the user belongs to whose agreements are on an older terms version."""
    if not getattr(user, "is_authenticated", False):
        return []
    # Most pages are seen by people who own nothing (officers, visitors who just
    # signed up): one indexed lookup spares them the terms and the join below.
    if not user.memberships.exists():
        return []
    current = current_terms()
    if current is None:
        return []
    stale = (
        _stale_states(current)
        .filter(camera__recorder__site__owner__memberships__user=user)
        .values("camera__recorder__site__owner_id")
    )
    return list(Owner.objects.filter(pk__in=stale).order_by("name"))


def records_of(*, owner: Owner) -> QuerySet[ConsentRecord]:
    return (
        ConsentRecord.objects.filter(owner=owner)
        .select_related("terms")
        .prefetch_related("cameras")
        .order_by("-seq")
    )


def access_log_for_owner(*, owner: Owner) -> QuerySet[AccessLogEntry]:
    """Police views and exports of this owner's data or cameras."""
    return (
        AccessLogEntry.objects.filter(Q(owners=owner) | Q(cameras__recorder__site__owner=owner))
        .distinct()
        .order_by("-at", "-pk")
    )


def data_requests_open() -> QuerySet[DataSubjectRequest]:
    return DataSubjectRequest.objects.filter(status=RequestStatus.OPEN).order_by("due_at")


def owner_data_export(*, owner: Owner, viewer: Any = None) -> dict[str, Any]:
    """Everything we hold about ``owner``, with the processing history (UU PDP Pasal 7, 32).

    Other members appear by name and role only: their email and phone are their
    own data, not the owner's, so only ``viewer``'s own contact is included.
    """

    def dt(value: Any) -> str | None:
        return value.isoformat() if value else None

    members = []
    for m in owner.memberships.select_related("user"):
        member: dict[str, Any] = {
            "name": m.user.get_full_name(),
            "role": m.role,
            "since": dt(m.created_at),
        }
        if viewer is not None and m.user_id == getattr(viewer, "pk", None):
            member.update(email=m.user.email, phone=m.user.phone, you=True)
        members.append(member)
    membership_history = [
        {
            "at": dt(e.at),
            "event": e.kind,
            "member": e.subject,
            "detail": e.detail,
            "by": e.actor_name,
        }
        for e in owner_history(owner=owner)
    ]
    sites = []
    for site in owner.sites.select_related("village").prefetch_related(
        "recorders__cameras__enrolments__program"
    ):
        recorders = []
        for rec in site.recorders.all():
            cameras = []
            for cam in rec.cameras.all():
                cameras.append(
                    {
                        "id": cam.pk,
                        "name": str(cam),
                        "channel": cam.channel,
                        "latitude": str(cam.latitude),
                        "longitude": str(cam.longitude),
                        "direction": cam.direction,
                        "angle": cam.angle,
                        "range_m": cam.range_m,
                        "mount": cam.mount,
                        "zone": cam.zone,
                        "sees_public_space": cam.sees_public_space,
                        "enrolments": [
                            {
                                "program": e.program.name,
                                "state": e.state,
                                "since": dt(e.state_changed_at),
                            }
                            for e in cam.enrolments.all()
                        ],
                    }
                )
            recorders.append(
                {
                    "id": rec.pk,
                    "name": str(rec),
                    "brand": rec.brand,
                    "model": rec.model,
                    "host": rec.host,
                    "onvif_port": rec.onvif_port,
                    "rtsp_port": rec.rtsp_port,
                    "username": rec.username,
                    "password": "(tersimpan terenkripsi / stored encrypted)"
                    if rec.password
                    else "",
                    "manufacturer": rec.manufacturer,
                    "firmware": rec.firmware,
                    "serial": rec.serial,
                    "cameras": cameras,
                }
            )
        sites.append(
            {
                "id": site.pk,
                "name": site.name,
                "address": site.address,
                "village": site.village.name,
                "latitude": str(site.latitude),
                "longitude": str(site.longitude),
                "recorders": recorders,
            }
        )
    history = [
        {
            "at": dt(t.at),
            "what": f"enrolment {t.enrolment.camera_id}/{t.enrolment.program.name}",
            "camera_id": t.enrolment.camera_id,
            "program": t.enrolment.program.name,
            "from": t.from_state,
            "to": t.to_state,
            "reason": t.reason,
        }
        for t in EnrolmentTransition.objects.filter(
            enrolment__camera__recorder__site__owner=owner
        ).select_related("enrolment__program")
    ]
    records = [
        {
            "seq": r.seq,
            "receipt_id": str(r.receipt_id),
            "kind": r.kind,
            "at": dt(r.created_at),
            "signer_name": r.signer_name,
            "capacity": r.capacity,
            "authority_statement": r.authority_statement,
            "terms_version": r.terms_version,
            "terms_sha256": r.terms_sha256,
            "language": r.language,
            "ip_address": r.ip_address,
            "user_agent": r.user_agent,
            "has_drawn_signature": bool(r.signature_image),
            "record_hash": r.record_hash,
            "cameras": [
                {"camera": c.camera_label, "scopes": c.scopes, "withdrawn": c.withdrawn_scopes}
                for c in r.cameras.all()
            ],
        }
        for r in records_of(owner=owner).order_by("seq")
        if r.kind in (RecordKind.AGREEMENT, RecordKind.WITHDRAWAL)
    ]
    access = [
        {
            "at": dt(a.at),
            "officer": a.officer_name,
            "unit": a.unit_name,
            "action": a.action,
            "purpose": a.purpose,
        }
        for a in access_log_for_owner(owner=owner)
    ]
    requests = [
        {
            "kind": r.kind,
            "status": r.status,
            "details": r.details,
            "created_at": dt(r.created_at),
            "due_at": dt(r.due_at),
            "resolution": r.resolution,
        }
        for r in owner.data_requests.all()
    ]
    whatsapp = []
    if viewer is not None and getattr(viewer, "phone", None):
        whatsapp = [
            {
                "at": dt(c.at),
                "phone": c.phone,
                "opted_in": c.opted_in,
                "channel": c.channel,
                "text_version": c.text_version,
                "text": c.text,
            }
            for c in messaging_consents_of(phone=viewer.phone)
        ]
    return {
        "format": "cctv-warga/owner-data/1",
        "owner": {
            "id": owner.pk,
            "name": owner.name,
            "kind": owner.kind,
            "is_organisation": owner.is_organisation,
            "contact_phone": owner.contact_phone,
            "contact_email": owner.contact_email,
            "created_at": dt(owner.created_at),
        },
        "members": members,
        "membership_history": membership_history,
        "sites": sites,
        "consent_records": records,
        "processing_history": history,
        "police_access_log": access,
        "data_requests": requests,
        "whatsapp": whatsapp,
    }


def messaging_consents_of(*, phone: str) -> QuerySet[MessagingConsent]:
    """A phone number's WhatsApp opt-ins and opt-outs, newest first."""
    return MessagingConsent.objects.filter(phone=phone).order_by("-at", "-pk")


def messaging_opted_in(*, phone: str) -> bool:
    """Whether ``phone`` (E.164) has said yes to WhatsApp messages, and not taken it back."""
    latest = messaging_consents_of(phone=phone).only("opted_in").first()
    return bool(latest and latest.opted_in)


def messaging_opted_in_phones(*, phones: Iterable[str]) -> set[str]:
    """The numbers among ``phones`` whose latest answer is yes (one query)."""
    wanted = {p for p in phones if p}
    if not wanted:
        return set()
    latest: dict[str, bool] = {}
    for phone, opted_in in (
        MessagingConsent.objects.filter(phone__in=wanted)
        .order_by("phone", "-at", "-pk")
        .values_list("phone", "opted_in")
    ):
        latest.setdefault(phone, opted_in)
    return {phone for phone, yes in latest.items() if yes}
