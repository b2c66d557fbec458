"""DEMO DATA ONLY: the agreements the generated demo owners would have signed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from consent.models import ConsentRecord, RecordKind, SignerCapacity
from consent.selectors import current_terms
from consent.services import chain_append_many
from owners.models import Camera, Enrolment, EnrolmentState, Owner

#: Owners created by ``demo.seed`` (contact e-mail ``demo-owner-N@demo.cctvwarga.id``,
#: no members); demo agreements are written for them only, never for real owners.
DEMO_OWNER_EMAIL = r"^demo-owner-[0-9]+@demo\.cctvwarga\.id$"


def demo_owners() -> QuerySet[Owner]:
    return Owner.objects.filter(contact_email__regex=DEMO_OWNER_EMAIL, memberships__isnull=True)


def demo_agreements_ensure(*, owners: QuerySet[Owner], batch: int = 500) -> int:
    """DEMO DATA ONLY: write the agreements generated demo owners would have signed.

    Cameras in the verification pipeline get (a) (verified ones also (b) and (d), so
    the Command Center has cameras to connect);
    connected ones also (c) and (d); every third camera (e). Cameras whose only
    enrolment is withdrawn get an agreement followed by a withdrawal. Owners
    that already have a record are skipped, so a second run adds nothing. Never
    call this for real owners.
    """
    terms = current_terms()
    if terms is None:
        return 0
    pipeline: dict[str, str] = {
        EnrolmentState.SUBMITTED: "a",
        EnrolmentState.CHECKED: "a",
        EnrolmentState.VERIFIED: "abd",
        EnrolmentState.CONNECTED: "abcd",
        EnrolmentState.STICKERED: "abcd",
        EnrolmentState.WITHDRAWN: "a",
    }
    todo = list(
        owners.exclude(pk__in=ConsentRecord.objects.values("owner_ref"))
        .order_by("pk")
        .values_list("pk", "name", "is_organisation")
    )
    added = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        states: dict[int, set[str]] = {}
        for camera_id, state in Enrolment.objects.filter(
            camera__recorder__site__owner__in=[o[0] for o in chunk]
        ).values_list("camera_id", "state"):
            states.setdefault(camera_id, set()).add(state)
        cameras_of: dict[int, list[tuple[int, str]]] = {}
        for camera_id, owner_id, site_name, name, channel in (
            Camera.objects.filter(recorder__site__owner__in=[o[0] for o in chunk])
            .order_by("pk")
            .values_list(
                "pk", "recorder__site__owner_id", "recorder__site__name", "name", "channel"
            )
        ):
            label = f"{site_name} / {name or f'Kamera {channel}'}"[:200]
            cameras_of.setdefault(owner_id, []).append((camera_id, label))
        items: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for owner_id, owner_name, is_org in chunk:
            common = {
                "owner_id": owner_id,
                "owner_ref": owner_id,
                "owner_name": owner_name,
                "signer_name": owner_name[:150],
            }
            groups: dict[str, list[dict[str, Any]]] = {}
            withdrawn: list[dict[str, Any]] = []
            for camera_id, label in cameras_of.get(owner_id, []):
                camera_states = states.get(camera_id, set())
                scopes = {s for st in camera_states for s in pipeline.get(st, "")}
                if not scopes:
                    continue
                if camera_id % 3 == 0:
                    scopes.add("e")
                code = "".join(sorted(scopes))
                entry = {"camera_id": camera_id, "camera_ref": camera_id, "camera_label": label}
                groups.setdefault(code, []).append({**entry, "scopes": code})
                if camera_states == {EnrolmentState.WITHDRAWN}:
                    withdrawn.append({**entry, "scopes": "", "withdrawn_scopes": code})
            for _code, group in sorted(groups.items()):
                items.append(
                    (
                        {
                            **common,
                            "kind": RecordKind.AGREEMENT,
                            "capacity": SignerCapacity.REPRESENTATIVE
                            if is_org
                            else SignerCapacity.OWNER,
                            "authority_statement": "Data demo." if is_org else "",
                            "terms": terms,
                            "terms_version": terms.version,
                            "terms_sha256": terms.text_sha256,
                            "language": "id",
                            "user_agent": "seed_demo",
                        },
                        group,
                    )
                )
            if withdrawn:
                items.append(
                    ({**common, "kind": RecordKind.WITHDRAWAL, "reason": "Data demo."}, withdrawn)
                )
        with transaction.atomic():
            chain_append_many(items=items)
        added += len(items)
    return added
