"""The portal's URLs and, for the benchmark only, the admin peers of bench/admin.py."""

from django.urls import path

from bench.admin import site
from union_portal.urls import urlpatterns as portal

urlpatterns = [path("bench-admin/", site.urls), *portal]
