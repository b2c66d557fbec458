"""Estate pages at ``/saya/perumahan/``: upload, preview, confirm, dashboard, bulk moves.

Everything is scoped to owners the user administers
(``joining.estate_selectors.estate_owners``); anything else is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectivity.explanations import explain
from joining import estate_actions, estate_import, estate_selectors
from joining.estate_file import COLUMNS, FileUnusable
from joining.estate_forms import UploadForm
from joining.models import ImportJob, ImportStatus
from owners.models import Camera, EnrolmentState, Recorder
from police.models import Program, ProgramStatus, Region
from portal import netguard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100


def _programs():  # type: ignore[no-untyped-def]
    return Program.objects.filter(status=ProgramStatus.ACTIVE).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    owners = estate_selectors.estate_owners(request.user).order_by("name")
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, owners=owners, programs=_programs())
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = estate_import.import_job_create(
                    owner=form.cleaned_data["owner"],
                    program=form.cleaned_data["program"],
                    user=request.user,
                    filename=upload.name,
                    data=upload.read(),
                )
            except FileUnusable as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("estate:job", job_id=job.pk)
        status = 400
    else:
        form = UploadForm(
            owners=owners,
            programs=_programs(),
            initial={"owner": owners.first(), "program": request.GET.get("program", "")},
        )
        status = 200
    return render(
        request,
        "joining/estate/start.html",
        {
            "form": form,
            "owners": owners,
            "columns": COLUMNS,
            "jobs": estate_selectors.import_jobs_of(request.user)[:10],
        },
        status=status,
    )


@login_required
@require_GET
def template_file(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        body, content_type = estate_import.template_xlsx(), XLSX
    else:
        body, content_type = estate_import.template_csv(), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="templat-kamera.{fmt}"'
    return response


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    return get_object_or_404(estate_selectors.import_jobs_of(request.user), pk=job_id)


@login_required
@require_GET
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    the_job = _job(request, job_id)
    context = {"job": the_job, "S": ImportStatus, "map_tile_url": settings.MAP_TILE_URL}
    if request.GET.get("partial") == "status":
        return render(request, "joining/estate/job.html#status", context)
    return render(request, "joining/estate/job.html", context)


@login_required
@require_POST
def job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    the_job = _job(request, job_id)
    skip = request.POST.get("skip_invalid") == "1"
    if the_job.status != ImportStatus.PREVIEW:
        messages.error(request, _("Impor ini tidak bisa disimpan lagi."))
    elif the_job.error_count and not skip:
        messages.error(
            request, _("Perbaiki baris yang salah, atau pilih untuk melewatinya, lalu simpan.")
        )
    else:
        estate_import.import_job_confirm(job=the_job, skip_invalid=skip)
    return redirect("estate:job", job_id=the_job.pk)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    the_job = _job(request, job_id)
    if the_job.status == ImportStatus.FAILED and the_job.payload:
        estate_import.import_job_retry(job=the_job)
    else:
        messages.error(request, _("Unggah berkasnya lagi."))
    return redirect("estate:job", job_id=the_job.pk)


@login_required
@require_GET
def job_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    the_job = _job(request, job_id)
    response = HttpResponse(estate_import.error_report_xlsx(the_job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="kesalahan-impor-{the_job.pk}.xlsx"'
    return response


def _owner(request: HttpRequest, owner_id: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(estate_selectors.estate_owners(request.user), pk=owner_id)


@login_required
@require_GET
def dashboard(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    filters = {
        "state": request.GET.get("state", "")
        if request.GET.get("state", "") in EnrolmentState.values
        else "",
        "check": request.GET.get("check", "")
        if request.GET.get("check", "") in ("ok", "failed", "running", "none")
        else "",
        "village": request.GET.get("village", "")[:13],
        "q": request.GET.get("q", "").strip()[:100],
    }
    rows, _latest = estate_selectors.dashboard_cameras(owner=owner, **filters)
    _all_rows, all_latest = estate_selectors.dashboard_cameras(owner=owner)
    summary = estate_selectors.check_summary(latest=all_latest)
    context = {
        "owner": owner,
        "summary": summary,
        "poll": summary["running"] > 0,
    }
    if request.GET.get("partial") == "checks":
        return render(request, "joining/estate/dashboard.html#checks", context)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    villages = Region.objects.filter(sites__owner=owner).distinct().order_by("name")
    sign_url = (
        reverse("consent:sign", args=[owner.pk])
        + "?"
        + urlencode({"next": reverse("estate:dashboard", args=[owner.pk])})
    )
    return render(
        request,
        "joining/estate/dashboard.html",
        {
            **context,
            "page": page,
            "filters": filters,
            "states": EnrolmentState.choices,
            "villages": villages,
            "sign_url": sign_url,
            "counts": {
                "sites": owner.sites.count(),
                "recorders": Recorder.objects.filter(site__owner=owner).count(),
                "cameras": len(_all_rows),
            },
            "draft_count": sum(
                1
                for r in _all_rows
                for e in r["camera"].enrolments.all()
                if e.state == EnrolmentState.DRAFT
            ),
        },
    )


@login_required
@require_POST
def dashboard_action(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = _owner(request, owner_id)
    action = request.POST.get("action", "")
    camera_ids = [int(v) for v in request.POST.getlist("camera") if v.isdigit()][:5000]
    from_owner = Recorder.objects.filter(site__owner=owner)
    try:
        if action == "check_all":
            queued = estate_actions.estate_check_all(owner=owner, user=request.user)
            messages.success(request, _("%(n)s perekam sedang diuji.") % {"n": len(queued)})
        elif action == "recheck":
            recorders = from_owner.filter(cameras__pk__in=camera_ids).distinct()
            queued = estate_actions.estate_check_all(
                owner=owner, user=request.user, recorders=recorders
            )
            messages.success(request, _("%(n)s perekam sedang diuji.") % {"n": len(queued)})
        elif action == "submit":
            submitted = estate_actions.estate_submit(owner=owner, user=request.user)
            messages.success(
                request,
                _("%(n)s kamera dikirim ke antrean verifikasi polisi.") % {"n": len(submitted)},
            )
        elif action == "withdraw":
            cameras = Camera.objects.filter(pk__in=camera_ids, recorder__site__owner=owner)
            moved = estate_actions.estate_withdraw(owner=owner, cameras=cameras, user=request.user)
            messages.success(request, _("%(n)s pendaftaran ditarik.") % {"n": moved})
        else:
            messages.error(request, _("Pilih tindakan."))
    except netguard.RateLimited:
        messages.error(request, str(explain("rate_limited")["text"]))
    return redirect("estate:dashboard", owner_id=owner.pk)
