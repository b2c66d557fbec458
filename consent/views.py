"""Owner-facing consent pages, receipts, "my data", and the staff request list.

Every queryset starts from ``owners.selectors``: an owner is found through the
user's memberships, so another owner's page is a 404, and police accounts
(which reach owners only through a jurisdiction) never see these pages.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent import selectors, services
from consent.forms import (
    CloseRequestForm,
    CorrectionForm,
    DeleteAccountForm,
    SignForm,
    WithdrawForm,
)
from consent.models import (
    DEFAULT_SCOPES,
    SCOPE_POLICE_MAY,
    AccessAction,
    ConsentRecord,
    DataSubjectRequest,
    RecordKind,
    RequestKind,
    SignerCapacity,
    TermsVersion,
)
from consent.receipts import qr_svg_data_uri, receipt_fields, receipt_pdf_kept
from owners import selectors as owner_selectors
from owners.models import Camera, EnrolmentState, Owner
from police.jurisdiction import is_police_staff


def _owner(request: HttpRequest, owner_id: int) -> Owner:
    return get_object_or_404(owner_selectors.owners_member_of(request.user), pk=owner_id)


def _client(request: HttpRequest) -> dict[str, Any]:
    return {
        "ip_address": request.META.get("REMOTE_ADDR"),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def _language(request: HttpRequest | None = None) -> str:
    """The language the terms are shown in: ``?bahasa=en|id`` or the page language."""
    if request is not None:
        chosen = request.POST.get("bahasa") or request.GET.get("bahasa")
        if chosen in ("id", "en"):
            return chosen
    return "en" if (get_language() or "id").startswith("en") else "id"


def _safe_next(request: HttpRequest) -> str:
    """A same-site path to continue to after signing (the joining wizard passes one)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@require_http_methods(["GET", "HEAD"])
def scopes_public(request: HttpRequest) -> HttpResponse:
    """Public: the five sharing scopes of the terms in force and what each lets police do.

    Readable before sign-up, so nobody has to create an account to learn what the
    police would see.
    """
    language = _language(request)
    terms = selectors.current_terms()
    scopes = []
    if terms is not None:
        for scope in terms.scopes.all():
            scopes.append(
                {
                    "code": scope.scope,
                    "label": scope.get_scope_display(),
                    "police_may": SCOPE_POLICE_MAY.get(scope.scope, ""),
                    "default": scope.scope in DEFAULT_SCOPES,
                    **scope.text(language),
                }
            )
    title, body = terms.text(language) if terms is not None else ("", "")
    return render(
        request,
        "consent/scopes_public.html",
        {"terms": terms, "title": title, "body": body, "scopes": scopes, "language": language},
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    owners = list(owner_selectors.owners_member_of(request.user))
    if len(owners) == 1:
        return redirect("consent:overview", owner_id=owners[0].pk)
    return render(request, "consent/index.html", {"owners": owners})


@login_required
def overview(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    rows = selectors.camera_consents(owner=owner)
    return render(
        request,
        "consent/overview.html",
        {
            "owner": owner,
            "rows": rows,
            "needs_reconsent": any(r["needs_reconsent"] for r in rows),
            "records": selectors.records_of(owner=owner)[:50],
            "current": selectors.current_terms(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    terms = selectors.current_terms()
    if terms is None:
        messages.error(request, _("Belum ada syarat persetujuan yang terbit."))
        return redirect("consent:overview", owner_id=owner.pk)
    cameras = owner_selectors.cameras_editable_by(request.user).filter(recorder__site__owner=owner)
    language = _language(request)
    if request.method == "POST":
        form = SignForm(request.POST, cameras=cameras, terms=terms)
        if form.is_valid():
            signed = TermsVersion.objects.filter(pk=form.cleaned_data["terms"]).first()
            try:
                if signed is None:
                    raise services.SigningRefused(str(services.NOT_CURRENT_MESSAGE))
                record = services.agreement_sign(
                    owner=owner,
                    user=request.user,
                    terms=signed,
                    cameras=form.cleaned_data["cameras"],
                    scopes=form.cleaned_data["scopes"],
                    signer_name=form.cleaned_data["signer_name"],
                    confirmed=form.cleaned_data["confirmed"],
                    language=language,
                    capacity=form.cleaned_data["capacity"],
                    authority_statement=form.cleaned_data["authority_statement"],
                    signature_image=form.cleaned_data["signature_image"],
                    **_client(request),
                )
            except ValidationError as e:
                form.add_error(None, _error_text(e))
            else:
                messages.success(request, _("Persetujuan tersimpan. Ini tanda terima Anda."))
                url = reverse("consent:receipt", args=[record.receipt_id])
                if next_url := _safe_next(request):
                    url += "?" + urlencode({"next": next_url})
                return redirect(url)
        status = 400
    else:
        in_force = selectors.scopes_in_force(cameras=cameras)
        previous = {s for scopes in in_force.values() for s in scopes}
        offered = set(terms.scopes.values_list("scope", flat=True))
        initial_scopes = sorted((previous or set(DEFAULT_SCOPES)) & offered)
        form = SignForm(
            initial={
                "terms": terms.pk,
                "scopes": initial_scopes,
                "cameras": list(cameras.values_list("pk", flat=True)),
                "capacity": SignerCapacity.SIGNATORY
                if owner.is_organisation
                else SignerCapacity.OWNER,
            },
            cameras=cameras,
            terms=terms,
        )
        status = 200
    title, body = terms.text(language)
    return render(
        request,
        "consent/sign.html",
        {
            "owner": owner,
            "terms": terms,
            "title": title,
            "body": body,
            "scope_texts": [(s, s.text(language)) for s in terms.scopes.all()],
            "form": form,
            "next": _safe_next(request),
            "language": language,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    cameras = Camera.objects.filter(
        pk__in=owner_selectors.cameras_editable_by(request.user).filter(recorder__site__owner=owner)
    )
    form = WithdrawForm(request.POST if request.method == "POST" else None, cameras=cameras)
    if request.method == "POST" and form.is_valid():
        chosen = None if form.cleaned_data["all_cameras"] else form.cleaned_data["cameras"]
        try:
            if chosen is not None and not chosen:
                raise services.WithdrawalRefused(_("Pilih kamera, atau pilih semua kamera."))
            record = services.consent_withdraw(
                owner=owner,
                user=request.user,
                cameras=chosen,
                reason=form.cleaned_data["reason"],
                **_client(request),
            )
        except ValidationError as e:
            form.add_error(None, _error_text(e))
        else:
            messages.success(
                request, _("Persetujuan ditarik. Kamera tidak lagi dibagikan ke polisi.")
            )
            return redirect("consent:receipt", receipt_id=record.receipt_id)
    return render(
        request,
        "consent/withdraw.html",
        {"owner": owner, "form": form, "rows": selectors.camera_consents(owner=owner)},
        status=400 if request.method == "POST" else 200,
    )


def _record(request: HttpRequest, receipt_id: UUID) -> ConsentRecord:
    return get_object_or_404(
        ConsentRecord.objects.select_related("terms").prefetch_related("cameras"),
        receipt_id=receipt_id,
        owner__in=owner_selectors.owners_member_of(request.user),
    )


@login_required
def receipt(request: HttpRequest, receipt_id: UUID) -> HttpResponse:
    record = _record(request, receipt_id)
    fields = receipt_fields(record, _language(request))
    return render(
        request,
        "consent/receipt.html",
        {
            "record": record,
            "r": fields,
            "qr": qr_svg_data_uri(fields["verification_url"]),
            "next": _safe_next(request),
        },
    )


@login_required
def receipt_download(request: HttpRequest, receipt_id: UUID) -> HttpResponse:
    record = _record(request, receipt_id)
    response = HttpResponse(
        receipt_pdf_kept(record, _language(request)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="tanda-terima-{record.receipt_id}.pdf"'
    return response


def verify(request: HttpRequest, receipt_id: UUID) -> HttpResponse:
    """Public: does this receipt's record still hold? Shows no personal data."""
    record = get_object_or_404(
        ConsentRecord.objects.prefetch_related("cameras"), receipt_id=receipt_id
    )
    payload = services.record_payload(record, record.cameras.all())
    holds = services.record_hash(prev_hash=record.prev_hash, payload=payload) == (
        record.record_hash
    )
    return render(request, "consent/verify.html", {"record": record, "holds": holds})


def _owner_rows(owner: Owner) -> list[tuple[str, Any]]:
    """The owner's own fields with their names in the page's language (not JSON keys)."""
    return [
        (_("Nama"), owner.name),
        (_("Jenis pemilik"), owner.get_kind_display()),
        (_("Badan usaha atau organisasi"), _("Ya") if owner.is_organisation else _("Tidak")),
        (_("Telepon kontak"), owner.contact_phone),
        (_("Email kontak"), owner.contact_email),
        (_("Terdaftar sejak"), owner.created_at),
    ]


def _readable(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the export for the page: states, record kinds and police actions by their names.

    The JSON download keeps the codes (``submitted``, ``agreement``), which other
    tools read.
    """
    shown = copy.deepcopy(data)
    states = dict(EnrolmentState.choices)
    kinds = dict(RecordKind.choices)
    for site in shown.get("sites", []):
        for recorder in site.get("recorders", []):
            for camera in recorder.get("cameras", []):
                for enrolment in camera.get("enrolments", []):
                    enrolment["state"] = states.get(enrolment.get("state"), enrolment.get("state"))
    for record in shown.get("consent_records", []):
        record["kind"] = kinds.get(record.get("kind"), record.get("kind"))
    actions = dict(AccessAction.choices)
    for access in shown.get("police_access_log", []):
        access["action"] = actions.get(access.get("action"), access.get("action"))
    for step in shown.get("processing_history", []):
        if "camera_id" in step:
            step["what"] = _("Kamera %(camera)s di %(program)s") % {
                "camera": step["camera_id"],
                "program": step.get("program", ""),
            }
        for key in ("from", "to"):
            step[key] = states.get(step.get(key), step.get(key))
    return shown


@login_required
def my_data(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    data = selectors.owner_data_export(owner=owner, viewer=request.user)
    return render(
        request,
        "consent/my_data.html",
        {
            "owner": owner,
            "owner_rows": _owner_rows(owner),
            "data": _readable(data),
            "pretty": json.dumps(data, indent=2, ensure_ascii=False),
            "correction_form": CorrectionForm(),
            "requests": owner.data_requests.all(),
        },
    )


@login_required
def my_data_json(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    data = selectors.owner_data_export(owner=owner, viewer=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="data-saya-{owner.pk}.json"'
    return response


@login_required
@require_POST
def correction(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        services.data_request_create(
            owner=owner,
            user=request.user,
            kind=RequestKind.CORRECTION,
            details=form.cleaned_data["details"],
        )
        messages.success(request, _("Permintaan perbaikan terkirim. Kami jawab dalam 3 x 24 jam."))
    else:
        messages.error(request, _("Tuliskan data mana yang perlu diperbaiki."))
    return redirect("consent:my-data", owner_id=owner.pk)


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_name"].strip() != owner.name:
            form.add_error("confirm_name", _("Nama tidak cocok."))
        else:
            user = request.user
            owner_user_pk = int(user.pk or 0)
            try:
                explanation = services.account_delete(
                    owner=owner, user=user, ip_address=request.META.get("REMOTE_ADDR")
                )
            except ValidationError as e:
                form.add_error(None, _error_text(e))
            else:
                user_gone = not get_user_model().objects.filter(pk=owner_user_pk).exists()
                if user_gone:
                    logout(request)
                return render(request, "consent/deleted.html", {"explanation": explanation})
    return render(
        request,
        "consent/delete_account.html",
        {"owner": owner, "form": form, "explanation": services.ACCOUNT_DELETION_EXPLANATION},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def access_log(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    entries = selectors.access_log_for_owner(owner=owner).prefetch_related("cameras")
    return render(request, "consent/access_log.html", {"owner": owner, "entries": entries})


@login_required
@require_http_methods(["GET", "POST"])
def staff_requests(request: HttpRequest) -> HttpResponse:
    """Platform staff: every open data-subject request with its 3 x 24-hour deadline."""
    if not (request.user.is_staff or request.user.is_superuser) or is_police_staff(request.user):
        raise Http404
    if request.method == "POST":
        raw_id = request.POST.get("request", "")
        if not raw_id.isdigit():
            raise Http404
        item = get_object_or_404(DataSubjectRequest, pk=int(raw_id))
        form = CloseRequestForm(request.POST)
        if form.is_valid():
            try:
                services.data_request_close(
                    request=item,
                    status=form.cleaned_data["status"],
                    resolution=form.cleaned_data["resolution"],
                )
            except ValidationError as e:
                messages.error(request, _error_text(e))
            else:
                messages.success(request, _("Permintaan ditutup."))
        return redirect("consent:staff-requests")
    return render(
        request,
        "consent/staff_requests.html",
        {"requests": selectors.data_requests_open(), "form": CloseRequestForm()},
    )
