"""The public sticker page at /s/<token>/: proof of enrolment and a UU PDP notice.

Anyone may open it (it is printed on a wall); it shows no owner data. The
Bhabinkamtibmas of the camera's village, signed in, also gets "mark as placed
here", which is what moves the camera to stickered.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from police.jurisdiction import officer_of
from police.models import OfficerRole
from workspace import services
from workspace.forms import StickerPlaceForm
from workspace.models import Sticker
from workspace.stickers import sticker_public


@require_http_methods(["GET", "POST"])
def public(request: HttpRequest, token: str) -> HttpResponse:
    sticker = (
        Sticker.objects.select_related("enrolment__program__unit", "enrolment__camera")
        .filter(token=token)
        .first()
    )
    if sticker is None:
        return render(request, "police/sticker_unknown.html", status=404)
    officer = officer_of(request.user)
    may_place = (
        officer is not None
        and officer.role == OfficerRole.BHABINKAMTIBMAS
        and sticker.placed_at is None
        and officer.villages.filter(pk=sticker.enrolment.camera.recorder.site.village_id).exists()
    )
    if request.method == "POST":
        form = StickerPlaceForm(request.POST)
        if officer is None or not form.is_valid():
            messages.error(
                request, _("Masuk sebagai Bhabinkamtibmas desa ini untuk menandai stiker.")
            )
            return redirect("stickers:public", token=token)
        try:
            services.sticker_place(
                officer=officer,
                sticker=sticker,
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Stiker ditandai terpasang. Kamera kini berstiker."))
        return redirect("stickers:public", token=token)
    language = "en" if (get_language() or "id").startswith("en") else "id"
    return render(
        request,
        "police/sticker_public.html",
        {
            "info": sticker_public(sticker=sticker, language=language),
            "may_place": may_place,
            "place_form": StickerPlaceForm(),
        },
    )
