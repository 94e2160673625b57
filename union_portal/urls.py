from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("union_portal.core.urls")),
    path("", include("members.urls")),
    path("events/", include("events.urls")),
    path("grievances/", include("grievances.urls")),
    path("notices/", include("notices.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
