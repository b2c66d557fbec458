"""Forms of the police workspace."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from police.models import Region


class AccessPurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Tujuan atau nomor perkara"),
        max_length=300,
        help_text=_("Dicatat di log akses yang dapat dilihat pemilik kamera."),
    )


class FieldVisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label=_("Waktu kunjungan"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    met_whom = forms.CharField(label=_("Bertemu dengan"), max_length=150)
    sees_public_space = forms.TypedChoiceField(
        label=_("Apakah kamera melihat ruang publik (jalan, gang, lapangan)?"),
        choices=[("1", _("Ya")), ("0", _("Tidak"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    angle_ok = forms.TypedChoiceField(
        label=_("Apakah sudut kamera sudah tepat untuk cakupan?"),
        choices=[("1", _("Ya")), ("0", _("Belum, perlu diarahkan"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    advice = forms.CharField(
        label=_("Saran kepada pemilik"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Foto kamera (tidak wajib)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[
            ("verify", _("Verifikasi kamera ini")),
            ("later", _("Belum diverifikasi: pemilik perlu memperbaiki dulu")),
        ],
        widget=forms.RadioSelect,
        initial="verify",
    )
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
    accuracy_m = forms.IntegerField(
        min_value=0, max_value=100_000, required=False, widget=forms.HiddenInput
    )


class CredentialsRevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan membuka kata sandi perekam"),
        max_length=300,
        min_length=5,
        help_text=_("Dicatat di log akses yang dapat dilihat pemilik kamera."),
    )


class StickerBatchForm(forms.Form):
    village: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Kelurahan/desa"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Semua wilayah saya"),
    )

    def __init__(self, *args: object, villages: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class StickerPlaceForm(forms.Form):
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
