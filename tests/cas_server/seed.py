"""Run inside the test CAS server's settings: `python -m tests.cas_server.seed
SERVICE_REGEX` makes the service pattern (attributes `name` and `email`,
single sign-out); `... seed user USERNAME PASSWORD NAME EMAIL` makes or
updates a user whose username is a 工号."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.cas_server.settings")

import django  # noqa: E402

django.setup()

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402


def service(pattern):
    sp, _ = ServicePattern.objects.update_or_create(
        name="portal", defaults={"pattern": pattern, "pos": 1, "single_log_out": True}
    )
    for name, replace in (("first_name", "name"), ("email", "email")):
        ReplaceAttributName.objects.get_or_create(service_pattern=sp, name=name, replace=replace)


def user(username, password, name, email):
    account, _ = User.objects.get_or_create(username=username)
    account.set_password(password)
    account.first_name = name
    account.email = email
    account.save()


if __name__ == "__main__":
    {"service": service, "user": user}[sys.argv[1]](*sys.argv[2:])
