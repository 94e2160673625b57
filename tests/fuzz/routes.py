"""Every URL of the project, and who must ask for it with which objects so that the
fuzzer reaches the view's own logic rather than its permission check.

The list comes from the URL resolver: a new URL is fuzzed without anyone adding it
here (as an officer, with random path parameters). SETUP says how to do better;
test_every_url_has_a_fuzz_setup names the URLs it lacks.
"""

from dataclasses import dataclass, field

from django.urls import URLResolver, get_resolver, reverse

from grievances.views import ACTIONS as CASE_ACTIONS
from notices.models import Notice
from notices.views import STEPS as NOTICE_STEPS

# Third-party and framework pages are not ours to fuzz ...
EXTERNAL_NAMESPACES = {"admin"}
# ... except allauth's two forms a stranger can post to.
ALLAUTH_FORMS = ("account_login", "account_signup")

MEMBER, OFFICER, CHAIR, LIAISON, ANONYMOUS = "member", "officer", "chair", "liaison", "anonymous"


def project_routes() -> dict[str, dict[str, str]]:
    """url name -> {path parameter: converter name} for every URL of ours."""
    routes = {}

    def walk(patterns, namespace, converters):
        for entry in patterns:
            found = {
                **converters,
                **{k: type(c).__name__ for k, c in entry.pattern.converters.items()},
            }
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                if ns in EXTERNAL_NAMESPACES or entry.pattern.describe().startswith("'accounts/"):
                    continue
                walk(entry.url_patterns, ns, found)
            elif entry.name:
                routes[f"{namespace}:{entry.name}" if namespace else entry.name] = found

    walk(get_resolver().url_patterns, None, {})
    return routes


PREFILL = {"fund": ("notices:edit", "draft_notice"), "award": ("notices:edit", "draft_award")}

# url name -> [(key of the `world` fixture giving its kwargs, role, fixed kwargs,
#               (url name, key of `world`) of a page with the same form filled in)]
SETUP = {
    "core:home": [("none", MEMBER), ("none", ANONYMOUS)],
    "core:inbox": [("none", MEMBER)],
    "core:inbox_mark_read": [("none", MEMBER)],
    "core:set_language": [("none", MEMBER), ("none", ANONYMOUS)],
    "core:floor": [("none", ANONYMOUS)],
    # For monitors: 200, or 503 naming what is down (here no worker runs).
    "healthz": [("none", ANONYMOUS)],
    "members:me": [("none", MEMBER)],
    "members:my_data": [("none", MEMBER)],
    "members:roster": [("none", OFFICER)],
    "members:export_csv": [("none", OFFICER)],
    "members:export_xlsx": [("none", OFFICER)],
    "members:create": [("none", OFFICER)],
    "members:birthdays": [("none", OFFICER)],
    "members:import": [("none", OFFICER)],
    "members:detail": [("member", OFFICER)],
    "members:edit": [("member", OFFICER)],
    "members:import_preview": [("import", OFFICER)],
    "members:import_status": [("import", OFFICER)],
    "members:import_confirm": [("import", OFFICER)],
    "grievances:queue": [("none", OFFICER)],
    "grievances:mine": [("none", MEMBER)],
    "grievances:file": [("none", MEMBER)],
    "grievances:lookup": [("none", ANONYMOUS)],
    "grievances:suggestions": [("none", MEMBER)],
    "grievances:routing": [("none", OFFICER)],
    # The liaison's page has the branch filter too.
    "grievances:dashboard": [("none", CHAIR), ("none", LIAISON)],
    "grievances:dashboard_csv": [("none", CHAIR), ("none", LIAISON)],
    "grievances:detail": [("case", OFFICER), ("case", MEMBER)],
    "grievances:history": [("case", OFFICER), ("case", MEMBER)],
    "grievances:attachment": [("case_file", MEMBER)],
    "grievances:assign": [("case", CHAIR)],
    # Each action as whoever may take it: the assignee, the filer or the chair.
    "grievances:action": [
        (
            "case",
            {"handler": OFFICER, "note": OFFICER, "filer": MEMBER, "chair": CHAIR}[who],
            {"action": action},
        )
        for action, (who, _form, _run) in CASE_ACTIONS.items()
    ],
    "notices:list": [("none", MEMBER)],
    "notices:feed": [("none", ANONYMOUS)],
    "notices:summary": [("none", MEMBER)],
    "notices:summary_csv": [("none", MEMBER)],
    "notices:summary_xlsx": [("none", MEMBER)],
    "notices:file": [("public_file", ANONYMOUS)],
    "notices:categories": [("none", OFFICER)],
    "notices:budget": [("none", OFFICER)],
    "notices:income": [("none", OFFICER)],
    "notices:settings": [("none", CHAIR)],
    # A new event or notice starts from an existing one's values (a valid form to
    # change one field of).
    "notices:create": [
        ("none", OFFICER, {"kind": kind}, PREFILL.get(kind)) for kind in Notice.Kind.values
    ],
    "notices:detail": [("members_notice", MEMBER), ("members_notice", OFFICER)],
    "notices:version": [("members_notice_v1", MEMBER)],
    "notices:diff": [("members_notice_v2", MEMBER)],
    "notices:export_csv": [("members_notice", MEMBER)],
    "notices:export_xlsx": [("members_notice", MEMBER)],
    "notices:object": [("members_notice", MEMBER)],
    "notices:edit": [("draft_notice", OFFICER), ("draft_award", OFFICER)],
    # Each step on a notice that is ready for it.
    "notices:step": [
        {
            "submit": ("draft_notice", OFFICER, {"step": "submit"}),
            "approve": ("awaiting_notice", CHAIR, {"step": "approve"}),
            "publish": ("approved_notice", OFFICER, {"step": "publish"}),
            "approve_correction": ("pending_correction", CHAIR, {"step": "approve_correction"}),
            "drop_correction": ("pending_correction", OFFICER, {"step": "drop_correction"}),
        }.get(step, ("draft_notice", OFFICER, {"step": step}))
        for step in NOTICE_STEPS
    ],
    "notices:correct": [("members_notice", OFFICER)],
    "notices:correction": [("pending_correction", OFFICER), ("pending_correction", CHAIR)],
    "notices:correction_send_back": [("pending_correction", CHAIR)],
    "notices:withdraw": [("members_notice", OFFICER)],
    "notices:send_back": [("awaiting_notice", CHAIR)],
    "notices:answer": [("objection", OFFICER)],
    "awards:list": [("none", MEMBER)],
    "awards:create": [("none", OFFICER)],
    "awards:detail": [("award_round", MEMBER)],
    "awards:publish": [("draft_round", OFFICER)],
    "awards:nominate": [("award_round", MEMBER), ("award_round", OFFICER)],
    "awards:nominations": [("closed_round", OFFICER)],
    "awards:pick": [("closed_round", OFFICER)],
    "awards:result": [("award_round", MEMBER)],
    "participation:list": [("none", MEMBER)],
    "participation:create": [("none", MEMBER)],
    "participation:detail": [("collecting_proposal", MEMBER), ("collecting_proposal", OFFICER)],
    "participation:edit": [("draft_proposal", MEMBER)],
    # Each step on a proposal that is ready for it, by whoever takes it.
    "participation:step": [
        (f"{status}_proposal", role, {"action": action})
        for action, status, role in [
            ("open", "draft", MEMBER),
            ("invite", "draft", MEMBER),
            ("draft", "collecting", MEMBER),
            ("submit", "collecting", MEMBER),
            ("cosign", "collecting", OFFICER),
            ("withdraw", "submitted", OFFICER),
            ("review", "submitted", CHAIR),
            ("decide", "under_review", CHAIR),
            ("assign", "accepted", CHAIR),
            ("answer", "assigned", OFFICER),
            ("rate", "answered", MEMBER),
        ]
    ],
    "participation:representatives": [("none", MEMBER)],
    "participation:representative": [("representative", MEMBER)],
    "participation:terms": [("none", OFFICER)],
    "participation:summary": [("none", OFFICER)],
    "participation:import": [("none", OFFICER)],
    "participation:term": [("term", OFFICER)],
    "participation:offices": [("none", OFFICER)],
    "participation:office": [("office", OFFICER)],
    "events:list": [("none", MEMBER)],
    "events:mine": [("none", MEMBER)],
    "events:create": [("none", OFFICER, {}, ("events:edit", "event"))],
    "events:report": [("none", OFFICER)],
    "events:report_csv": [("none", OFFICER)],
    "events:feed": [("feed", ANONYMOUS)],
    "events:feed_reset": [("none", MEMBER)],
    "events:detail": [("event", MEMBER)],
    "events:ics": [("event", MEMBER)],
    # The officer is a member of the branch without a registration yet.
    "events:register": [("event", OFFICER)],
    "events:edit": [("event", OFFICER), ("draft_event", OFFICER)],
    "events:cancel": [("event", OFFICER)],
    "events:check_in": [("event", OFFICER)],
    "events:roll_call": [("event", OFFICER)],
    "events:passengers": [("event", OFFICER)],
    "events:publish": [("draft_event", OFFICER)],
    "events:cancel_registration": [("registration", MEMBER)],
    "events:choose_trip": [("registration", MEMBER)],
    "events:registration_qr": [("registration", MEMBER)],
    "admin_login": [("none", ANONYMOUS), ("none", MEMBER)],
    "account_login": [("none", ANONYMOUS)],
    "account_signup": [("none", ANONYMOUS)],
    # 困难职工帮扶: the officer on an open file; the record and edit forms live on the
    # file's page.
    "care:hardship_list": [("none", OFFICER)],
    "care:hardship_open": [("none", OFFICER)],
    "care:hardship_fairness": [("none", CHAIR), ("none", LIAISON)],
    "care:hardship_detail": [("hardship_file", OFFICER)],
    "care:hardship_record": [
        ("hardship_file", OFFICER, {}, ("care:hardship_detail", "hardship_file"))
    ],
    "care:hardship_edit": [
        ("hardship_file", OFFICER, {}, ("care:hardship_detail", "hardship_file"))
    ],
    "care:hardship_close": [("hardship_file", OFFICER)],
}
# 投票结果: a closed secret poll with ballots, as a member and as an officer.
SETUP.update({
    "participation:poll_results": [("closed_poll", MEMBER), ("closed_poll", OFFICER)],
    "participation:poll_results_export": [("closed_poll", MEMBER), ("closed_poll", OFFICER)],
})  # fmt: skip

# Accepted proposals a branch publishes: read by anyone, signed out included.
SETUP.update({
    "participation:public_list": [("none", ANONYMOUS), ("none", MEMBER)],
    "participation:public_detail": [("public_proposal", ANONYMOUS)],
})  # fmt: skip
# 问卷/投票: the member answers an open poll; the officer drafts, publishes, reminds.
SETUP |= {
    "participation:poll_list": [("none", MEMBER), ("none", OFFICER)],
    "participation:poll_create": [("none", OFFICER, {}, ("participation:poll_edit", "draft_poll"))],
    "participation:poll_detail": [("open_poll", MEMBER), ("draft_poll", OFFICER)],
    "participation:poll_edit": [("draft_poll", OFFICER)],
    "participation:poll_publish": [("draft_poll", OFFICER)],
    "participation:poll_voters": [("open_poll", OFFICER)],
    "participation:poll_remind": [("open_poll", OFFICER)],
    # 福利发放
    "care:welfare_list": [("none", OFFICER)],
    "care:welfare_create": [("none", OFFICER, {}, ("care:welfare_edit", "handout"))],
    "care:welfare_mine": [("none", MEMBER)],
    "care:welfare_detail": [("handout", OFFICER)],
    "care:welfare_edit": [("handout", OFFICER), ("draft_handout", OFFICER)],
    "care:welfare_option": [("draft_handout", OFFICER)],
    "care:welfare_point": [("handout", OFFICER)],
    "care:welfare_step": [
        ("handout", OFFICER, {"step": step}) for step in ("remind", "close", "fund_notice")
    ]
    + [("draft_handout", OFFICER, {"step": "open"})],
    "care:welfare_choose": [("handout", MEMBER)],
    "care:welfare_code": [("handout", MEMBER)],
    "care:welfare_uncollected": [("handout", OFFICER)],
    "care:welfare_totals": [("handout", OFFICER)],
    "care:welfare_pickup": [("pickup_point", OFFICER)],
    # The yearly report: each reader's own report, the liaison's university page.
    "annual_report:current": [("none", MEMBER)],
    "annual_report:year": [("report_year", MEMBER), ("report_year", ANONYMOUS)],
    "annual_report:university": [("report_year", LIAISON)],
    "annual_report:settings": [("none", OFFICER)],
}


@dataclass(frozen=True)
class Case:
    """One way of asking for one URL."""

    name: str
    role: str
    objects: str | None  # key of the `world` fixture; None: random path parameters
    fixed: dict = field(default_factory=dict, hash=False)
    converters: dict = field(default_factory=dict, hash=False)
    prefill: tuple | None = None

    @property
    def id(self):
        extra = ",".join(str(v) for v in self.fixed.values())
        return f"{self.name}{f'[{extra}]' if extra else ''}-{self.role}"

    def kwargs(self, world) -> dict | None:
        if self.objects is None:
            return None
        return {**world[self.objects], **self.fixed}

    def prefilled_by(self, world) -> str | None:
        if self.prefill is None:
            return None
        name, objects = self.prefill
        return reverse(name, kwargs=world[objects])


def all_cases() -> list[Case]:
    routes = project_routes()
    routes.update(dict.fromkeys(ALLAUTH_FORMS, {}))
    cases = []
    for name, converters in routes.items():
        for objects, role, *more in SETUP.get(name, [(None, OFFICER)]):
            fixed = more[0] if more else {}
            prefill = more[1] if len(more) > 1 else None
            cases.append(Case(name, role, objects, fixed, converters, prefill))
    return cases


CASES = all_cases()
WITH_PARAMETERS = [case for case in CASES if case.converters]
