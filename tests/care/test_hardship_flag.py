"""The member's hardship flag follows an open hardship file (issue 12): the roster's
edit form and the roster import, which still carry the 困难职工 box, do not clear
it while the file is open."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from members.forms import MemberForm
from members.models import Member

from .conftest import open_file

pytestmark = pytest.mark.django_db


def flag(member):
    return Member.objects.get(pk=member.pk).has_hardship


def test_editing_the_roster_entry_keeps_the_flag_of_a_member_with_an_open_file(
    client, people, needy
):
    open_file(people["officer"], needy, today=timezone.localdate() - timedelta(days=3))
    assert flag(needy)
    data = {k: v for k, v in model_to_dict(Member.objects.get(pk=needy.pk)).items()
            if v is not None and k not in ("has_hardship", "id", "user")}  # fmt: skip
    data["job_title"] = "副教授"
    client.force_login(people["officer"])
    response = client.post(reverse("members:edit", args=[needy.pk]), data)
    assert response.status_code == 302
    assert Member.objects.get(pk=needy.pk).job_title == "副教授"
    assert flag(needy), "the open hardship file still says the member is in hardship"


def test_an_import_row_saying_no_hardship_keeps_the_flag_while_the_file_is_open(people, needy):
    open_file(people["officer"], needy, today=timezone.localdate() - timedelta(days=3))
    data = {k: v for k, v in model_to_dict(Member.objects.get(pk=needy.pk)).items()
            if v is not None and k not in ("has_hardship", "id", "user")}  # fmt: skip
    form = MemberForm(data=data, instance=Member.objects.get(pk=needy.pk),
                      branch_ids={needy.branch_id})  # fmt: skip
    assert form.is_valid(), form.errors
    member_services.member_update(actor=people["officer"], form=form, note="Roster import")
    assert flag(needy)
