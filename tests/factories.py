from datetime import date

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from members.models import Branch, BranchRole, Campus, Department, Member

PASSWORD = "correct-horse-battery"


class CampusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campus
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"校区{n}")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    name = factory.Sequence(lambda n: f"第{n}学院分工会")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"系{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    staff_number = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"成员{n}")
    email = factory.LazyAttribute(lambda m: f"{m.staff_number.lower()}@example.cn")
    phone = "13812345678"
    branch = factory.SubFactory(BranchFactory)
    department = factory.SubFactory(DepartmentFactory, branch=factory.SelfAttribute("..branch"))
    home_campus = factory.SubFactory(CampusFactory, name="江湾校区")
    job_title = "讲师"
    joined_on = date(2015, 9, 1)


def user_with_role(role, branch, **member_kwargs):
    """A signed-up member of `branch` who also holds `role` (officer, chair, liaison)."""
    user = UserFactory()
    MemberFactory(branch=branch, user=user, email=user.email, **member_kwargs)
    if role in ("officer", "chair"):
        BranchRole.objects.create(user=user, branch=branch, role=role)
    elif role == "liaison":
        BranchRole.objects.create(user=user, branch=None, role=role)
    return user


def _hours(n):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(hours=n)


class EventFactory(factory.django.DjangoModelFactory):
    """A published event a week away, sign-up open now."""

    class Meta:
        model = "events.Event"

    branch = factory.SubFactory(BranchFactory)
    title = factory.Sequence(lambda n: f"活动{n}")
    description = "**欢迎**参加"
    starts_at = factory.LazyFunction(lambda: _hours(24 * 7))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + (_hours(2) - _hours(0)))
    signup_opens_at = factory.LazyFunction(lambda: _hours(-24))
    signup_closes_at = factory.LazyAttribute(lambda e: e.starts_at - (_hours(12) - _hours(0)))
    cancel_deadline = factory.LazyAttribute(lambda e: e.starts_at - (_hours(24) - _hours(0)))
    status = "published"
    created_by = factory.SubFactory(UserFactory)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Venue"

    event = factory.SubFactory(EventFactory)
    campus = factory.SubFactory(CampusFactory, name="江湾校区")
    place = "工会活动中心"
    capacity = 10


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "grievances.Category"
        django_get_or_create = ("branch", "name")

    branch = factory.SubFactory(BranchFactory)
    name = "工作条件"


class GrievanceFactory(factory.django.DjangoModelFactory):
    """A named case filed today by a member of the category's branch. Pass
    `filed_at`, `acknowledged_at` etc. to place it in time (they are written
    after creation, since filed_at is set automatically)."""

    class Meta:
        model = "grievances.Grievance"

    category = factory.SubFactory(CategoryFactory)
    branch = factory.SelfAttribute("category.branch")
    kind = "grievance"
    subject = factory.Sequence(lambda n: f"诉求{n}")
    description = "情况说明"
    confidentiality = "named"
    filer_member = factory.SubFactory(
        MemberFactory,
        branch=factory.SelfAttribute("..branch"),
        user=factory.SubFactory(UserFactory),
    )
    filer = factory.SelfAttribute("filer_member.user")
    ack_due = factory.LazyFunction(timezone.localdate)
    resolve_due = factory.LazyFunction(timezone.localdate)


def fund_notice(branch, officer, *, amounts=("1200.00",), title="工会经费使用公示", status=None,
                visibility="public", chair=None, now=None):  # fmt: skip
    """A fund notice made through the services, taken as far as `status`
    (draft, awaiting, approved, published)."""
    from decimal import Decimal

    from notices import services
    from notices.models import FundLine, NoticeVersion

    lines = [
        FundLine(date=date(2026, 3, 1), note=f"用途{i % 3}", payee="某某公司",
                 amount=Decimal(a))
        for i, a in enumerate(amounts)
    ]  # fmt: skip
    notice = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility=visibility,
        version=NoticeVersion(title=title, body="**春季**慰问活动经费。"), lines=lines,
    )  # fmt: skip
    steps = ["awaiting", "approved", "published"]
    for step in steps[: steps.index(status) + 1] if status in steps else []:
        if step == "awaiting":
            services.notice_submit(actor=officer, notice=notice)
        elif step == "approved":
            services.notice_approve(actor=chair, notice=notice)
        else:
            services.notice_publish(actor=officer, notice=notice, now=now)
    notice.refresh_from_db()
    return notice


def category_id(name="其他支出", parent=None):
    """The id of a seeded spending category (a fund line's form needs one)."""
    from notices.models import SpendingCategory

    return str(SpendingCategory.objects.get(branch__isnull=True, name=name, parent__name=parent).pk)
