"""Reads for the roster pages; each returns a query of fixed cost."""

from django.db.models import Q

from .models import Member


def roster_members(*, branch_ids, filters: dict):
    members = Member.objects.filter(branch_id__in=branch_ids).select_related(
        "branch", "department", "home_campus"
    )
    query = filters.get("q", "").strip()
    if query:
        members = members.filter(
            Q(name__icontains=query)
            | Q(staff_number__iexact=query)
            | Q(staff_number__icontains=query)
        )
    if "branch" in filters:
        members = members.filter(branch=filters["branch"])
    if "department" in filters:
        members = members.filter(department=filters["department"])
    if "campus" in filters:
        members = members.filter(home_campus=filters["campus"])
    if "status" in filters:
        members = members.filter(status=filters["status"])
    if "representative" in filters:
        members = members.filter(is_representative=filters["representative"] == "yes")
    if "hardship" in filters:
        members = members.filter(has_hardship=filters["hardship"] == "yes")
    return members.order_by("staff_number")


def member_status_history(member):
    return member.status_changes.select_related("changed_by").all()
