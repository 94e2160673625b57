from django.urls import path

from . import views

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

# --- welfare handouts (福利发放) ----------------------------------------------
urlpatterns += [
    path("welfare/", views.welfare_list, name="welfare_list"),
    path("welfare/new/", views.welfare_create, name="welfare_create"),
    path("welfare/mine/", views.welfare_mine, name="welfare_mine"),
    path("welfare/<int:pk>/", views.welfare_detail, name="welfare_detail"),
    path("welfare/<int:pk>/edit/", views.welfare_edit, name="welfare_edit"),
    path("welfare/<int:pk>/options/", views.welfare_option, name="welfare_option"),
    path("welfare/<int:pk>/points/", views.welfare_point, name="welfare_point"),
    path("welfare/<int:pk>/step/<slug:step>/", views.welfare_step, name="welfare_step"),
    path("welfare/<int:pk>/choose/", views.welfare_choose, name="welfare_choose"),
    path("welfare/<int:pk>/code/", views.welfare_code, name="welfare_code"),
    path("welfare/<int:pk>/uncollected/", views.welfare_uncollected, name="welfare_uncollected"),
    path("welfare/<int:pk>/totals/", views.welfare_totals, name="welfare_totals"),
    path("welfare/point/<int:pk>/", views.welfare_pickup, name="welfare_pickup"),
]
