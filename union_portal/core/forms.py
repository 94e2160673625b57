from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .image_metadata import strip_metadata


def parse_id(text: str) -> int | None:
    """A database id typed by a user, or None: only ASCII digits, and few enough
    of them for a bigint (int() accepts "²" and 5 000 digits; PostgreSQL doesn't)."""
    if text and text.isascii() and text.isdigit() and len(text) < 18:
        return int(text)
    return None


class FilterForm(forms.Form):
    """A list page's filters, read from the query string."""

    def filters(self) -> dict:
        """The valid filters; an invalid one is reported and ignored, never fatal.
        An unbound form (no query string) has none."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}


class PeriodFilterForm(FilterForm):
    """A report's period; an end before the start drops the whole period."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to"):
            if cleaned["date_to"] < cleaned["date_from"]:
                self.add_error("date_to", _("The end of the period is before its start."))
                del cleaned["date_from"]
        return cleaned


# What a file must start with to be what it claims; the name alone proves nothing.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to a few PDF, PNG or JPEG files, each within the size limit. `limits`
    names the settings <limits>_MAX_FILES and <limits>_MAX_BYTES, read when used."""

    widget = MultipleFileInput

    def __init__(self, *, limits, **kwargs):
        self.limits = limits
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("help_text", lazy(self._help_text, str)())
        super().__init__(**kwargs)

    @property
    def max_files(self):
        return getattr(settings, f"{self.limits}_MAX_FILES", 3)

    @property
    def max_bytes(self):
        return getattr(settings, f"{self.limits}_MAX_BYTES")

    def _help_text(self):
        return _("PDF, PNG or JPEG, up to %(count)d files of %(size)s each.") % {
            "count": self.max_files,
            "size": filesizeformat(self.max_bytes),
        }

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise forms.ValidationError(
                _("Attach at most %(count)d files.") % {"count": self.max_files}
            )
        cleaned = []
        for upload in files:
            upload = super().clean(upload, initial)
            if upload.size > self.max_bytes:
                raise forms.ValidationError(
                    _("“%(name)s” is larger than %(size)s.")
                    % {
                        "name": upload.name,
                        "size": filesizeformat(self.max_bytes),
                    }
                )
            head = upload.read(16)
            upload.seek(0)
            kind = next((t for t, starts in SIGNATURES.items() if head.startswith(starts)), None)
            if kind is None:
                raise forms.ValidationError(
                    _("“%(name)s” is not a PDF, PNG or JPEG file.") % {"name": upload.name}
                )
            cleaned.append(self._without_metadata(upload, kind))
        return cleaned

    @staticmethod
    def _without_metadata(upload, kind):
        """The upload, an image stripped of what it says about its maker (EXIF
        position, author, comments: core.image_metadata), with its checked type."""
        if kind not in ("image/jpeg", "image/png"):
            upload.content_type = kind
            return upload
        try:
            content = strip_metadata(upload.read(), kind)
        except ValueError:
            raise forms.ValidationError(
                _("“%(name)s” could not be read as an image.") % {"name": upload.name}
            ) from None
        return SimpleUploadedFile(upload.name or "image", content, content_type=kind)
