"""Reads for the notice pages, each at a fixed number of queries."""

from django.db.models import Count, DecimalField, Prefetch, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from .models import AwardResult, FundLine, Notice, NoticeAttachment, NoticeVersion
from .permissions import notices_readable_by


def notice_list(*, user, filters):
    notices = notices_readable_by(user).select_related("branch", "current")
    if filters.get("q"):
        notices = notices.filter(current__title__icontains=filters["q"])
    if filters.get("kind"):
        notices = notices.filter(kind=filters["kind"])
    if filters.get("branch"):
        notices = notices.filter(branch=filters["branch"])
    if filters.get("year"):
        notices = notices.filter(published_at__year=filters["year"])
    return notices.annotate(version_count=Count("versions")).order_by("-published_at", "-id")


def version_content(version):
    """A version with its lines, winners and files loaded, and the fund total."""
    version = (
        NoticeVersion.objects.filter(pk=version.pk)
        .prefetch_related(
            Prefetch("fund_lines", queryset=FundLine.objects.order_by("date", "id")),
            Prefetch("awards", queryset=AwardResult.objects.order_by("id")),
            Prefetch("attachments", queryset=NoticeAttachment.objects.order_by("id")),
        )
        .get()
    )
    version.total = sum((line.amount for line in version.fund_lines.all()), start=0)
    return version


def versions_of(notice):
    """The notice's numbered versions: its first one and the approved corrections."""
    return (
        notice.versions.filter(number__isnull=False)
        .order_by("number")
        .only("id", "number", "title", "reason", "published_at", "created_at", "notice_id")
    )


def pending_correction(notice):
    """The correction awaiting approval, with its author, or None."""
    return (
        notice.versions.filter(review=NoticeVersion.Review.PENDING)
        .select_related("created_by", "edited_by")
        .first()
    )


def correction_start(notice):
    """What a new correction starts from: the last one sent back since the
    current version (to fix what the chair said), else the current version."""
    sent_back = (
        notice.versions.filter(review=NoticeVersion.Review.SENT_BACK, pk__gt=notice.current_id)
        .order_by("-pk")
        .first()
    )
    return sent_back or notice.current


def public_feed_items(limit=30):
    return (
        Notice.objects.filter(Notice.readable_q(), visibility=Notice.Visibility.PUBLIC)
        .select_related("branch", "current")
        .order_by("-published_at", "-id")[:limit]
    )


def yearly_summary(*, year, user):
    """Money published per branch and purpose in a year, from the current
    version of each fund notice (withdrawn notices left out)."""
    notices = notices_readable_by(user).filter(
        kind=Notice.Kind.FUND, status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL]
    )
    if year:
        notices = notices.filter(published_at__year=year)
    zero = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))
    rows = (
        FundLine.objects.filter(version__in=notices.values("current"))
        .values("version__notice__branch__name", "purpose")
        .annotate(total=Coalesce(Sum("amount"), zero), lines=Count("id"))
        .order_by("version__notice__branch__name", "-total")
    )
    return list(rows)


def years_with_notices(*, user):
    """The years of the fund notices this reader may see (a year known only from
    members-only notices is not offered to the public)."""
    return list(
        notices_readable_by(user)
        .filter(kind=Notice.Kind.FUND, status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL])
        .annotate(year=ExtractYear("published_at"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
