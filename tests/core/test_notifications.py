import time

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from tests.factories import UserFactory
from tests.waiting import wait_for
from union_portal.core.models import Notification
from union_portal.core.notifications import notification_send_email, notify
from union_portal.core.tasks import send_notification_email


@pytest.mark.django_db
def test_notify_twice_with_one_key_gives_one_row():
    user = UserFactory()
    first = notify(user=user, key="k1", subject="会议通知")
    second = notify(user=user, key="k1", subject="会议通知（重复）")
    assert first.pk == second.pk
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_notification_is_written_in_the_recipients_language():
    from django.utils.translation import gettext_lazy as _

    english = UserFactory(language="en")
    chinese = UserFactory(language="zh-hans")
    notify(user=english, key="k", subject=_("Inbox"))
    notify(user=chinese, key="k", subject=_("Inbox"))
    assert Notification.objects.get(user=english).subject == "Inbox"
    assert Notification.objects.get(user=chinese).subject == "收件箱"


def test_email_sent_once_by_a_real_worker_even_when_the_task_is_retried(celery_worker):
    user = UserFactory()
    with transaction.atomic():
        notification = notify(user=user, key="welcome", subject="欢迎", body="你好")
        # Nothing is queued before the commit.
        assert mail.outbox == []
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == "欢迎"

    # A retry of the same task, and a second notify() with the same key.
    send_notification_email.delay(notification.pk)
    notify(user=user, key="welcome", subject="欢迎")
    assert wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists()
    )
    time.sleep(1.5)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_so_a_retry_sends(settings):
    settings.EMAIL_BACKEND = "tests.core.failing_backend.FailingBackend"
    user = UserFactory()
    notification = notify(user=user, key="k", subject="s")
    with pytest.raises(OSError):
        notification_send_email(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_claimed_at is None and notification.emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_send_email(notification_id=notification.pk) is True
    assert notification_send_email(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_inbox_shows_unread_count_and_marks_read(client):
    user = UserFactory()
    notify(user=user, key="a", subject="活动提醒")
    notify(user=user, key="b", subject="申诉回复", url="/me/")
    client.force_login(user)
    page = client.get(reverse("core:inbox"))
    assert page.status_code == 200
    assert b'data-testid="unread-count">2<' in page.content
    target = Notification.objects.get(key="b")
    response = client.post(reverse("core:inbox_mark_read"), {"id": target.pk})
    assert response.status_code == 302 and response["Location"] == "/me/"
    page = client.get(reverse("core:inbox"))
    assert b'data-testid="unread-count">1<' in page.content
    client.post(reverse("core:inbox_mark_read"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_marking_another_users_notification_changes_nothing(client):
    owner, intruder = UserFactory(), UserFactory()
    notification = notify(user=owner, key="a", subject="私人消息")
    client.force_login(intruder)
    client.post(reverse("core:inbox_mark_read"), {"id": notification.pk})
    client.post(reverse("core:inbox_mark_read"), {"id": "not-a-number"})
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.django_db
def test_inbox_query_count_does_not_grow(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    for i in range(3):
        notify(user=user, key=f"k{i}", subject=f"消息{i}")
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("core:inbox"))
    for i in range(3, 60):
        notify(user=user, key=f"k{i}", subject=f"消息{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("core:inbox"))
