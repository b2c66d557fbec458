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
from owners.models import MemberRole, Membership, Owner
from portal import ratelimit


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


def _members_page(request: HttpRequest, owner: Owner, form: InviteForm, status: int = 200):
    can_manage = selectors.owner_is_administered_by(owner=owner, user=request.user)
    context = {
        "owner": owner,
        "form": form,
        "can_manage": can_manage,
        "roles": MemberRole.choices,
        "memberships": owner.memberships.select_related("user").order_by("created_at", "pk"),
        "invitations": owner.invitations.filter(accepted_at__isnull=True).order_by("created_at")
        if can_manage
        else [],
        "events": selectors.owner_history(owner=owner)[:50],
    }
    return render(request, "owners/members.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = get_object_or_404(selectors.owners_member_of(request.user), pk=owner_id)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not selectors.owner_is_administered_by(owner=owner, user=request.user):
            raise PermissionDenied
        if not form.is_valid():
            return _members_page(request, owner, form, status=400)
        try:
            services.member_invite(
                owner=owner,
                contact=form.cleaned_data["contact"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ratelimit.RateLimitExceeded as limited:
            messages.error(
                request,
                _("Terlalu banyak undangan. Coba lagi dalam %(minutes)s menit.")
                % {"minutes": max(1, limited.retry_after // 60)},
            )
            response = _members_page(request, owner, form, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        # The same answer whether or not the contact has an account.
        messages.success(
            request,
            _(
                "Undangan tersimpan. Orang yang diundang menjadi anggota setelah menerimanya "
                "saat masuk dengan email atau nomor HP tersebut."
            ),
        )
        return redirect("owners:members", owner_id=owner.pk)
    return _members_page(request, owner, form)


def _membership_for_admin(request: HttpRequest, owner_id: int, membership_id: int) -> Membership:
    owner = get_object_or_404(selectors.owners_member_of(request.user), pk=owner_id)
    if not selectors.owner_is_administered_by(owner=owner, user=request.user):
        raise PermissionDenied
    return get_object_or_404(owner.memberships.select_related("user", "owner"), pk=membership_id)


@login_required
@require_POST
def member_role(request: HttpRequest, owner_id: int, membership_id: int) -> HttpResponse:
    membership = _membership_for_admin(request, owner_id, membership_id)
    try:
        services.member_role_change(
            membership=membership, role=request.POST.get("role", ""), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Peran diubah."))
    return redirect("owners:members", owner_id=owner_id)


@login_required
@require_POST
def member_remove(request: HttpRequest, owner_id: int, membership_id: int) -> HttpResponse:
    membership = _membership_for_admin(request, owner_id, membership_id)
    try:
        services.member_remove(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Anggota dikeluarkan."))
    return redirect("owners:members", owner_id=owner_id)


@login_required
@require_POST
def member_leave(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = get_object_or_404(selectors.owners_member_of(request.user), pk=owner_id)
    membership = get_object_or_404(owner.memberships, user=request.user)
    try:
        services.member_remove(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("owners:members", owner_id=owner.pk)
    messages.success(request, _("Anda keluar dari %(owner)s.") % {"owner": owner.name})
    return redirect("owners:dashboard")


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, owner_id: int, pk: int) -> HttpResponse:
    owner = get_object_or_404(selectors.owners_administered_by(request.user), pk=owner_id)
    invitation = get_object_or_404(owner.invitations.filter(accepted_at__isnull=True), pk=pk)
    services.invitation_cancel(invitation=invitation, actor=request.user)
    messages.success(request, _("Undangan dibatalkan."))
    return redirect("owners:members", owner_id=owner.pk)


@login_required
@require_POST
def invitation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitations_for(request.user), pk=pk)
    services.invitation_accept(invitation=invitation, user=request.user)
    messages.success(request, _("Anda sekarang anggota %(owner)s.") % {"owner": invitation.owner})
    return redirect("owners:dashboard")


@login_required
@require_POST
def invitation_decline(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitations_for(request.user), pk=pk)
    services.invitation_decline(invitation=invitation, user=request.user)
    messages.success(request, _("Undangan ditolak."))
    return redirect("owners:dashboard")
