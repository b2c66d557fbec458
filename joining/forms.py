"""Forms of the joining wizard: site, recorder and cameras."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from owners.models import Owner, OwnerKind, Recorder
from owners.selectors import village_nearest
from police.models import Region
from portal.formsets import bounded_formset_factory
from portal.geo import validate_point_in_indonesia

HOST_HELP = _("Alamat IP publik atau nama domain (DDNS) perekam, tanpa http:// atau rtsp://.")


class VillageChoiceField(forms.ModelChoiceField):
    """Villages by name and district: two "Talagasari" differ by district, not by code."""

    def label_from_instance(self, obj: Any) -> str:
        district = obj.parent.name if obj.parent_id else ""
        if not district:
            return str(obj.name)
        return _("%(village)s, Kec. %(district)s") % {"village": obj.name, "district": district}


class JoinSiteForm(forms.Form):
    existing_owner = forms.ModelChoiceField(
        label=_("Tambahkan ke pemilik"),
        queryset=Owner.objects.none(),
        required=False,
        empty_label=_("Pemilik baru (isi di bawah)"),
        help_text=_("Anda sudah mengelola pemilik ini; lokasi baru ditambahkan ke sana."),
    )
    owner_kind = forms.ChoiceField(
        required=False,
        label=_("Saya mendaftar sebagai"),
        choices=[
            (OwnerKind.RESIDENT, OwnerKind.RESIDENT.label),
            (OwnerKind.BUSINESS, OwnerKind.BUSINESS.label),
            (OwnerKind.COMMUNITY, OwnerKind.COMMUNITY.label),
            (OwnerKind.GOVERNMENT, OwnerKind.GOVERNMENT.label),
            (OwnerKind.ESTATE, OwnerKind.ESTATE.label),
        ],
    )
    owner_name = forms.CharField(
        label=_("Nama pemilik (nama Anda atau nama usaha)"), max_length=150, required=False
    )
    site_name = forms.CharField(label=_("Nama lokasi"), max_length=120, initial=_("Rumah"))
    address = forms.CharField(
        label=_("Alamat lengkap"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 255}),
        help_text=_("Jalan, nomor, RT/RW. Paling banyak 255 huruf."),
    )
    latitude = forms.DecimalField(label=_("Lintang"), max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Bujur"), max_digits=9, decimal_places=6)
    village = VillageChoiceField(
        label=_("Kelurahan/desa"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Kosongkan agar dipilih otomatis dari pin peta."),
    )

    def __init__(self, *args: Any, villages: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        self.villages = villages
        # Someone who already administers an owner adds to it instead of making a new one.
        if owners is not None and owners.exists():
            self.fields["existing_owner"].queryset = owners  # type: ignore[attr-defined]
        else:
            del self.fields["existing_owner"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("existing_owner") is None:
            if not cleaned.get("owner_kind"):
                self.add_error("owner_kind", _("Pilih salah satu."))
            if not (cleaned.get("owner_name") or "").strip():
                self.add_error("owner_name", _("Isi nama pemilik."))
        lat, lng = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is not None and lng is not None:
            try:
                validate_point_in_indonesia(lat, lng)
            except ValidationError as exc:
                self.add_error("latitude", exc)
                return cleaned
            if cleaned.get("village") is None:
                village = village_nearest(villages=self.villages, latitude=lat, longitude=lng)
                if village is None:
                    self.add_error(
                        "village", _("Pin berada di luar wilayah program. Pilih kelurahan/desa.")
                    )
                cleaned["village"] = village
        return cleaned


def validate_host(value: str) -> str:
    host = value.strip()
    if "://" in host or "/" in host or "@" in host or " " in host or not host:
        raise ValidationError(
            _("Tulis hanya alamat host, misalnya 203.0.113.7 atau rumahku.ddns.net."),
            code="invalid_host",
        )
    return host


class JoinRecorderForm(forms.ModelForm):
    new_password = forms.CharField(
        label=_("Kata sandi perekam"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Tidak pernah ditampilkan kembali dan disimpan terenkripsi. Kosongkan bila tidak "
            "ingin mengubah kata sandi yang tersimpan."
        ),
    )

    class Meta:
        model = Recorder
        fields = [
            "brand",
            "model",
            "host",
            "onvif_enabled",
            "onvif_port",
            "rtsp_port",
            "rtsp_path",
            "username",
        ]
        help_texts = {"host": HOST_HELP}

    def clean_host(self) -> str:
        return validate_host(self.cleaned_data.get("host", ""))


class JoinCameraForm(forms.Form):
    channel = forms.IntegerField(label=_("Kanal"), min_value=1, max_value=256)
    name = forms.CharField(label=_("Nama kamera"), max_length=120, required=False)
    direction = forms.IntegerField(
        label=_("Arah (derajat, 0 = utara)"), min_value=0, max_value=359, initial=0
    )
    angle = forms.IntegerField(
        label=_("Sudut pandang (derajat)"), min_value=1, max_value=360, initial=90
    )
    sees_public_space = forms.BooleanField(
        label=_("Kamera ini melihat jalan/ruang publik"), required=False, initial=True
    )


class BaseJoinCameraFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        seen: dict[int, int] = {}
        for index, form in enumerate(self.forms):
            if not form.has_changed() and index >= self.initial_form_count():
                continue
            if self.can_delete and getattr(form, "cleaned_data", {}).get("DELETE"):
                continue
            channel = form.cleaned_data.get("channel") if hasattr(form, "cleaned_data") else None
            if channel is None:
                continue
            if channel in seen:
                form.add_error(
                    "channel",
                    _("Kanal %(channel)s sudah dipakai kamera lain.") % {"channel": channel},
                )
            seen[channel] = index


#: At most 64 channels per recorder (the largest common NVRs); the estate import
#: applies the same bound.
MAX_CHANNELS = 64

JoinCameraFormSet = bounded_formset_factory(
    JoinCameraForm,
    formset=BaseJoinCameraFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_CHANNELS,
    min_num=1,
    validate_min=True,
)
