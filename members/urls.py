from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("me/", views.my_membership, name="me"),
    path("me/data.json", views.my_data, name="my_data"),
    path("roster/", views.roster_list, name="roster"),
    path("roster/export.csv", views.roster_export, {"fmt": "csv"}, name="export_csv"),
    path("roster/export.xlsx", views.roster_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("roster/birthdays/", views.birthdays, name="birthdays"),
    path("roster/new/", views.member_create, name="create"),
    path("roster/<int:pk>/", views.member_detail, name="detail"),
    path("roster/<int:pk>/edit/", views.member_edit, name="edit"),
    path("roster/import/", views.roster_import, name="import"),
    path("roster/import/<int:pk>/", views.roster_import_preview, name="import_preview"),
    path("roster/import/<int:pk>/status/", views.roster_import_status, name="import_status"),
    path("roster/import/<int:pk>/confirm/", views.roster_import_confirm, name="import_confirm"),
]
