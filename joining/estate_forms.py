"""Forms of the estate pages: the upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from joining.estate_file import MAX_FILE_BYTES
from owners.models import Owner
from police.models import Program


class UploadForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=Owner.objects.none(), label=_("Tambahkan ke pemilik"), empty_label=None
    )
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), label=_("Program"), to_field_name="slug"
    )
    file = forms.FileField(
        label=_("Berkas CSV atau XLSX"),
        help_text=_("Satu baris per kamera, paling besar 20 MB. Unduh templat di atas."),
    )

    def __init__(self, *args: Any, owners: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Berkas terlalu besar (paling besar %(mb)s MB).")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload
