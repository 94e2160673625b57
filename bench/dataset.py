"""Builds the benchmark's data set straight into PostgreSQL with COPY.

The ORM one row at a time would take most of an hour for 800 000 rows; COPY takes
seconds. Rows are generated in Python from a fixed seed (the same data every run),
with explicit ids so related rows can point at each other without a round trip,
and each table is committed on its own so its time includes its foreign-key checks
(Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit).

What is built does not depend on the scale where a page's shape depends on it: the
signed-in roles always have an inbox of several pages, registrations, cases and a
case with a long history, so query counts can be compared between scales.
"""

import hashlib
import random
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from . import db

BRANCHES = 12
DEPARTMENTS_PER_BRANCH = 4
CATEGORIES_PER_BRANCH = 5
PASSWORD = "bench-portal-2026"
REMINDER_TITLES = ("BENCH-REMINDER-1", "BENCH-REMINDER-2")
CHECKIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as events.models.new_checkin_code

CAMPUSES = [
    ("江湾校区", "上海市杨浦区淞沪路 2005 号"),
    ("临港校区", "上海市浦东新区临港大道 1550 号"),
    ("枫林校区", "上海市徐汇区东安路 130 号"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国志晓红海燕文博子涵梓萱浩然欣怡宇轩"
JOB_TITLES = ["教授", "副教授", "讲师", "助教", "实验师", "高级工程师", "辅导员", "行政秘书"]
PURPOSES = [
    "节日慰问",
    "困难帮扶",
    "文体活动",
    "会员生日",
    "疗休养",
    "培训讲座",
    "场地租赁",
    "交通",
]
EVENT_CATEGORIES = ["sports", "culture", "outing", "lecture", "care", "other"]
UUID_TABLES = {"participation_ballot", "participation_ballotanswer"}  # no sequence
OFFICES = ["学院办公室", "教务办", "后勤处"]
POLL_QUESTIONS = [  # (kind, text, options, at most)
    ("single", "您最常去哪个食堂？", ["一食堂", "二食堂", "教工餐厅", "外卖"], None),
    ("multiple", "希望改进哪些方面？（最多三项）", ["菜品", "价格", "卫生", "服务", "营业时间"], 3),
    ("rating", "总体满意度", [], None),
    ("text", "其他意见和建议", [], None),
]


@dataclass(frozen=True)
class Sizes:
    members: int
    events: int
    registrations: int
    grievances: int
    history: int
    notices: int
    fund_lines: int
    signups: int
    seats: int
    reminders: int
    proposals: int = 60
    ballots: int = 400

    @classmethod
    def at(cls, scale: float, *, signups: int, seats: int, reminders: int) -> "Sizes":
        def n(full, least):
            return max(least, round(full * scale))

        return cls(
            members=max(n(20_000, 100), reminders, signups),
            events=n(2_000, 24),
            registrations=n(60_000, 240),
            grievances=n(50_000, 120),
            history=n(500_000, 1_200),
            notices=n(5_000, 24),
            fund_lines=n(100_000, 300),
            signups=signups,
            seats=seats,
            reminders=reminders,
            proposals=n(5_000, 60),
            ballots=n(100_000, 400),
        )


# Who is who. Member i belongs to branch (i - 1) % 12 + 1; member i's account is
# user i. Branch b's officer is member 12 + b, its chair 24 + b, a second officer
# 36 + b, so member 1, officer 13 and chair 25 are all of branch 1.
MEMBER_ID = 1
OFFICER_OF = {b: 12 + b for b in range(1, BRANCHES + 1)}
CHAIR_OF = {b: 24 + b for b in range(1, BRANCHES + 1)}
OFFICER2_OF = {b: 36 + b for b in range(1, BRANCHES + 1)}
DETAIL_MEMBER = 49  # branch 1, with a status history
# Two cases of branch 1 in progress with the officer: a long history and a short one.
BIG_CASE, BIG_CASE_HISTORY = 1, 3_000
SMALL_CASE, SMALL_CASE_HISTORY = 13, 30


def branch_of(member_id: int) -> int:
    return (member_id - 1) % BRANCHES + 1


class Builder:
    def __init__(self, sizes: Sizes, seed: int = 2026):
        self.s = sizes
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.accounts = min(
            sizes.members, max(sizes.reminders, sizes.signups, sizes.members // 2, 60)
        )
        self.liaison = self.accounts + 1
        # The union's IT office: a superuser with no member row and no branch role,
        # who reads the Django admin (the portal's own peers of its lists).
        self.admin = self.accounts + 2
        self.password_hash = _password_hash(PASSWORD)
        self.timings: list[tuple[str, int, float]] = []
        self.members_of = {b: [] for b in range(1, BRANCHES + 1)}
        for i in range(1, sizes.members + 1):
            self.members_of[branch_of(i)].append(i)
        self.accounts_of = {
            b: [i for i in ids if i <= self.accounts] for b, ids in self.members_of.items()
        }

    # --- helpers -------------------------------------------------------------

    def email(self, user_id: int) -> str:
        special = {
            MEMBER_ID: "member",
            OFFICER_OF[1]: "officer",
            CHAIR_OF[1]: "chair",
            self.liaison: "liaison",
            self.admin: "admin",
        }
        return f"{special.get(user_id, f'm{user_id}')}@bench.example.cn"

    def ago(self, days_min: float, days_max: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(days_min, days_max) * 86400)

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))
        return self.rng.choice(SURNAMES) + given

    # --- tables ----------------------------------------------------------------

    def campuses(self):
        return [(i, name, address) for i, (name, address) in enumerate(CAMPUSES, start=1)]

    def branches(self):
        return [(b, f"第{b}学院分工会", f"学院{b}") for b in range(1, BRANCHES + 1)]

    def departments(self):
        return [
            ((b - 1) * DEPARTMENTS_PER_BRANCH + d, f"第{b}学院 系{d}", b)
            for b in range(1, BRANCHES + 1)
            for d in range(1, DEPARTMENTS_PER_BRANCH + 1)
        ]

    def users(self):
        joined = self.now - timedelta(days=400)
        for i in range(1, self.admin + 1):
            names = {self.liaison: "联络员", self.admin: "管理员"}
            first = self.member_names[i] if i <= self.accounts else names[i]
            staff = i == self.admin  # is_superuser and is_staff
            yield (
                i,
                self.password_hash,
                None,
                staff,
                f"u{i}",
                first,
                "",
                self.email(i),
                staff,
                True,
                joined,
                "zh-hans",
            )

    def email_addresses(self):
        for i in range(1, self.admin + 1):
            yield (i, self.email(i), True, True, i)

    def members(self):
        return self.member_rows

    def make_members(self):
        self.member_names = {}
        rows = []
        for i in range(1, self.s.members + 1):
            b = branch_of(i)
            name = self.name()
            self.member_names[i] = name
            has_account = i <= self.accounts
            status = (
                "active"
                if has_account
                else self.rng.choices(
                    ["active", "retired", "transferred", "lapsed"], weights=[88, 6, 3, 3]
                )[0]
            )
            rows.append(
                (
                    i,
                    f"B{i:06d}",
                    name,
                    self.email(i) if has_account else f"m{i}@bench.example.cn",
                    f"13{self.rng.randint(0, 9)}{self.rng.randint(10_000_000, 99_999_999)}",
                    self.rng.choice(JOB_TITLES),
                    date(2000, 1, 1) + timedelta(days=self.rng.randint(0, 9000)),
                    status,
                    self.rng.random() < 0.08,
                    self.rng.random() < 0.05,
                    self.now - timedelta(days=500),
                    self.now - timedelta(days=500),
                    b,
                    (b - 1) * DEPARTMENTS_PER_BRANCH + self.rng.randint(1, DEPARTMENTS_PER_BRANCH),
                    self.rng.choices([1, 2, 3], weights=[60, 30, 10])[0],
                    i if has_account else None,
                )
            )
        return rows

    def branch_roles(self):
        rows, n = [], 0
        for b in range(1, BRANCHES + 1):
            for user_id, role in (
                (OFFICER_OF[b], "officer"),
                (CHAIR_OF[b], "chair"),
                (OFFICER2_OF[b], "officer"),
            ):
                n += 1
                rows.append((n, role, b, user_id))
        rows.append((n + 1, "liaison", None, self.liaison))
        return rows

    def status_changes(self):
        rows = []
        history = [("lapsed", "active"), ("active", "lapsed"), ("lapsed", "active")]
        for k, (old, new) in enumerate(history):
            rows.append(
                (
                    len(rows) + 1,
                    old,
                    new,
                    self.ago(300 - 100 * k, 300 - 100 * k),
                    "",
                    OFFICER_OF[1],
                    DETAIL_MEMBER,
                )
            )
        for i in self.rng.sample(range(1, self.s.members + 1), self.s.members // 50):
            rows.append(
                (
                    len(rows) + 1,
                    "active",
                    "lapsed",
                    self.ago(1, 700),
                    "补录",
                    OFFICER_OF[branch_of(i)],
                    i,
                )
            )
        return rows

    # --- events ----------------------------------------------------------------

    def event_row(self, e, *, branch, title, starts, status="published", open_all=False, online=""):
        return (
            e,
            title,
            "活动说明：请准时到场。",
            self.rng.choice(EVENT_CATEGORIES),
            starts,
            starts + timedelta(hours=2),
            starts - timedelta(days=30),
            starts - timedelta(hours=1),
            starts - timedelta(days=1),
            open_all,
            online,
            0,
            None,
            "",
            status,
            starts - timedelta(days=31),
            "",
            branch,
            OFFICER_OF[branch],
        )

    def events(self):
        """Regular events away from today (so only the benchmark's reminder events are
        due), then the benchmark's own: one for the pages, one for the sign-up race
        and two for the reminder batches."""
        s = self.s
        self.event_rows, self.venue_rows, self.event_venues = [], [], {}
        for e in range(1, s.events + 1):
            branch = (e - 1) % BRANCHES + 1
            days = self.rng.uniform(3, 365) * (-1 if self.rng.random() < 0.7 else 0.5)
            starts = (self.now + timedelta(days=days)).replace(minute=0, second=0)
            status = self.rng.choices(["published", "cancelled", "draft"], weights=[90, 5, 5])[0]
            self.event_rows.append(
                self.event_row(
                    e,
                    branch=branch,
                    title=f"第{branch}学院活动 {e}",
                    starts=starts,
                    status=status,
                    open_all=self.rng.random() < 0.1,
                    online="https://meeting.example.cn/j/1" if self.rng.random() < 0.2 else "",
                )
            )
            self.add_venues(e, self.rng.choice([1, 1, 2]), self.rng.randint(20, 80))
        self.page_event = s.events + 1
        self.contention_event = s.events + 2
        self.reminder_events = (s.events + 3, s.events + 4)
        hour = self.now.replace(minute=0, second=0)
        self.event_rows += [
            self.event_row(
                self.page_event,
                branch=1,
                title="羽毛球友谊赛（页面测试）",
                starts=hour + timedelta(days=10),
            ),
            self.event_row(
                self.contention_event,
                branch=1,
                title="春季踏青（报名测试）",
                starts=hour + timedelta(days=7),
                open_all=True,
            ),
            # Due for its 24-hour reminder: starts in 12 hours.
            self.event_row(
                self.reminder_events[0],
                branch=1,
                title=REMINDER_TITLES[0],
                starts=self.now + timedelta(hours=12),
                open_all=True,
            ),
            # Not due yet: the run moves it to 12 hours from now for the second batch.
            self.event_row(
                self.reminder_events[1],
                branch=1,
                title=REMINDER_TITLES[1],
                starts=hour + timedelta(days=60),
                open_all=True,
            ),
        ]
        self.add_venues(self.page_event, 2, 40)
        self.add_venues(self.contention_event, 1, s.seats)
        for e in self.reminder_events:
            self.add_venues(e, 1, max(s.reminders, 1))
        return self.event_rows

    def add_venues(self, event_id, count, capacity):
        ids = []
        for campus in range(1, count + 1):
            vid = len(self.venue_rows) + 1
            self.venue_rows.append((vid, f"体育馆 {campus} 号场", capacity, campus, event_id))
            ids.append(vid)
        self.event_venues[event_id] = ids

    def venues(self):
        return self.venue_rows

    def checkin_code(self, registration_id):
        # Unique by construction: five characters encode the id, five are random.
        code = []
        for _ in range(5):
            registration_id, digit = divmod(registration_id, 32)
            code.append(CHECKIN_ALPHABET[digit])
        return "".join(code) + "".join(self.rng.choice(CHECKIN_ALPHABET) for _ in range(5))

    def registration_row(self, rid, event, member, venue, status):
        starts = event[4]
        created = min(starts - timedelta(days=self.rng.uniform(1, 25)), self.now)
        confirmed = created if status in ("confirmed", "attended") else None
        cancelled = created + timedelta(hours=5) if status == "cancelled" else None
        attended = starts + timedelta(minutes=5) if status == "attended" else None
        return (
            rid,
            status,
            "none",
            False,
            self.checkin_code(rid),
            created,
            confirmed,
            cancelled,
            attended,
            OFFICER_OF[event[17]] if attended else None,
            event[0],
            member,
            venue,
        )

    def registrations(self):
        s, rows = self.s, []
        regular = [ev for ev in self.event_rows[: s.events] if ev[14] != "draft"]
        page_event = self.event_rows[s.events]
        # The member's own list (my events): every event of branch 1, up to 25, and the
        # page event, where they hold a confirmed place (its page shows the QR code).
        mine = [ev for ev in regular if ev[17] == 1][:25]
        for ev in mine:
            status = "attended" if ev[4] < self.now else "confirmed"
            status = "cancelled" if ev[14] == "cancelled" else status
            rows.append(
                self.registration_row(
                    len(rows) + 1, ev, MEMBER_ID, self.event_venues[ev[0]][0], status
                )
            )
        rows.append(
            self.registration_row(
                len(rows) + 1,
                page_event,
                MEMBER_ID,
                self.event_venues[page_event[0]][0],
                "confirmed",
            )
        )
        for member in self.rng.sample(self.members_of[1][1:], min(40, len(self.members_of[1]) - 1)):
            rows.append(
                self.registration_row(
                    len(rows) + 1,
                    page_event,
                    member,
                    self.rng.choice(self.event_venues[page_event[0]]),
                    "confirmed",
                )
            )
        # The rest spread over the regular events, distinct members per event.
        budget = s.registrations - len(rows)
        per_event = [
            budget // len(regular) + (k < budget % len(regular)) for k in range(len(regular))
        ]
        for ev, count in zip(regular, per_event, strict=True):
            pool = self.members_of[ev[17]]
            taken = {MEMBER_ID} if ev in mine else set()
            candidates = [
                m for m in self.rng.sample(pool, min(len(pool), count + 1)) if m not in taken
            ]
            past = ev[4] < self.now
            for member in candidates[:count]:
                if ev[14] == "cancelled":
                    status = "cancelled"
                elif past:
                    status = self.rng.choices(["attended", "confirmed", "cancelled"], [70, 20, 10])[
                        0
                    ]
                else:
                    status = self.rng.choices(
                        ["confirmed", "waitlisted", "cancelled"], [80, 10, 10]
                    )[0]
                venue = self.rng.choice(self.event_venues[ev[0]])
                rows.append(self.registration_row(len(rows) + 1, ev, member, venue, status))
        # The reminder batches: the first `reminders` members, each confirmed for both.
        for e in self.reminder_events:
            ev = next(row for row in self.event_rows if row[0] == e)
            for member in range(1, s.reminders + 1):
                rows.append(
                    self.registration_row(
                        len(rows) + 1, ev, member, self.event_venues[e][0], "confirmed"
                    )
                )
        return rows

    # --- grievances ------------------------------------------------------------

    def categories(self):
        names = ["薪酬待遇", "工作量", "职称评审", "办公条件", "其他"]
        return [
            (
                (b - 1) * CATEGORIES_PER_BRANCH + k,
                names[k - 1],
                None,
                None,
                b,
                OFFICER_OF[b] if k == 1 else None,
            )
            for b in range(1, BRANCHES + 1)
            for k in range(1, CATEGORIES_PER_BRANCH + 1)
        ]

    def grievances(self):
        s, rng = self.s, self.rng
        self.case_rows, self.history_rows = [], []
        # The member's own cases: the first 12 cases of branch 1; case 1 is the long one,
        # case 13 (same branch, state and handler) the short one beside it: the case
        # page shows the latest history first and must cost the same for both.
        member_cases = {1 + 12 * k for k in range(12)}
        big = min(BIG_CASE_HISTORY, max(60, s.history // 100))
        remaining_history, remaining_cases = s.history - big, s.grievances - 1
        for g in range(1, s.grievances + 1):
            b = (g - 1) % BRANCHES + 1
            kind = "suggestion" if rng.random() < 0.15 else "grievance"
            conf = rng.choices(["named", "confidential", "anonymous"], [70, 15, 15])[0]
            filer = None
            if g in member_cases:
                conf, kind, filer = "named", "grievance", MEMBER_ID
            elif conf != "anonymous":
                filer = rng.choice(self.accounts_of[b])
            status = rng.choices(
                ["closed", "resolved", "in_progress", "new", "waiting_filer"], [60, 10, 15, 10, 5]
            )[0]
            if g in (BIG_CASE, SMALL_CASE):
                status = "in_progress"
            level = rng.choices(["branch", "chair", "university"], [90, 7, 3])[0]
            if g in (BIG_CASE, SMALL_CASE):
                level = "branch"
            is_open = status in ("new", "in_progress", "waiting_filer")
            filed = self.ago(0.1, 60) if is_open else self.ago(20, 730)
            assignee = (
                None
                if status == "new" and rng.random() < 0.5
                else rng.choice([OFFICER_OF[b], OFFICER2_OF[b]])
            )
            if g in (BIG_CASE, SMALL_CASE):
                assignee = OFFICER_OF[1]
            acknowledged = filed + timedelta(hours=rng.uniform(2, 120)) if status != "new" else None
            resolved = (
                filed + timedelta(hours=rng.uniform(24, 600))
                if status in ("resolved", "closed")
                else None
            )
            closed = resolved + timedelta(days=rng.uniform(1, 5)) if status == "closed" else None
            escalations = rng.choices([0, 1, 2], [85, 12, 3])[0]
            self.case_rows.append(
                (
                    g,
                    kind,
                    f"关于{rng.choice(PURPOSES)}的问题 {g}",
                    "情况说明：" + "详见附件。" * 5,
                    conf,
                    hashlib.sha256(f"bench-receipt-{g}".encode()).hexdigest()
                    if conf == "anonymous"
                    else None,
                    kind == "suggestion" and rng.random() < 0.5,
                    status,
                    level,
                    filed,
                    (filed + timedelta(days=4)).date(),
                    (filed + timedelta(days=21)).date(),
                    acknowledged,
                    None,
                    resolved,
                    "已协调解决。" if resolved else "",
                    closed,
                    rng.random() < 0.03,
                    escalations,
                    assignee,
                    b,
                    (b - 1) * CATEGORIES_PER_BRANCH + rng.randint(1, CATEGORIES_PER_BRANCH),
                    filer,
                    filer,
                )
            )
            if g == BIG_CASE:
                target = big
            elif g == SMALL_CASE:
                target = SMALL_CASE_HISTORY
                remaining_cases -= 1
            else:
                target = round(remaining_history / remaining_cases)
                remaining_cases -= 1
            made = self.case_history(self.case_rows[-1], target, escalations)
            if g != BIG_CASE:
                remaining_history -= made
        return self.case_rows

    def case_history(self, case, target, escalations):
        (
            g,
            _kind,
            _subj,
            _desc,
            conf,
            _receipt,
            _pub,
            status,
            level,
            filed,
            _ad,
            _rd,
            acknowledged,
            _paused,
            resolved,
            _res,
            closed,
            _appealed,
            _esc,
            assignee,
            _b,
            _cat,
            filer,
            _fm,
        ) = case
        head = [("filed", filer, True, False, "new")]
        if assignee:
            head.append(("assigned", CHAIR_OF[case[20]], False, False, "new"))
        if acknowledged:
            head.append(("acknowledged", assignee, False, False, "in_progress"))
        tail = [("escalated", None, False, False, "in_progress")] * escalations
        if resolved:
            tail.append(("resolution", assignee, False, False, "resolved"))
        if closed:
            tail.append(("accepted", filer, True, False, "closed"))
        handler = assignee or CHAIR_OF[case[20]]
        middle = []
        for k in range(max(0, target - len(head) - len(tail))):
            if k % 4 == 2:
                middle.append(("note", handler, False, True, "in_progress"))
            elif k % 2 == 1:
                middle.append(("filer_replied", filer, True, False, "in_progress"))
            else:
                middle.append(("reply", handler, False, False, "in_progress"))
        steps = head + middle + tail
        end = closed or resolved or min(self.now, filed + timedelta(days=20))
        span = max((end - filed).total_seconds(), 60) / len(steps)
        for k, (kind, actor, by_filer, internal, step_status) in enumerate(steps):
            self.history_rows.append(
                (
                    len(self.history_rows) + 1,
                    kind,
                    by_filer,
                    "处理记录：" + "已与相关部门沟通。" * 3
                    if kind not in ("filed", "assigned")
                    else "",
                    internal,
                    level,
                    step_status,
                    filed + timedelta(seconds=span * k),
                    None if conf == "anonymous" and by_filer else actor,
                    assignee,
                    g,
                )
            )
        return len(steps)

    def history(self):
        return self.history_rows

    # --- notices ---------------------------------------------------------------

    def notices(self):
        s, rng = self.s, self.rng
        self.notice_rows, self.version_rows, fund_versions, self.award_versions = [], [], [], []
        for n in range(1, s.notices + 1):
            b = (n - 1) % BRANCHES + 1
            kind = (
                "fund"
                if n == 1
                else rng.choices(["fund", "award", "announcement"], [60, 20, 20])[0]
            )
            visibility = "public" if n == 1 or rng.random() < 0.8 else "members"
            status = (
                "final"
                if n == 1
                else rng.choices(
                    ["final", "published", "withdrawn", "draft", "awaiting", "approved"],
                    [75, 10, 5, 4, 3, 3],
                )[0]
            )
            published = finalised = withdrawn = closes = None
            if status in ("final", "withdrawn"):
                published = self.ago(10, 720)
                finalised = published + timedelta(days=7)
                closes = (published + timedelta(days=7)).date()
                withdrawn = published + timedelta(days=9) if status == "withdrawn" else None
            elif status == "published":
                published = self.ago(0, 3)
                closes = (published + timedelta(days=7)).date()
            created = (published or self.now) - timedelta(days=2)
            versions = 2 if published and rng.random() < 0.1 else 1
            for number in range(1, versions + 1):
                vid = len(self.version_rows) + 1
                self.version_rows.append(
                    (
                        vid,
                        number,
                        f"{'经费' if kind == 'fund' else '公示'}公示 {n}",
                        "根据工会经费管理办法，现将有关情况公示如下。\n\n"
                        + "如有异议请在公示期内提出。" * 3,
                        "评选标准：师德高尚，业绩突出。" if kind == "award" else "",
                        "更正金额" if number > 1 else "",
                        created,
                        published,
                        OFFICER_OF[b],
                        n,
                    )
                )
            if kind == "fund":
                fund_versions.append((vid, (published or created).date()))
            elif kind == "award":
                self.award_versions.append(vid)
            self.notice_rows.append(
                (
                    n,
                    kind,
                    visibility,
                    status,
                    created,
                    "",
                    published,
                    closes,
                    finalised,
                    "信息有误" if withdrawn else "",
                    withdrawn,
                    CHAIR_OF[b] if published else None,
                    b,
                    OFFICER_OF[b],
                    vid,
                )
            )
        self.fund_versions = fund_versions
        return self.notice_rows

    def notice_versions(self):
        return self.version_rows

    def fund_lines(self):
        s, rng = self.s, self.rng
        big = min(500, s.fund_lines // 10)  # notice 1: the long fund notice
        first_version, first_day = self.fund_versions[0]
        targets = [first_version] * big
        targets += [rng.choice(self.fund_versions)[0] for _ in range(s.fund_lines - big)]
        days = dict(self.fund_versions)
        for k, vid in enumerate(sorted(targets), start=1):
            yield (
                k,
                days[vid] - timedelta(days=rng.randint(0, 60)),
                rng.choice(PURPOSES),
                self.name(),
                Decimal(rng.randint(5_000, 2_000_000)) / 100,
                rng.choice(["", "工会经费", "专项经费"]),
                vid,
                rng.choice(self.category_ids),
            )

    def awards(self):
        k = 0
        for vid in self.award_versions:
            for place in range(5):
                k += 1
                yield (
                    k,
                    self.name(),
                    "第一学院",
                    ["一等奖", "二等奖", "三等奖"][min(place, 2)],
                    vid,
                )

    # --- inbox -----------------------------------------------------------------

    def notifications(self):
        """A few read and emailed messages per account, and more for the signed-in
        roles so their inbox has several pages."""
        per_user = {MEMBER_ID: 45, OFFICER_OF[1]: 25, CHAIR_OF[1]: 25, self.liaison: 10}
        k = 0
        for user_id in range(1, self.accounts + 2):
            for j in range(per_user.get(user_id, 3)):
                k += 1
                created = self.now - timedelta(hours=6 * j + 1)
                read = None if user_id in per_user and j % 3 == 0 else created
                yield (
                    k,
                    f"bench:{j}",
                    f"通知 {j}",
                    "您有一条新的通知。",
                    "/events/",
                    created,
                    read,
                    created,
                    created,
                    user_id,
                )

    # --- participation: terms, representatives, offices, proposals, polls --------

    def terms(self):
        today = self.now.date()
        return [
            (b, "第五届", today - timedelta(days=400), today + timedelta(days=700), b)
            for b in range(1, BRANCHES + 1)
        ]

    def representatives(self):
        """About one member with an account in ten, member 1 among them."""
        rows = []
        for b, ids in self.accounts_of.items():
            for k, member in enumerate(ids):
                if k % 10 == 0:
                    rows.append((len(rows) + 1, f"第{k % 3 + 1}代表团", member, b))
        return rows

    def offices(self):
        return [
            ((b - 1) * len(OFFICES) + k, name, b)
            for b in range(1, BRANCHES + 1)
            for k, name in enumerate(OFFICES, start=1)
        ]

    def office_contacts(self):
        # The second officer of each branch answers for its first office.
        return [(b, (b - 1) * len(OFFICES) + 1, OFFICER2_OF[b]) for b in range(1, BRANCHES + 1)]

    def branch_settings(self):
        return [(b, False, 2, b, False) for b in range(1, BRANCHES + 1)]

    def proposal_steps(self, status):
        """The history a proposal in `status` went through: (kind, status after)."""
        steps = [("created", "draft")]
        if status == "draft":
            return steps
        steps += [("opened", "collecting"), ("cosigned", "collecting"), ("cosigned", "collecting")]
        if status == "collecting":
            return steps
        steps.append(("submitted", "submitted"))
        if status == "submitted":
            return steps
        steps.append(("review", "under_review"))
        if status == "under_review":
            return steps
        if status in ("suggestion", "not_accepted"):
            return [*steps, (status, status)]
        steps.append(("accepted", "accepted"))
        if status == "accepted":
            return steps
        steps.append(("assigned", "assigned"))
        if status == "assigned":
            return steps
        steps.append(("answered", "answered"))
        if status == "answered":
            return steps
        return [*steps, ("rated", "answered"), ("closed", "closed")]

    def proposals(self):
        """Proposals across every state, with co-signers and history. Proposal 1 (the
        detail page's) is closed after a send-back, with ten co-signers and a long
        history, at every scale."""
        rng = self.rng
        self.proposal_rows, self.cosign_rows, self.proposal_event_rows = [], [], []
        statuses = ["draft", "collecting", "submitted", "under_review", "accepted",
                    "suggestion", "not_accepted", "assigned", "answered", "closed"]  # fmt: skip
        weights = [4, 5, 4, 4, 4, 5, 5, 10, 14, 45]
        for p in range(1, self.s.proposals + 1):
            b = 1 if p == 1 else (p - 1) % BRANCHES + 1
            ids = self.accounts_of[b]
            proposer = MEMBER_ID if p == 1 else rng.choice(ids)
            status = "closed" if p == 1 else rng.choices(statuses, weights)[0]
            steps = self.proposal_steps(status)
            if p == 1:  # rated 不满意, sent back, answered again, then closed
                steps = steps[:-2] + [("rated", "answered"), ("sent_back", "assigned"),
                                      ("answered", "answered"), ("rated", "answered"),
                                      ("closed", "closed")]  # fmt: skip
            created = self.ago(5, 700) if p != 1 else self.now - timedelta(days=120)
            at = {kind: created + timedelta(days=3 * k) for k, (kind, _) in enumerate(steps)}
            office = (b - 1) * len(OFFICES) + rng.randint(1, len(OFFICES))
            has_office = status in ("assigned", "answered", "closed")
            answered = "answered" in at
            rating = ""
            if status == "closed":
                rating = "dissatisfied" if p == 1 else rng.choices(
                    ["satisfied", "fairly", "dissatisfied"], [60, 30, 10])[0]  # fmt: skip
            submitted = at.get("submitted")
            answer_due = (at["assigned"] + timedelta(days=21)).date() if "assigned" in at else None
            self.proposal_rows.append((
                p, f"关于改善教职工{rng.choice(PURPOSES)}条件的提案 {p}",
                "案由：教职工反映较多。\n\n理由：" + "相关条件有待改善。" * 5
                + "\n\n建议：请学院研究解决。",
                status,
                "不属于学院职权范围" if status == "not_accepted" else "",
                "已研究落实，下学期起执行。" if answered else "",
                "先行研究。" if p == 1 else "",
                rating,
                "落实不够具体" if p == 1 else "",
                p == 1,
                (created + timedelta(days=7)).date() if "opened" in at else None,
                (submitted + timedelta(days=7)).date() if submitted else None,
                answer_due,
                created,
                submitted,
                at.get("answered"),
                at.get("closed"),
                b,
                office if has_office else None,
                proposer,
                proposer,  # member i's account is user i
                b,
                None,
            ))  # fmt: skip
            cosigners = 10 if p == 1 else 2
            if status != "draft":
                others = [i for i in rng.sample(ids, min(len(ids), cosigners + 1)) if i != proposer]
                for member in others[:cosigners]:
                    confirmed = at["opened"] + timedelta(hours=rng.randint(1, 48))
                    self.cosign_rows.append(
                        (len(self.cosign_rows) + 1, confirmed, None, at["opened"], member, p)
                    )
            for k, (kind, after) in enumerate(steps):
                actor = {"created": proposer, "opened": proposer, "submitted": proposer,
                         "rated": proposer, "answered": OFFICER2_OF[b],
                         "cosigned": None}.get(kind, CHAIR_OF[b])  # fmt: skip
                if kind == "cosigned":
                    actor = rng.choice(ids)
                text = {"answered": "已研究落实。", "rated": "评价", "sent_back": "落实不够具体",
                        "not_accepted": "不属于学院职权范围"}.get(kind, "")  # fmt: skip
                self.proposal_event_rows.append((
                    len(self.proposal_event_rows) + 1, kind, text, after,
                    created + timedelta(days=3 * k, minutes=k), actor, p,
                ))  # fmt: skip
        return self.proposal_rows

    def cosignatures(self):
        return self.cosign_rows

    def proposal_events(self):
        return self.proposal_event_rows

    def polls(self):
        """Poll 1: the branch's big secret poll, closed, answered by nearly every active
        member of branch 1. Poll 2: a live poll of branch 1 that is not secret. Then
        closed polls of every branch until the ballots reach the data set's size.
        Each poll asks a single choice, a multiple choice, a rating and a free text.
        A ballot in a branch's poll comes from a distinct active member (PollVoter),
        so one poll holds at most a branch's members: the 100 000 ballots are spread
        over polls of every branch."""
        rng = self.rng
        active = {
            b: [row[0] for row in self.member_rows if row[12] == b and row[7] == "active"]
            for b in range(1, BRANCHES + 1)
        }
        self.poll_rows, self.question_rows, self.option_rows = [], [], []
        self.voter_rows, self.ballot_rows, self.answer_rows = [], [], []
        self.poll_questions = {}
        budget = self.s.ballots

        def add_poll(branch, title, *, secret, live, turnout, member_voted=None):
            nonlocal budget
            pid = len(self.poll_rows) + 1
            if live:
                opens, closes = self.now - timedelta(days=2), self.now + timedelta(days=5)
            else:
                closes = self.ago(3, 600).replace(minute=0, second=0)
                opens = closes - timedelta(days=7)
            self.poll_rows.append((
                pid, title, "请根据实际情况填写。", secret, "members",
                "after_close" if secret else "live", opens, closes, "published",
                opens - timedelta(days=1), opens, branch, None, OFFICER_OF[branch],
            ))  # fmt: skip
            questions = []
            for position, (kind, text, options, most) in enumerate(POLL_QUESTIONS):
                qid = len(self.question_rows) + 1
                self.question_rows.append((qid, position, kind, text, kind != "text", most, pid))
                option_ids = []
                for k, option in enumerate(options):
                    option_ids.append(len(self.option_rows) + 1)
                    self.option_rows.append((option_ids[-1], k, option, qid))
                questions.append((qid, kind, option_ids))
            self.poll_questions[pid] = questions
            members = active[branch]
            count = min(budget, round(len(members) * turnout))
            voters = rng.sample(members, count)
            # Member 1 has answered (or not) whatever the scale: the poll's page
            # keeps its shape (a vote form, or "you answered on …").
            if member_voted is True and MEMBER_ID not in voters:
                voters[0] = MEMBER_ID
            elif member_voted is False and MEMBER_ID in voters:
                voters.remove(MEMBER_ID)
                count -= 1
            voted_on = min(closes, self.now).date()
            for member in voters:
                self.voter_rows.append((len(self.voter_rows) + 1, voted_on, member, pid))
                ballot = _uuid(rng)
                self.ballot_rows.append((ballot, None if secret else member, pid))
                for qid, kind, option_ids in questions:
                    if kind == "single":
                        picked, rating, text = [rng.choice(option_ids)], None, ""
                    elif kind == "multiple":
                        picked, rating, text = rng.sample(option_ids, rng.randint(1, 3)), None, ""
                    elif kind == "rating":
                        picked, rating, text = (
                            [None],
                            rng.choices([1, 2, 3, 4, 5], [5, 10, 25, 35, 25])[0],
                            "",
                        )
                    elif rng.random() < 0.3:
                        picked, rating, text = (
                            [None],
                            None,
                            "希望" + rng.choice(PURPOSES) + "更好。",
                        )
                    else:
                        continue
                    for option in picked:
                        self.answer_rows.append((_uuid(rng), rating, text, ballot, option, qid))
            budget -= count
            return pid

        self.big_poll = add_poll(1, "教职工食堂满意度调查（不记名）", secret=True, live=False,
                                 turnout=0.92, member_voted=True)  # fmt: skip
        self.live_poll = add_poll(1, "春季活动意向调查", secret=False, live=True, turnout=0.4,
                                  member_voted=False)  # fmt: skip
        k = 0
        while budget > 0:
            b = k % BRANCHES + 1
            k += 1
            add_poll(b, f"第{b}学院意见征集 {k}", secret=k % 2 == 0, live=False,
                     turnout=rng.uniform(0.6, 0.95))  # fmt: skip
        # Ballots and answers go in by their random ids, as they would be listed.
        self.ballot_rows.sort()
        self.answer_rows.sort()
        return self.poll_rows

    def poll_questions_rows(self):
        return self.question_rows

    def poll_options(self):
        return self.option_rows

    def poll_voters(self):
        return self.voter_rows

    def ballots(self):
        return self.ballot_rows

    def ballot_answers(self):
        return self.answer_rows

    # --- loading ---------------------------------------------------------------

    def build(self, dbname: str) -> dict:
        tables = [
            ("members_campus", "id name address", self.campuses),
            ("members_branch", "id name short_name", self.branches),
            ("members_department", "id name branch_id", self.departments),
            (
                "core_user",
                "id password last_login is_superuser username first_name last_name "
                "email is_staff is_active date_joined language",
                self.users,
            ),
            ("account_emailaddress", "id email verified primary user_id", self.email_addresses),
            (
                "members_member",
                "id staff_number name email phone job_title joined_on status "
                "is_representative has_hardship created_at updated_at branch_id department_id "
                "home_campus_id user_id",
                self.members,
            ),
            ("members_branchrole", "id role branch_id user_id", self.branch_roles),
            (
                "members_memberstatuschange",
                "id old_status new_status changed_at note changed_by_id member_id",
                self.status_changes,
            ),
            (
                "events_event",
                "id title description category starts_at ends_at signup_opens_at "
                "signup_closes_at cancel_deadline open_to_all_branches online_url "
                "status created_at cancelled_reason branch_id created_by_id",
                # The rows keep their old shape (indices used below); the shuttle is in trips.
                lambda: [row[:11] + row[14:] for row in self.events()],
            ),
            ("events_venue", "id place capacity campus_id event_id", self.venues),
            (
                "events_registration",
                "id status checkin_code created_at confirmed_at "
                "cancelled_at attended_at checked_in_by_id event_id member_id venue_id",
                lambda: [row[:2] + row[4:] for row in self.registrations()],
            ),
            (
                "grievances_category",
                "id name ack_days resolve_days branch_id default_assignee_id",
                self.categories,
            ),
            (
                "grievances_grievance",
                "id kind subject description confidentiality receipt_hash publish_answer "
                "status level filed_at ack_due resolve_due acknowledged_at paused_on "
                "resolved_at resolution closed_at appealed escalations assignee_id branch_id "
                "category_id filer_id filer_member_id",
                self.grievances,
            ),
            (
                "grievances_grievanceevent",
                "id kind by_filer text internal level status "
                "created_at actor_id assignee_id grievance_id",
                self.history,
            ),
            # Notice and version point at each other: one transaction for both.
            (
                "notices_notice",
                "id kind visibility status created_at review_comment published_at "
                "objection_closes_on finalised_at withdrawn_reason withdrawn_at approved_by_id "
                "branch_id created_by_id current_id",
                self.notices,
            ),
            (
                "notices_noticeversion",
                "id number title body criteria reason created_at "
                "published_at created_by_id notice_id",
                self.notice_versions,
            ),
            (
                "notices_fundline",
                "id date note payee amount budget_line version_id category_id",
                self.fund_lines,
            ),
            ("notices_awardresult", "id winner department award version_id", self.awards),
            (
                "core_notification",
                "id key subject body url created_at read_at email_claimed_at emailed_at user_id",
                self.notifications,
            ),
            ("participation_term", "id name start end branch_id", self.terms),
            (
                "participation_representative",
                "id delegation member_id term_id",
                self.representatives,
            ),
            ("participation_handlingoffice", "id name branch_id", self.offices),
            (
                "participation_handlingoffice_contacts",
                "id handlingoffice_id user_id",
                self.office_contacts,
            ),
            (
                "participation_branchsetting",
                "id representatives_only cosigners_needed branch_id public_proposals",
                self.branch_settings,
            ),
            (
                "participation_proposal",
                "id title body status decision_reason answer first_answer rating "
                "dissatisfaction_reason sent_back cosign_due review_due answer_due created_at "
                "submitted_at answered_at closed_at branch_id office_id proposer_id "
                "proposer_user_id term_id escalated_due",
                self.proposals,
            ),
            (
                "participation_cosignature",
                "id confirmed_at withdrawn_at created_at member_id proposal_id",
                self.cosignatures,
            ),
            (
                "participation_proposalevent",
                "id kind text status created_at actor_id proposal_id",
                self.proposal_events,
            ),
            (
                "participation_poll",
                "id title description secret audience results opens_at closes_at status "
                "created_at published_at branch_id campus_id created_by_id",
                self.polls,
            ),
            (
                "participation_pollquestion",
                "id position kind text required max_choices poll_id",
                self.poll_questions_rows,
            ),
            ("participation_polloption", "id position text question_id", self.poll_options),
            ("participation_pollvoter", "id voted_on member_id poll_id", self.poll_voters),
            ("participation_ballot", "id member_id poll_id", self.ballots),
            (
                "participation_ballotanswer",
                "id rating text ballot_id option_id question_id",
                self.ballot_answers,
            ),
        ]
        # 困难职工帮扶: a few hundred hardship files (400 at full scale) with their records.
        tables += [
            (
                "care_hardshipfile",
                "id reason level situation review_on opened_on last_contact_on "
                "contact_reminder_for contact_reminded_on closed_on close_reason close_note "
                "created_at branch_id closed_by_id member_id officer_id opened_by_id",
                self.hardship_files,
            ),
            (
                "care_supportrecord",
                "id kind date note amount created_at file_id fund_line_id given_by_id "
                "recorded_by_id",
                self.support_records,
            ),
        ]
        started = time.perf_counter()
        self.member_rows = self.make_members()  # users take their names from it
        with db.connect(dbname) as conn:
            # The spending categories seeded by the notices migration.
            self.category_ids = [
                row[0] for row in conn.execute("SELECT id FROM notices_spendingcategory")
            ]
            for table, columns, rows in tables:
                t0 = time.perf_counter()
                count = _copy(conn, table, columns.split(), rows())
                if table != "notices_notice":
                    conn.commit()
                self.timings.append((table, count, time.perf_counter() - t0))
            t0 = time.perf_counter()
            for table, *_ in tables:
                if table in UUID_TABLES:
                    continue
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            conn.commit()
            conn.autocommit = True
            conn.execute("ANALYZE")
            self.timings.append(("(sequences, ANALYZE)", 0, time.perf_counter() - t0))
        self.total_seconds = time.perf_counter() - started
        return self.fixture()

    def hardship_files(self):
        """Files of the active members the roster marks in hardship, branch 1's first
        (file 1 is the page the benchmark reads), at most members / 50."""
        flagged = [row for row in self.member_rows if row[8] and row[7] == "active"]
        flagged.sort(key=lambda row: (row[12] != 1, row[0]))
        if not flagged or flagged[0][12] != 1:  # a tiny scale may mark nobody in branch 1
            flagged.insert(0, next(r for r in self.member_rows if r[12] == 1 and r[7] == "active"))
        rows, self.hardship_records = [], []
        today = self.now.date()
        for n, row in enumerate(flagged[: max(20, self.s.members // 50)], start=1):
            member_id, b = row[0], row[12]
            officer = self.rng.choice([OFFICER_OF[b], OFFICER2_OF[b], CHAIR_OF[b]])
            opened = today - timedelta(days=self.rng.randint(30, 700))
            contacts = []
            for _ in range(self.rng.randint(3, 8)):
                day = opened + timedelta(days=self.rng.randint(0, (today - opened).days))
                kind = self.rng.choices(
                    ["visit", "phone", "condolence", "subsidy", "aid", "referral"],
                    weights=[30, 30, 10, 15, 10, 5],
                )[0]
                amount = (
                    Decimal(self.rng.randint(2, 60) * 100) if kind in ("subsidy", "aid") else None
                )
                if kind in ("visit", "phone", "condolence"):
                    contacts.append(day)
                self.hardship_records.append(
                    (len(self.hardship_records) + 1, kind, day, "帮扶记录", amount,
                     self.now, n, None, officer, officer)
                )  # fmt: skip
            rows.append(
                (n, self.rng.choice(["illness", "family_illness", "disaster", "single_parent"]),
                 self.rng.choice(["general", "special", "deep"]), "", opened + timedelta(days=365),
                 opened, max(contacts, default=None), None, None, None, "", "", self.now, b,
                 None, member_id, officer, officer)
            )  # fmt: skip
        return rows

    def support_records(self):
        return self.hardship_records

    def fixture(self) -> dict:
        s = self.s
        contenders = list(range(self.accounts - s.signups + 1, self.accounts + 1))
        return {
            "now": self.now.isoformat(),
            "sizes": asdict(s),
            "password": PASSWORD,
            "password_hash": self.password_hash,
            "users": {
                "member": MEMBER_ID,
                "officer": OFFICER_OF[1],
                "chair": CHAIR_OF[1],
                "liaison": self.liaison,
                "admin": self.admin,
            },
            "emails": {
                role: self.email(uid)
                for role, uid in (
                    ("member", MEMBER_ID),
                    ("officer", OFFICER_OF[1]),
                    ("chair", CHAIR_OF[1]),
                    ("liaison", self.liaison),
                    ("admin", self.admin),
                )
            },
            "ids": {
                "detail_member": DETAIL_MEMBER,
                "page_event": self.page_event,
                "big_case": BIG_CASE,
                "small_case": SMALL_CASE,
                "big_notice": 1,
                "hardship_file": 1,
                "contention_event": self.contention_event,
                "contention_venue": self.event_venues[self.contention_event][0],
                "reminder_events": list(self.reminder_events),
                "big_proposal": 1,
                "big_poll": self.big_poll,
                "live_poll": self.live_poll,
            },
            # Member i's account is user i.
            "accounts": self.accounts,
            "contenders": contenders,
            "reminder_titles": list(REMINDER_TITLES),
            "rows": {table: count for table, count, _ in self.timings if count},
        }


def _uuid(rng) -> uuid.UUID:
    """A random (version 4) id from the data set's seeded generator."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _copy(conn, table, columns, rows) -> int:
    quoted = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _password_hash(password: str) -> str:
    # One PBKDF2 hash shared by every account: hashing 10 000 passwords would take
    # longer than loading everything else.
    from django.contrib.auth.hashers import make_password

    return make_password(password)
