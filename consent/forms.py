from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.models import Scope, SignerCapacity, TermsVersion
from consent.services import SIGNATURE_MAX_CHARS
from owners.models import Camera


class SignForm(forms.Form):
    terms = forms.IntegerField(widget=forms.HiddenInput)
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Kamera"),
        required=False,
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Cakupan berbagi data"),
        required=False,
    )
    capacity = forms.ChoiceField(
        choices=SignerCapacity.choices,
        label=_("Saya menandatangani sebagai"),
        initial=SignerCapacity.OWNER,
    )
    authority_statement = forms.CharField(
        label=_("Jabatan atau pernyataan kewenangan"),
        help_text=_(
            "Pengurus organisasi: tulis jabatan Anda (misalnya Direktur). Kuasa/pengelola: "
            "tulis dasar kewenangan Anda mewakili pemilik kamera."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    signer_name = forms.CharField(label=_("Nama lengkap"), max_length=150, required=False)
    confirmed = forms.BooleanField(
        label=_(
            "Saya telah membaca syarat di atas dan menyetujuinya untuk kamera dan cakupan "
            "yang saya pilih."
        ),
        required=False,
    )
    signature_image = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-signature-input": ""}),
        required=False,
        max_length=SIGNATURE_MAX_CHARS,
        error_messages={"max_length": _("Gambar tanda tangan terlalu besar.")},
    )

    def __init__(self, *args: Any, cameras: Any, terms: TermsVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["cameras"]).queryset = cameras
        offered = set(terms.scopes.values_list("scope", flat=True))
        cast(forms.ChoiceField, self.fields["scopes"]).choices = [
            c for c in Scope.choices if c[0] in offered
        ]


class WithdrawForm(forms.Form):
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Kamera"),
        required=False,
    )
    all_cameras = forms.BooleanField(label=_("Tarik untuk semua kamera saya"), required=False)
    reason = forms.CharField(
        label=_("Alasan (tidak wajib)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )

    def __init__(self, *args: Any, cameras: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["cameras"]).queryset = cameras


class CorrectionForm(forms.Form):
    details = forms.CharField(
        label=_("Data mana yang salah, dan seharusnya apa?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class DeleteAccountForm(forms.Form):
    confirm_name = forms.CharField(label=_("Ketik nama pemilik untuk memastikan"), max_length=150)


class CloseRequestForm(forms.Form):
    status = forms.ChoiceField(choices=[("done", _("Selesai")), ("refused", _("Ditolak"))])
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
