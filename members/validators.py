import re
import string

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A mainland mobile number, or a landline with its area code (extension optional).
PHONE_RE = re.compile(r"^(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")
STAFF_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{2,20}$")


def validate_phone(value):
    if value and not PHONE_RE.match(value.replace(" ", "")):
        raise ValidationError(
            _(
                "Enter an 11-digit mobile number such as 13812345678, or a landline such as "
                "0571-88881234."
            ),
            code="phone",
        )


def validate_staff_number(value):
    if not STAFF_NUMBER_RE.match(value or ""):
        raise ValidationError(
            _("A staff number is 2 to 20 letters, digits or hyphens."), code="staff_number"
        )


def validate_not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalise_email(value) -> str:
    """The one form in which emails are stored and compared (roster, sign-up,
    import): surrounding spaces dropped, the ASCII letters A-Z lower-cased and
    every other character kept exactly as typed.

    Deliberately no Unicode folding: str.lower()/casefold(), NFKC and
    PostgreSQL's UPPER()/ILIKE (behind `iexact`) turn ſ (U+017F) into s, the
    Kelvin sign K (U+212A) into k and full-width letters into ASCII, so a
    look-alike address would match, and claim, someone else's roster entry.
    Kept apart, a look-alike can only ever match itself."""
    return str(value or "").strip().translate(_ASCII_LOWER)


def validate_plain_email(value):
    """Roster emails are plain ASCII: Django's email check accepts ſ and K
    (its pattern ignores case), which are look-alikes of s and k."""
    if value and not value.isascii():
        raise ValidationError(
            _(
                "Type the email address in plain letters and digits, without full-width, "
                "accented or look-alike letters."
            ),
            code="email_not_ascii",
        )
