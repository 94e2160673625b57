"""Who holds which office, and what each office may do in a branch.

This is the one place that answers "may this user do X in this branch?".
Each app's permissions.py builds its object checks on `can()`.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

MEMBER = "member"
OFFICER = "officer"
CHAIR = "chair"
LIAISON = "liaison"

# action -> the offices that may perform it within a branch. A chair holds
# every officer right; the liaison's rights are university-wide.
ACTIONS = {
    "roster.view": {OFFICER, CHAIR},
    "roster.edit": {OFFICER, CHAIR},
    "roster.import": {OFFICER, CHAIR},
    "roster.export": {OFFICER, CHAIR},
    "roster.view_hardship": {OFFICER, CHAIR},
    # Sex and date of birth: birthday greetings, 女职工 handouts, retirements.
    "roster.view_personal": {OFFICER, CHAIR},
    "events.manage": {OFFICER, CHAIR},
    "events.report": {OFFICER, CHAIR},
    "events.passenger_phones": {OFFICER, CHAIR},
    "notices.manage": {OFFICER, CHAIR},
    "notices.approve": {CHAIR},
    "grievances.routing": {OFFICER, CHAIR},
    "awards.view": {MEMBER, OFFICER, CHAIR},
    "awards.nominate": {MEMBER},
    "awards.manage": {OFFICER, CHAIR},
    # 提案: members read, draft and co-sign; officers keep the terms, the
    # representatives and the offices; the chair reviews and assigns.
    "participation.view": {MEMBER, OFFICER, CHAIR},
    "participation.propose": {MEMBER},
    "participation.manage": {OFFICER, CHAIR},
    "participation.review": {CHAIR},
    # 问卷/投票: members answer the polls open to them; officers set polls up,
    # see who has not answered and remind them. Nobody sees who answered what
    # in a secret poll.
    "polls.answer": {MEMBER},
    "polls.manage": {OFFICER, CHAIR},
    # 困难职工帮扶: files, support records and amounts are the branch's officers'
    # and chair's; the fairness view is the chair's (and the liaison's, figures only).
    "care.hardship": {OFFICER, CHAIR},
    "care.hardship_fairness": {CHAIR},
    # 福利发放: officers set handouts up, hand them out at the pickup points and
    # draft the fund notice; a member's choice is seen by the member and them.
    "welfare.manage": {OFFICER, CHAIR},
    # 年度工作报告: the branch's officers and chair choose who reads it.
    "report.settings": {OFFICER, CHAIR},
}


@dataclass
class Roles:
    member: object = None  # the active roster entry, if any
    officer_of: set = field(default_factory=set)
    chair_of: set = field(default_factory=set)
    liaison: bool = False

    def in_branch(self, branch_id) -> set:
        held = set()
        if self.member is not None and self.member.branch_id == branch_id:
            held.add(MEMBER)
        if branch_id in self.officer_of:
            held.add(OFFICER)
        if branch_id in self.chair_of:
            held |= {CHAIR, OFFICER}
        if self.liaison:
            held.add(LIAISON)
        return held

    @property
    def managed_branch_ids(self) -> set:
        return self.officer_of | self.chair_of

    @property
    def is_officer_anywhere(self) -> bool:
        return bool(self.managed_branch_ids)


def roles_of(user) -> Roles:
    """The user's offices, loaded once per request (two queries) and cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return Roles()
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    from members.models import BranchRole, Member

    roles = Roles(
        member=Member.objects.filter(user=user, status=Member.Status.ACTIVE)
        .select_related("branch")
        .first()
    )
    for branch_id, role in BranchRole.objects.filter(user=user).values_list("branch_id", "role"):
        if role == OFFICER:
            roles.officer_of.add(branch_id)
        elif role == CHAIR:
            roles.chair_of.add(branch_id)
        elif role == LIAISON:
            roles.liaison = True
    user._portal_roles = roles
    return roles


def can(user, action: str, branch) -> bool:
    """May `user` perform `action` in `branch` (a Branch or its id)?"""
    branch_id = getattr(branch, "pk", branch)
    allowed = ACTIONS[action]
    return bool(roles_of(user).in_branch(branch_id) & allowed)


def branches_where(user, action: str) -> set:
    """Ids of the branches in which the user may perform `action`."""
    roles = roles_of(user)
    candidates = roles.managed_branch_ids | (
        {roles.member.branch_id} if roles.member is not None else set()
    )
    return {b for b in candidates if roles.in_branch(b) & ACTIONS[action]}


def login_required_403(view):
    """Signed out → sign-in page; signed in → the view decides (404 or 403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def require_action(action: str):
    """For views on a branch's page: kwargs carry `branch_id`; 404 if the
    user has no business in the branch, 403 if they may see it but not act."""

    def decorator(view):
        @login_required_403
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not branches_where(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
