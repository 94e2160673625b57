from django.urls import path  # noqa: F401 - the app's pages are added below

from . import views  # noqa: F401

app_name = "care"

urlpatterns = []

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
