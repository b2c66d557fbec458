"""Police workspace (/polisi/): programs, the verification queue, camera details."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from connectivity import selectors as check_selectors
from consent.services import access_log_record
from owners.models import EnrolmentState
from police.jurisdiction import (
    jurisdiction_codes,
    officer_of,
    programs_visible_to,
    units_visible_to,
)
from police.models import Officer, OfficerRole, Region, RegionLevel
from police.regions import region_q
from portal.private_files import private_file_response
from registry import scoping
from workspace import dashboard as boards
from workspace import exports, selectors, services
from workspace.forms import (
    AccessPurposeForm,
    CredentialsRevealForm,
    FieldVisitForm,
    StickerBatchForm,
)
from workspace.models import FieldVisit, StickerBatch


class OfficerRequest(HttpRequest):
    """A request from a signed-in officer; ``officer_required`` sets ``officer``."""

    officer: Officer


def officer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        officer = officer_of(request.user)
        if officer is None:
            raise PermissionDenied
        officer_request: OfficerRequest = request  # type: ignore[assignment]
        officer_request.officer = officer
        return view(officer_request, *args, **kwargs)

    return wrapper


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise Http404 from None


@officer_required
def dashboard(request: OfficerRequest) -> HttpResponse:
    """Funnel, target, trend, breakdown, outages and queue age of one program.

    The board (the same for every officer of a unit) is rendered once per change
    and cached as HTML (``boards.board_or_recount``: while one request recounts it,
    the others get its last counted version); only the outages are narrowed per
    officer on each request.
    """
    programs = boards.programs_for(user=request.user, officer=request.officer)
    if not programs:
        return render(request, "police/dashboard.html", {"officer": request.officer})
    slug = request.GET.get("program")
    program = next((p for p in programs if p.slug == slug), None) if slug else programs[0]
    if program is None:
        raise Http404
    unit_id = _int_or_none(request.GET.get("unit"))
    sort = request.GET.get("sort", "gap")
    sort = sort if sort in boards.SORTS else "gap"
    key = boards.dashboard_key(officer=request.officer, program=program, unit_id=unit_id)
    variant = f"{sort}:{get_language()}"
    computed: list[boards.Outage] = []

    def recount() -> tuple[str, list[Any]]:
        board = boards.dashboard_for(
            user=request.user, officer=request.officer, program=program, unit_id=unit_id, key=key
        )
        computed[:] = board.outages
        html = render_to_string(
            "police/_board.html",
            {
                "officer": request.officer,
                "programs": programs,
                "program": program,
                "board": board,
                "rows": boards.rows_sorted(board.rows, sort),
            },
        )
        return html, board.raw_outages

    board_html, raw_outages = boards.board_or_recount(
        key=key,
        variant=variant,
        latest=boards.latest_key(
            officer=request.officer, program=program, unit_id=unit_id, variant=variant
        ),
        recount=recount,
    )
    outages = computed or boards.outages_visible(user=request.user, raw=raw_outages)
    return render(
        request,
        "police/dashboard.html",
        {
            "officer": request.officer,
            "program": program,
            "board_html": mark_safe(board_html),  # noqa: S308 (our own template's output)
            "outages": outages,
            "outage_after_minutes": int(boards.outage_after().total_seconds() // 60),
        },
    )


@officer_required
def police_map(request: OfficerRequest) -> HttpResponse:
    """Exact camera points with their field of view, inside the jurisdiction, consent only."""
    programs = programs_visible_to(request.user).order_by("name")
    return render(
        request,
        "police/map.html",
        {
            "programs": programs,
            "states": [(s, EnrolmentState(s).label) for s in boards.FUNNEL_STATES],
            "selected_states": request.GET.getlist("state"),
            "map_tile_url": settings.MAP_TILE_URL,
        },
    )


MAP_LIMIT = 3000


@officer_required
def police_map_data(request: OfficerRequest) -> JsonResponse:
    filters, errors = exports.filters_from(user=request.user, data=request.GET)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    qs = exports.enrolments_listed(user=request.user, filters=filters).exclude(
        state__in=[EnrolmentState.REJECTED, EnrolmentState.WITHDRAWN]
    )
    bbox = request.GET.get("bbox", "")
    if bbox:
        try:
            west, south, east, north = (Decimal(v) for v in bbox.split(","))
        except (ValueError, ArithmeticError):
            return JsonResponse(
                {"errors": [_("bbox harus barat,selatan,timur,utara.")]}, status=400
            )
        qs = qs.filter(
            camera__longitude__gte=west,
            camera__longitude__lte=east,
            camera__latitude__gte=south,
            camera__latitude__lte=north,
        )
    rows = list(
        qs.order_by("pk").values_list(
            "camera_id",
            "camera__latitude",
            "camera__longitude",
            "camera__direction",
            "camera__angle",
            "camera__range_m",
            "state",
        )[: MAP_LIMIT + 1]
    )
    cameras = [
        {
            "id": r[0],
            "lat": float(r[1]),
            "lng": float(r[2]),
            "direction": r[3],
            "angle": r[4],
            "range": r[5],
            "state": r[6],
            "url": reverse("police:camera-detail", args=[r[0]]),
        }
        for r in rows[:MAP_LIMIT]
    ]
    return JsonResponse({"cameras": cameras, "truncated": len(rows) > MAP_LIMIT})


CAMERA_PAGE_SIZE = 100


@officer_required
def cameras(request: OfficerRequest) -> HttpResponse:
    """The officer's camera list, filtered as its CSV/XLSX export is."""
    filters, errors = exports.filters_from(user=request.user, data=request.GET)
    qs = (
        exports.enrolments_listed(user=request.user, filters=filters)
        .select_related("camera__recorder__site__village", "program")
        .order_by("-state_changed_at", "-pk")
    )
    page = Paginator(qs, CAMERA_PAGE_SIZE).get_page(request.GET.get("page"))
    enrolments = list(page.object_list)
    if enrolments:
        access_log_record(
            officer=request.officer,
            action="list",
            purpose=_("Daftar kamera"),
            cameras=[e.camera for e in enrolments],
        )
    return render(
        request,
        "police/cameras.html",
        {
            "page": page,
            "enrolments": enrolments,
            "errors": errors,
            "filters": filters,
            "programs": programs_visible_to(request.user).order_by("name"),
            "states": [(s, EnrolmentState(s).label) for s in EnrolmentState.values if s != "draft"],
            "query": request.GET.urlencode(),
        },
        status=400 if errors else 200,
    )


def _export(request: OfficerRequest, kind: str) -> HttpResponseBase:
    filters, errors = exports.filters_from(user=request.user, data=request.GET)
    if errors:
        messages.error(request, " ".join(errors))
        return redirect(f"{reverse('police:cameras')}?{request.GET.urlencode()}")
    qs = exports.enrolments_listed(user=request.user, filters=filters)
    exports.export_log(officer=request.officer, qs=qs, kind=kind, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            exports.csv_stream(qs), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="kamera-{stamp}.csv"'
    else:
        response = StreamingHttpResponse(
            exports.xlsx_stream(qs),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="kamera-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@officer_required
def cameras_export_csv(request: OfficerRequest) -> HttpResponseBase:
    return _export(request, "csv")


@officer_required
def cameras_export_xlsx(request: OfficerRequest) -> HttpResponseBase:
    return _export(request, "xlsx")


@officer_required
def queue(request: OfficerRequest) -> HttpResponse:
    enrolments = list(selectors.queue_for(user=request.user))
    if enrolments:
        access_log_record(
            officer=request.officer,
            action="list",
            purpose=_("Antrean verifikasi"),
            cameras=[e.camera for e in enrolments],
        )
    return render(request, "police/queue.html", {"enrolments": enrolments})


@officer_required
def camera_detail(request: OfficerRequest, pk: int) -> HttpResponse:
    camera = (
        scoping.cameras_visible_to(request.user)
        .select_related("recorder__site__village__parent", "recorder__site__owner")
        .filter(pk=pk)
        .first()
    )
    if camera is None:
        notice = scoping.withdrawn_notice_for(user=request.user, camera_id=pk)
        if notice is None:
            raise Http404
        return render(request, "consent/police_withdrawn.html", {"notice": notice}, status=410)
    # A GET records a plain view; a purpose or case reference is written only by the
    # CSRF-protected POST below, so a link sent to an officer cannot forge entries.
    access_log_record(
        officer=request.officer,
        action="view",
        purpose=_("Melihat data kamera"),
        cameras=[camera],
    )
    enrolments = list(
        scoping.enrolments_visible_to(request.user)
        .filter(camera=camera)
        .select_related("program")
        .prefetch_related("transitions__actor", "field_visits")
    )
    for enrolment in enrolments:
        enrolment.moves = services.moves_for(officer=request.officer, enrolment=enrolment)  # type: ignore[attr-defined]
        enrolment.sticker_or_none = getattr(enrolment, "sticker", None)  # type: ignore[attr-defined]
    check = check_selectors.check_latest(recorder=camera.recorder)
    return render(
        request,
        "police/camera_detail.html",
        {
            "camera": camera,
            "site": camera.recorder.site,
            "owner": camera.recorder.site.owner,
            "enrolments": enrolments,
            "check": check,
            "purpose_form": AccessPurposeForm(),
            "map_tile_url": settings.MAP_TILE_URL,
            "is_operator": request.officer.role == OfficerRole.OPERATOR,
        },
    )


@require_POST
@officer_required
def camera_access_purpose(request: OfficerRequest, pk: int) -> HttpResponse:
    """Write the purpose or case reference of a look at a camera's data into the access log."""
    camera = get_object_or_404(scoping.cameras_visible_to(request.user), pk=pk)
    form = AccessPurposeForm(request.POST)
    if form.is_valid():
        access_log_record(
            officer=request.officer,
            action="purpose",
            purpose=form.cleaned_data["purpose"],
            cameras=[camera],
        )
        messages.success(request, _("Tujuan dicatat di log akses pemilik."))
    else:
        messages.error(request, _("Tuliskan tujuan atau nomor perkara."))
    return redirect("police:camera-detail", pk=camera.pk)


@require_POST
@officer_required
def enrolment_review_view(request: OfficerRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(scoping.enrolments_visible_to(request.user), pk=pk)
    try:
        services.enrolment_review(
            officer=request.officer,
            enrolment=enrolment,
            to_state=request.POST.get("to_state", ""),
            expected_state=request.POST.get("expected_state", ""),
            reason=request.POST.get("reason", "")[:1000],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Status diperbarui."))
    if request.POST.get("back") == "operator":
        return redirect("police:operator-queue")
    return redirect("police:camera-detail", pk=enrolment.camera_id)


@officer_required
@require_http_methods(["GET", "POST"])
def field_visit(request: OfficerRequest, pk: int) -> HttpResponse:
    """The phone-first field visit form that verifies a checked camera."""
    enrolment = get_object_or_404(
        scoping.enrolments_visible_to(request.user).select_related(
            "camera__recorder__site__village", "program"
        ),
        pk=pk,
    )
    may_verify = any(
        m.to_state == EnrolmentState.VERIFIED
        for m in services.moves_for(officer=request.officer, enrolment=enrolment)
    )
    if not may_verify:
        messages.error(request, _("Kamera ini tidak menunggu verifikasi oleh Anda."))
        return redirect("police:camera-detail", pk=enrolment.camera_id)
    form = FieldVisitForm(
        request.POST or None,
        request.FILES or None,
        initial={"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.field_visit_record(
                officer=request.officer,
                enrolment=enrolment,
                expected_state=request.POST.get("expected_state", ""),
                visited_at=data["visited_at"],
                met_whom=data["met_whom"],
                sees_public_space=data["sees_public_space"],
                angle_ok=data["angle_ok"],
                advice=data["advice"],
                verify=data["decision"] == "verify",
                photo=data["photo"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                accuracy_m=data["accuracy_m"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Kunjungan tersimpan. Kamera terverifikasi.")
                if data["decision"] == "verify"
                else _("Kunjungan tersimpan. Kamera belum diverifikasi."),
            )
            return redirect("police:camera-detail", pk=enrolment.camera_id)
    return render(
        request,
        "police/field_visit.html",
        {
            "enrolment": enrolment,
            "site": enrolment.camera.recorder.site,
            "form": form,
            "retention_days": settings.FIELD_VISIT_PHOTO_RETENTION_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )


@officer_required
def operator_queue(request: OfficerRequest) -> HttpResponse:
    """Verified cameras with live-view consent, waiting to be connected to the Command Center."""
    if request.officer.role != OfficerRole.OPERATOR:
        raise PermissionDenied
    enrolments = list(selectors.operator_queue_for(user=request.user))
    latest = check_selectors.checks_latest_for(
        recorder_ids={e.camera.recorder_id for e in enrolments}
    )
    for enrolment in enrolments:
        enrolment.latest_check = latest.get(enrolment.camera.recorder_id)  # type: ignore[attr-defined]
    if enrolments:
        access_log_record(
            officer=request.officer,
            action="list",
            purpose=_("Antrean Command Center"),
            cameras=[e.camera for e in enrolments],
        )
    return render(
        request,
        "police/operator_queue.html",
        {"enrolments": enrolments, "reveal_form": CredentialsRevealForm()},
    )


@never_cache
@require_POST
@officer_required
def recorder_credentials(request: OfficerRequest, pk: int) -> HttpResponse:
    """Reveal a recorder's sign-in to the operator: an explicit, logged action."""
    if request.officer.role != OfficerRole.OPERATOR:
        raise PermissionDenied
    recorder = get_object_or_404(scoping.recorders_visible_to(request.user), pk=pk)
    form = CredentialsRevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tuliskan mengapa Anda perlu kata sandi perekam ini."))
        return redirect("police:operator-queue")
    credentials = services.recorder_credentials_reveal(
        officer=request.officer, recorder=recorder, reason=form.cleaned_data["reason"]
    )
    response = render(
        request,
        "police/recorder_credentials.html",
        {"recorder": recorder, "credentials": credentials},
    )
    response["Cache-Control"] = "no-store"
    return response


def _sticker_villages(request: OfficerRequest) -> Any:
    return Region.objects.filter(
        region_q(jurisdiction_codes(request.officer)), level=RegionLevel.VILLAGE
    ).order_by("name")


@officer_required
@require_http_methods(["GET", "POST"])
def stickers(request: OfficerRequest) -> HttpResponse:
    """Print a batch of stickers for the connected cameras of a village or of the unit."""
    villages = _sticker_villages(request)
    form = StickerBatchForm(request.POST if request.method == "POST" else None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.sticker_batch_create(
                officer=request.officer, village=form.cleaned_data["village"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(count)s stiker siap dicetak.") % {"count": batch.stickers.count()}
            )
            return redirect("police:stickers")
    batches = (
        StickerBatch.objects.filter(unit__in=units_visible_to(request.user))
        .select_related("village", "created_by")
        .order_by("-created_at")[:50]
    )
    return render(request, "police/stickers.html", {"form": form, "batches": batches})


@officer_required
def sticker_batch_pdf(request: OfficerRequest, pk: int) -> HttpResponseBase:
    batch = get_object_or_404(
        StickerBatch.objects.filter(unit__in=units_visible_to(request.user)).exclude(pdf=""),
        pk=pk,
    )
    return private_file_response(
        str(batch.pdf.name),
        content_type="application/pdf",
        filename=f"stiker-{batch.pk}.pdf",
        attachment=True,
    )


@officer_required
def field_visit_photo(request: OfficerRequest, pk: int) -> HttpResponseBase:
    visit = get_object_or_404(
        FieldVisit.objects.filter(
            enrolment__in=scoping.enrolments_visible_to(request.user)
        ).exclude(photo=""),
        pk=pk,
    )
    access_log_record(
        officer=request.officer,
        action="photo",
        purpose=_("Melihat foto kunjungan lapangan"),
        cameras=[visit.enrolment.camera],
    )
    return private_file_response(str(visit.photo.name), content_type="image/jpeg")
