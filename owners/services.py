"""Writes on owners, sites, recorders, cameras and enrolments.

Views, forms, the admin, tasks and commands call these functions; the rules
(who may move an enrolment where, what gets logged) live here only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import normalize_phone
from owners.models import (
    JOIN_STEPS,
    Camera,
    Enrolment,
    EnrolmentState,
    EnrolmentTransition,
    Invitation,
    JoinDraft,
    JoinStep,
    MemberRole,
    Membership,
    Owner,
    OwnerEvent,
    OwnerEventKind,
    OwnerKind,
    Recorder,
    Site,
)
from portal import ratelimit

S = EnrolmentState

# draft > submitted > checked > verified > connected > stickered, plus rejected
# and withdrawn. A material change (say, a new direction) sends a camera back to
# "submitted"; a rejected or withdrawn enrolment can start again as a draft.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.CHECKED, S.REJECTED, S.WITHDRAWN, S.DRAFT}),
    S.CHECKED: frozenset({S.VERIFIED, S.REJECTED, S.WITHDRAWN, S.SUBMITTED}),
    S.VERIFIED: frozenset({S.CONNECTED, S.REJECTED, S.WITHDRAWN, S.SUBMITTED}),
    S.CONNECTED: frozenset({S.STICKERED, S.VERIFIED, S.WITHDRAWN, S.SUBMITTED}),
    S.STICKERED: frozenset({S.CONNECTED, S.WITHDRAWN, S.SUBMITTED}),
    S.REJECTED: frozenset({S.DRAFT, S.SUBMITTED, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.DRAFT}),
}

# A reason is required where a person is told "no".
REASON_REQUIRED = frozenset({S.REJECTED})


class IllegalTransition(ValidationError):
    """The requested state change is not allowed from the enrolment's state."""


def enrolment_can_move(*, enrolment: Enrolment, to_state: str) -> bool:
    return to_state in ALLOWED_TRANSITIONS.get(enrolment.state, frozenset())


@transaction.atomic
def enrolment_transition(
    *, enrolment: Enrolment, to_state: str, actor: Any | None, reason: str = ""
) -> Enrolment:
    """Move ``enrolment`` to ``to_state`` and log who, when and why.

    The row is locked first so two officers clicking at once cannot both move it.
    Raises ``IllegalTransition`` with a message for the person when not allowed.
    """
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if to_state not in S.values:
        raise IllegalTransition(_("Status tujuan tidak dikenal."), code="unknown_state")
    if not enrolment_can_move(enrolment=locked, to_state=to_state):
        raise IllegalTransition(
            _("Status tidak bisa diubah dari “%(from)s” ke “%(to)s”."),
            code="illegal_transition",
            params={"from": S(locked.state).label, "to": S(to_state).label},
        )
    if to_state in REASON_REQUIRED and not reason.strip():
        raise IllegalTransition(_("Tuliskan alasannya."), code="reason_required")
    from_state = locked.state
    locked.state = to_state
    locked.state_changed_at = timezone.now()
    locked.save(update_fields=["state", "state_changed_at"])
    EnrolmentTransition.objects.create(
        enrolment=locked,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason.strip(),
    )
    enrolment.state = locked.state
    enrolment.state_changed_at = locked.state_changed_at
    return enrolment


@transaction.atomic
def enrolments_apply_check(*, recorder: Recorder, passed: bool, reason: str) -> list[Enrolment]:
    """A finished connectivity check moves the recorder's enrolments, the system acting.

    Passed: submitted -> checked. Failed: checked -> submitted, until an officer has
    verified the camera (later outages are shown to the police, not undone here).
    """
    from_state, to_state = (S.SUBMITTED, S.CHECKED) if passed else (S.CHECKED, S.SUBMITTED)
    moved = []
    for enrolment in Enrolment.objects.filter(camera__recorder=recorder, state=from_state):
        moved.append(
            enrolment_transition(enrolment=enrolment, to_state=to_state, actor=None, reason=reason)
        )
    return moved


# --- joining wizard -----------------------------------------------------------------


def _advance(draft: JoinDraft, done: str) -> None:
    following = JOIN_STEPS[min(JOIN_STEPS.index(done) + 1, len(JOIN_STEPS) - 1)]
    if JOIN_STEPS.index(following) > JOIN_STEPS.index(draft.reached):
        draft.reached = following
    draft.save()


def join_draft_open(*, user: Any, program: Any) -> JoinDraft:
    """The user's unfinished draft for ``program``, or a new one."""
    draft = JoinDraft.objects.filter(user=user, program=program, submitted_at__isnull=True).first()
    if draft is None:
        draft = JoinDraft.objects.create(user=user, program=program)
    return draft


@transaction.atomic
def join_site_save(
    *,
    draft: JoinDraft,
    owner_kind: str,
    owner_name: str,
    site_name: str,
    address: str,
    village: Any,
    latitude: Decimal,
    longitude: Decimal,
    existing_owner: Owner | None = None,
) -> Site:
    """Save the draft's site. ``existing_owner`` (one the user administers) receives the
    site instead of a new owner, and keeps its name and kind."""
    owner = draft.owner
    if owner is None and existing_owner is not None:
        if not Membership.objects.filter(
            owner=existing_owner, user=draft.user, role=MemberRole.ADMIN
        ).exists():
            raise ValidationError(_("Anda bukan pengelola pemilik ini."), code="not_admin")
        owner = draft.owner = existing_owner
    elif owner is None:
        owner = Owner.objects.create(
            kind=owner_kind,
            name=owner_name,
            is_organisation=owner_kind != OwnerKind.RESIDENT,
            contact_phone=draft.user.phone or "",
            contact_email=draft.user.email or "",
        )
        Membership.objects.create(owner=owner, user=draft.user, role=MemberRole.ADMIN)
        draft.owner = owner
    elif existing_owner is None and owner_name:
        owner.kind, owner.name = owner_kind, owner_name
        owner.is_organisation = owner_kind != OwnerKind.RESIDENT
        owner.save(update_fields=["kind", "name", "is_organisation"])
    site = draft.site or Site(owner=owner)
    site.name, site.address, site.village = site_name, address, village
    site.latitude, site.longitude = latitude, longitude
    site.full_clean()
    site.save()
    draft.site = site
    _advance(draft, JoinStep.SITE)
    return site


@transaction.atomic
def join_recorder_save(
    *, draft: JoinDraft, fields: dict[str, Any], password: str | None
) -> Recorder:
    """Save the recorder; ``password`` None or "" keeps the stored one (write-only)."""
    if draft.site is None:
        raise ValidationError(_("Isi lokasi terlebih dahulu."), code="no_site")
    recorder = draft.recorder or Recorder(site=draft.site)
    for name, value in fields.items():
        setattr(recorder, name, value)
    if password:
        recorder.password = password
    recorder.full_clean()
    recorder.save()
    draft.recorder = recorder
    _advance(draft, JoinStep.RECORDER)
    return recorder


def join_check_done(*, draft: JoinDraft) -> None:
    """The person has seen the check (passed or not); the cameras come next."""
    _advance(draft, JoinStep.CHECK)


@transaction.atomic
def join_cameras_save(*, draft: JoinDraft, cameras: list[dict[str, Any]]) -> list[Camera]:
    """Replace the draft's cameras with ``cameras`` (channel, name, direction, angle, ...).

    Cameras already enrolled beyond draft keep their rows; removed channels of a
    draft are deleted. Each camera gets a draft enrolment in the program.
    """
    recorder = draft.recorder
    if recorder is None:
        raise ValidationError(_("Isi data perekam terlebih dahulu."), code="no_recorder")
    channels = [c["channel"] for c in cameras]
    if len(channels) != len(set(channels)):
        raise ValidationError(
            _("Setiap kanal hanya boleh dipakai satu kamera."), code="duplicate_channel"
        )
    if not cameras:
        raise ValidationError(_("Tambahkan setidaknya satu kamera."), code="no_cameras")
    recorder.cameras.exclude(channel__in=channels).filter(
        enrolments__state=EnrolmentState.DRAFT
    ).delete()
    saved = []
    for data in cameras:
        camera = recorder.cameras.filter(channel=data["channel"]).first() or Camera(
            recorder=recorder
        )
        for name, value in data.items():
            setattr(camera, name, value)
        camera.full_clean()
        camera.save()
        Enrolment.objects.get_or_create(camera=camera, program=draft.program)
        saved.append(camera)
    _advance(draft, JoinStep.CAMERAS)
    return saved


def join_consent_done(*, draft: JoinDraft) -> None:
    _advance(draft, JoinStep.CONSENT)


def enrolments_submit(*, enrolments: list[Enrolment], actor: Any, reason: str) -> list[Enrolment]:
    """Move draft ``enrolments`` to submitted (the police queue), logging ``actor``."""
    for enrolment in enrolments:
        enrolment_transition(
            enrolment=enrolment, to_state=EnrolmentState.SUBMITTED, actor=actor, reason=reason
        )
    return enrolments


@transaction.atomic
def join_draft_submit(*, draft: JoinDraft) -> list[Enrolment]:
    """Submit every draft enrolment of the draft's cameras. A second submit changes nothing.

    The wizard calls this through ``joining.services.join_submit``, which also
    queues a connectivity check.
    """
    locked = JoinDraft.objects.select_for_update().get(pk=draft.pk)
    if locked.submitted_at is not None:
        return []
    if locked.recorder is None:
        raise ValidationError(
            _("Belum ada perekam dan kamera untuk dikirim."), code="nothing_to_submit"
        )
    enrolments = list(
        Enrolment.objects.filter(
            camera__recorder=locked.recorder, program=locked.program, state=EnrolmentState.DRAFT
        )
    )
    if not enrolments:
        raise ValidationError(_("Belum ada kamera untuk dikirim."), code="nothing_to_submit")
    enrolments_submit(enrolments=enrolments, actor=locked.user, reason="dikirim pemilik")
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["submitted_at", "updated_at"])
    draft.submitted_at = locked.submitted_at
    return enrolments


# --- owner dashboard: editing cameras, members --------------------------------------


@transaction.atomic
def owner_delete(*, owner: Owner) -> None:
    """Delete ``owner`` with its sites, recorders, cameras, enrolments and memberships.

    Consent records keep their evidence (their links become empty); the caller
    (``consent.services.account_delete``) has withdrawn consent first.
    """
    Site.objects.filter(owner=owner).delete()
    owner.delete()


# Changing these moves an accepted camera back to verification.
MATERIAL_FIELDS = ("latitude", "longitude", "direction", "angle", "range_m", "sees_public_space")
REVIEWED_STATES = (S.CHECKED, S.VERIFIED, S.CONNECTED, S.STICKERED)


@transaction.atomic
def camera_update(*, camera: Camera, data: dict[str, Any], actor: Any) -> list[str]:
    """Save ``data`` on ``camera``; a material change sends reviewed enrolments back.

    Returns the names of the material fields that changed.
    """
    # Compare with the stored row: a bound ModelForm has already changed ``camera``.
    stored = Camera.objects.select_for_update().get(pk=camera.pk)
    before = {name: getattr(stored, name) for name in MATERIAL_FIELDS}
    for name, value in data.items():
        setattr(camera, name, value)
    camera.full_clean()
    camera.save()
    changed = [name for name in MATERIAL_FIELDS if getattr(camera, name) != before[name]]
    if changed:
        labels = ", ".join(
            str(getattr(Camera._meta.get_field(name), "verbose_name", name)) for name in changed
        )
        for enrolment in camera.enrolments.filter(state__in=REVIEWED_STATES):
            enrolment_transition(
                enrolment=enrolment,
                to_state=S.SUBMITTED,
                actor=actor,
                reason=f"perubahan oleh pemilik: {labels}",
            )
    return changed


# --- members and invitations ---------------------------------------------------------


class MembershipRefused(ValidationError):
    """The membership change cannot be made as asked; the message says why."""


def _name(user: Any) -> str:
    return (user.get_full_name() or str(user))[:150] if user is not None else ""


def _event(*, owner: Owner, kind: str, actor: Any, subject: str = "", detail: str = "") -> None:
    OwnerEvent.objects.create(
        owner=owner,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=_name(actor),
        subject=subject[:254],
        detail=detail[:200],
    )


def _is_last_admin(membership: Membership) -> bool:
    return (
        membership.role == MemberRole.ADMIN
        and not Membership.objects.filter(owner_id=membership.owner_id, role=MemberRole.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def member_invite(*, owner: Owner, contact: str, role: str, invited_by: Any) -> Invitation:
    """Invite someone by email or phone. Always an invitation, never a membership.

    The answer is the same whether or not the contact has an account, so the
    form cannot be used to look accounts up; membership begins only when the
    invited person accepts (``invitation_accept``). Raises ``RateLimitExceeded``
    past ``INVITATION_RATE_LIMIT`` invitations per inviter per
    ``INVITATION_RATE_WINDOW`` seconds.
    """
    if role not in MemberRole.values:
        raise ValidationError(_("Peran tidak dikenal."), code="unknown_role")
    contact = contact.strip()
    if "@" in contact:
        email, phone = contact.lower(), ""
    else:
        email, phone = "", normalize_phone(contact)
    ratelimit.hit(
        f"invite:{getattr(invited_by, 'pk', None)}",
        limit=settings.INVITATION_RATE_LIMIT,
        window=settings.INVITATION_RATE_WINDOW,
        scope="invite",
    )
    with transaction.atomic():
        pending = Invitation.objects.filter(
            owner=owner, email=email, phone=phone, accepted_at__isnull=True
        ).first()
        if pending is not None:
            if pending.role != role:
                pending.role = role
                pending.save(update_fields=["role"])
            return pending
        invitation = Invitation.objects.create(
            owner=owner, email=email, phone=phone, role=role, invited_by=invited_by
        )
        _event(
            owner=owner,
            kind=OwnerEventKind.INVITED,
            actor=invited_by,
            subject=email or phone,
            detail=str(MemberRole(role).label),
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    membership, created = Membership.objects.get_or_create(
        owner=locked.owner, user=user, defaults={"role": locked.role}
    )
    if locked.accepted_at is None:
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
    if created:
        _event(
            owner=locked.owner,
            kind=OwnerEventKind.JOINED,
            actor=user,
            subject=_name(user),
            detail=str(MemberRole(membership.role).label),
        )
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user: Any) -> None:
    """The invited person says no; the invitation goes, the history keeps the fact."""
    _event(
        owner=invitation.owner,
        kind=OwnerEventKind.INVITATION_DECLINED,
        actor=user,
        subject=invitation.email or invitation.phone,
    )
    invitation.delete()


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor: Any) -> None:
    """An admin of the owner withdraws an open invitation."""
    _event(
        owner=invitation.owner,
        kind=OwnerEventKind.INVITATION_CANCELLED,
        actor=actor,
        subject=invitation.email or invitation.phone,
    )
    invitation.delete()


@transaction.atomic
def member_role_change(*, membership: Membership, role: str, actor: Any) -> Membership:
    """An admin changes a member's role; the last admin cannot be demoted."""
    if role not in MemberRole.values:
        raise MembershipRefused(_("Peran tidak dikenal."), code="unknown_role")
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == role:
        return locked
    if role != MemberRole.ADMIN and _is_last_admin(locked):
        raise MembershipRefused(
            _(
                "Pemilik harus punya setidaknya satu pengelola. "
                "Jadikan anggota lain pengelola dulu."
            ),
            code="last_admin",
        )
    before = locked.get_role_display()
    locked.role = role
    locked.save(update_fields=["role"])
    _event(
        owner=locked.owner,
        kind=OwnerEventKind.ROLE_CHANGED,
        actor=actor,
        subject=_name(locked.user),
        detail=f"{before} → {locked.get_role_display()}",
    )
    return locked


@transaction.atomic
def member_remove(*, membership: Membership, actor: Any) -> None:
    """An admin removes a member (or a member leaves); never the owner's last admin."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if _is_last_admin(locked):
        raise MembershipRefused(
            _(
                "Pengelola terakhir tidak bisa keluar atau dikeluarkan. Jadikan anggota lain "
                "pengelola dulu, atau hapus akun pemilik."
            ),
            code="last_admin",
        )
    leaving = getattr(actor, "pk", None) == locked.user_id
    _event(
        owner=locked.owner,
        kind=OwnerEventKind.LEFT if leaving else OwnerEventKind.REMOVED,
        actor=actor,
        subject=_name(locked.user),
    )
    locked.delete()


@transaction.atomic
def memberships_release(*, user: Any) -> list[Owner]:
    """On account deletion: leave every owner the user does not hold up as its last admin.

    Returns the owners where the user stays, being their last admin.
    """
    kept = []
    for membership in Membership.objects.select_for_update().filter(user=user):
        if _is_last_admin(membership):
            kept.append(membership.owner)
        else:
            _event(
                owner=membership.owner, kind=OwnerEventKind.LEFT, actor=user, subject=_name(user)
            )
            membership.delete()
    return kept
