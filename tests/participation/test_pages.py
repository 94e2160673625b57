import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participation import services
from participation.models import Proposal

from .conftest import assigned, colleague_user, draft, member_of

pytestmark = pytest.mark.django_db


def step(client, user, proposal, action, **data):
    client.force_login(user)
    return client.post(reverse("participation:step", args=[proposal.pk, action]), data)


def test_a_proposal_goes_from_draft_to_closed_through_the_pages(
    client, people, term, colleagues, office
):
    client.force_login(people["member"])
    response = client.post(reverse("participation:create"),
                           {"title": "增设校车班次", "body": "早高峰车不够。"})  # fmt: skip
    proposal = Proposal.objects.get(title="增设校车班次")
    assert response.status_code == 302
    step(client, people["member"], proposal, "open")
    step(client, colleagues[0], proposal, "cosign")
    step(client, colleagues[1], proposal, "cosign")
    step(client, people["member"], proposal, "submit")
    step(client, people["chair"], proposal, "review")
    step(client, people["chair"], proposal, "decide", decision="accepted")
    step(client, people["chair"], proposal, "assign", office=office.pk)
    contact = office.contacts.get()
    step(client, contact, proposal, "answer", text="已与公交公司协调。")
    step(client, people["member"], proposal, "rate", rating="dissatisfied", reason="没有时间。")
    step(client, contact, proposal, "answer", text="下月起早7:10加开一班。")
    step(client, people["member"], proposal, "rate", rating="fairly")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CLOSED
    client.force_login(people["officer"])
    page = client.get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    assert "已与公交公司协调。" in page and "下月起早7:10加开一班。" in page
    assert "附议甲" in page and "没有时间。" in page


def test_a_refused_step_says_why_and_changes_nothing(client, people, term):
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    response = step(client, people["member"], proposal, "submit")
    page = client.get(response["Location"]).content.decode()
    assert "2 co-signers must confirm" in page or "名附议人" in page
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.COLLECTING


def test_the_office_contact_sees_only_the_offices_proposals(
    client, people, term, colleagues, office
):
    mine = assigned(people, term, colleagues, office)
    services.proposal_open(actor=people["member"], proposal=draft(people, term, "另一件提案"))
    client.force_login(office.contacts.get())
    page = client.get(reverse("participation:list")).content.decode()
    assert mine.title in page and "另一件提案" not in page


def test_a_representatives_page_lists_their_proposals(client, people, term, colleagues):
    representative = services.representative_add(
        actor=people["officer"], term=term, member=member_of(people["member"]), delegation="一团"
    )
    services.proposal_open(actor=people["member"], proposal=draft(people, term, "图书馆开放"))
    client.force_login(people["chair"])
    listing = client.get(reverse("participation:representatives")).content.decode()
    assert member_of(people["member"]).name in listing
    page = client.get(reverse("participation:representative", args=[representative.pk]))
    assert "图书馆开放" in page.content.decode()


@pytest.mark.parametrize("url_name", ["participation:list", "participation:representatives"])
def test_list_pages_cost_the_same_queries_at_two_sizes(
    client, people, term, branch, department, url_name
):
    counts = []
    made = 0
    for size in (2, 12):
        while made < size:
            made += 1
            user = colleague_user(branch, department, f"代表{made}")
            services.representative_add(actor=people["officer"], term=term, member=member_of(user))
            proposal = services.proposal_create(actor=user, title=f"提案{made}", body="b")
            services.proposal_open(actor=user, proposal=proposal)
            services.cosign(actor=people["member"], proposal=proposal)
        client.force_login(people["officer"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_years_summary_counts_proposals_per_office(client, people, term, colleagues, office):
    contact = office.contacts.get()
    proposal = assigned(people, term, colleagues, office)
    services.proposal_answer(actor=contact, proposal=proposal, text="已办。")
    services.proposal_rate(actor=people["member"], proposal=proposal, rating="fairly")
    client.force_login(people["chair"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("participation:summary"))
    totals, offices = response.context["totals"], response.context["offices"]
    assert (totals["filed"], totals["accepted"], totals["on_time"], totals["fairly"]) == (
        1,
        1,
        1,
        1,
    )
    assert offices == [{"office__name": "教务办", "assigned": 1, "answered": 1, "on_time": 1,
                        "satisfied": 0, "fairly": 1, "dissatisfied": 0}]  # fmt: skip
    assert len(queries) < 12


def test_the_detail_page_reads_the_proposal_once_whatever_its_history(
    client, people, term, colleagues, office, django_assert_max_num_queries
):
    from participation.models import ProposalEvent

    proposal = assigned(people, term, colleagues, office)
    client.force_login(people["member"])
    url = reverse("participation:detail", args=[proposal.pk])
    client.get(url)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        counts.append(len(queries))
        # The proposal with its term, proposer and office names: one query, once; the
        # history and co-signers in one more, whatever their number.
        reads = [q for q in queries.captured_queries
                 if re.search(r'FROM "?participation_proposal\b', q["sql"])]  # fmt: skip
        assert len(reads) == 1
        assert len([q for q in queries.captured_queries if "proposalevent" in q["sql"]]) == 1
        assert "教务办" in page and proposal.term.name in page
        ProposalEvent.objects.bulk_create([
            ProposalEvent(proposal=proposal, kind=ProposalEvent.Kind.ESCALATED,
                          actor=people["chair"], status=proposal.status)
            for _ in range(10)
        ])  # fmt: skip
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(6):
        client.get(url)


def test_the_detail_page_shows_co_signers_history_and_the_branchs_setting(
    client, people, term, colleagues, branch, department
):
    services.setting_save(actor=people["officer"], branch_id=branch.pk,
                          representatives_only=False, cosigners_needed=3)  # fmt: skip
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    services.cosign(actor=colleagues[0], proposal=proposal)
    services.cosign(actor=colleagues[1], proposal=proposal)
    services.cosign_withdraw(actor=colleagues[1], proposal=proposal)
    asked = colleague_user(branch, department, "受邀丁")
    services.cosign_invite(actor=people["member"], proposal=proposal, member=member_of(asked))
    client.force_login(colleagues[0])
    page = client.get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    cosigners = page.split('data-testid="cosigners">')[1].split("</ul>")[0]
    assert "附议甲" in cosigners and "附议乙" not in cosigners
    assert '<li class="text-body-secondary">受邀丁 (' in cosigners  # asked, not confirmed
    heading = page.split('</h2>\n<ul data-testid="cosigners">')[0].rsplit(">", 1)[1]
    assert "3" in heading and "2" not in heading  # the branch's setting, not the default
    assert 'data-testid="withdraw"' in page and 'data-testid="cosign"' not in page
    history = page.split('data-testid="history">')[1].split("</ol>")[0]
    # Each step with its actor's roster name, oldest first.
    assert history.index(member_of(people["member"]).name) < history.index("附议甲")
    assert "附议乙" in history
    client.force_login(asked)
    page = client.get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    assert 'data-testid="cosign"' in page and 'data-testid="withdraw"' not in page


def test_the_detail_page_opens_exactly_the_proposals_the_list_shows(
    client, people, term, colleagues, office
):
    from participation.permissions import proposals_visible_to

    contact = office.contacts.get()
    proposals = [
        draft(people, term, "草稿"),
        services.proposal_open(actor=people["member"], proposal=draft(people, term, "征集中")),
        assigned(people, term, colleagues, office),
    ]
    readers = [people["member"], people["officer"], people["other_officer"], people["liaison"],
               contact, colleagues[0]]  # fmt: skip
    for user in readers:
        listed = set(proposals_visible_to(user).values_list("pk", flat=True))
        client.force_login(user)
        for proposal in proposals:
            response = client.get(reverse("participation:detail", args=[proposal.pk]))
            assert response.status_code == (200 if proposal.pk in listed else 404)
        page = client.get(reverse("participation:detail", args=[proposals[2].pk]))
        if user == contact:
            assert 'data-testid="answer-form"' in page.content.decode()
    assert client.get(reverse("participation:detail", args=[999999])).status_code == 404
