"""Every write about notices. Published content is never changed in place: a
correction is a new version that waits for a chair who did not write it; each
use case checks the transition tables (Notice.TRANSITIONS for the notice,
NoticeVersion.REVIEW_TRANSITIONS for a correction)."""

import difflib
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import BranchRole, Member
from union_portal.core import cache_versions
from union_portal.core.calendar import add_working_days, is_working_day
from union_portal.core.notifications import Note, notify, notify_each
from union_portal.core.roles import can
from union_portal.core.rules import RuleError

from . import fund_rules
from .models import (
    BranchNoticeSettings,
    Budget,
    BudgetLine,
    FundLine,
    Income,
    Notice,
    NoticeAttachment,
    NoticeVersion,
    Objection,
    SpendingCategory,
)
from .permissions import (
    approval_refusal,
    can_chair_branch,
    may_answer_objection,
    may_chair,
    may_drop_correction,
    nominated_officer_ids,
    nominated_user_ids,
)
from .selectors import CACHE_VERSION, version_content

Status = Notice.Status
Review = NoticeVersion.Review


class NoticeRuleError(RuleError):
    """A rule of this app refused the request."""


def _url(notice):
    return reverse("notices:detail", args=[notice.pk])


def _correction_url(notice):
    return reverse("notices:correction", args=[notice.pk])


def _lock(notice):
    return Notice.objects.select_for_update().get(pk=notice.pk)


def _changed():
    """What the notice pages cache (line totals, the money summary, the feed) is
    stale once this transaction commits."""
    cache_versions.bump(CACHE_VERSION, at_once=True)


def _move(notice, status):
    if status not in Notice.TRANSITIONS[notice.status]:
        raise NoticeRuleError(
            _("A notice that is “%(status)s” cannot do that.")
            % {"status": notice.get_status_display()}
        )
    notice.status = status
    _changed()


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


def _tell(user, key, subject, notice, body="", url=None, **fields):
    """A notification about `notice`; `subject` is a lazy text with {title} and
    any other `fields`."""
    notify(
        user=user,
        key=key,
        subject=format_lazy(subject, title=_title(notice), **fields),
        body=body,
        url=url or _url(notice),
    )


def _members(notice):
    return Member.objects.filter(
        branch_id=notice.branch_id, status=Member.Status.ACTIVE, user__isnull=False
    ).select_related("user")


def _check_approver(actor, notice, version):
    refusal = approval_refusal(actor, notice, version)
    if refusal:
        raise NoticeRuleError(refusal)


def award_member(branch_id, name, department=""):
    """The roster entry of the branch a winner written as text names: the only
    member with that name (and department, when two share it), or None."""
    candidates = list(
        Member.objects.filter(branch_id=branch_id, name=(name or "").strip()).select_related(
            "department"
        )
    )
    if len(candidates) > 1:
        candidates = [m for m in candidates if m.department.name == (department or "").strip()]
    return candidates[0] if len(candidates) == 1 else None


def _place(line, branch_id, placed):
    """A line written without a category (demo data, scripts) is placed by its
    note, as the migration placed the old lines; a category of another branch
    is refused."""
    if line.category_id is None:
        top, sub = fund_rules.place(f"{line.note} {line.budget_line}")
        key = (top, sub)
        if key not in placed:
            found = SpendingCategory.objects.filter(
                branch__isnull=True, name=sub or top, parent__name=top if sub else None
            )
            placed[key] = (
                found.first()
                or SpendingCategory.objects.filter(
                    branch__isnull=True, name=fund_rules.OTHER
                ).first()
            )
        line.category = placed[key]
    elif line.category.branch_id not in (None, branch_id):
        raise NoticeRuleError(_("Choose a spending category from the list."))


def _save_content(version, *, lines, awards, files):
    """Writes the version's fund lines, award results and attachments (validated
    forms), and a budget notice's copy of the branch's budget of its year."""
    _changed()
    placed = {}
    for line in lines:
        _place(line, version.notice.branch_id, placed)
        line.version = version
        line.pk = None
    FundLine.objects.bulk_create(lines)
    notice = version.notice
    if notice.kind == Notice.Kind.BUDGET:
        BudgetLine.objects.bulk_create(
            BudgetLine(version=version, category_id=row.category_id, amount=row.amount)
            for row in Budget.objects.filter(branch_id=notice.branch_id, year=notice.budget_year)
        )
    branch_id = notice.branch_id
    for award in awards:
        award.version = version
        award.pk = None
        if award.member_id is None:
            award.member = award_member(branch_id, award.winner, award.department)
        elif award.member.branch_id != branch_id:
            raise NoticeRuleError(_("A winner must be a member of the branch."))
        award.save()
    for upload in files:
        token = get_random_string(32)
        attachment = NoticeAttachment(
            version=version, token=token, name=upload.name[:200],
            content_type=upload.content_type, size=upload.size,
        )  # fmt: skip
        attachment.file.save(token, upload, save=False)
        attachment.save()


def _check_content(kind, lines, awards, *, branch_id=None, budget_year=None):
    if kind == Notice.Kind.FUND and not lines:
        raise NoticeRuleError(_("A fund notice needs at least one line."))
    if kind == Notice.Kind.AWARD and not awards:
        raise NoticeRuleError(_("An award notice needs at least one winner."))
    if kind == Notice.Kind.BUDGET:
        if not budget_year:
            raise NoticeRuleError(_("Say which year's budget the notice publishes."))
        if not Budget.objects.filter(branch_id=branch_id, year=budget_year).exists():
            raise NoticeRuleError(
                _("The branch has no budget for %(year)s: enter it on the budget page first.")
                % {"year": budget_year}
            )


@transaction.atomic
def notice_create(
    *, actor, branch_id, kind, visibility, version, lines=(), awards=(), files=(),
    budget_year=None,
):  # fmt: skip
    """A draft with its first version. `version` is an unsaved NoticeVersion;
    `lines` and `awards` unsaved FundLine / AwardResult rows. A budget notice
    (kind "budget") copies the branch's budget of `budget_year`."""
    if kind not in Notice.Kind.values:
        raise NoticeRuleError(_("Unknown kind of notice."))
    if kind != Notice.Kind.BUDGET:
        budget_year = None
    _check_content(kind, lines, awards, branch_id=branch_id, budget_year=budget_year)
    notice = Notice.objects.create(
        branch_id=branch_id, kind=kind, visibility=visibility, created_by=actor,
        budget_year=budget_year,
    )  # fmt: skip
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
    _check_content(
        notice.kind, lines, awards, branch_id=notice.branch_id, budget_year=notice.budget_year
    )
    current = notice.current
    current.title, current.body, current.criteria = version.title, version.body, version.criteria
    # Whoever changed the content is one of its authors: they cannot approve it.
    if actor.pk != current.created_by_id:
        current.edited_by = actor
        current.editor_ids = sorted({*(current.editor_ids or ()), actor.pk})
    current.save(update_fields=["title", "body", "criteria", "edited_by", "editor_ids"])
    current.fund_lines.all().delete()
    current.awards.all().delete()
    current.budget_lines.all().delete()
    _save_content(current, lines=lines, awards=awards, files=files)
    notice.visibility = visibility
    notice.save(update_fields=["visibility"])
    return notice


@transaction.atomic
def notice_submit(*, actor, notice):
    """Sends a draft to the branch's chairs who did not write it."""
    notice = _lock(notice)
    _move(notice, Status.AWAITING)
    notice.save(update_fields=["status"])
    authors = notice.current.author_ids
    for chair in _officers(notice, roles=("chair",)).exclude(pk__in=authors):
        _tell(
            chair,
            f"notice-awaiting:{notice.pk}:{timezone.now().timestamp()}:{chair.pk}",
            gettext_lazy("To approve: {title}"),
            notice,
        )
    return notice


def publishes_on_approval(branch_id) -> bool:
    """The branch's setting: approving a notice also publishes it (default off)."""
    return BranchNoticeSettings.objects.filter(
        branch_id=branch_id, publish_on_approval=True
    ).exists()


@transaction.atomic
def notice_approve(*, actor, notice, now=None):
    """A chair of the branch who did not write the notice approves it; where the
    branch says so, approving also publishes it (one step, same rule)."""
    notice = _lock(notice)
    _check_approver(actor, notice, notice.current)
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
    if publishes_on_approval(notice.branch_id):
        _publish(notice, now=now or timezone.now())
    return notice


@transaction.atomic
def notice_settings_save(*, actor, branch_id, publish_on_approval):
    """A chair of the branch sets how its notices are run."""
    if not can_chair_branch(actor, branch_id):
        raise NoticeRuleError(_("Only a chair of the branch can change this."))
    settings_row, _created = BranchNoticeSettings.objects.select_for_update().get_or_create(
        branch_id=branch_id
    )
    settings_row.publish_on_approval = bool(publish_on_approval)
    settings_row.save(update_fields=["publish_on_approval"])
    return settings_row


@transaction.atomic
def notice_send_back(*, actor, notice, comment):
    if not (comment or "").strip():
        raise NoticeRuleError(_("Say what should change."))
    notice = _lock(notice)
    if not may_chair(actor, notice):
        raise NoticeRuleError(_("Only a chair of the branch can send a notice back."))
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
    return _publish(notice, now=now)


def _publish(notice, *, now):
    """Publishes a locked, approved notice. A fund, award or budget notice opens
    its objection period; an announcement has none and is final at once."""
    if notice.has_objections:
        _move(notice, Status.PUBLISHED)
        notice.objection_closes_on = add_working_days(
            timezone.localdate(now), settings.NOTICE_OBJECTION_WORKING_DAYS
        )
        body = format_lazy(
            gettext_lazy("Objections are possible until {date}."),
            date=notice.objection_closes_on.isoformat(),
        )
    else:
        _move(notice, Status.FINAL)
        notice.objection_closes_on, notice.finalised_at, body = None, now, ""
    notice.published_at = now
    notice.save(update_fields=["status", "published_at", "objection_closes_on", "finalised_at"])
    NoticeVersion.objects.filter(pk=notice.current_id).update(published_at=now)
    for member in _members(notice):
        _tell(
            member.user,
            f"notice-published:{notice.pk}",
            gettext_lazy("Notice: {title}"),
            notice,
            body=body,
        )
    return notice


def _pending(notice):
    """The notice's correction awaiting approval, locked; refused if there is none."""
    correction = (
        NoticeVersion.objects.select_for_update()
        .filter(notice=notice, review=Review.PENDING)
        .first()
    )
    if correction is None:
        raise NoticeRuleError(_("No correction of this notice is awaiting approval."))
    return correction


def _review(correction, review, *, actor, now, comment=""):
    if review not in NoticeVersion.REVIEW_TRANSITIONS[correction.review]:
        raise NoticeRuleError(_("This correction was already decided."))
    correction.review, correction.reviewed_by, correction.reviewed_at = review, actor, now
    correction.review_comment = comment
    correction.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_comment"])


@transaction.atomic
def notice_correct(*, actor, notice, version, reason, lines=(), awards=(), files=()):
    """Submits a correction of a published notice for approval. Money and winners
    change only in the open: until a chair who did not write the correction
    approves it, readers keep seeing the current version (on the page, in the
    exports, the feed and the summary). One correction waits at a time."""
    if not (reason or "").strip():
        raise NoticeRuleError(_("Say why the notice is corrected."))
    notice = _lock(notice)
    if notice.status not in Notice.CORRECTABLE:
        raise NoticeRuleError(_("Only a published notice can be corrected."))
    if notice.versions.filter(review=Review.PENDING).exists():
        raise NoticeRuleError(
            _(
                "A correction of this notice is already awaiting approval: it must be "
                "approved, sent back or dropped before another one."
            )
        )
    _check_content(
        notice.kind, lines, awards, branch_id=notice.branch_id, budget_year=notice.budget_year
    )
    version.notice, version.number, version.published_at = notice, None, None
    version.created_by, version.reason, version.review = actor, reason, Review.PENDING
    version.save()
    _save_content(version, lines=lines, awards=awards, files=files)
    for chair in _officers(notice, roles=("chair",)).exclude(pk=actor.pk):
        _tell(
            chair,
            f"notice-correction:{version.pk}:{chair.pk}",
            gettext_lazy("Correction to approve: {title}"),
            notice,
            body=reason,
            url=_correction_url(notice),
        )
    return version


def _rows(version, kind):
    if kind == Notice.Kind.FUND:
        return [
            (line.date, line.category_id, line.note, line.payee, line.amount, line.budget_line)
            for line in version.fund_lines.all()
        ]
    if kind == Notice.Kind.BUDGET:
        return [(line.category_id, line.amount) for line in version.budget_lines.all()]
    if kind == Notice.Kind.AWARD:
        return [(a.winner, a.department, a.award) for a in version.awards.all()]
    return []


def correction_changes(old, new, kind) -> dict:
    """What a correction changed, counted as a reader compares the two tables:
    rows added, removed and changed (a row replaced in place), and the totals."""
    before, after = _rows(old, kind), _rows(new, kind)
    added = removed = changed = 0
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        common = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        changed += common
        removed += (i2 - i1) - common
        added += (j2 - j1) - common
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "old_total": old.total,
        "total": new.total,
        "wording": (old.title, old.body, old.criteria) != (new.title, new.body, new.criteria),
    }


def _what_changed(notice, correction, changes):
    """The notification's body: the reason, then what changed, then the period."""
    counts = {k: changes[k] for k in ("added", "removed", "changed")}
    parts = [format_lazy(gettext_lazy("Reason: {reason}"), reason=correction.reason)]
    if notice.kind in (Notice.Kind.FUND, Notice.Kind.BUDGET):
        parts.append(
            format_lazy(
                gettext_lazy(
                    "Lines: {added} added, {removed} removed, {changed} changed. "
                    "New total: ¥{total} (was ¥{old_total})."
                ),
                total=f"{changes['total']:,.2f}",
                old_total=f"{changes['old_total']:,.2f}",
                **counts,
            )
        )
    elif notice.kind == Notice.Kind.AWARD:
        parts.append(
            format_lazy(
                gettext_lazy("Winners: {added} added, {removed} removed, {changed} changed."),
                **counts,
            )
        )
    if changes["wording"]:
        parts.append(gettext_lazy("The text was changed."))
    if notice.objection_closes_on and notice.has_objections:
        parts.append(
            format_lazy(
                gettext_lazy("Objections are possible until {date}."),
                date=notice.objection_closes_on.isoformat(),
            )
        )
    return format_lazy("\n".join(["{}"] * len(parts)), *parts)


@transaction.atomic
def correction_approve(*, actor, notice, now=None):
    """A chair of the branch who did not write the correction approves it. It
    becomes the current version under the next number (the old one stays
    readable, with the diff); the notice is in its objection period again, for
    NOTICE_OBJECTION_WORKING_DAYS working days from today, as when it was first
    published; the branch's members are told the reason and what changed."""
    now = now or timezone.now()
    notice = _lock(notice)
    correction = _pending(notice)
    _check_approver(actor, notice, correction)
    if notice.status not in Notice.CORRECTABLE:
        raise NoticeRuleError(_("Only a published notice can be corrected."))
    if notice.status != Status.PUBLISHED and notice.has_objections:
        _move(notice, Status.PUBLISHED)
    _review(correction, Review.APPROVED, actor=actor, now=now)
    previous = version_content(notice.current, notice.kind)
    correction.number = (notice.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    correction.published_at = now
    _changed()
    correction.save(update_fields=["number", "published_at"])
    notice.current = correction
    if notice.has_objections:
        notice.finalised_at = None
        notice.objection_closes_on = add_working_days(
            timezone.localdate(now), settings.NOTICE_OBJECTION_WORKING_DAYS
        )
    notice.save(update_fields=["status", "current", "finalised_at", "objection_closes_on"])
    changes = correction_changes(previous, version_content(correction, notice.kind), notice.kind)
    body = _what_changed(notice, correction, changes)
    for member in _members(notice):
        _tell(
            member.user,
            f"notice-corrected:{notice.pk}:{correction.number}",
            gettext_lazy("Corrected: {title}"),
            notice,
            body=body,
        )
    _tell(
        correction.created_by,
        f"notice-correction-approved:{correction.pk}",
        gettext_lazy("Correction approved: {title}"),
        notice,
        body=body,
    )
    return notice


@transaction.atomic
def correction_send_back(*, actor, notice, comment, now=None):
    """A chair who did not write the correction refuses it with a comment; the
    notice stays as it is and its author may submit a new correction."""
    if not (comment or "").strip():
        raise NoticeRuleError(_("Say what should change."))
    notice = _lock(notice)
    correction = _pending(notice)
    _check_approver(actor, notice, correction)
    _review(correction, Review.SENT_BACK, actor=actor, now=now or timezone.now(), comment=comment)
    _tell(
        correction.created_by,
        f"notice-correction-sent-back:{correction.pk}",
        gettext_lazy("Correction sent back: {title}"),
        notice,
        body=comment,
    )
    return correction


@transaction.atomic
def correction_drop(*, actor, notice, now=None):
    """Its author, or a chair, drops a correction that waits; nothing changes for readers."""
    notice = _lock(notice)
    correction = _pending(notice)
    if not may_drop_correction(actor, notice, correction):
        raise NoticeRuleError(
            _("Only the author of the correction or a chair of the branch can drop it.")
        )
    _review(correction, Review.DROPPED, actor=actor, now=now or timezone.now())
    return correction


@transaction.atomic
def notice_withdraw(*, actor, notice, reason, now=None):
    """A published notice is withdrawn in public: it stays readable, marked as
    withdrawn, with the reason. An approved notice was never published, so
    nobody outside the officers has seen it: withdrawing it takes it back to
    draft (the approval is void) and it stays unseen."""
    if not (reason or "").strip():
        raise NoticeRuleError(_("Say why the notice is withdrawn."))
    notice = _lock(notice)
    if actor.pk in nominated_user_ids(notice):
        # Withdrawing ends the objection period: not for someone the award names.
        raise NoticeRuleError(
            _("You are named in this award: another officer of the branch must withdraw it.")
        )
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
    # A correction waiting for approval has nothing left to correct.
    for correction in notice.versions.select_for_update().filter(review=Review.PENDING):
        _review(correction, Review.DROPPED, actor=actor, now=notice.withdrawn_at, comment=reason)
    _mark_inbox_withdrawn(notice, reason)
    return notice


def _mark_inbox_withdrawn(notice, reason):
    """Every inbox item about the notice says it was withdrawn (in its reader's
    language) and links to the notice page, which shows it as withdrawn: no more
    link to a correction to review, no more "objections possible until"."""
    from union_portal.core.models import Notification

    urls = [_url(notice), _correction_url(notice)]
    items = Notification.objects.filter(url__in=urls).select_related("user")
    for item in items:
        with translation.override(getattr(item.user, "language", None) or settings.LANGUAGE_CODE):
            subject = _("[Withdrawn] %(title)s") % {"title": item.subject}
            body = _("This notice was withdrawn.") + " " + reason
        Notification.objects.filter(pk=item.pk).update(
            subject=subject[:255], body=body, url=_url(notice)
        )


def objection_period_open(notice, now=None) -> bool:
    if not notice.has_objections or notice.objection_closes_on is None:
        return False
    today = timezone.localdate(now or timezone.now())
    return notice.status == Status.PUBLISHED and today <= notice.objection_closes_on


@transaction.atomic
def objection_file(*, user, member, notice, text, confidential=False, now=None):
    """A member of the branch objects during the period; the officers and chair
    hear of it privately (without the name, if confidential, except the chair)."""
    notice = _lock(notice)
    if not notice.has_objections:
        raise NoticeRuleError(_("An announcement has no objection period."))
    if notice.status == Status.WITHDRAWN:
        raise NoticeRuleError(_("This notice was withdrawn: there is nothing to object to."))
    if not objection_period_open(notice, now):
        raise NoticeRuleError(_("The objection period of this notice is over."))
    if member is None or member.branch_id != notice.branch_id:
        raise NoticeRuleError(_("Only members of the branch can object to its notices."))
    if not (text or "").strip():
        raise NoticeRuleError(_("Write your objection."))
    # An officer or chair named in the award does not hear what is said about
    # it, nor do their colleagues: the university liaison handles it.
    to_liaison = bool(nominated_officer_ids(notice))
    objection = Objection.objects.create(
        notice=notice, version_id=notice.current_id, member=member, user=user,
        text=text, confidential=confidential, to_liaison=to_liaison,
    )  # fmt: skip
    _changed()  # who objected to the notice (selectors.objector_ids)
    # A liaison named in the award does not hear of it either.
    handlers = (
        _liaisons().exclude(pk__in=nominated_user_ids(notice)) if to_liaison else _officers(notice)
    )
    for officer in handlers:
        if officer.pk == user.pk:
            continue  # their own objection is answered by another
        _tell(
            officer,
            f"notice-objection:{objection.pk}:{officer.pk}",
            gettext_lazy("Objection to: {title}"),
            notice,
            body=text,
        )
    return objection


def _liaisons():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, branch_roles__role="liaison").distinct()


@transaction.atomic
def objection_answer(*, actor, objection, text, now=None):
    """The objection's handler answers it: an officer of the branch who is not
    named in the award, or the university liaison for one routed to them."""
    if not (text or "").strip():
        raise NoticeRuleError(_("Write the answer."))
    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if not may_answer_objection(actor, objection):
        raise NoticeRuleError(
            _("This objection is not yours to answer: it concerns an award you are named in, "
              "or it was sent to the university union.")
        )  # fmt: skip
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
    """Marks notices final after their objection period (one conditional update:
    a retried task closes nothing twice), and tells the officers one working day
    before a period closes: the inbox rows, keyed per notice, date and officer,
    are the marks, written a thousand at a time (notify_each), the officers of
    every branch found with one query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    closed = Notice.objects.filter(status=Status.PUBLISHED, objection_closes_on__lt=today).update(
        status=Status.FINAL, finalised_at=now
    )
    if closed:
        _changed()
    if is_working_day(today):
        tomorrow = add_working_days(today, 1)
        closing = list(
            Notice.objects.filter(
                Q(status=Status.PUBLISHED), objection_closes_on__range=(today, tomorrow)
            )
            .select_related("current")
            .order_by("pk")
        )
        officers = _officers_of({notice.branch_id for notice in closing})
        subject = gettext_lazy("Objection period closes {date}: {title}")
        notify_each(
            Note(
                user=officer,
                key=f"notice-closing:{notice.pk}:{notice.objection_closes_on}:{officer.pk}",
                subject=format_lazy(
                    subject, title=_title(notice), date=notice.objection_closes_on.isoformat()
                ),
                url=_url(notice),
            )
            for notice in closing
            for officer in officers[notice.branch_id]
        )
    return closed


def _officers_of(branch_ids) -> dict:
    """_officers() of many branches with one query: {branch id: [users]}."""
    found = defaultdict(dict)
    offices = BranchRole.objects.filter(
        user__is_active=True, branch_id__in=branch_ids, role__in=("officer", "chair")
    ).select_related("user")
    for office in offices.order_by("pk"):
        found[office.branch_id][office.user_id] = office.user
    return {branch_id: list(found[branch_id].values()) for branch_id in branch_ids}


# --- Accounts: spending categories, budget, income -------------------------


def _check_keeper(actor, branch_id):
    if not can(actor, "notices.manage", branch_id):
        raise NoticeRuleError(_("Only the branch's officers keep its accounts."))


@transaction.atomic
def category_create(*, actor, branch_id, name, parent=None):
    """An officer adds a category (or a sub-item of a top-level one) for the
    branch; the seeded categories are everyone's. Two levels only, names unique
    among their siblings."""
    _check_keeper(actor, branch_id)
    _changed()
    name = " ".join((name or "").split())
    if not name:
        raise NoticeRuleError(_("Give the category a name."))
    if len(name) > 40:
        raise NoticeRuleError(_("A category's name has at most 40 characters."))
    if parent is not None:
        if parent.parent_id is not None:
            raise NoticeRuleError(_("A sub-item goes under a top-level category."))
        if parent.branch_id not in (None, branch_id):
            raise NoticeRuleError(_("Choose a spending category from the list."))
    siblings = SpendingCategory.objects.filter(
        Q(branch__isnull=True) | Q(branch_id=branch_id), parent=parent, name__iexact=name
    )
    if siblings.exists():
        raise NoticeRuleError(_("There is already a category of that name here."))
    last = SpendingCategory.objects.filter(parent=parent).aggregate(n=Max("sort"))["n"]
    base = parent.sort * 10 if parent is not None else 0
    return SpendingCategory.objects.create(
        branch_id=branch_id, parent=parent, name=name, sort=max(last or base, base) + 1
    )


@transaction.atomic
def category_delete(*, actor, category):
    """Removes a category the branch added and nothing uses: no line, budget,
    budget notice or sub-item."""
    category = SpendingCategory.objects.select_for_update().get(pk=category.pk)
    if category.branch_id is None:
        raise NoticeRuleError(_("The categories of the fund rules cannot be removed."))
    _check_keeper(actor, category.branch_id)
    _changed()
    in_use = (
        FundLine.objects.filter(category=category).exists()
        or Budget.objects.filter(category=category).exists()
        or BudgetLine.objects.filter(category=category).exists()
        or category.children.exists()
    )
    if in_use:
        raise NoticeRuleError(
            _("“%(name)s” is in use (lines, a budget or sub-items): it cannot be removed.")
            % {"name": category.name}
        )
    category.delete()


@transaction.atomic
def budget_save(*, actor, branch_id, year, amounts):
    """The branch's budget of `year`: {top-level category id: amount or None}.
    An empty amount removes that line; amounts are CNY, not negative."""
    _check_keeper(actor, branch_id)
    _changed()
    allowed = set(
        SpendingCategory.objects.filter(
            Q(branch__isnull=True) | Q(branch_id=branch_id), parent__isnull=True
        ).values_list("pk", flat=True)
    )
    for category_id, amount in amounts.items():
        if category_id not in allowed:
            raise NoticeRuleError(_("Choose a spending category from the list."))
        if amount is not None and amount < 0:
            raise NoticeRuleError(_("A budget cannot be negative."))
    for category_id, amount in amounts.items():
        rows = Budget.objects.filter(branch_id=branch_id, year=year, category_id=category_id)
        if amount is None:
            rows.delete()
        else:
            Budget.objects.update_or_create(
                branch_id=branch_id, year=year, category_id=category_id,
                defaults={"amount": amount},
            )  # fmt: skip
    return True


@transaction.atomic
def income_add(*, actor, branch_id, date, source, amount, note=""):
    _check_keeper(actor, branch_id)
    _changed()
    if source not in Income.Source.values:
        raise NoticeRuleError(_("Choose where the money came from."))
    if amount is None or amount <= 0:
        raise NoticeRuleError(_("The amount must be more than zero."))
    return Income.objects.create(
        branch_id=branch_id, date=date, source=source, amount=amount, note=note, created_by=actor
    )


@transaction.atomic
def income_delete(*, actor, income):
    _check_keeper(actor, income.branch_id)
    _changed()
    Income.objects.filter(pk=income.pk).delete()
