"""Which branch a page acts on, for an officer of more than one branch.

Pages that keep a branch's things (terms, offices, notices, budgets, events)
act on one branch. `chosen_branch()` reads `?branch=` (a page's forms post to
their own address, so the choice travels with them), defaults to the
lowest-numbered branch, and refuses a branch the user may not act in with a
404, as for any object of a branch they cannot see. The page shows the picker
(templates/branch_picker.html) only when there is a choice to make.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .forms import parse_id
from .roles import branches_where


@dataclass(frozen=True)
class BranchChoice:
    branch: object  # members.Branch
    branches: list  # every branch the user may act in, lowest id first

    @property
    def pk(self) -> int:
        return self.branch.pk

    @property
    def several(self) -> bool:
        return len(self.branches) > 1

    def url(self, url: str) -> str:
        """`url` keeping the choice (nothing added for a single-branch officer)."""
        if not self.several:
            return url
        return f"{url}{'&' if '?' in url else '?'}branch={self.branch.pk}"


def chosen_branch(request, action: str) -> BranchChoice:
    from members.models import Branch

    ids = branches_where(request.user, action)
    if not ids:
        raise PermissionDenied
    raw = request.GET.get("branch", "") or request.POST.get("branch", "")
    if raw:
        chosen = parse_id(raw)
        if chosen not in ids:
            raise Http404
    else:
        chosen = min(ids)
    branches = list(Branch.objects.filter(pk__in=ids).order_by("pk"))
    branch = next(b for b in branches if b.pk == chosen)
    return BranchChoice(branch=branch, branches=branches)
