"""Forms of the police workspace."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AccessPurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Tujuan atau nomor perkara"),
        max_length=300,
        help_text=_("Dicatat di log akses yang dapat dilihat pemilik kamera."),
    )
