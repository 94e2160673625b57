from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from annual_report import selectors
from annual_report.permissions import INSIDE
from members.models import Branch


@pytest.mark.django_db
def test_the_demo_has_last_years_report_with_figures(client):
    call_command("demo_data", verbosity=0)
    branch = Branch.objects.get(name__startswith="计算机")
    year = timezone.localdate().year - 1
    assert year in selectors.years_offered([branch.pk])
    values = {
        (s["key"], f["key"]): f["value"]
        for s in selectors.report(branch_ids=[branch.pk], year=year, audience=INSIDE)
        for f in s["figures"]
    }
    assert values["events", "events_held"] == 4
    assert values["cases", "filed"] >= 12
    assert values["cases", "appealed"] == 1
    assert values["money", "spent"] == Decimal("10780.50")
    client.login(username="member", password="union-demo-2026")
    response = client.get(f"/report/{year}/")
    assert response.status_code == 200
    assert "10780.50" in response.content.decode()
