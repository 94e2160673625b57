"""Idempotent demo data: two branches, two campuses, six departments, 300 members
and one account for each role. Running it again changes nothing."""

import random
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from awards.demo import load_demo_awards
from events.demo import load_demo_events
from events.models import Event
from grievances.demo import load_demo_cases
from grievances.models import Grievance
from members.models import Branch, BranchRole, Campus, Department, Member
from notices.demo import load_demo_notices
from notices.models import Notice
from participation.demo import load_demo_polls, load_demo_proposals

DEMO_PASSWORD = "union-demo-2026"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强晓红海燕文博子"
    "涵梓萱浩然欣怡宇轩雨桐俊杰思远佳琪晨曦嘉怡振宇雅婷立新国庆卫东红梅春燕晓东丽娟"
)
JOB_TITLES = [
    "教授",
    "副教授",
    "讲师",
    "助教",
    "实验师",
    "高级工程师",
    "辅导员",
    "行政秘书",
    "教务员",
]

CAMPUSES = [
    ("江湾校区", "上海市杨浦区淞沪路 2005 号"),
    ("临港校区", "上海市浦东新区临港大道 1550 号（距江湾校区约 40 公里）"),
]
BRANCHES = [
    ("计算机与信息学院分工会", "计信", ["软件工程系", "计算机科学系", "学院办公室"]),
    ("外国语学院分工会", "外语", ["英语系", "日语系", "大学外语教学部"]),
]

# email, name, staff number, role, branch index (None: university-wide)
DEMO_USERS = [
    ("member@demo.example.cn", "李晓红", "D0001", "member", 0),
    ("officer@demo.example.cn", "王建国", "D0002", "officer", 0),
    ("chair@demo.example.cn", "张丽娟", "D0003", "chair", 0),
    ("officer2@demo.example.cn", "陈志强", "D0004", "officer", 1),
    ("liaison@demo.example.cn", "赵卫东", None, "liaison", None),
    ("lingang@demo.example.cn", "孙海燕", "D0005", "officer", 0),
]
# Works on the far campus: new cases of 临港 staff are routed to her.
FAR_CAMPUS_USERS = {"lingang@demo.example.cn"}


def _demo_births(today):
    """Sex and date of birth of the demo accounts: the member has her birthday
    this month, the officer reaches 60 in four months (the retirement list)."""
    soon = today + timedelta(days=120)
    return {
        "D0001": ("F", date(today.year - 38, today.month, 8)),
        "D0002": ("M", date(soon.year - 60, soon.month, min(soon.day, 28))),
        "D0003": ("F", date(today.year - 49, 3, 8)),
        "D0004": ("M", date(today.year - 45, 10, 1)),
    }


def fill_sex_and_birth(rng, today):
    """Sex and date of birth for demo members who have none yet (entries made
    before the roster held them); those already set are left alone."""
    births = _demo_births(today)
    for member in Member.objects.filter(sex="", date_of_birth__isnull=True).order_by("pk"):
        if member.staff_number in births:
            member.sex, member.date_of_birth = births[member.staff_number]
        else:
            member.sex = "F" if rng.random() < 0.55 else "M"
            oldest = 55 if member.sex == "F" else 60  # active staff are under retirement age
            if member.status == Member.Status.RETIRED:
                oldest += 12
            age_days = rng.randint(24 * 365, oldest * 365 - 1)
            member.date_of_birth = today - timedelta(days=age_days)
        member.save(update_fields=["sex", "date_of_birth", "updated_at"])


class Command(BaseCommand):
    help = "Loads the demo data (safe to run again) and prints the demo sign-ins."

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(2026)
        campuses = [
            Campus.objects.update_or_create(name=name, defaults={"address": address})[0]
            for name, address in CAMPUSES
        ]
        branches, departments = [], []
        for name, short, department_names in BRANCHES:
            branch, _ = Branch.objects.get_or_create(name=name, defaults={"short_name": short})
            branches.append(branch)
            departments.append(
                [
                    Department.objects.get_or_create(branch=branch, name=d)[0]
                    for d in department_names
                ]
            )

        for index in range(1, 297):  # with the four demo accounts: 300 members
            branch_index = 0 if index <= 160 else 1
            staff_number = f"{2000 + branch_index * 1000 + index:05d}"
            if Member.objects.filter(staff_number=staff_number).exists():
                continue
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
            Member.objects.create(
                staff_number=staff_number,
                name=rng.choice(SURNAMES) + given,
                email=f"staff{staff_number}@demo.example.cn",
                phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                branch=branches[branch_index],
                department=rng.choice(departments[branch_index]),
                home_campus=campuses[0] if rng.random() < 0.65 else campuses[1],
                job_title=rng.choice(JOB_TITLES),
                joined_on=date(2000, 1, 1) + timedelta(days=rng.randint(0, 9000)),
                status=rng.choices([s for s, _ in Member.Status.choices], weights=[85, 8, 4, 3])[0],
                is_representative=rng.random() < 0.1,
                has_hardship=rng.random() < 0.05,
            )

        User = get_user_model()
        for email, name, staff_number, role, branch_index in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=email.split("@")[0], defaults={"email": email, "first_name": name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if staff_number:
                Member.objects.update_or_create(
                    staff_number=staff_number,
                    defaults={
                        "name": name,
                        "email": email,
                        "branch": branches[branch_index],
                        "department": departments[branch_index][0],
                        "home_campus": campuses[1 if email in FAR_CAMPUS_USERS else 0],
                        "job_title": "讲师",
                        "joined_on": date(2015, 9, 1),
                        "status": Member.Status.ACTIVE,
                        "user": user,
                    },
                )
            if role != "member":
                BranchRole.objects.get_or_create(
                    user=user,
                    role=role,
                    branch=branches[branch_index] if branch_index is not None else None,
                )

        fill_sex_and_birth(rng, timezone.localdate())

        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": "admin@demo.example.cn", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        EmailAddress.objects.get_or_create(
            user=admin, email=admin.email, defaults={"verified": True, "primary": True}
        )

        load_demo_events(
            branches=branches,
            campuses=campuses,
            officers=[
                User.objects.get(username="officer"),
                User.objects.get(username="officer2"),
            ],
            demo_member=Member.objects.get(user__username="member"),
        )
        receipt = load_demo_cases(
            branch=branches[0],
            officers=[User.objects.get(username="officer")],
            chair=User.objects.get(username="chair"),
            demo_member=Member.objects.get(user__username="member"),
            liaison=User.objects.get(username="liaison"),
        )
        load_demo_notices(
            branch=branches[0],
            officer=User.objects.get(username="officer"),
            chair=User.objects.get(username="chair"),
            member=Member.objects.get(user__username="member"),
        )
        load_demo_awards(
            branch=branches[0],
            officer=User.objects.get(username="officer"),
            chair=User.objects.get(username="chair"),
            member=Member.objects.get(user__username="member"),
        )
        load_demo_proposals(
            branch=branches[0],
            officer=User.objects.get(username="officer"),
            chair=User.objects.get(username="chair"),
            member=Member.objects.get(user__username="member"),
        )
        load_demo_polls(
            branch=branches[0],
            officer=User.objects.get(username="officer"),
            member=Member.objects.get(user__username="member"),
        )
        from care.demo import load_demo_hardship

        load_demo_hardship(
            branch=branches[0],
            officers=[User.objects.get(username="officer")],
            chair=User.objects.get(username="chair"),
        )
        from care.demo import load_demo_welfare

        load_demo_welfare(
            branch=branches[0],
            campuses=campuses,
            officer=User.objects.get(username="officer"),
            far_officer=User.objects.get(username="lingang"),
            member=Member.objects.get(user__username="member"),
        )
        # Last year's events, cases and money, so that last year's yearly report has figures.
        from annual_report.demo import load_last_year

        load_last_year(
            branches=branches,
            campuses=campuses,
            officer=User.objects.get(username="officer"),
            chair=User.objects.get(username="chair"),
        )
        self.stdout.write(
            f"Demo data ready: {Member.objects.count()} members, {Event.objects.count()} events, "
            f"{Grievance.objects.count()} cases, {Notice.objects.count()} notices."
        )
        if receipt:
            self.stdout.write(f"Receipt code of the demo member's anonymous case: {receipt}")
        self.stdout.write(f"Sign in with any of these emails and the password {DEMO_PASSWORD}:")
        roles = [
            "member",
            "officer",
            "branch chair",
            "officer (other branch)",
            "university liaison",
            "officer (临港 campus)",
        ]
        for (email, *_rest), label in zip(DEMO_USERS, roles, strict=True):
            self.stdout.write(f"  {label:24} {email}")
        self.stdout.write(f"  {'superuser (admin)':24} {admin.email}")
