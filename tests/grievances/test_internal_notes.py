"""An internal note is read by handlers only, whatever button carried it: the
filer's page, their inbox, every email and the published suggestions stay clean."""

import pytest
from django.core import mail
from django.urls import reverse

from grievances.models import Grievance
from tests.factories import CategoryFactory, GrievanceFactory
from union_portal.core.models import Notification
from union_portal.core.notifications import notification_send_email

pytestmark = pytest.mark.django_db
NOTE = "内部：处长说不能公开"
# action -> who takes it
HANDLER_ACTIONS = {
    "acknowledge": "officer",
    "ask": "officer",
    "reply": "officer",
    "resolve": "officer",
    "forward": "chair",
}


def _send_all_emails():
    """What the worker does with each queued email (the notification task's body)."""
    for pk in Notification.objects.values_list("pk", flat=True):
        notification_send_email(notification_id=pk)


def _everything_the_filer_and_the_public_see(client, people, grievance):
    client.force_login(people["member"])
    filer_page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    inbox = client.get(reverse("core:inbox")).content.decode()
    rows = " ".join(n.subject + n.body for n in Notification.objects.filter(user=people["member"]))
    emails = " ".join(m.subject + m.body for m in mail.outbox if people["member"].email in m.to)
    # Any member of any branch reads the answered suggestions.
    client.force_login(people["other_officer"])
    answered = client.get(reverse("grievances:suggestions")).content.decode()
    return {
        "filer's page": filer_page,
        "inbox page": inbox,
        "inbox rows": rows,
        "email": emails,
        "answered suggestions": answered,
    }


@pytest.fixture
def suggestion(branch, people):
    """A suggestion whose filer agreed to publish the answer: the widest audience."""
    category = CategoryFactory(branch=branch, default_assignee=people["officer"])
    return GrievanceFactory(
        category=category,
        kind="suggestion",
        publish_answer=True,
        assignee=people["officer"],
        filer=people["member"],
        filer_member=people["member"].member,
    )


@pytest.mark.parametrize("internal", [True, False], ids=["internal", "not-internal"])
@pytest.mark.parametrize("action", list(HANDLER_ACTIONS))
def test_an_internal_note_never_leaves_the_handlers_whatever_button_is_pressed(
    client, people, suggestion, action, internal, django_capture_on_commit_callbacks
):
    client.force_login(people[HANDLER_ACTIONS[action]])
    client.cookies["django_language"] = "en"
    data = {"text": NOTE}
    if internal:
        data["internal"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("grievances:action", args=[suggestion.pk, action]), data, follow=True
        )
    assert response.status_code == 200
    _send_all_emails()
    seen = _everything_the_filer_and_the_public_see(client, people, suggestion)
    suggestion.refresh_from_db()
    if internal:
        for surface, text in seen.items():
            assert NOTE not in text, f"the internal note reached the {surface}"
        if action == "reply":  # the reply form's own checkbox: saved as a note
            assert suggestion.events.filter(kind="note", internal=True, text=NOTE).exists()
        else:  # refused with a message, and nothing changed
            page = response.content.decode()
            assert "An internal note is never sent to the filer" in page
            assert suggestion.status == Grievance.Status.NEW
            assert suggestion.level == Grievance.Level.BRANCH
            assert not suggestion.events.exists()
            assert not Notification.objects.filter(user=people["member"]).exists()
    else:
        # Without the flag each step goes ahead; the ones with a text show it.
        assert suggestion.events.exists()
        if action != "acknowledge":
            assert NOTE in seen["filer's page"]
        if action in ("ask", "reply", "resolve"):
            assert NOTE in seen["email"] and NOTE in seen["inbox rows"]
        if action == "resolve":
            assert NOTE in seen["answered suggestions"]


def test_the_note_form_saves_a_note_the_filer_never_sees(
    client, people, suggestion, django_capture_on_commit_callbacks
):
    client.force_login(people["officer"])
    page = client.get(reverse("grievances:detail", args=[suggestion.pk])).content.decode()
    # The form that reaches the filer has no internal checkbox; the note has its own form.
    reply_form = page[
        page.index('data-testid="reply-form"') : page.index('data-testid="note-form"')
    ]
    assert 'name="internal"' not in reply_form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("grievances:action", args=[suggestion.pk, "note"]), {"text": NOTE})
    _send_all_emails()
    assert suggestion.events.get().internal
    for surface, text in _everything_the_filer_and_the_public_see(
        client, people, suggestion
    ).items():
        assert NOTE not in text, surface
    client.force_login(people["chair"])
    assert NOTE in client.get(reverse("grievances:detail", args=[suggestion.pk])).content.decode()
