"""The WhatsApp webhook, the opt-in page and the admin's outbox."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from consent import selectors as consent_selectors
from consent.models import MESSAGING_OPT_IN_TEXTS, MESSAGING_OPT_IN_VERSION, MessagingChannel
from notifications import selectors, services, tasks, whatsapp
from notifications.forms import OptInForm
from notifications.models import DigestSubscription, Message
from police.jurisdiction import is_police_staff


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    """Meta's webhook: GET answers the verification challenge, POST stores and queues."""
    if request.method == "GET":
        token = request.GET.get("hub.verify_token", "")
        expected = settings.WHATSAPP_VERIFY_TOKEN
        if (
            request.GET.get("hub.mode") == "subscribe"
            and expected
            and hmac.compare_digest(token.encode(), expected.encode())
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    try:
        payload = services.webhook_store(
            body=request.body, signature=request.headers.get("X-Hub-Signature-256")
        )
    except services.WebhookRefused as refused:
        return HttpResponse(refused.reason, status=refused.status, content_type="text/plain")
    if payload is not None:
        tasks.whatsapp_webhook_process.enqueue(payload.pk)
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_http_methods(["GET", "POST"])
def opt_in(request: HttpRequest) -> HttpResponse:
    """The profile's WhatsApp section: opt in or out, and (officers) the daily digest."""
    user = request.user
    phone = getattr(user, "phone", None)
    digest_allowed = services.digest_allowed(user)
    current = bool(phone and consent_selectors.messaging_opted_in(phone=phone))
    has_digest = DigestSubscription.objects.filter(user_id=int(user.pk or 0)).exists()
    form = OptInForm(
        request.POST if request.method == "POST" else None,
        initial={"whatsapp": current, "digest": has_digest},
        digest_allowed=digest_allowed,
    )
    if request.method == "POST" and phone and form.is_valid():
        wanted = form.cleaned_data["whatsapp"]
        services.opt_in_set(
            user=user, phone=phone, opted_in=wanted, channel=MessagingChannel.PROFILE
        )
        if digest_allowed:
            services.digest_set(user=user, wanted=bool(form.cleaned_data.get("digest")))
        if wanted:
            messages.success(request, _("Kabar CCTV Warga akan dikirim ke WhatsApp Anda."))
        else:
            messages.success(request, _("Anda tidak akan menerima pesan WhatsApp dari kami."))
        return redirect("notifications:opt-in")
    return render(
        request,
        "notifications/opt_in.html",
        {
            "form": form,
            "phone": phone,
            "opted_in": current,
            "opt_in_text": MESSAGING_OPT_IN_TEXTS[MESSAGING_OPT_IN_VERSION],
            "history": consent_selectors.messaging_consents_of(phone=phone)[:20] if phone else [],
            "recent": selectors.messages_of(user=user)[:20],
            "console_mode": not whatsapp.configured(),
        },
    )


def _platform_admin(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_staff and user.is_superuser) or is_police_staff(user):
        raise Http404


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Platform admins: every message with its status and failure code."""
    _platform_admin(request)
    status = request.GET.get("status", "")
    page = Paginator(selectors.outbox(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "status": status,
            "counts": selectors.outbox_counts(),
            "console_mode": not whatsapp.configured(),
            "templates": selectors.template_states(),
        },
    )


@login_required
@require_POST
def outbox_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    _platform_admin(request)
    message = get_object_or_404(Message, pk=message_id)
    services.message_retry(message=message)
    tasks.whatsapp_send.enqueue()
    messages.success(request, _("Pesan #%(id)s diantrekan lagi.") % {"id": message.pk})
    return redirect("notifications:outbox")
