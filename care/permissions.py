"""Who may read and act on care/ objects; object checks built on core.roles."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
# A hardship file, its support records and their amounts are the business of the
# member's branch's officers and chair only. Anyone else gets a 404 for a file (no
# hint that it exists); the liaison reads figures on the fairness view, never a file.

from django.core.exceptions import PermissionDenied
from django.http import Http404

from members.models import Member
from union_portal.core.roles import branches_where, can, require_action, roles_of
from union_portal.core.rows import instance

from .models import Handout, PickupPoint

hardship_officer_required = require_action("care.hardship")


def hardship_branch_ids(user) -> set:
    return branches_where(user, "care.hardship")


def hardship_files_visible_to(user):
    from .models import HardshipFile

    return HardshipFile.objects.filter(branch_id__in=hardship_branch_ids(user))


def get_hardship_file_for_officer(user, pk):
    """The file of a branch the user holds office in, with what its page shows of
    the member (name, staff number, department, campus) and of the responsible
    officer (name, email); 404 otherwise. Read in SQL as written: the ORM took
    longer to build this query than the database to answer it."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from members.models import Campus, Department

    from .models import HardshipFile

    if not 0 < pk < 2**63:  # beyond a bigint: no such file (as the ORM would say)
        raise Http404
    User = get_user_model()
    columns = [field.attname for field in HardshipFile._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"f.{connection.ops.quote_name(c)}" for c in columns)
            + ", m.name, m.staff_number, m.department_id, m.home_campus_id, d.name, c.name,"
            " u.first_name, u.last_name, u.email"
            f" FROM {HardshipFile._meta.db_table} f"
            f" JOIN {Member._meta.db_table} m ON m.id = f.member_id"
            f" JOIN {Department._meta.db_table} d ON d.id = m.department_id"
            f" JOIN {Campus._meta.db_table} c ON c.id = m.home_campus_id"
            f" JOIN {User._meta.db_table} u ON u.id = f.officer_id"
            " WHERE f.id = %s AND f.branch_id = ANY(%s)",
            [pk, list(hardship_branch_ids(user))],
        )  # fmt: skip
        row = cursor.fetchone()
    if row is None:
        raise Http404
    found = instance(HardshipFile, dict(zip(columns, row, strict=False)))
    name, staff_number, department_id, campus_id, department, campus, first, last, email = row[
        len(columns) :
    ]
    member = instance(Member, {
        "id": found.member_id, "name": name, "staff_number": staff_number,
        "department_id": department_id, "home_campus_id": campus_id,
    })  # fmt: skip
    member._state.fields_cache["department"] = instance(
        Department, {"id": department_id, "name": department}
    )
    member._state.fields_cache["home_campus"] = instance(Campus, {"id": campus_id, "name": campus})
    found._state.fields_cache["member"] = member
    found._state.fields_cache["officer"] = instance(
        User, {"id": found.officer_id, "first_name": first, "last_name": last, "email": email}
    )
    return found


def hardship_fairness_branch_ids(user):
    """The chair sees their branches; the liaison every branch (None); others: 403."""
    roles = roles_of(user)
    if roles.liaison:
        return None
    ids = branches_where(user, "care.hardship_fairness")
    if not ids:
        raise PermissionDenied
    return ids


"""Who may see and do what in care; object checks built on core.roles."""

# --- welfare handouts (福利发放) ----------------------------------------------


welfare_manager_required = require_action("welfare.manage")


def get_handout_for_manager(user, pk) -> Handout:
    """A handout of a branch the user manages; 404 otherwise (no hint it exists)."""
    handout = Handout.objects.select_related("branch", "campus", "default_option").filter(pk=pk)
    handout = handout.first()
    if handout is None or not can(user, "welfare.manage", handout.branch_id):
        raise Http404
    return handout


def get_point_for_manager(user, pk) -> PickupPoint:
    point = PickupPoint.objects.select_related("handout__branch", "campus").filter(pk=pk).first()
    if point is None or not can(user, "welfare.manage", point.handout.branch_id):
        raise Http404
    return point


def welfare_member(user):
    """The user's roster entry, retired members included (a handout may be for them)."""
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("home_campus").first()


def get_handout_for_member(user, pk):
    """An open or closed handout the user's roster entry is eligible for (or has a
    choice in); 404 otherwise. Returns (handout, member)."""
    member = welfare_member(user)
    handout = (
        Handout.objects.exclude(status=Handout.Status.DRAFT)
        .select_related("default_option")
        .filter(pk=pk)
        .first()
    )
    if (
        member is None
        or handout is None
        or not (handout.is_eligible(member) or handout.choices.filter(member=member).exists())
    ):
        raise Http404
    return handout, member
