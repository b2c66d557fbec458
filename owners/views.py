"""Owner-facing pages. Every queryset starts from the membership scoping in owners.selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from owners import selectors, services
from owners.forms import CameraEditForm, InviteForm


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    sites = (
        selectors.sites_of_member(request.user)
        .select_related("village")
        .prefetch_related("recorders__cameras__enrolments__program")
        .order_by("name", "pk")
    )
    owners = selectors.owners_member_of(request.user).order_by("name")
    invitations = selectors.invitations_for(request.user)
    return render(
        request,
        "owners/dashboard.html",
        {"sites": sites, "owners": owners, "invitations": invitations},
    )


@login_required
def camera_detail(request: HttpRequest, pk: int) -> HttpResponse:
    camera = get_object_or_404(
        selectors.cameras_of_member(request.user).select_related("recorder__site__village"), pk=pk
    )
    enrolments = camera.enrolments.select_related("program").prefetch_related("transitions__actor")
    return render(
        request, "owners/camera_detail.html", {"camera": camera, "enrolments": enrolments}
    )


@login_required
@require_http_methods(["GET", "POST"])
def camera_edit(request: HttpRequest, pk: int) -> HttpResponse:
    camera = get_object_or_404(selectors.cameras_editable_by(request.user), pk=pk)
    form = CameraEditForm(request.POST or None, instance=camera)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in CameraEditForm.Meta.fields}
        try:
            changed = services.camera_update(camera=camera, data=data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.info(
                    request, _("Perubahan disimpan. Kamera akan diverifikasi ulang oleh polisi.")
                )
            else:
                messages.success(request, _("Perubahan disimpan."))
            return redirect("owners:camera-detail", pk=camera.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "owners/camera_edit.html", {"camera": camera, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = get_object_or_404(selectors.owners_member_of(request.user), pk=owner_id)
    can_manage = selectors.owners_administered_by(request.user).filter(pk=owner.pk).exists()
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            result = services.member_invite(
                owner=owner,
                contact=form.cleaned_data["contact"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
            messages.success(
                request,
                _("Undangan tersimpan.")
                if hasattr(result, "accepted_at")
                else _("Anggota ditambahkan."),
            )
            return redirect("owners:members", owner_id=owner.pk)
    context = {
        "owner": owner,
        "form": form,
        "can_manage": can_manage,
        "memberships": owner.memberships.select_related("user").order_by("created_at"),
        "invitations": owner.invitations.filter(accepted_at__isnull=True),
    }
    return render(request, "owners/members.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def invitation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitations_for(request.user), pk=pk)
    services.invitation_accept(invitation=invitation, user=request.user)
    messages.success(request, _("Anda sekarang anggota %(owner)s.") % {"owner": invitation.owner})
    return redirect("owners:dashboard")
