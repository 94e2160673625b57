from django.urls import path

from . import views

app_name = "awards"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/publish/", views.round_publish, name="publish"),
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("<int:pk>/nominations/", views.nominations, name="nominations"),
    path("<int:pk>/pick/", views.pick, name="pick"),
    path("<int:pk>/result/", views.result, name="result"),
]
