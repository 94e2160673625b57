from django.urls import path  # noqa: F401 - the app's pages are added below

from . import views  # noqa: F401

app_name = "care"

urlpatterns = []
