import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participation import services
from participation.models import Representative
from participation.services import ParticipationRuleError

from .conftest import member_of

pytestmark = pytest.mark.django_db


def csv_of(*lines, encoding="utf-8"):
    return ("\n".join(["工号,届次,代表团/小组", *lines]) + "\n").encode(encoding)


def test_representatives_are_imported_from_a_gbk_csv(people, term, colleagues):
    numbers = [member_of(u).staff_number for u in colleagues[:2]]
    content = csv_of(f"{numbers[0]},第五届,第一代表团", f"{numbers[1]},第五届,第二代表团",
                     encoding="gb18030")  # fmt: skip
    added = services.representatives_import(
        actor=people["officer"], branch_id=term.branch_id, filename="代表.csv", content=content
    )
    assert added == (2, 0)
    assert set(Representative.objects.values_list("delegation", flat=True)) == {
        "第一代表团", "第二代表团"}  # fmt: skip
    again = services.representatives_import(
        actor=people["officer"], branch_id=term.branch_id, filename="代表.csv", content=content
    )
    assert again == (0, 2)


def test_one_bad_row_imports_nothing_and_names_its_line(people, term, colleagues):
    good = member_of(colleagues[0]).staff_number
    content = csv_of(f"{good},第五届,一团", "X999,第五届,一团", f"{good},第九届,一团")
    with pytest.raises(ParticipationRuleError) as refused:
        services.representatives_import(
            actor=people["officer"], branch_id=term.branch_id, filename="a.csv", content=content
        )
    assert "Line 3" in str(refused.value) and "Line 4" in str(refused.value)
    assert not Representative.objects.exists()


def test_the_import_page_adds_representatives(client, people, term, colleagues):
    number = member_of(colleagues[0]).staff_number
    client.force_login(people["officer"])
    upload = SimpleUploadedFile("代表.csv", csv_of(f"{number},第五届,一团"), "text/csv")
    response = client.post(reverse("participation:import"), {"file": upload})
    assert response.status_code == 302
    assert Representative.objects.get().member == member_of(colleagues[0])
