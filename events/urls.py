from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("mine/", views.my_events, name="mine"),
    path("new/", views.event_create, name="create"),
    path("report/", views.participation_report, name="report"),
    path("report.csv", views.participation_report_csv, name="report_csv"),
    path("feed/<str:token>.ics", views.personal_feed, name="feed"),
    path("mine/new-calendar-link/", views.feed_reset, name="feed_reset"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/publish/", views.event_publish, name="publish"),
    path("<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path("<int:pk>/passengers/", views.passengers, name="passengers"),
    path("<int:pk>/event.ics", views.event_ics, name="ics"),
    path("registrations/<int:pk>/cancel/", views.cancel_registration, name="cancel_registration"),
    path("registrations/<int:pk>/trip/", views.choose_trip, name="choose_trip"),
    path("registrations/<int:pk>/qr.svg", views.registration_qr, name="registration_qr"),
]
