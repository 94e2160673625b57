from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .image_metadata import strip_metadata


def parse_id(text: str) -> int | None:
    """A database id typed by a user, or None: only ASCII digits, and few enough
    of them for a bigint (int() accepts "²" and 5 000 digits; PostgreSQL doesn't)."""
    if text and text.isascii() and text.isdigit() and len(text) < 18:
        return int(text)
    return None


# --- menus -------------------------------------------------------------------

DASHES = "---------"  # Django's blank choice, which reads as nothing to anyone


def readable_blank_choices(form, **labels):
    """Gives every "---------" choice of the form's menus words: `labels[name]`
    where given (what leaving it empty means: "Any campus"), else "Choose…" on a
    field that needs an answer and "(none)" on one that doesn't. A field with a
    sensible default should have no blank choice at all: see its form."""
    for name, field in form.fields.items():
        label = labels.get(name) or (_("Choose…") if field.required else _("(none)"))
        if getattr(field, "empty_label", None) == DASHES:
            field.empty_label = label
        elif isinstance(field, forms.ChoiceField) and not hasattr(field, "queryset"):
            choices = list(field.choices)
            if any(value == "" and text == DASHES for value, text in choices):
                field.choices = [
                    (value, label if value == "" and text == DASHES else text)
                    for value, text in choices
                ]


# --- long texts and search boxes ----------------------------------------------

# A text this long or longer shows a live count of its characters as it is typed.
COUNTER_FROM = 1000


class CountedTextarea(forms.Textarea):
    """A textarea that shows how many of its characters are used while typing
    (static/js/maxlength-counter.js reads `data-maxlength-counter`, the wording of
    the count). Without JavaScript the browser's maxlength and the server's check
    still hold."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if "maxlength" in widget_attrs:
            widget_attrs["data-maxlength-counter"] = gettext("{count} of {max} characters used")
        return context


def limit_length(field, max_length):
    """Gives a form field (one a ModelForm made from a TextField, say) a maximum
    length, the browser's maxlength, and a character counter on a long one.
    Django's own message says the limit and the length typed."""
    field.max_length = max_length
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)
    if max_length >= COUNTER_FROM and isinstance(field.widget, forms.Textarea):
        counted = CountedTextarea(attrs=field.widget.attrs)
        counted.is_required = field.widget.is_required
        field.widget = counted
    return field


def long_text(*, max_length, rows=3, **kwargs):
    """A multi-line text field with its limit (and counter on a long one)."""
    widget = CountedTextarea if max_length >= COUNTER_FROM else forms.Textarea
    return forms.CharField(max_length=max_length, widget=widget(attrs={"rows": rows}), **kwargs)


SEARCH_MAX_LENGTH = 100


class SearchField(forms.CharField):
    """A list's search box: at most SEARCH_MAX_LENGTH characters. A longer query
    (pasted past the box, or typed into the address bar) is cut there and the
    field says so under the box, never a refusal, a 414 or a 500."""

    widget = forms.SearchInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("required", False)
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = str(SEARCH_MAX_LENGTH)
        self.shortened = False

    def bound_data(self, data, initial):
        return shorten_search(super().bound_data(data, initial))

    def get_bound_field(self, form, field_name):
        return _SearchBoundField(form, self, field_name)

    def to_python(self, value):
        value = super().to_python(value)
        if len(value) > SEARCH_MAX_LENGTH:
            self.shortened = True
            self.help_text = shortened_search_message()
        return shorten_search(value)


class _SearchBoundField(forms.BoundField):
    # The help text is read when shown, after cleaning may have set it (a bound
    # field copies it when made, which is before).
    help_text = property(lambda self: self.field.help_text, lambda self, value: None)


def shorten_search(value):
    return value[:SEARCH_MAX_LENGTH] if isinstance(value, str) else value


def shortened_search_message():
    return ngettext(
        "Only the first %(count)d character of the search was used.",
        "Only the first %(count)d characters of the search were used.",
        SEARCH_MAX_LENGTH,
    ) % {"count": SEARCH_MAX_LENGTH}


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
