"""The upload form of the import page: a kind and a file no larger than the engine reads."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise

from ranks.interchange.engine import MAX_BYTES, file_message
from ranks.interchange.readers import FileProblem
from ranks.interchange.schema import KIND_ORDER, KINDS


def import_kinds() -> list[tuple[str, str | Promise]]:
    return [(key, KINDS[key].title) for key in KIND_ORDER]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=import_kinds, widget=forms.RadioSelect)
    file = forms.FileField()

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                file_message(FileProblem("too_large", size=upload.size, limit=MAX_BYTES))
            )
        return upload
