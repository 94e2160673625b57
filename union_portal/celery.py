import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_portal.settings")

# Its signal handlers: JSON task lines, the request id carried into tasks.
import union_portal.core.observability  # noqa: E402,F401

app = Celery("union_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
