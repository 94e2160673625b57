from django.urls import path

from . import views, views_dashboard

app_name = "grievances"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("mine/", views.my_cases, name="mine"),
    path("new/", views.file_case, name="file"),
    path("receipt/", views.receipt_lookup, name="lookup"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("routing/", views.routing, name="routing"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard.csv", views_dashboard.dashboard_csv, name="dashboard_csv"),
    path("files/<token:token>/", views.attachment, name="attachment"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/history/", views.case_history, name="history"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
]
