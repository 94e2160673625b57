"""The roster import as a job: checked (by a worker for a long file), confirmed once,
written by a worker with a progress bar, listed for the branch's officers and
chair, its kept file deleted when it ends."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.urls import reverse
from django.utils import timezone, translation

from members import services
from members.models import Member, RosterImport
from tests.factories import CampusFactory, DepartmentFactory, MemberFactory

HEADER = "工号,姓名,部门,校区,入会日期,邮箱"


def roster_csv(count, prefix="J"):
    rows = [
        f"{prefix}{n:05d},成员{n},软件工程系,江湾校区,2018/9/1,{prefix.lower()}{n}@example.cn"
        for n in range(count)
    ]
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


@pytest.fixture
def setting(branch, people):
    DepartmentFactory(branch=branch, name="软件工程系")
    CampusFactory(name="江湾校区")
    return {"branch": branch, "officer": people["officer"]}


def wait_for(client, roster_import, status, seen, timeout=60):
    url = reverse("members:import_status", args=[roster_import.pk])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(url).json()
        seen.append(answer)
        if answer["status"] == status:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"still {seen[-1]} after {timeout} s")


def test_a_worker_checks_then_imports_the_file_and_the_page_follows(client, setting, celery_worker):
    client.force_login(setting["officer"])
    roster_import = services.roster_import_upload(
        actor=setting["officer"],
        branch=setting["branch"],
        filename="花名册.csv",
        content=roster_csv(60),
        check_now=False,  # as for a file longer than CHECK_INLINE_ROWS
    )
    kept = roster_import.file.name
    assert RosterImport.file.field.storage.exists(kept)
    seen = []
    wait_for(client, roster_import, "checked", seen)
    page = client.get(reverse("members:import_preview", args=[roster_import.pk])).content.decode()
    assert 'data-testid="confirm-import"' in page and "J00059" in page
    assert not Member.objects.filter(staff_number__startswith="J").exists()

    client.post(reverse("members:import_confirm", args=[roster_import.pk]))
    done = wait_for(client, roster_import, "done", seen)
    assert done == {"status": "done", "label": "已导入", "percent": 100, "finished": True}
    percents = [answer["percent"] for answer in seen if answer["percent"] is not None]
    assert percents == sorted(percents) or seen[-1]["status"] == "done"
    assert Member.objects.filter(staff_number__startswith="J").count() == 60
    roster_import.refresh_from_db()
    assert roster_import.counts == {"create": 60, "update": 0, "unchanged": 0, "error": 0}
    assert roster_import.applied_at and roster_import.finished_at
    # The kept file is gone once the job has ended.
    assert not roster_import.file and not RosterImport.file.field.storage.exists(kept)
    with translation.override("zh-hans"):
        page = client.get(reverse("members:import_preview", args=[roster_import.pk]))
    assert "导入完成：新增 60 条" in page.content.decode()


def test_the_page_shows_the_progress_of_a_running_job(client, setting):
    roster_import = services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename="r.csv", content=roster_csv(4)
    )
    services.roster_import_confirm(
        actor=setting["officer"], roster_import=roster_import, queue=False
    )
    cache.set(
        services._progress_key(roster_import.pk), {"phase": "write", "done": 2, "total": 4}, 60
    )
    client.force_login(setting["officer"])
    status = client.get(reverse("members:import_status", args=[roster_import.pk])).json()
    assert status == {"status": "queued", "label": "导入中", "percent": 75, "finished": False}
    page = client.get(reverse("members:import_preview", args=[roster_import.pk])).content.decode()
    assert 'max="100" value="75"' in page
    assert f'data-status-url="{reverse("members:import_status", args=[roster_import.pk])}"' in page
    assert "js/roster-import.js" in page and "style=" not in page
    # Without the numbers (the cache was emptied) the bar just moves.
    cache.clear()
    page = client.get(reverse("members:import_preview", args=[roster_import.pk])).content.decode()
    assert "<progress" in page and 'value="' not in page.split("<progress")[1].split(">")[0]


def test_a_job_that_finds_new_errors_writes_nothing(setting, other_branch):
    roster_import = services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename="r.csv", content=roster_csv(5)
    )
    assert roster_import.status == RosterImport.Status.CHECKED and not roster_import.error_count
    services.roster_import_confirm(
        actor=setting["officer"], roster_import=roster_import, queue=False
    )
    # Meanwhile someone enters one of the file's emails in another branch.
    MemberFactory(branch=other_branch, email="j3@example.cn")
    assert services.roster_import_run(roster_import_id=roster_import.pk) is not None
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.error_count == 1 and roster_import.summary["causes"]
    assert not Member.objects.filter(staff_number__startswith="J").exists()
    assert not roster_import.file


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_start_one_job(setting):
    roster_import = services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename="r.csv", content=roster_csv(3)
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm():
        barrier.wait()
        try:
            services.roster_import_confirm(
                actor=setting["officer"], roster_import=roster_import, queue=False
            )
            outcomes.append("started")
        except services.ImportRejected:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "started"]


def test_an_abandoned_upload_is_deleted_with_its_file_after_a_day(
    setting, django_capture_on_commit_callbacks
):
    storage = RosterImport.file.field.storage
    abandoned = services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename="a.csv", content=roster_csv(2)
    )
    fresh = services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename="b.csv", content=roster_csv(2)
    )
    name = abandoned.file.name
    assert storage.exists(name)
    RosterImport.objects.filter(pk=abandoned.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.roster_import_forget_abandoned() == 1
    assert not RosterImport.objects.filter(pk=abandoned.pk).exists()
    assert not storage.exists(name)
    assert RosterImport.objects.filter(pk=fresh.pk).exists()


def test_the_import_page_lists_the_branch_jobs_only_at_a_fixed_cost(
    client, setting, people, other_branch, django_assert_max_num_queries
):
    def upload(user, branch, number):
        services.roster_import_upload(
            actor=user, branch=branch, filename=f"花名册{number}.csv", content=roster_csv(2)
        )

    upload(people["other_officer"], other_branch, 99)
    client.force_login(people["chair"])
    upload(setting["officer"], setting["branch"], 1)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("members:import"))
    for number in range(2, 16):
        upload(people["chair"] if number % 2 else setting["officer"], setting["branch"], number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("members:import")).content.decode()
    assert page.count("data-import=") == 15
    assert "花名册1.csv" in page and "花名册15.csv" in page and "花名册99.csv" not in page
    client.force_login(people["other_officer"])
    page = client.get(reverse("members:import")).content.decode()
    assert "花名册99.csv" in page and "花名册1.csv" not in page
