"""The append-only, hash-chained consent log.

Every write to the chain goes through ``chain_append_many``, which locks the
chain head (one row, ``SELECT ... FOR UPDATE``) so two signatures at the same
moment cannot both link to the same previous record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.models import ChainHead, ConsentRecord, ConsentState, RecordCamera, TermsVersion
from owners.models import Camera

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_payload(record: ConsentRecord, cameras: Iterable[RecordCamera]) -> dict[str, Any]:
    """Everything the hash covers: the evidence columns and the cameras."""
    return {
        "seq": record.seq,
        "receipt_id": str(record.receipt_id),
        "kind": record.kind,
        "created_at": record.created_at.astimezone(UTC).isoformat(),
        "owner_ref": record.owner_ref,
        "owner_name": record.owner_name,
        "actor_ref": record.actor_ref,
        "signer_name": record.signer_name,
        "capacity": record.capacity,
        "authority_statement": record.authority_statement,
        "terms_version": record.terms_version,
        "terms_sha256": record.terms_sha256,
        "language": record.language,
        "ip_address": record.ip_address or "",
        "user_agent": record.user_agent,
        "signature_sha256": hashlib.sha256(record.signature_image.encode()).hexdigest()
        if record.signature_image
        else "",
        "reason": record.reason,
        "cameras": [
            {
                "camera_ref": c.camera_ref,
                "label": c.camera_label,
                "scopes": c.scopes,
                "withdrawn_scopes": c.withdrawn_scopes,
            }
            for c in sorted(cameras, key=lambda c: c.camera_ref)
        ],
    }


def record_hash(*, prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(payload)}".encode()).hexdigest()


def chain_head_lock() -> ChainHead:
    """Lock the singleton head row; every append waits here for the one before it.

    On PostgreSQL this is SELECT ... FOR UPDATE; SQLite ignores it but its
    IMMEDIATE transactions (settings) already let one writer in at a time.
    """
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(pk=1)
        except IntegrityError:
            pass  # another process created it first
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def chain_append(*, fields: dict[str, Any], cameras: list[dict[str, Any]]) -> ConsentRecord:
    """Append one record; the caller holds a transaction."""
    return chain_append_many(items=[(fields, cameras)])[0]


def chain_append_many(
    *, items: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> list[ConsentRecord]:
    """Append records in order under one lock of the head; the caller holds a transaction."""
    head = chain_head_lock()
    now = timezone.now()
    prev, seq = head.last_hash, head.length
    built: list[tuple[ConsentRecord, list[RecordCamera]]] = []
    for fields, cameras in items:
        seq += 1
        record = ConsentRecord(seq=seq, created_at=now, prev_hash=prev, **fields)
        entries = [RecordCamera(record=record, **c) for c in cameras]
        record.record_hash = record_hash(prev_hash=prev, payload=record_payload(record, entries))
        prev = record.record_hash
        built.append((record, entries))
    records = ConsentRecord.objects.bulk_create([r for r, _e in built], batch_size=500)
    entries_all = []
    for record, entries in zip(records, (e for _r, e in built), strict=True):
        for entry in entries:
            entry.record = record
            entries_all.append(entry)
    RecordCamera.objects.bulk_create(entries_all, batch_size=2000)
    latest = {e.camera_id: e for e in entries_all if e.camera_id is not None}
    ConsentState.objects.bulk_create(
        [
            ConsentState(camera_id=camera_id, scopes=e.scopes, record=e.record)
            for camera_id, e in latest.items()
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["camera"],
        update_fields=["scopes", "record"],
    )
    head.length, head.last_hash = seq, prev
    head.save(update_fields=["length", "last_hash"])
    return records


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_receipt: str = ""
    problem: str = ""


def chain_verify() -> ChainReport:
    """Follow the chain from the first record; report the first one that does not hold."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    terms_hashes: dict[int, str] = {}
    in_force: dict[int, tuple[str, ConsentRecord]] = {}
    records = ConsentRecord.objects.order_by("seq").prefetch_related("cameras")
    for record in records.iterator(chunk_size=500):

        def broken(
            problem: str, record: ConsentRecord = record, checked: int = checked
        ) -> ChainReport:
            return ChainReport(False, checked, record.seq, str(record.receipt_id), problem)

        if record.seq != expected_seq:
            return broken(f"expected record #{expected_seq}, found #{record.seq} (missing record)")
        if record.prev_hash != prev:
            return broken("prev_hash does not match the previous record's hash")
        cameras = list(record.cameras.all())
        if record_hash(prev_hash=prev, payload=record_payload(record, cameras)) != (
            record.record_hash
        ):
            return broken("record content does not match its hash")
        for c in cameras:
            if c.camera_id is not None and c.camera_id != c.camera_ref:
                return broken(f"camera link changed ({c.camera_ref} → {c.camera_id})")
        if record.owner_id is not None and record.owner_id != record.owner_ref:
            return broken("owner link changed")
        if record.terms_id is not None:
            if record.terms_id not in terms_hashes:
                terms = TermsVersion.objects.get(pk=record.terms_id)
                terms_hashes[record.terms_id] = (
                    terms.text_sha256 if terms.compute_sha256() == terms.text_sha256 else "!"
                )
            if terms_hashes[record.terms_id] != record.terms_sha256:
                return broken("the signed terms text no longer matches its hash")
        for c in cameras:
            in_force[c.camera_ref] = (c.scopes, record)
        prev = record.record_hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if checked and (head is None or head.length != checked or head.last_hash != prev):
        return ChainReport(
            False, checked, checked + 1, "", "records after the last one are missing"
        )
    return _verify_scopes_in_force(in_force=in_force, checked=checked)


def _verify_scopes_in_force(
    *, in_force: dict[int, tuple[str, ConsentRecord]], checked: int
) -> ChainReport:
    """The derived table police lists read must equal a replay of the chain."""
    for state in ConsentState.objects.select_related("record").order_by("camera_id"):
        expected = in_force.get(state.camera_id)
        if expected is None or (expected[0], expected[1].pk) != (state.scopes, state.record_id):
            culprit = expected[1] if expected else state.record
            return ChainReport(
                False,
                checked,
                culprit.seq,
                str(culprit.receipt_id),
                f"scopes in force for camera {state.camera_id} do not match the chain",
            )
    stored = set(ConsentState.objects.values_list("camera_id", flat=True))
    existing = set(Camera.objects.filter(pk__in=list(in_force)).values_list("pk", flat=True))
    missing = sorted(pk for pk in existing - stored if in_force[pk][0])
    if missing:
        culprit = in_force[missing[0]][1]
        return ChainReport(
            False,
            checked,
            culprit.seq,
            str(culprit.receipt_id),
            f"scopes in force for camera {missing[0]} are missing",
        )
    return ChainReport(True, checked)
