"""民主管理: representatives of a term (届次) and their proposals (提案).

A proposal goes draft → collecting co-signers (附议) → submitted → under review →
accepted (立案) / turned into a suggestion / not accepted → assigned to a handling
office (承办单位) → answered → rated by the proposer → closed. A 不满意 rating sends
it back to the office once; the second answer is rated and closes it.
Every step is an append-only ProposalEvent.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member
from union_portal.core.models import AppendOnly


class BranchSetting(models.Model):
    """How a branch runs its proposals; a branch without a row uses the defaults."""

    branch = models.OneToOneField(
        Branch, on_delete=models.CASCADE, related_name="participation_setting"
    )
    representatives_only = models.BooleanField(
        _("only representatives submit proposals"), default=False
    )
    cosigners_needed = models.PositiveSmallIntegerField(_("co-signers needed"), default=2)
    # Accepted proposals (立案 and after) and their answers readable by anyone,
    # signed out included, on the public proposal pages.
    public_proposals = models.BooleanField(
        _("accepted proposals and their answers are public"), default=False,
        help_text=_("Anyone, signed out included, reads the proposals accepted (立案) and "
                    "their answers, with the names of the proposer and co-signers."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("proposal setting")
        verbose_name_plural = _("proposal settings")

    def __str__(self):
        return str(self.branch)


class Term(models.Model):
    """届次: the term of the branch's representatives (教代会 / 会员代表大会)."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="terms", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("For example 第五届."))
    start = models.DateField(_("starts on"))
    end = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="term_name_per_branch"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="term_dates_in_order"),
        ]

    def __str__(self):
        return self.name

    def is_current(self, today) -> bool:
        return self.start <= today <= self.end


class Representative(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="representations", verbose_name=_("member")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="representatives", verbose_name=_("term")
    )
    delegation = models.CharField(
        _("delegation or group (代表团/小组)"), max_length=100, blank=True
    )

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["delegation", "member__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "term"], name="one_representative_per_term")
        ]

    def __str__(self):
        return f"{self.member} ({self.term})"


class HandlingOffice(models.Model):
    """承办单位: a college office that answers proposals, through its contact accounts."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="handling_offices", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("For example 教务办."))
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="handling_offices", blank=True,
        verbose_name=_("contact accounts"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("handling office")
        verbose_name_plural = _("handling offices")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="office_name_per_branch")
        ]

    def __str__(self):
        return self.name


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COLLECTING = "collecting", _("Collecting co-signers")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        ACCEPTED = "accepted", _("Accepted (立案)")
        SUGGESTION = "suggestion", _("Turned into a suggestion")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        ASSIGNED = "assigned", _("With the handling office")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied (满意)")
        FAIRLY = "fairly", _("Fairly satisfied (基本满意)")
        DISSATISFIED = "dissatisfied", _("Dissatisfied (不满意)")

    # The one table of allowed steps. ANSWERED → ASSIGNED is the single send-back
    # after a 不满意 rating (sent_back guards "once" in the service).
    TRANSITIONS = {
        Status.DRAFT: {Status.COLLECTING},
        Status.COLLECTING: {Status.SUBMITTED, Status.DRAFT},
        Status.SUBMITTED: {Status.UNDER_REVIEW},
        Status.UNDER_REVIEW: {Status.ACCEPTED, Status.SUGGESTION, Status.NOT_ACCEPTED},
        Status.ACCEPTED: {Status.ASSIGNED},
        Status.SUGGESTION: set(),
        Status.NOT_ACCEPTED: set(),
        Status.ASSIGNED: {Status.ANSWERED},
        Status.ANSWERED: {Status.CLOSED, Status.ASSIGNED},
        Status.CLOSED: set(),
    }
    # Steps of the branch's review, and the proposer's own edits.
    EDITABLE = {Status.DRAFT}

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("branch")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("term")
    )
    proposer = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("proposer")
    )
    proposer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("proposal (案由、理由与建议)"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    office = models.ForeignKey(
        HandlingOffice, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals",
        verbose_name=_("handling office"),
    )  # fmt: skip
    # Why it was not accepted or turned into a suggestion: shown to every reader.
    decision_reason = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    # The office's first answer, kept beside the second after a send-back.
    first_answer = models.TextField(blank=True)
    rating = models.CharField(max_length=12, choices=Rating.choices, blank=True)
    dissatisfaction_reason = models.TextField(blank=True)
    sent_back = models.BooleanField(default=False)
    # Deadlines, by the working-day calendar (end of that day, Asia/Shanghai).
    cosign_due = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    answer_due = models.DateField(null=True, blank=True)
    # The answer deadline already escalated to the chair (each deadline once).
    escalated_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "status"], name="proposal_branch_status_idx"),
            models.Index(fields=["office", "status"], name="proposal_office_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "answered"]) | Q(office__isnull=False),
                name="proposal_assigned_has_office",
            ),
        ]

    def __str__(self):
        return self.title

    def may_become(self, status) -> bool:
        return status in self.TRANSITIONS[self.status]


class CoSignature(models.Model):
    """附议: a member backs a colleague's proposal from their own account.
    One active co-signature per member and proposal (the database says so), and
    never the proposer's own (a trigger, migration 0002)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="cosignatures")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="cosignatures")
    # Null while the proposer's invitation waits for the member to confirm.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "member"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_cosignature_per_member",
            )
        ]

    def __str__(self):
        return f"{self.proposal_id}: {self.member_id}"


class ProposalEvent(AppendOnly, models.Model):
    """One step of a proposal. Append-only: the model refuses edits and deletions
    and a database trigger refuses them too (migration 0002)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Drafted")
        OPENED = "opened", _("Opened for co-signers")
        REOPENED = "reopened", _("Back to draft")
        INVITED = "invited", _("Co-signer invited")
        COSIGNED = "cosigned", _("Co-signed")
        WITHDRAWN = "withdrawn", _("Co-signature withdrawn")
        SUBMITTED = "submitted", _("Submitted")
        REVIEW = "review", _("Review started")
        ACCEPTED = "accepted", _("Accepted (立案)")
        SUGGESTION = "suggestion", _("Turned into a suggestion")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        ASSIGNED = "assigned", _("Assigned to an office")
        ANSWERED = "answered", _("Answered")
        RATED = "rated", _("Rated")
        SENT_BACK = "sent_back", _("Sent back to the office")
        ESCALATED = "escalated", _("Answer overdue: escalated to the chair")
        CLOSED = "closed", _("Closed")

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Proposal.Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["proposal", "created_at"], name="proposal_event_idx")]

    append_only_message = "A proposal's history is append-only."

    def __str__(self):
        return f"{self.proposal_id} {self.kind}"


# --- Polls and surveys (问卷 / 投票) ---------------------------------------------


class Poll(models.Model):
    """A branch asks its members (or its representatives, or one campus) questions.

    Who voted (PollVoter) and what was voted (Ballot, BallotAnswer) live in
    separate tables. In a secret poll nothing joins them: a ballot has no member,
    no time, and a random id, so neither its id nor any ordering follows the
    order of submission; a voter row keeps only the day.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Audience(models.TextChoices):
        MEMBERS = "members", _("All members of the branch")
        REPRESENTATIVES = "representatives", _("Representatives of the current term")
        CAMPUS = "campus", _("Members of one campus")

    class Results(models.TextChoices):
        AFTER_CLOSE = "after_close", _("After the poll closes")
        LIVE = "live", _("Live, while the poll is open")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="polls", verbose_name=_("branch")
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    secret = models.BooleanField(
        _("secret ballot"),
        default=False,
        help_text=_("Nobody, not even the officers, can see who answered what."),
    )
    audience = models.CharField(
        _("who may answer"), max_length=16, choices=Audience.choices, default=Audience.MEMBERS
    )
    campus = models.ForeignKey(
        "members.Campus", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("campus"),
    )  # fmt: skip
    results = models.CharField(
        _("results visible to members"), max_length=12, choices=Results.choices,
        default=Results.AFTER_CLOSE,
    )  # fmt: skip
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["branch", "status", "closes_at"], name="poll_branch_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="poll_times"),
            models.CheckConstraint(
                condition=Q(audience="campus", campus__isnull=False)
                | (~Q(audience="campus") & Q(campus__isnull=True)),
                name="poll_campus_audience",
            ),
            # Live results of a secret poll, read beside the list of who has voted,
            # would tell how each newcomer voted.
            models.CheckConstraint(
                condition=Q(secret=False) | Q(results="after_close"),
                name="poll_secret_results_after_close",
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now) -> bool:
        return self.status == self.Status.PUBLISHED and self.opens_at <= now < self.closes_at

    def is_closed(self, now) -> bool:
        return self.status == self.Status.PUBLISHED and now >= self.closes_at


class PollQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        RATING = "rating", _("Rating 1–5")
        TEXT = "text", _("Free text")

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("an answer is required"), default=True)
    # Multiple choice: at most this many options (null: any number).
    max_choices = models.PositiveSmallIntegerField(_("at most"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class PollOption(models.Model):
    question = models.ForeignKey(PollQuestion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("option"), max_length=200)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class PollVoter(models.Model):
    """Who has answered: one row per member and poll, said by the database.
    Only the day is kept, as for a ballot box's register."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="voters")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="poll_votes")
    voted_on = models.DateField()

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_ballot_per_member")
        ]

    def __str__(self):
        return f"{self.poll_id}: {self.member_id}"


class Ballot(models.Model):
    """What was answered. In a secret poll: no member, no time, a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    # Set only in a poll that is not secret.
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "member"],
                condition=Q(member__isnull=False),
                name="one_named_ballot_per_member",
            )
        ]

    def __str__(self):
        return str(self.id)


class BallotAnswer(models.Model):
    """One answer of a ballot: an option (one row per ticked option), a rating or a text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PollQuestion, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        PollOption, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["question", "option"], name="ballot_answer_option_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="ballot_rating_1_to_5",
            )
        ]

    def __str__(self):
        return str(self.id)
