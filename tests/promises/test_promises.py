"""The README's promises about who sees what, checked on every surface as every
role that must not see it. A secret is planted through the portal (world.py),
then every page reachable by links, every URL any role reached, every export,
email, inbox row, the admin, session rows, Redis keys, the worker's log and the
stored files are searched for it (conftest.py). A new page, export or email is
swept without editing this file: the crawler finds it."""

import re
from dataclasses import dataclass

import pytest

from tests.members.test_permission_matrix import MATRIX

from .world import ROLES

# Each test reads what the module's sweep gathered; the database it asks is the
# sweep's committed world.
pytestmark = pytest.mark.django_db

EVERYONE = set(ROLES) | {"storage"}
BRANCH_MEMBERS = {"member", "conf_filer", "anon_filer", "objector", "needy"}
BRANCH_OFFICERS = {"officer", "officer2", "chair"}
HARDSHIP_WORDS = ["困难", "ardship"]


@dataclass(frozen=True)
class Promise:
    says: str
    allowed: frozenset  # roles that may read the secret (with its context)
    near = None  # characters between a secret and its context, when it matters
    skip = ()  # kinds of surface, or paths, this promise does not cover

    def secrets(self, world):
        raise NotImplementedError

    def context(self, world):
        return []  # a surface leaks only if it also carries one of these (if any)


class ConfidentialFiler(Promise):
    def secrets(self, world):
        return world.identity["conf_filer"]

    def context(self, world):
        return world.markers["conf_case"]


class AnonymousFiler(Promise):
    def secrets(self, world):
        return world.identity["anon_filer"]

    def context(self, world):
        return world.markers["anon_case"]


class AnonymousMinute(AnonymousFiler):
    """The minute a case was filed joins it to whoever was online then: beside the
    case, only its date is shown. (The reader's own inbox and own data download keep
    their times: they say when that reader was told or signed in.)"""

    near = 400
    skip = ("inbox", "/inbox/", "/me/")

    def secrets(self, world):
        return world.markers["anon_minute"]


class Markers(Promise):
    key = ""

    def secrets(self, world):
        return world.markers[self.key]


class InternalNote(Markers):
    key = "internal"


class MembersOnly(Markers):
    key = "members_only"


class Unpublished(Markers):
    key = "unpublished"


class PhotoMetadata(Promise):
    def secrets(self, world):
        return ["QEXIFARTISTQ"]


class Hardship(Promise):
    def secrets(self, world):
        return HARDSHIP_WORDS

    def context(self, world):
        return world.identity["needy"]


class BirthDate(Markers):
    key = "birth"


class NamedToChair(Promise):
    def secrets(self, world):
        return world.identity["objector"]

    def context(self, world):
        return world.markers["objection"]


class AwardObjection(Markers):
    key = "award_objection"


class DraftProposal(Markers):
    key = "draft_proposal"


class HardshipRecord(Markers):
    """What a hardship file says (its situation, the notes and amounts of the
    support given) stays with the branch's officers and chair."""

    key = "hardship_record"


class OtherBranchRoster(Promise):
    def secrets(self, world):
        return world.identity["other_member"]


PROMISES = [
    ConfidentialFiler("a confidential filer is named to the branch chair only",
                      frozenset({"chair", "conf_filer"})),
    AnonymousFiler("an anonymous case is tied to nobody, on no screen", frozenset()),
    AnonymousMinute("an anonymous case shows the day it was filed, not the minute", frozenset()),
    InternalNote("an internal note is read by the case's handlers only",
                 frozenset({"officer", "chair"})),
    Hardship("hardship is known to the member's own branch officers and chair only",
             frozenset(BRANCH_OFFICERS)),
    BirthDate("a member's date of birth is known to their branch's officers and chair "
              "(and to them) only", frozenset(BRANCH_OFFICERS | {"needy"})),
    MembersOnly("a members-only notice is read by the branch only",
                frozenset(BRANCH_MEMBERS | BRANCH_OFFICERS | {"superuser"})),
    Unpublished("an unpublished notice (draft, awaiting, approved, withdrawn before "
                "publishing, an unapproved correction) is seen by officers only",
                frozenset(BRANCH_OFFICERS | {"superuser"})),
    NamedToChair("an objector who asked for it is named to the chair only",
                 frozenset({"chair", "objector"})),
    AwardObjection("an objection to an award naming an officer reaches the university liaison, "
                   "not the branch's officers (the named one least of all)",
                   frozenset({"objector", "liaison"})),
    DraftProposal("a draft proposal is its proposer's alone", frozenset({"member", "superuser"})),
    OtherBranchRoster("another branch's roster stays with that branch",
                      frozenset({"other_member", "other_officer", "superuser"})),
    PhotoMetadata("what a photo's metadata says about its taker is never kept",
                  frozenset()),
    HardshipRecord("a hardship file's situation, support notes and amounts are read by the "
                   "branch's officers and chair only", frozenset(BRANCH_OFFICERS)),
]  # fmt: skip
CASES = [(p, role) for p in PROMISES for role in sorted(EVERYONE - p.allowed)]


def _near(text, secret, context, distance):
    spots = [m.start() for c in context for m in re.finditer(re.escape(c), text)]
    return any(
        abs(m.start() - spot) <= distance
        for m in re.finditer(re.escape(secret), text)
        for spot in spots
    )


def _leaks(surfaces, promise, world):
    secrets, context = promise.secrets(world), promise.context(world)
    for surface in surfaces:
        if surface.kind in promise.skip or surface.where.startswith(promise.skip):
            continue
        text = surface.text
        found = [s for s in secrets if s and s in text]
        if found and context and promise.near:
            found = [s for s in found if _near(text, s, context, promise.near)]
        elif found and context and not any(c in text for c in context):
            found = []
        if found:
            at = text.find(found[0])
            yield f"{surface.kind} {surface.where}: …{text[max(0, at - 80) : at + 80]}…"


@pytest.mark.parametrize(
    "promise, role", CASES, ids=[f"{type(p).__name__}-{role}" for p, role in CASES]
)
def test_promise_holds_on_every_surface(sweep, promise, role):
    world = sweep.world
    leaks = list(_leaks(sweep.surfaces_of(role), promise, world))
    assert not leaks, f"{promise.says}, but {role} reads:\n" + "\n".join(leaks[:10])


def test_every_page_of_the_matrix_is_swept(sweep):
    """A page nobody can reach by a link is a page the sweep cannot read: link it."""
    reached = set().union(*(r.view_names for r in sweep.readings.values()))
    pages = {name for name, (_, method, _) in MATRIX.items() if method == "get"}
    pages -= {"core:floor"}  # the benchmark's empty layout, linked from nowhere on purpose
    assert pages - reached == set()


def test_the_sweep_reads_every_kind_of_surface(sweep):
    kinds = {s.kind for r in sweep.readings.values() for s in r.surfaces}
    assert {"page", "email", "inbox", "admin", "session", "redis", "log", "file"} <= kinds
    exports = {url for r in sweep.readings.values() for url in r.urls}
    reached = set().union(*(r.view_names for r in sweep.readings.values()))
    assert "account_confirm_email" in reached  # the sign-up mail's link was followed
    for suffix in (".csv", ".xlsx", ".ics", ".atom", ".json"):
        assert any(url.split("?")[0].endswith(suffix) for url in exports), suffix


def test_the_planted_secrets_are_where_they_belong(sweep):
    """The sweep must be able to see a secret, or its silence means nothing."""
    world = sweep.world
    for promise in PROMISES:
        if not promise.allowed - {"superuser"}:
            continue
        seen = any(
            list(_leaks(sweep.surfaces_of(role), promise, world)) for role in promise.allowed
        )
        assert seen, f"nobody allowed sees the secret of: {promise.says}"


def test_filing_anonymously_leaves_the_account_session_untouched(sweep):
    world = sweep.world
    assert world.anon_session_after == world.anon_session_before


def test_no_session_holds_anything_about_a_case(sweep):
    from django.contrib.sessions.models import Session

    allowed = ("_auth_user", "_language", "account_", "_messages", "_csrftoken")
    for row in Session.objects.all():
        keys = [k for k in row.get_decoded() if not k.startswith(allowed)]
        assert keys == [], f"session {row.session_key[:6]}… holds {keys}"
