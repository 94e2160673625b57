"""Every write about notices. Published content is never changed in place: a
correction is a new version; each use case checks the transition table."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member
from union_portal.core.calendar import add_working_days, is_working_day
from union_portal.core.notifications import notify
from union_portal.core.rules import RuleError

from .models import Notice, NoticeAttachment, NoticeVersion, Objection

Status = Notice.Status


class NoticeRuleError(RuleError):
    """A rule of this app refused the request."""


def _url(notice):
    return reverse("notices:detail", args=[notice.pk])


def _lock(notice):
    return Notice.objects.select_for_update().get(pk=notice.pk)


def _move(notice, status):
    if status not in Notice.TRANSITIONS[notice.status]:
        raise NoticeRuleError(
            _("A notice that is “%(status)s” cannot do that.")
            % {"status": notice.get_status_display()}
        )
    notice.status = status


def _officers(notice, roles=("officer", "chair")):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            is_active=True, branch_roles__branch_id=notice.branch_id, branch_roles__role__in=roles
        )
        .distinct()
    )


def _title(notice):
    return notice.current.title


def _tell(user, key, subject, notice, body="", **fields):
    """A notification about `notice`; `subject` is a lazy text with {title} and
    any other `fields`."""
    notify(
        user=user,
        key=key,
        subject=format_lazy(subject, title=_title(notice), **fields),
        body=body,
        url=_url(notice),
    )


def _save_content(version, *, lines, awards, files):
    """Writes the version's fund lines, award results and attachments (validated forms)."""
    for line in lines:
        line.version = version
        line.pk = None
        line.save()
    for award in awards:
        award.version = version
        award.pk = None
        award.save()
    for upload in files:
        token = get_random_string(32)
        attachment = NoticeAttachment(
            version=version, token=token, name=upload.name[:200],
            content_type=upload.content_type, size=upload.size,
        )  # fmt: skip
        attachment.file.save(token, upload, save=False)
        attachment.save()


def _check_content(kind, lines, awards):
    if kind == Notice.Kind.FUND and not lines:
        raise NoticeRuleError(_("A fund notice needs at least one line."))
    if kind == Notice.Kind.AWARD and not awards:
        raise NoticeRuleError(_("An award notice needs at least one winner."))


@transaction.atomic
def notice_create(*, actor, branch_id, kind, visibility, version, lines=(), awards=(), files=()):
    """A draft with its first version. `version` is an unsaved NoticeVersion;
    `lines` and `awards` unsaved FundLine / AwardResult rows."""
    _check_content(kind, lines, awards)
    notice = Notice.objects.create(
        branch_id=branch_id, kind=kind, visibility=visibility, created_by=actor
    )
    version.notice, version.number, version.created_by = notice, 1, actor
    version.save()
    _save_content(version, lines=lines, awards=awards, files=files)
    notice.current = version
    notice.save(update_fields=["current"])
    return notice


@transaction.atomic
def notice_update_draft(*, actor, notice, visibility, version, lines=(), awards=(), files=()):
    """Replaces the content of a notice that is not yet approved (its only version)."""
    notice = _lock(notice)
    if notice.status != Status.DRAFT:
        raise NoticeRuleError(
            _("Only a draft can be edited. A published notice is corrected with a new version.")
        )
    _check_content(notice.kind, lines, awards)
    current = notice.current
    current.title, current.body, current.criteria = version.title, version.body, version.criteria
    current.save(update_fields=["title", "body", "criteria"])
    current.fund_lines.all().delete()
    current.awards.all().delete()
    _save_content(current, lines=lines, awards=awards, files=files)
    notice.visibility = visibility
    notice.save(update_fields=["visibility"])
    return notice


@transaction.atomic
def notice_submit(*, actor, notice):
    notice = _lock(notice)
    _move(notice, Status.AWAITING)
    notice.save(update_fields=["status"])
    for chair in _officers(notice, roles=("chair",)):
        _tell(
            chair,
            f"notice-awaiting:{notice.pk}:{timezone.now().timestamp()}:{chair.pk}",
            gettext_lazy("To approve: {title}"),
            notice,
        )
    return notice


@transaction.atomic
def notice_approve(*, actor, notice):
    notice = _lock(notice)
    _move(notice, Status.APPROVED)
    notice.approved_by = actor
    notice.review_comment = ""
    notice.save(update_fields=["status", "approved_by", "review_comment"])
    _tell(
        notice.created_by,
        f"notice-approved:{notice.pk}",
        gettext_lazy("Approved: {title}"),
        notice,
    )
    return notice


@transaction.atomic
def notice_send_back(*, actor, notice, comment):
    if not (comment or "").strip():
        raise NoticeRuleError(_("Say what should change."))
    notice = _lock(notice)
    _move(notice, Status.DRAFT)
    notice.review_comment = comment
    notice.approved_by = None
    notice.save(update_fields=["status", "review_comment", "approved_by"])
    _tell(
        notice.created_by,
        f"notice-sent-back:{notice.pk}:{timezone.now().timestamp()}",
        gettext_lazy("Sent back: {title}"),
        notice,
        body=comment,
    )
    return notice


@transaction.atomic
def notice_publish(*, actor, notice, now=None):
    """Only an approved notice is published. The objection period runs for the
    configured working days; the branch's members are told."""
    now = now or timezone.now()
    notice = _lock(notice)
    if notice.status != Status.APPROVED:
        raise NoticeRuleError(_("Only a notice the chair has approved can be published."))
    _move(notice, Status.PUBLISHED)
    notice.published_at = now
    notice.objection_closes_on = add_working_days(
        timezone.localdate(now), settings.NOTICE_OBJECTION_WORKING_DAYS
    )
    notice.save(update_fields=["status", "published_at", "objection_closes_on"])
    NoticeVersion.objects.filter(pk=notice.current_id).update(published_at=now)
    members = Member.objects.filter(
        branch_id=notice.branch_id, status=Member.Status.ACTIVE, user__isnull=False
    ).select_related("user")
    for member in members:
        _tell(
            member.user,
            f"notice-published:{notice.pk}",
            gettext_lazy("Notice: {title}"),
            notice,
            body=format_lazy(
                gettext_lazy("Objections are possible until {date}."),
                date=notice.objection_closes_on.isoformat(),
            ),
        )
    return notice


@transaction.atomic
def notice_correct(*, actor, notice, version, reason, lines=(), awards=(), files=(), now=None):
    """Publishes a corrected version beside the old ones, with its reason."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise NoticeRuleError(_("Say why the notice is corrected."))
    notice = _lock(notice)
    if notice.status not in (Status.PUBLISHED, Status.FINAL):
        raise NoticeRuleError(_("Only a published notice can be corrected."))
    _check_content(notice.kind, lines, awards)
    previous = notice.current
    version.notice, version.number = notice, previous.number + 1
    version.created_by, version.reason, version.published_at = actor, reason, now
    version.save()
    _save_content(version, lines=lines, awards=awards, files=files)
    notice.current = version
    notice.save(update_fields=["current"])
    return notice


@transaction.atomic
def notice_withdraw(*, actor, notice, reason, now=None):
    """A published notice is withdrawn in public: it stays readable, marked as
    withdrawn, with the reason. An approved notice was never published, so
    nobody outside the officers has seen it: withdrawing it takes it back to
    draft (the approval is void) and it stays unseen."""
    if not (reason or "").strip():
        raise NoticeRuleError(_("Say why the notice is withdrawn."))
    notice = _lock(notice)
    if notice.status == Status.APPROVED:
        _move(notice, Status.DRAFT)
        approver, notice.approved_by, notice.review_comment = notice.approved_by, None, reason
        notice.save(update_fields=["status", "approved_by", "review_comment"])
        if approver is not None and approver != actor:
            _tell(
                approver,
                f"notice-unapproved:{notice.pk}:{timezone.now().timestamp()}",
                gettext_lazy("Back to draft before publishing: {title}"),
                notice,
                body=reason,
            )
        return notice
    _move(notice, Status.WITHDRAWN)
    notice.withdrawn_reason = reason
    notice.withdrawn_at = now or timezone.now()
    notice.save(update_fields=["status", "withdrawn_reason", "withdrawn_at"])
    return notice


def objection_period_open(notice, now=None) -> bool:
    today = timezone.localdate(now or timezone.now())
    return notice.status == Status.PUBLISHED and today <= notice.objection_closes_on


@transaction.atomic
def objection_file(*, user, member, notice, text, confidential=False, now=None):
    """A member of the branch objects during the period; the officers and chair
    hear of it privately (without the name, if confidential, except the chair)."""
    notice = _lock(notice)
    if notice.status == Status.WITHDRAWN:
        raise NoticeRuleError(_("This notice was withdrawn: there is nothing to object to."))
    if not objection_period_open(notice, now):
        raise NoticeRuleError(_("The objection period of this notice is over."))
    if member is None or member.branch_id != notice.branch_id:
        raise NoticeRuleError(_("Only members of the branch can object to its notices."))
    if not (text or "").strip():
        raise NoticeRuleError(_("Write your objection."))
    objection = Objection.objects.create(
        notice=notice, version_id=notice.current_id, member=member, user=user,
        text=text, confidential=confidential,
    )  # fmt: skip
    for officer in _officers(notice):
        _tell(
            officer,
            f"notice-objection:{objection.pk}:{officer.pk}",
            gettext_lazy("Objection to: {title}"),
            notice,
            body=text,
        )
    return objection


@transaction.atomic
def objection_answer(*, actor, objection, text, now=None):
    if not (text or "").strip():
        raise NoticeRuleError(_("Write the answer."))
    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if objection.answered_at:
        raise NoticeRuleError(_("This objection has already been answered."))
    objection.answer, objection.answered_by = text, actor
    objection.answered_at = now or timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    _tell(
        objection.user,
        f"notice-objection-answer:{objection.pk}",
        gettext_lazy("Answer to your objection: {title}"),
        objection.notice,
        body=text,
    )
    return objection


def notice_close_periods(*, now=None) -> int:
    """Marks notices final after their objection period (conditional update: a
    retried task closes nothing twice), and tells the officers one working day
    before a period closes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    closed = 0
    for notice in Notice.objects.filter(status=Status.PUBLISHED, objection_closes_on__lt=today):
        changed = Notice.objects.filter(pk=notice.pk, status=Status.PUBLISHED).update(
            status=Status.FINAL, finalised_at=now
        )
        closed += changed
    if is_working_day(today):
        tomorrow = add_working_days(today, 1)
        closing = Notice.objects.filter(
            Q(status=Status.PUBLISHED), objection_closes_on__range=(today, tomorrow)
        ).select_related("current")
        for notice in closing:
            for officer in _officers(notice):
                _tell(
                    officer,
                    f"notice-closing:{notice.pk}:{notice.objection_closes_on}:{officer.pk}",
                    gettext_lazy("Objection period closes {date}: {title}"),
                    notice,
                    date=notice.objection_closes_on.isoformat(),
                )
    return closed
