"""Every write about award rounds (评优). Each use case checks its rule here:
views, the demo and tests call these and nothing else.

The shortlist (拟表彰人选) is published as an award notice through the notices'
own flow: it waits for a chair who did not pick it (and is not on it), then
its objection period opens; objections about an officer or the chair on it go
to the university liaison (notices.services.objection_file)."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member
from notices import services as notice_services
from notices.models import AwardResult, Notice, NoticeVersion
from union_portal.core.notifications import notify
from union_portal.core.rules import RuleError

from .models import AwardRound, Nomination
from .permissions import may_manage, may_nominate

Status = AwardRound.Status


class AwardRuleError(RuleError):
    """A rule of this app refused the request."""


def _lock(award_round):
    return (
        AwardRound.objects.select_for_update(of=("self",))
        .select_related("notice")
        .get(pk=award_round.pk)
    )


def _check_dates(opens, closes):
    if opens is None or closes is None:
        raise AwardRuleError(_("Give the dates nominations open and close."))
    if closes < opens:
        raise AwardRuleError(_("Nominations cannot close before they open."))


@transaction.atomic
def round_create(*, actor, branch_id, title, award, places, criteria, opens_on, closes_on):
    """A draft round of the branch, seen by its officers until the criteria are published."""
    from union_portal.core.roles import can

    if not can(actor, "awards.manage", branch_id):
        raise AwardRuleError(_("Only officers of the branch can start an award round."))
    if not (criteria or "").strip():
        raise AwardRuleError(_("Write the criteria (评选条件)."))
    _check_dates(opens_on, closes_on)
    return AwardRound.objects.create(
        branch_id=branch_id, title=title, award=award, places=places, criteria=criteria,
        nominations_open_on=opens_on, nominations_close_on=closes_on, created_by=actor,
    )  # fmt: skip


@transaction.atomic
def round_publish(*, actor, award_round, now=None):
    """Publishes the criteria and the nomination period; the branch's members are told.
    Published criteria are not changed afterwards."""
    now = now or timezone.now()
    award_round = _lock(award_round)
    if not may_manage(actor, award_round):
        raise AwardRuleError(_("Only officers of the branch can publish the criteria."))
    if Status.OPEN not in AwardRound.TRANSITIONS[award_round.status]:
        raise AwardRuleError(_("The criteria of this round are already published."))
    if award_round.nominations_close_on < timezone.localdate(now):
        raise AwardRuleError(
            _("The nomination period is already over: change its dates before publishing.")
        )
    award_round.status, award_round.published_at = Status.OPEN, now
    award_round.save(update_fields=["status", "published_at"])
    members = Member.objects.filter(
        branch_id=award_round.branch_id, status=Member.Status.ACTIVE, user__isnull=False
    ).select_related("user")
    for member in members:
        notify(
            user=member.user,
            key=f"award-round:{award_round.pk}",
            subject=format_lazy(gettext_lazy("Nominations open: {title}"), title=award_round.title),
            body=format_lazy(
                gettext_lazy("Nominations are open from {opens} to {closes}."),
                opens=award_round.nominations_open_on.isoformat(),
                closes=award_round.nominations_close_on.isoformat(),
            ),
            url=reverse("awards:detail", args=[award_round.pk]),
        )
    return award_round


def nominations_open(award_round, today=None) -> bool:
    today = today or timezone.localdate()
    return (
        award_round.status == Status.OPEN
        and award_round.nominations_open_on <= today <= award_round.nominations_close_on
    )


@transaction.atomic
def nomination_create(*, actor, award_round, nominee, reason, department=None, today=None):
    """A member of the branch nominates another active member of the branch,
    once per nominee, during the nomination period, with reasons; nobody
    nominates themselves. An officer may enter a department's (工会小组's)
    nomination, once per department and nominee."""
    from union_portal.core.roles import roles_of

    today = today or timezone.localdate()
    award_round = _lock(award_round)
    nominator = roles_of(actor).member
    if nominator is None or not may_nominate(actor, award_round):
        raise AwardRuleError(_("Only members of the branch can nominate."))
    if not nominations_open(award_round, today):
        raise AwardRuleError(
            _("Nominations for this round are accepted from %(opens)s to %(closes)s only.")
            % {
                "opens": award_round.nominations_open_on.isoformat(),
                "closes": award_round.nominations_close_on.isoformat(),
            }
        )
    if (
        nominee is None
        or nominee.branch_id != award_round.branch_id
        or nominee.status != Member.Status.ACTIVE
    ):
        raise AwardRuleError(_("Only active members of the branch can be nominated."))
    if nominee.pk == nominator.pk:
        raise AwardRuleError(_("You cannot nominate yourself."))
    if department is not None:
        if not may_manage(actor, award_round):
            raise AwardRuleError(_("Only officers enter a department's nomination."))
        if department.branch_id != award_round.branch_id:
            raise AwardRuleError(_("Choose a department of the branch."))
    if not (reason or "").strip():
        raise AwardRuleError(_("Say why you nominate this member."))
    try:
        with transaction.atomic():
            return Nomination.objects.create(
                round=award_round, nominee=nominee, nominator=nominator, department=department,
                user=actor, reason=reason.strip(),
            )  # fmt: skip
    except IntegrityError:
        if department is not None:
            message = _("%(department)s has already nominated %(name)s in this round.")
        else:
            message = _("You have already nominated %(name)s in this round.")
        raise AwardRuleError(
            message % {"name": nominee.name, "department": getattr(department, "name", "")}
        ) from None


def shortlist_allowed(award_round, today=None) -> bool:
    """Officers pick once nominations are closed, unless a shortlist is on its way
    or published (a withdrawn one may be replaced)."""
    today = today or timezone.localdate()
    return (
        award_round.status == Status.OPEN
        and today > award_round.nominations_close_on
        and (award_round.notice is None or award_round.notice.status == Notice.Status.WITHDRAWN)
    )


@transaction.atomic
def shortlist_submit(*, actor, award_round, nominee_ids, today=None):
    """Officers pick the proposed winners (拟表彰人选) among the nominees, at most
    the round's places and never themselves. The shortlist becomes an award
    notice awaiting the approval of a chair who did not pick it; publishing it
    opens the objection period."""
    today = today or timezone.localdate()
    award_round = _lock(award_round)
    if not may_manage(actor, award_round):
        raise AwardRuleError(_("Only officers of the branch can pick the proposed winners."))
    if award_round.status != Status.OPEN:
        raise AwardRuleError(_("Publish the criteria first."))
    if today <= award_round.nominations_close_on:
        raise AwardRuleError(
            _("Nominations are open until %(date)s: pick after they close.")
            % {"date": award_round.nominations_close_on.isoformat()}
        )
    if award_round.notice is not None and award_round.notice.status != Notice.Status.WITHDRAWN:
        raise AwardRuleError(_("The proposed winners of this round were already picked."))
    nominations = list(
        award_round.nominations.filter(nominee_id__in=nominee_ids or ()).select_related(
            "nominee__department", "nominee__user"
        )
    )
    nominees = {n.nominee_id: n.nominee for n in nominations}
    if not nominees:
        raise AwardRuleError(_("Pick at least one nominee."))
    if len(nominees) > award_round.places:
        raise AwardRuleError(
            _("This award has %(places)d places: pick at most %(places)d.")
            % {"places": award_round.places}
        )
    if any(member.user_id == actor.pk for member in nominees.values()):
        raise AwardRuleError(
            _("You are among the nominees you picked: another officer must pick the shortlist.")
        )
    award_round.nominations.update(picked=False)
    award_round.nominations.filter(nominee_id__in=nominees).update(picked=True)
    ordered = sorted(nominees.values(), key=lambda m: (m.department.name, m.name))
    notice = notice_services.notice_create(
        actor=actor,
        branch_id=award_round.branch_id,
        kind=Notice.Kind.AWARD,
        visibility=Notice.Visibility.PUBLIC,
        version=NoticeVersion(
            title=_("Proposed winners: %(title)s") % {"title": award_round.title},
            body=_(
                "Nominations closed on %(date)s. The branch's officers propose the members "
                "below for the award; objections are possible during the objection period."
            )
            % {"date": award_round.nominations_close_on.isoformat()},
            criteria=award_round.criteria,
        ),
        awards=[
            AwardResult(
                member=m, winner=m.name, department=m.department.name, award=award_round.award
            )
            for m in ordered
        ],
    )
    notice_services.notice_submit(actor=actor, notice=notice)
    award_round.notice = notice
    award_round.save(update_fields=["notice"])
    return award_round
