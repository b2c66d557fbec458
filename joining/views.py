"""The joining wizard: site > recorder > check > cameras > consent > review.

Every step saves what it has, so back and forward lose nothing and a draft
resumes on any device. Drafts are reachable only by the person who started them.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from connectivity import selectors as check_selectors
from connectivity import services as check_services
from connectivity.brands import brand_profile
from connectivity.explanations import explain
from consent import selectors as consent_selectors
from joining import services as joining_services
from joining.forms import MAX_CHANNELS, JoinCameraFormSet, JoinRecorderForm, JoinSiteForm
from owners import selectors, services
from owners.models import JOIN_STEPS, JoinDraft, JoinStep, OwnerKind, Recorder, RecorderBrand
from police.models import Program, ProgramStatus
from portal import netguard
from portal.formsets import formset_oversized


def _step_url(draft: JoinDraft, step: str) -> HttpResponse:
    return redirect("joining:step", draft_id=draft.pk, step=step)


def _render(
    request: HttpRequest, draft: JoinDraft, step: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    steps = [(value, JoinStep(value).label, draft.can_open(value)) for value in JOIN_STEPS]
    return render(
        request,
        f"owners/join/{step}.html",
        {
            "draft": draft,
            "step": step,
            "steps": steps,
            "step_number": JOIN_STEPS.index(step) + 1,
            "step_count": len(JOIN_STEPS),
            **context,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_start(request: HttpRequest) -> HttpResponse:
    programs = (
        Program.objects.filter(status=ProgramStatus.ACTIVE).select_related("unit").order_by("name")
    )
    if request.method == "POST":
        program = programs.filter(slug=request.POST.get("program", "")).first()
        if program is None:
            messages.error(request, _("Pilih salah satu program."))
        else:
            draft = services.join_draft_open(user=request.user, program=program)
            return _step_url(draft, draft.reached)
    drafts = selectors.join_drafts_of(request.user).filter(submitted_at__isnull=True)
    return render(
        request,
        "owners/join/start.html",
        {"programs": programs, "drafts": drafts, "preselected": request.GET.get("program", "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_step(request: HttpRequest, draft_id: int, step: str) -> HttpResponse:
    draft = get_object_or_404(selectors.join_drafts_of(request.user), pk=draft_id)
    if step not in JOIN_STEPS:
        raise Http404
    if draft.submitted_at is not None:
        return redirect("owners:dashboard")
    if not draft.can_open(step):
        return _step_url(draft, draft.reached)
    handler = STEP_HANDLERS[JoinStep(step)]
    return handler(request, draft)


def _site_step(request: HttpRequest, draft: JoinDraft) -> HttpResponse:
    villages = selectors.villages_of_program(program=draft.program)
    owners = (
        selectors.owners_administered_by(request.user).order_by("name")
        if draft.owner is None
        else None
    )
    if request.method == "POST":
        form = JoinSiteForm(request.POST, villages=villages, owners=owners)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.join_site_save(
                    draft=draft,
                    existing_owner=data.get("existing_owner"),
                    owner_kind=data["owner_kind"],
                    owner_name=data["owner_name"],
                    site_name=data["site_name"],
                    address=data["address"],
                    village=data["village"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                return _step_url(draft, JoinStep.RECORDER)
        status = 400
    else:
        site, owner = draft.site, draft.owner
        initial: dict[str, Any] = {
            "existing_owner": owners.first() if owners is not None else None,
            "owner_kind": owner.kind if owner else OwnerKind.RESIDENT,
            "owner_name": owner.name if owner else request.user.get_full_name(),  # type: ignore[union-attr]
        }
        if site is not None:
            initial.update(
                site_name=site.name,
                address=site.address,
                latitude=site.latitude,
                longitude=site.longitude,
                village=site.village_id,
            )
        form = JoinSiteForm(initial=initial, villages=villages, owners=owners)
        status = 200
    area = draft.program.area.exclude(latitude__isnull=True).first()
    center = [float(area.latitude), float(area.longitude)] if area else [-6.2, 106.8]  # type: ignore[arg-type]
    return _render(
        request, draft, JoinStep.SITE, {"form": form, "map_center": json.dumps(center)}, status
    )


def _brand_defaults() -> str:
    return json.dumps(
        {
            key: {
                "onvif_port": brand_profile(key).onvif_port,
                "rtsp_port": brand_profile(key).rtsp_port,
                "help": str(brand_profile(key).help_text),
            }
            for key, _label in RecorderBrand.choices
        }
    )


def _recorder_step(request: HttpRequest, draft: JoinDraft) -> HttpResponse:
    instance = draft.recorder or Recorder(site=draft.site)
    if request.method == "POST":
        form = JoinRecorderForm(request.POST, instance=instance)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in JoinRecorderForm.Meta.fields}
            try:
                services.join_recorder_save(
                    draft=draft, fields=fields, password=form.cleaned_data.get("new_password")
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                return _step_url(draft, JoinStep.CHECK)
        status = 400
    else:
        form = JoinRecorderForm(instance=instance)
        status = 200
    return _render(
        request,
        draft,
        JoinStep.RECORDER,
        {
            "form": form,
            "brand_defaults": _brand_defaults(),
            "has_password": bool(draft.recorder and draft.recorder.password),
        },
        status,
    )


def _check_step(request: HttpRequest, draft: JoinDraft) -> HttpResponse:
    recorder = draft.recorder
    if recorder is None:
        return _step_url(draft, JoinStep.RECORDER)
    if request.method == "POST":
        if request.POST.get("action") == "next":
            services.join_check_done(draft=draft)
            return _step_url(draft, JoinStep.CAMERAS)
        try:
            check_services.check_start(recorder=recorder, user=request.user)
        except netguard.RateLimited:
            messages.error(request, str(explain("rate_limited")["text"]))
        return _step_url(draft, JoinStep.CHECK)
    check = check_selectors.check_latest(recorder=recorder)
    context = {
        "recorder": recorder,
        "check": check,
        "explanation": explain(check.result_code, check.detail)
        if check is not None and check.finished
        else None,
        "poll_seconds": 1,
    }
    if request.GET.get("partial") == "result":
        # The HTMX poll: only the result part, until the check has finished.
        return render(request, "owners/join/check.html#result", {"draft": draft, **context})
    return _render(request, draft, JoinStep.CHECK, context)


def _cameras_step(request: HttpRequest, draft: JoinDraft) -> HttpResponse:
    recorder = draft.recorder
    if recorder is None or draft.site is None:
        return _step_url(draft, JoinStep.RECORDER)
    if request.method == "POST":
        if formset_oversized(request.POST, prefix="cam", formset=JoinCameraFormSet):
            return HttpResponse(
                _("Paling banyak %(count)s kamera per perekam.") % {"count": MAX_CHANNELS},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        formset = JoinCameraFormSet(request.POST, prefix="cam")
        if formset.is_valid():
            rows = [
                {
                    **form.cleaned_data,
                    "latitude": draft.site.latitude,
                    "longitude": draft.site.longitude,
                }
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            for row in rows:
                row.pop("DELETE", None)
                row["name"] = row["name"] or _("Kamera %(channel)s") % {"channel": row["channel"]}
            try:
                services.join_cameras_save(draft=draft, cameras=rows)
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)  # type: ignore[attr-defined]
            else:
                return _step_url(draft, JoinStep.CONSENT)
        status = 400
    else:
        existing = list(
            recorder.cameras.order_by("channel").values(
                "channel", "name", "direction", "angle", "sees_public_space"
            )
        )
        if not existing:
            # Pre-fill only the channels the recorder reported (one when it did not say):
            # a row the owner did not mean to add would become a phantom camera.
            count = max(1, min(recorder.channel_count or 1, MAX_CHANNELS))
            existing = [
                {"channel": n, "name": "", "direction": 0, "angle": 90, "sees_public_space": True}
                for n in range(1, count + 1)
            ]
        formset = JoinCameraFormSet(initial=existing, prefix="cam")
        status = 200
    return _render(
        request,
        draft,
        JoinStep.CAMERAS,
        {
            "formset": formset,
            "site": draft.site,
            "map_center": json.dumps([float(draft.site.latitude), float(draft.site.longitude)]),
        },
        status,
    )


def _consent_step(request: HttpRequest, draft: JoinDraft) -> HttpResponse:
    if draft.recorder is None or draft.owner is None:
        return _step_url(draft, JoinStep.RECORDER)
    cameras = draft.recorder.cameras.order_by("channel")
    in_force = consent_selectors.scopes_in_force(cameras=cameras)
    if request.method == "POST":
        if not any(in_force.values()):
            messages.error(request, _("Tanda tangani persetujuan terlebih dahulu."))
        else:
            services.join_consent_done(draft=draft)
            return _step_url(draft, JoinStep.REVIEW)
    rows = [(camera, sorted(in_force.get(camera.pk, set()))) for camera in cameras]
    return _render(request, draft, JoinStep.CONSENT, {"rows": rows, "owner": draft.owner})


def _review_step(request: HttpRequest, draft: JoinDraft) -> HttpResponse:
    recorder = draft.recorder
    if request.method == "POST":
        try:
            submitted = joining_services.join_submit(draft=draft, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _step_url(draft, JoinStep.REVIEW)
        messages.success(
            request,
            _("Terima kasih! %(count)s kamera dikirim ke antrean verifikasi polisi.")
            % {"count": len(submitted)},
        )
        return redirect("owners:dashboard")
    cameras = recorder.cameras.order_by("channel") if recorder else []
    check = check_selectors.check_latest(recorder=recorder) if recorder else None
    return _render(request, draft, JoinStep.REVIEW, {"cameras": cameras, "check": check})


def _attach(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


STEP_HANDLERS = {
    JoinStep.SITE: _site_step,
    JoinStep.RECORDER: _recorder_step,
    JoinStep.CHECK: _check_step,
    JoinStep.CAMERAS: _cameras_step,
    JoinStep.CONSENT: _consent_step,
    JoinStep.REVIEW: _review_step,
}
