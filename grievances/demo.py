"""Demo cases in every state, some overdue, and enough history for the fairness
dashboard. Idempotent: nothing is added once the branch has cases."""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, When
from django.utils import timezone

from members.models import BranchRole, Campus, Member
from union_portal.core.calendar import add_working_days

from . import services
from .forms import GrievanceForm
from .models import Category, Grievance, Route

CATEGORIES = ["薪酬待遇", "工作环境", "职称评审", "后勤服务", "其他"]
SUBJECTS = [
    ("薪酬待遇", "十月加班费未发放", "十月份周末监考的加班费至今没有发放。"),
    ("工作环境", "实验楼三楼通风差", "夏天实验室温度超过 35 度，空调一直没修。"),
    ("职称评审", "职称评审材料要求不清楚", "今年的评审通知里对教学工作量的算法前后矛盾。"),
    ("后勤服务", "临港校区班车太少", "下午五点后只有一班车回江湾校区。"),
    ("其他", "希望增加教职工子女暑托班", "暑假期间双职工家庭孩子无人照看。"),
]


def _file(
    member, category, subject, description, *, when, confidentiality="named",
    kind="grievance", publish=False,
):  # fmt: skip
    form = GrievanceForm(
        data={"kind": kind, "category": category.pk, "subject": subject,
              "description": description, "confidentiality": confidentiality,
              "publish_answer": "on" if publish else ""},
        branch=member.branch,
    )  # fmt: skip
    form.is_valid()
    grievance, receipt = services.grievance_file(
        user=member.user, member=member, form=form, now=when
    )
    Grievance.objects.filter(pk=grievance.pk).update(filed_at=when)
    return grievance, receipt


def _account(member):
    if member.user_id is None:
        user = get_user_model().objects.create(
            username=f"staff{member.staff_number}", email=member.email, first_name=member.name
        )
        user.set_unusable_password()
        user.save()
        Member.objects.filter(pk=member.pk).update(user=user)
        member.user = user
    return member


def load_demo_cases(*, branch, officers, chair, demo_member, liaison) -> str | None:
    """Returns the receipt code of the demo's anonymous case (None if it existed)."""
    if Grievance.objects.filter(branch=branch).exists():
        return None
    rng = random.Random(7)
    categories = {
        name: Category.objects.get_or_create(branch=branch, name=name)[0] for name in CATEGORIES
    }
    categories["薪酬待遇"].default_assignee = officers[0]
    categories["薪酬待遇"].save()
    # Routing: the far campus's staff go to an officer who works there (a 临港
    # officer for 临港 staff); other cases to the category's default, else the chair.
    far_campus = Campus.objects.filter(name="临港校区").first()
    lingang_officer = None
    if far_campus is not None:
        # The demo's own 临港 officer when there is one (she can sign in), else a 临港 colleague.
        far_staff = Member.objects.filter(
            branch=branch, status="active", home_campus=far_campus
        ).order_by(
            Case(When(user__branch_roles__role="officer", then=0), default=1), "-staff_number"
        )
        if far_staff.exists():
            lingang_officer = _account(far_staff[0]).user
            BranchRole.objects.get_or_create(user=lingang_officer, branch=branch, role="officer")
            for category in categories.values():
                Route.objects.get_or_create(
                    category=category, campus=far_campus, defaults={"officer": lingang_officer}
                )
    today = timezone.localdate()

    def day(n):  # n working days ago, at 10:00
        return timezone.make_aware(datetime.combine(add_working_days(today, -n), time(10)))

    active = Member.objects.filter(branch=branch, status="active").order_by("staff_number")
    # Members in hardship file too, so the dashboard has them to compare.
    filers = [_account(m) for m in active.filter(has_hardship=True)[:8]] + [
        _account(m) for m in active.filter(has_hardship=False)[:32]
    ]
    # History for the dashboard: closed cases with varied response times.
    for index in range(60):
        member = rng.choice(filers)
        name, subject, description = rng.choice(SUBJECTS)
        filed = day(rng.randint(20, 120))
        grievance, _ = _file(member, categories[name], subject, description, when=filed)
        handler = rng.choice(officers)
        services.grievance_assign(actor=chair, grievance=grievance, assignee=handler)
        # Officers answer slower for some members: the dashboard should show it.
        slow = 3 if member.has_hardship or index % 5 == 0 else 1
        acked = filed + timedelta(hours=rng.randint(2, 40) * slow)
        services.grievance_acknowledge(actor=handler, grievance=grievance, now=acked)
        resolved = acked + timedelta(hours=rng.randint(24, 200) * slow)
        services.grievance_propose_resolution(
            actor=handler, grievance=grievance, text="已协调相关部门解决。", now=resolved
        )
        services.grievance_accept(grievance=grievance, user=member.user, now=resolved)

    me = demo_member
    # One case in each state, for the demo member to follow.
    new, _ = _file(me, categories["工作环境"], "办公室饮水机坏了两周", "请尽快维修。", when=day(1))
    overdue, _ = _file(me, categories["薪酬待遇"], "课时费计算有误", "九月课时费少算了 8 节。",
                       when=day(6))  # fmt: skip
    progress, _ = _file(me, categories["职称评审"], SUBJECTS[2][1], SUBJECTS[2][2], when=day(4))
    services.grievance_assign(actor=chair, grievance=progress, assignee=officers[0])
    services.grievance_acknowledge(actor=officers[0], grievance=progress, now=day(3))
    services.grievance_reply(
        actor=officers[0], grievance=progress, text="已向人事处了解，本周答复。"
    )
    services.grievance_reply(
        actor=officers[0], grievance=progress, text="人事处口径不一，需主席出面。", internal=True
    )
    waiting, _ = _file(me, categories["后勤服务"], SUBJECTS[3][1], SUBJECTS[3][2], when=day(3))
    services.grievance_assign(actor=chair, grievance=waiting, assignee=officers[0])
    services.grievance_ask_filer(
        actor=officers[0], grievance=waiting, text="请说明您通常需要几点的班车？", now=day(2)
    )
    resolved, _ = _file(me, categories["工作环境"], SUBJECTS[1][1], SUBJECTS[1][2], when=day(8))
    services.grievance_assign(actor=chair, grievance=resolved, assignee=officers[0])
    services.grievance_propose_resolution(
        actor=officers[0], grievance=resolved, text="后勤处已安排下周二维修空调。", now=day(2)
    )
    appealed, _ = _file(me, categories["薪酬待遇"], "绩效工资分配不透明", "希望公开分配方案。",
                        when=day(12))  # fmt: skip
    services.grievance_propose_resolution(
        actor=officers[0], grievance=appealed, text="分配方案已经学院会议通过。", now=day(9)
    )
    services.grievance_appeal(
        grievance=appealed, user=me.user, text="会议纪要没有公开。", now=day(8)
    )
    forwarded, _ = _file(me, categories["其他"], "校医院报销流程太长", "报销要跑四个部门。",
                         when=day(10))  # fmt: skip
    services.grievance_forward(actor=chair, grievance=forwarded, text="涉及全校流程。", now=day(7))
    services.grievance_reply(actor=liaison, grievance=forwarded, text="校工会已与校医院沟通。")

    # A 临港 member's case goes straight to the 临港 officer.
    if lingang_officer is not None:
        far_filer = next(
            (f for f in filers if f.home_campus_id == far_campus.pk and f.user != lingang_officer),
            None,
        )
        if far_filer is not None:
            _file(far_filer, categories["后勤服务"], "临港校区周末食堂不开", "周末加班只能点外卖。",
                  when=day(1))  # fmt: skip
    confidential_member = _account(filers[0])
    _file(confidential_member, categories["工作环境"], "系主任在会上公开批评", "希望保密处理。",
          when=day(2), confidentiality="confidential")  # fmt: skip
    _, receipt = _file(me, categories["其他"], "食堂卫生问题", "后厨有老鼠。", when=day(1),
                       confidentiality="anonymous")  # fmt: skip
    for subject, description in [("图书馆延长开放时间", "考试周希望开放到 23 点。"),
                                 ("增设教工羽毛球场地预约", "希望在线预约场地。")]:  # fmt: skip
        suggestion, _ = _file(rng.choice(filers), categories["其他"], subject, description,
                              when=day(15), kind="suggestion", publish=True)  # fmt: skip
        services.grievance_propose_resolution(
            actor=officers[0], grievance=suggestion, text="已采纳，下学期起实施。", now=day(10)
        )
    # Escalate what the clock says is overdue, as the beat task would.
    services.grievance_escalate_overdue()
    del new, overdue, waiting
    return receipt
