from django.urls import path  # noqa: F401 - the app's pages are added below

from . import views  # noqa: F401

app_name = "care"

urlpatterns = []

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
urlpatterns += [
    path("hardship/", views.hardship_list, name="hardship_list"),
    path("hardship/new/", views.hardship_open, name="hardship_open"),
    path("hardship/fairness/", views.hardship_fairness, name="hardship_fairness"),
    path("hardship/<int:pk>/", views.hardship_detail, name="hardship_detail"),
    path("hardship/<int:pk>/record/", views.hardship_record, name="hardship_record"),
    path("hardship/<int:pk>/edit/", views.hardship_edit, name="hardship_edit"),
    path("hardship/<int:pk>/close/", views.hardship_close, name="hardship_close"),
]
