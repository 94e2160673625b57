"""One JSON line per request and per task on stdout, with a request id carried
from the request into the tasks it queues; nothing private in a line; Sentry
only when SENTRY_DSN is set."""

import io
import json
import logging
import subprocess
import sys

import pytest
import sentry_sdk
from django.urls import reverse

from tests.deploy.workers import ROOT, Worker, production_env
from tests.factories import CategoryFactory
from tests.waiting import wait_for
from union_portal.core.observability import scrub_event

FIELDS = {"method", "path", "status", "duration_ms", "user_id", "request_id"}


class _Stdout:
    """What the settings' JSON handler writes (to stdout in production), read back."""

    def __init__(self):
        self.handler = logging.getLogger("union_portal.requests").handlers[0]
        self.buffer = io.StringIO()

    def readouterr(self):
        text, self.buffer = self.buffer.getvalue(), io.StringIO()
        self.handler.setStream(self.buffer)
        return type("Captured", (), {"out": text})


@pytest.fixture
def stdout():
    stdout = _Stdout()
    old = stdout.handler.setStream(stdout.buffer)
    yield stdout
    stdout.handler.setStream(old)


def _request_lines(out):
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "union_portal.requests"]


@pytest.mark.django_db
def test_a_request_is_one_json_line_without_query_string_or_personal_data(client, people, stdout):
    member = people["member"]
    client.force_login(member)
    stdout.readouterr()
    response = client.get("/notices/?code=R3CE1PT-SECRET&q=x", HTTP_X_REQUEST_ID="nginx-req-0042")
    out = stdout.readouterr().out
    assert response.status_code == 200
    lines = _request_lines(out)
    assert len(lines) == 1, out
    line = lines[0]
    assert FIELDS <= set(line)
    assert line["method"] == "GET" and line["path"] == "/notices/" and line["status"] == 200
    assert line["user_id"] == member.pk and line["request_id"] == "nginx-req-0042"
    assert isinstance(line["duration_ms"], float)
    assert response["X-Request-ID"] == "nginx-req-0042"
    for private in ("R3CE1PT", "code=", member.email, member.username, "?"):
        assert private not in out, private
    if member.first_name or member.last_name:
        assert member.get_full_name() not in out


@pytest.mark.django_db
def test_a_browser_following_an_anonymous_case_is_logged_without_its_account(
    client, people, settings, stdout
):
    client.force_login(people["member"])
    client.cookies[settings.GRIEVANCE_FOLLOW_COOKIE] = "x"
    stdout.readouterr()
    client.get("/notices/")
    [line] = _request_lines(stdout.readouterr().out)
    assert line["user_id"] is None and line["status"] == 200


@pytest.mark.django_db
def test_a_forged_request_id_is_replaced_and_secret_path_parts_are_not_logged(client, people,
                                                                              stdout):  # fmt: skip
    token = "Kf93xTq0" * 4  # a feed's key is its only credential
    stdout.readouterr()
    client.get(reverse("events:feed", args=[token]), HTTP_X_REQUEST_ID='bad"\n{json}')
    client.get("/no-such-page/")
    lines = _request_lines(stdout.readouterr().out)
    assert len(lines) == 2
    assert token not in lines[0]["path"] and lines[0]["path"].startswith("/events/feed/")
    assert len(lines[0]["request_id"]) == 32 and lines[0]["request_id"] != lines[1]["request_id"]
    assert lines[1]["status"] == 404 and lines[1]["user_id"] is None


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_the_same_request_id(client, people, branch, tmp_path,
                                                             stdout):  # fmt: skip
    from union_portal.celery import app

    app.control.purge()
    CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])
    with Worker(tmp_path / "worker.log", NOTIFICATION_EMAIL_RETRY_BACKOFF_SECONDS="1") as worker:
        client.force_login(people["member"])
        stdout.readouterr()
        response = client.post(reverse("grievances:file"), {
            "kind": "grievance", "category": branch.grievance_categories.get().pk,
            "subject": "停电", "description": "实验室停电", "confidentiality": "named",
        }, HTTP_X_REQUEST_ID="req-from-nginx-7")  # fmt: skip
        assert response.status_code == 302
        [request_line] = _request_lines(stdout.readouterr().out)
        assert request_line["request_id"] == "req-from-nginx-7"

        def task_lines():
            return [
                line for line in worker.json_lines() if line.get("logger") == "union_portal.tasks"
            ]

        assert wait_for(lambda: any(line["state"] == "SUCCESS" for line in task_lines()), 30), (
            worker.text()
        )
    done = [line for line in task_lines() if line["state"] == "SUCCESS"]
    assert {line["task"] for line in done} == {"core.send_notification_email"}
    assert all(line["request_id"] == "req-from-nginx-7" for line in done)
    assert all(isinstance(line["duration_ms"], float) and line["task_id"] for line in done)
    assert "停电" not in worker.text() and people["officer"].email not in worker.text()


def test_without_sentry_dsn_no_sentry_client():
    assert not sentry_sdk.get_client().is_active()


def test_with_sentry_dsn_sentry_starts_without_personal_data():
    code = (
        "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], "
        "c.options['before_send'].__name__, sorted(c.integrations))"
    )
    env = production_env(SENTRY_DSN="https://0123456789abcdef@127.0.0.1:9/1")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True)  # fmt: skip
    active, pii, before_send, integrations = result.stdout.split(" ", 3)
    assert (active, pii, before_send) == ("True", "False", "scrub_event")
    assert "'celery'" in integrations and "'django'" in integrations


def test_sentry_events_lose_bodies_cookies_query_strings_and_user_details():
    event = {
        "request": {
            "url": "https://u.example.cn/grievances/follow/?code=ABC",
            "query_string": "code=ABC", "data": {"receipt": "ABC"}, "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "User-Agent": "x", "Authorization": "t"},
        },
        "user": {"id": 7, "email": "a@b.cn", "username": "a", "ip_address": "1.2.3.4"},
    }  # fmt: skip
    scrubbed = scrub_event(event)
    assert scrubbed["request"] == {"url": "https://u.example.cn/grievances/follow/",
                                   "headers": {"User-Agent": "x"}}  # fmt: skip
    assert scrubbed["user"] == {"id": 7}


def test_sentry_events_lose_frame_variables_breadcrumbs_referers_and_secret_path_parts():
    """An error in a view sends its stack: each frame's local variables (a case's
    filer, a member's email, a form's data) unless they are dropped; breadcrumbs
    carry earlier log messages and SQL; the Referer header carries the previous
    page's query string (a receipt code); the URL itself a feed's key."""
    token = "Kf93xTq0" * 4
    event = {
        "request": {
            "url": f"https://u.example.cn/events/feed/{token}.ics",
            "headers": {"Referer": "https://u.example.cn/grievances/follow/?code=RCPT-1234",
                        "User-Agent": "x"},
        },
        "exception": {"values": [{"type": "ValueError", "value": "boom", "stacktrace": {
            "frames": [{"function": "view", "vars": {"email": "filer@u.example.cn"}}]}}]},
        "breadcrumbs": {"values": [
            {"category": "query", "message": "SELECT ... WHERE email = %s",
             "data": {"db.params": ["filer@u.example.cn"]}},
            {"category": "members", "message": "sent to filer@u.example.cn"},
        ]},
    }  # fmt: skip
    text = json.dumps(scrub_event(event))
    assert "filer@u.example.cn" not in text
    assert "RCPT-1234" not in text
    assert token not in text and "/events/feed/" in text
    assert "ValueError" in text
