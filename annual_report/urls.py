from django.urls import path

from . import views

app_name = "annual_report"

urlpatterns = [
    path("", views.current_year, name="current"),
    path("settings/", views.report_settings, name="settings"),
    path("<int:year>/", views.year_report, name="year"),
    path("<int:year>/university/", views.university_report, name="university"),
]
