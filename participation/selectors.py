"""Reads for the proposal pages: each list costs a fixed number of queries."""

from datetime import timedelta

from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from union_portal.core.roles import branches_where

from .models import CoSignature, HandlingOffice, Proposal, ProposalEvent, Representative, Term
from .permissions import proposals_visible_to


def _cosigner_count():
    """Confirmed co-signers not withdrawn, counted for the rows of the page only (a
    subquery per row, through the proposal index), not grouped over every visible
    proposal: the paginator's count then reads the proposals alone."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    confirmed = (
        CoSignature.objects.filter(
            proposal=OuterRef("pk"), withdrawn_at__isnull=True, confirmed_at__isnull=False
        )
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(confirmed, output_field=IntegerField()), 0)


def _proposer_name():
    """The proposer's name read for the rows of the page only (a subquery per row,
    through the member's key): joined, the roster made the planner merge all of it
    before sorting and cutting the page."""
    from django.db.models import OuterRef, Subquery

    from members.models import Member

    return Subquery(Member.objects.filter(pk=OuterRef("proposer_id")).values("name")[:1])


def proposal_list(*, user, status="", office_id=None, query="", year=None):
    """The rows of the list pages: title, status, term, office, `proposer_name` and
    `cosigner_count` (see list_rows for what a row shows)."""
    proposals = (
        proposals_visible_to(user)
        .select_related("office", "term")
        .only("title", "status", "created_at", "proposer_id", "term__name", "office__name")
        .annotate(cosigner_count=_cosigner_count(), proposer_name=_proposer_name())
        .order_by("-created_at", "-id")
    )
    return _filtered(proposals, status=status, office_id=office_id, query=query, year=year)


def _filtered(proposals, *, status, office_id, query, year):
    """The list's filters, applied to `proposals`."""
    if status:
        proposals = proposals.filter(status=status)
    if office_id:
        proposals = proposals.filter(office_id=office_id)
    if query:
        proposals = proposals.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if year:
        proposals = proposals.filter(created_at__year=year)
    return proposals


def list_offices(user, branch_ids):
    """(ids of the offices the user answers for, the offices of `branch_ids` by name
    with `pk` and `name`) for the list page: one SQL statement for the visibility
    rule's offices and the office filter's options."""
    from types import SimpleNamespace

    from django.db import connection

    contacts = HandlingOffice.contacts.through._meta.db_table
    sql = (
        f"SELECT o.id, o.name, o.branch_id = ANY(%s),"
        f" EXISTS (SELECT 1 FROM {contacts} c WHERE c.handlingoffice_id = o.id"
        f" AND c.user_id = %s)"
        f" FROM {HandlingOffice._meta.db_table} o WHERE o.branch_id = ANY(%s)"
        f" OR o.id IN (SELECT c.handlingoffice_id FROM {contacts} c WHERE c.user_id = %s)"
        f" ORDER BY o.name, o.id"
    )
    branch_ids = list(branch_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, [branch_ids, user.pk, branch_ids, user.pk])
        rows = cursor.fetchall()
    answered_for = [pk for pk, _name, _listed, contact in rows if contact]
    listed = [SimpleNamespace(pk=pk, name=name) for pk, name, shown, _c in rows if shown]
    return answered_for, listed


def proposal_list_ids(*, user, offices=None, status="", office_id=None, query="", year=None):
    """proposal_list's proposals as their ids, in its order: what the list page counts
    and pages (a query without joins or subqueries to build); list_page_rows then
    reads the page's rows. `offices`: the ids of those the user answers for, if read."""
    proposals = proposals_visible_to(user, offices).order_by("-created_at", "-id")
    proposals = _filtered(proposals, status=status, office_id=office_id, query=query, year=year)
    return proposals.values_list("pk", flat=True)


def list_page_rows(ids):
    """The rows of a list page (`ids` in their order) as list_rows gives them, read in
    one SQL statement: title, status, the term's, office's and proposer's names and
    the confirmed co-signers not withdrawn (`term_name`, `office_name`,
    `proposer_name`, `cosigner_count`)."""
    from types import SimpleNamespace

    from django.db import connection

    from members.models import Member

    ids = list(ids)
    if not ids:
        return []
    sql = (
        f"SELECT p.id, p.title, p.status, t.name, o.name, m.name,"
        f" (SELECT COUNT(*) FROM {CoSignature._meta.db_table} c WHERE c.proposal_id = p.id"
        f" AND c.withdrawn_at IS NULL AND c.confirmed_at IS NOT NULL)"
        f" FROM {Proposal._meta.db_table} p JOIN {Term._meta.db_table} t ON t.id = p.term_id"
        f" JOIN {Member._meta.db_table} m ON m.id = p.proposer_id"
        f" LEFT JOIN {HandlingOffice._meta.db_table} o ON o.id = p.office_id"
        f" WHERE p.id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids])
        rows = {row[0]: row for row in cursor.fetchall()}
    names = ("pk", "title", "status", "term_name", "office_name", "proposer_name",
             "cosigner_count")  # fmt: skip
    return list_rows(
        SimpleNamespace(**dict(zip(names, rows[pk], strict=True))) for pk in ids if pk in rows
    )


def list_rows(proposals):
    """The proposals of a list page with what their row shows worked out once for
    the page rather than per row in the template: `url`, `status_label` and
    `cosigners_label`."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    proposals = list(proposals)
    labels = {value: str(label) for value, label in Proposal.Status.choices}
    link = reverse("participation:detail", args=[0])[: -len("0/")]
    for proposal in proposals:
        proposal.url = f"{link}{proposal.pk}/"
        proposal.status_label = labels.get(proposal.status, proposal.status)
        count = proposal.cosigner_count
        proposal.cosigners_label = ngettext(
            "%(counter)s co-signer", "%(counter)s co-signers", count
        ) % {"counter": count}
    return proposals


def proposal_page_rows(proposal, user):
    """The detail page's history (oldest first, each with `kind_label` and the actor's
    `name` on the roster, if any) and its co-signers not withdrawn (`name`,
    `confirmed_at`, `mine`: the user's own), read in one SQL statement: names only,
    not whole user and roster rows. Returns (events, cosignatures)."""
    from types import SimpleNamespace

    from django.db import connection

    from members.models import Member

    member = Member._meta.db_table
    sql = (
        f"SELECT 0, e.id, e.created_at, NULL, e.kind, e.text, m.name, NULL"
        f" FROM {ProposalEvent._meta.db_table} e LEFT JOIN {member} m ON m.user_id = e.actor_id"
        f" WHERE e.proposal_id = %s"
        f" UNION ALL SELECT 1, c.id, c.created_at, c.confirmed_at, NULL, NULL, m.name, m.user_id"
        f" FROM {CoSignature._meta.db_table} c JOIN {member} m ON m.id = c.member_id"
        f" WHERE c.proposal_id = %s AND c.withdrawn_at IS NULL"
        f" ORDER BY 1, 3, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [proposal.pk, proposal.pk])
        rows = cursor.fetchall()
    kinds = {value: str(label) for value, label in ProposalEvent.Kind.choices}
    events, cosignatures = [], []
    for which, pk, created_at, confirmed_at, kind, text, name, user_id in rows:
        if which == 0:
            events.append(SimpleNamespace(pk=pk, created_at=created_at, kind=kind, text=text,
                                          kind_label=kinds.get(kind, kind), name=name))  # fmt: skip
        else:
            cosignatures.append(SimpleNamespace(pk=pk, confirmed_at=confirmed_at, name=name,
                                                mine=user_id == user.pk))  # fmt: skip
    return events, cosignatures


def offices_of(branch_ids):
    return HandlingOffice.objects.filter(branch_id__in=branch_ids).prefetch_related(
        "contacts__member"
    )


def representatives_visible_to(user, today=None):
    """The representatives of the current terms of the user's branches."""
    today = today or timezone.localdate()
    return (
        Representative.objects.filter(
            term__branch_id__in=branches_where(user, "participation.view"),
            term__start__lte=today,
            term__end__gte=today,
        )
        .select_related("member__department", "term__branch")
        .annotate(proposal_count=Count("member__proposals", filter=~Q(
            member__proposals__status=Proposal.Status.DRAFT)))
    )  # fmt: skip


def terms_of(branch_ids):
    return (
        Term.objects.filter(branch_id__in=branch_ids)
        .select_related("branch")
        .annotate(representative_count=Count("representatives"))
    )


def proposal_summary(*, branch_ids, year):
    """The year's figures for the staff congress (教代会): proposals filed (left the
    draft), accepted (立案), answered on time, the satisfaction split, and the same
    per handling office. Four queries, whatever the number of proposals."""
    from django.db.models import F

    filed = Proposal.objects.filter(branch_id__in=branch_ids, submitted_at__year=year)
    rated = Q(rating__gt="")
    on_time = Q(answered_at__isnull=False, answered_at__date__lte=F("answer_due"))
    accepted = Q(status__in=[Proposal.Status.ACCEPTED, Proposal.Status.ASSIGNED,
                             Proposal.Status.ANSWERED, Proposal.Status.CLOSED])  # fmt: skip
    totals = filed.aggregate(
        filed=Count("pk"),
        accepted=Count("pk", filter=accepted),
        suggestion=Count("pk", filter=Q(status=Proposal.Status.SUGGESTION)),
        not_accepted=Count("pk", filter=Q(status=Proposal.Status.NOT_ACCEPTED)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        on_time=Count("pk", filter=on_time),
        rated=Count("pk", filter=rated),
        **{r: Count("pk", filter=Q(rating=r)) for r in Proposal.Rating.values},
    )
    offices = (
        filed.filter(office__isnull=False)
        .values("office__name")
        .annotate(
            assigned=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            on_time=Count("pk", filter=on_time),
            **{r: Count("pk", filter=Q(rating=r)) for r in Proposal.Rating.values},
        )
        .order_by("office__name")
    )
    return totals, list(offices)


# --- the public pages ---------------------------------------------------------------


def _confirmed_cosigners():
    # Confirmed and not withdrawn: an invitation still waiting is nobody's business.
    return Prefetch(
        "cosignatures",
        queryset=CoSignature.objects.filter(withdrawn_at__isnull=True, confirmed_at__isnull=False)
        .select_related("member")
        .order_by("confirmed_at", "id"),
        to_attr="public_cosigners",
    )


def public_proposal_list(*, query="", branch_id=None):
    """Accepted proposals of the branches that publish them, newest first; three
    queries per page whatever the number (the page, its count, the co-signers)."""
    from .permissions import public_proposals

    proposals = public_proposals().select_related("branch", "term", "proposer", "office")
    if branch_id:
        proposals = proposals.filter(branch_id=branch_id)
    if query:
        proposals = proposals.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return proposals.order_by("-submitted_at", "-id").prefetch_related(_confirmed_cosigners())


def public_branches():
    from members.models import Branch

    return Branch.objects.filter(participation_setting__public_proposals=True).order_by("name")


def public_proposal_detail(proposal):
    return (
        Proposal.objects.select_related("branch", "term", "proposer", "office")
        .prefetch_related(_confirmed_cosigners())
        .get(pk=proposal.pk)
    )


def overdue_answers(today=None):
    """The university liaison's list: answers past their deadline after the
    escalation to the branch's chair (proposal_escalate_overdue), each with its
    working days overdue. Two queries, whatever the number."""
    from union_portal.core.calendar import working_days_late

    today = today or timezone.localdate()
    rows = list(
        Proposal.objects.filter(
            status=Proposal.Status.ASSIGNED,
            answer_due__lt=today,
            escalated_due=F("answer_due"),
        )
        .select_related("branch", "office")
        .only("title", "answer_due", "branch__name", "office__name")
        .order_by("branch__name", "answer_due", "id")
    )
    for proposal, late in zip(rows, working_days_late([p.answer_due for p in rows], today),
                              strict=True):  # fmt: skip
        proposal.working_days_late = late
    return rows


# --- poll results ---------------------------------------------------------------
# Aggregated in SQL: a fixed number of queries whatever the number of ballots.
# Answers are read ORDER BY their random id, never in an order that follows
# submission.

PAGE_TEXTS = 200  # free-text answers shown per question on the page (all in the export)


def _percent(part, whole):
    return round(part * 100 / whole, 1) if whole else 0.0


def poll_results(poll, *, texts=True, text_limit=None):
    """Per question: the ballots that answered it and, by kind, each option's count and
    share of those ballots (multiple choice: shares add up to more than 100 %), the
    count per rating 1–5 with the average, or the texts. A secret poll's texts are
    shown only when at least PORTAL_MIN_GROUP_SIZE were given, and its figures only
    when that many ballots were cast: the officers know who voted."""
    from django.db import connection
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from union_portal.core.small_groups import min_group_size, withheld_label

    from .models import Ballot, BallotAnswer, PollQuestion

    Kind = PollQuestion.Kind
    minimum = min_group_size()
    questions = list(poll.questions.prefetch_related("options"))
    counted = [q.pk for q in questions]
    multiple = [q.pk for q in questions if q.kind == Kind.MULTIPLE]
    text_ids = [q.pk for q in questions if q.kind == Kind.TEXT]
    ballots = Ballot.objects.filter(poll=poll).count()
    withheld = poll.secret and ballots < minimum
    # One pass over the poll's answers: ticks per option, answers per rating, and
    # texts given (option and rating both empty), each question's rows found through
    # ballot_answer_option_idx (question, option).
    groups = {}  # (question, option, rating) -> answers
    if counted:
        rows = (
            BallotAnswer.objects.filter(question_id__in=counted)
            .values_list("question_id", "option_id", "rating")
            .annotate(n=Count("*"))
            .order_by()
        )
        groups = {(q, o, r): n for q, o, r, n in rows}
    options = {(q, o): n for (q, o, _r), n in groups.items() if o is not None}
    ratings = {(q, r): n for (q, _o, r), n in groups.items() if r is not None}
    answered = {
        q: n for (q, o, r), n in groups.items() if q in text_ids and o is None and r is None
    }
    if multiple and not withheld:
        # Ballots that ticked at least one option: distinct (question, ballot) pairs.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT question_id, COUNT(*) FROM (SELECT DISTINCT question_id, ballot_id"
                f" FROM {BallotAnswer._meta.db_table} WHERE question_id = ANY(%s)) pairs"
                " GROUP BY question_id",
                [multiple],
            )
            answered.update(dict(cursor.fetchall()))
    if withheld:
        options, ratings = {}, {}
    shown_texts = [
        pk for pk in text_ids if texts and (not poll.secret or answered.get(pk, 0) >= minimum)
    ]
    given = {pk: [] for pk in shown_texts}
    if shown_texts:
        rows = BallotAnswer.objects.filter(question_id__in=shown_texts)
        if text_limit:
            rows = rows.annotate(
                place=Window(RowNumber(), partition_by=F("question_id"), order_by=F("id").asc())
            ).filter(place__lte=text_limit)
        for question_id, text in rows.order_by("question_id", "id").values_list(
            "question_id", "text"
        ):
            given[question_id].append(text)
    results = []
    for question in questions:
        entry = {"question": question, "kind": question.kind, "withheld": withheld}
        if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
            counts = {o: n for (q, o), n in options.items() if q == question.pk}
            total = (
                answered.get(question.pk, 0)
                if question.kind == Kind.MULTIPLE
                else sum(counts.values())
            )
            entry["answered"] = total
            entry["options"] = [
                {"option": option, "count": counts.get(option.pk, 0),
                 "percent": _percent(counts.get(option.pk, 0), total)}
                for option in question.options.all()
            ]  # fmt: skip
        elif question.kind == Kind.RATING:
            counts = {r: n for (q, r), n in ratings.items() if q == question.pk}
            total = sum(counts.values())
            entry["answered"] = total
            entry["ratings"] = [
                {"value": value, "count": counts.get(value, 0),
                 "percent": _percent(counts.get(value, 0), total)}
                for value in range(1, 6)
            ]  # fmt: skip
            entry["average"] = (
                round(sum(v * n for v, n in counts.items()) / total, 2) if total else None
            )
        else:
            entry["answered"] = answered.get(question.pk, 0)
            entry["texts_shown"] = question.pk in given
            entry["texts"] = given.get(question.pk, [])
            entry["texts_hidden_small"] = (
                texts and poll.secret and question.pk not in given and entry["answered"] > 0
            )
        results.append(entry)
    # Withheld, the count says "<5" like the turnout beside it.
    shown_ballots = withheld_label() if withheld else ballots
    return {"ballots": shown_ballots, "withheld": withheld, "minimum": minimum,
            "questions": results}  # fmt: skip


# Cached until the data changes: a poll that is not secret bumps its version with
# every ballot (services.poll_vote), so live results are never older than the last
# ballot; a secret poll shows its results only after the close, when no ballot can
# change them, so it bumps nothing (no count of its ballots sits in the cache while
# it is open). The figures are withheld before they are cached, and nothing cached
# names a voter: counts per option and rating, and the texts in random-id order.
RESULTS_SETTLED = timedelta(minutes=10)  # after the close, no vote still in flight
TURNOUT_SECONDS = 300  # turnout counts the roster: a member's move shows within 5 minutes


def results_version(poll) -> str:
    return f"poll-results:{poll.pk}"


def poll_results_cached(poll, *, texts=True, text_limit=None, now=None):
    """poll_results(), computed once per ballot (once for good after the close)."""
    from union_portal.core.cache_versions import cached
    from union_portal.core.small_groups import min_group_size

    now = now or timezone.now()
    settled = poll.closes_at <= now - RESULTS_SETTLED
    key = f"results:{int(texts)}:{text_limit}:min{min_group_size()}"
    return cached(
        results_version(poll), key,
        lambda: poll_results(poll, texts=texts, text_limit=text_limit),
        timeout=None if settled else 300,
    )  # fmt: skip


def poll_turnout_cached(poll, now=None):
    """poll_turnout(), recomputed after a ballot or TURNOUT_SECONDS (the roster)."""
    from union_portal.core.cache_versions import cached
    from union_portal.core.small_groups import min_group_size

    now = now or timezone.now()
    day = timezone.localdate(min(now, poll.closes_at))
    key = f"turnout:{day}:min{min_group_size()}"
    return cached(
        results_version(poll), key, lambda: poll_turnout(poll, now), timeout=TURNOUT_SECONDS
    )


def _withhold_turnout(rows, minimum):
    """A group with fewer than `minimum` eligible or answered is withheld; when only one
    group would be, the smallest other one is too (the total would give it away)."""
    for row in rows:
        row["withheld"] = row["eligible"] < minimum or row["answered"] < minimum
    small = [row for row in rows if row["withheld"]]
    shown = [row for row in rows if not row["withheld"]]
    if len(small) == 1 and shown:
        min(shown, key=lambda row: (row["answered"], row["eligible"]))["withheld"] = True
    for row in rows:
        row["rate"] = None if row["withheld"] else _percent(row["answered"], row["eligible"])
        if row["withheld"]:
            row["eligible"] = row["answered"] = None
    return rows


def poll_turnout(poll, now=None):
    """Eligible members (as of the close, or today while open) against those who
    answered (PollVoter), overall and per campus and per department; every group of
    fewer than PORTAL_MIN_GROUP_SIZE eligible or answered is withheld. Four queries."""
    from union_portal.core.small_groups import min_group_size

    from .models import PollVoter
    from .services import poll_eligible_members

    now = now or timezone.now()
    minimum = min_group_size()
    day = timezone.localdate(min(now, poll.closes_at))
    eligible = poll_eligible_members(poll, day)
    voters = PollVoter.objects.filter(poll=poll)
    tables, overall = {}, None
    for key, field in (("campuses", "home_campus__name"), ("departments", "department__name")):
        names = dict(eligible.values_list(field).annotate(n=Count("pk")).order_by())
        came = dict(voters.values_list(f"member__{field}").annotate(n=Count("pk")).order_by())
        rows = [
            {"name": name or "—", "eligible": names.get(name, 0), "answered": came.get(name, 0)}
            for name in sorted(set(names) | set(came), key=lambda n: n or "")
        ]
        if overall is None:  # every member has a campus: the campuses add up to the whole
            overall = {"name": "", "eligible": sum(r["eligible"] for r in rows),
                       "answered": sum(r["answered"] for r in rows)}  # fmt: skip
        tables[key] = _withhold_turnout(rows, minimum)
    overall = _withhold_turnout([overall], minimum)[0]
    return {"overall": overall, **tables, "minimum": minimum}


# --- polls ---------------------------------------------------------------------


def poll_list_ids(*, user, now):
    """The ids of the polls the user sees, newest first: what the list counts and
    pages (the visibility filter alone); poll_page_rows then reads the page's rows."""
    from .permissions import polls_visible_to

    return polls_visible_to(user, now).order_by("-opens_at", "-id").values_list("pk", flat=True)


def poll_page_rows(ids, user):
    """The polls `ids` (in their order) with what their row shows (title, secret,
    audience, times, status, `campus` name) and `answered` (by the user's roster
    entry), read in one SQL statement; poll_rows adds the rest."""
    from types import SimpleNamespace

    from django.db import connection

    from members.models import Campus
    from union_portal.core.roles import roles_of

    from .models import Poll, PollVoter

    ids = list(ids)
    if not ids:
        return []
    member = roles_of(user).member
    sql = (
        f"SELECT p.id, p.title, p.secret, p.audience, p.opens_at, p.closes_at, p.status,"
        f" c.name, EXISTS (SELECT 1 FROM {PollVoter._meta.db_table} v"
        f" WHERE v.poll_id = p.id AND v.member_id = %s)"
        f" FROM {Poll._meta.db_table} p LEFT JOIN {Campus._meta.db_table} c"
        f" ON c.id = p.campus_id WHERE p.id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member.pk if member is not None else None, ids])
        rows = {row[0]: row for row in cursor.fetchall()}
    polls = []
    for pk in ids:
        if pk not in rows:
            continue
        _pk, title, secret, audience, opens_at, closes_at, status, campus, answered = rows[pk]
        polls.append(SimpleNamespace(
            pk=pk, title=title, secret=secret, audience=audience, opens_at=opens_at,
            closes_at=closes_at, status=status, answered=answered,
            campus=SimpleNamespace(name=campus) if campus is not None else None,
        ))  # fmt: skip
    return polls


def poll_rows(polls, now):
    """The polls of a list page with what their row shows worked out once for the
    page rather than per row in the template: `url`, `state` (draft, closed, not
    open yet, open) and `audience_label`."""
    from django.urls import reverse

    from .models import Poll

    polls = list(polls)
    audiences = {value: str(label) for value, label in Poll.Audience.choices}
    link = reverse("participation:poll_detail", args=[0])[: -len("0/")]
    for poll in polls:
        poll.url = f"{link}{poll.pk}/"
        poll.audience_label = audiences.get(poll.audience, poll.audience)
        if poll.status == Poll.Status.DRAFT:
            poll.state = "draft"
        elif poll.closes_at <= now:
            poll.state = "closed"
        elif poll.opens_at > now:
            poll.state = "not_open"
        else:
            poll.state = "open"
    return polls


def _prefetched(instance, name, rows):
    """`rows` as instance.<name>.all(), as prefetch_related leaves them."""
    queryset = getattr(instance, name).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def poll_with_questions(poll):
    """The poll as the viewer's check read it with its questions and their options
    (each in their order: position, id) as poll.questions.all() and
    question.options.all(): one SQL statement, not a second read of the poll."""
    from django.db import connection

    from .models import PollOption, PollQuestion

    question_fields = PollQuestion._meta.concrete_fields
    option_fields = PollOption._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join([*(f"q.{quote(f.column)}" for f in question_fields),
                         *(f"o.{quote(f.column)}" for f in option_fields)])  # fmt: skip
    sql = (
        f"SELECT {columns} FROM {PollQuestion._meta.db_table} q"
        f" LEFT JOIN {PollOption._meta.db_table} o ON o.question_id = q.id"
        f" WHERE q.poll_id = %s ORDER BY q.position, q.id, o.position, o.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [poll.pk])
        rows = cursor.fetchall()
    question_names = [f.attname for f in question_fields]
    option_names = [f.attname for f in option_fields]
    split = len(question_fields)
    questions, options = [], {}
    for row in rows:
        if not questions or questions[-1].pk != row[0]:
            question = PollQuestion.from_db(connection.alias, question_names, row[:split])
            question.poll = poll
            questions.append(question)
            options[question.pk] = []
        if row[split] is not None:
            option = PollOption.from_db(connection.alias, option_names, row[split:])
            option.question = questions[-1]
            options[option.question_id].append(option)
    for question in questions:
        _prefetched(question, "options", options[question.pk])
    _prefetched(poll, "questions", questions)
    return poll


def poll_turnout_counts(poll, today):
    """(eligible, answered) for the voters page: who answered counts only if they
    are still eligible, so the share never passes 100 %."""
    from .services import poll_eligible_members

    eligible = poll_eligible_members(poll, today)
    return eligible.count(), eligible.filter(poll_votes__poll=poll).count()


def poll_waiting(poll, today):
    """Eligible members who have not answered, by department and name (never in
    any order that follows when others answered)."""
    from .services import poll_waiting_members

    return (
        poll_waiting_members(poll, today)
        .select_related("department", "home_campus")
        .order_by("department__name", "name", "pk")
    )


# --- the home page ---------------------------------------------------------------


def polls_to_answer(member, now):
    """Open published polls of the member's branch that are for them and that
    they have not answered, the one closing first first."""
    from django.db.models import Exists, OuterRef

    from .models import Poll, PollVoter
    from .permissions import poll_open_to_member_q

    answered = PollVoter.objects.filter(poll=OuterRef("pk"), member=member)
    return (
        Poll.objects.filter(
            poll_open_to_member_q(member, timezone.localdate(now)),
            branch_id=member.branch_id,
            status=Poll.Status.PUBLISHED,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .exclude(Exists(answered))
        .order_by("closes_at", "id")
    )


def cosignatures_awaiting(member, today):
    """The proposals the member was asked to co-sign and has not yet, while
    co-signers are collected and not past the date, the one due first first."""
    return (
        CoSignature.objects.filter(
            member=member,
            confirmed_at__isnull=True,
            withdrawn_at__isnull=True,
            proposal__status=Proposal.Status.COLLECTING,
            proposal__cosign_due__gte=today,
        )
        .select_related("proposal__proposer")
        .order_by("proposal__cosign_due", "id")
    )
