import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections

from tests.factories import BranchFactory, DepartmentFactory, user_with_role

# `cas_server`: the real CAS server (django-cas-server in its own process).
pytest_plugins = ["tests.cas_server.fixture"]


@pytest.fixture
def branch(db):
    return BranchFactory(name="计算机学院分工会")


@pytest.fixture
def other_branch(db):
    return BranchFactory(name="外国语学院分工会")


@pytest.fixture
def department(branch):
    return DepartmentFactory(branch=branch, name="软件工程系")


@pytest.fixture
def people(branch, other_branch):
    """One account per role, all in `branch` except `other_officer`."""
    return {
        "member": user_with_role("member", branch),
        "officer": user_with_role("officer", branch),
        "chair": user_with_role("chair", branch),
        "liaison": user_with_role("liaison", other_branch),
        "other_officer": user_with_role("officer", other_branch),
    }


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the test Redis database, in a thread of this process
    (so it shares the in-memory outbox); tests using it commit their data."""
    from union_portal.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    # The worker thread's connection would keep the test database open.
    connections.close_all()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters (allauth's, the receipt look-up's) start from zero, and
    so do the data versions (with what this process keeps under them)."""
    from django.core.cache import cache

    from union_portal.core import cache_versions

    cache.clear()
    cache_versions.clear_local()


@pytest.fixture
def cas(settings, live_server, cas_server):
    """The portal's campus sign-on pointed at the real CAS server, with the
    live server as the service."""
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_ROOT_PROXIED_AS = live_server.url
    return cas_server
