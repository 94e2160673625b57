from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("feed.atom", views.PublicNoticesFeed(), name="feed"),
    path("summary/", views.money_summary, name="summary"),
    path("summary.csv", views.money_summary, {"fmt": "csv"}, name="summary_csv"),
    path("summary.xlsx", views.money_summary, {"fmt": "xlsx"}, name="summary_xlsx"),
    path("accounts/categories/", views.category_list, name="categories"),
    path("accounts/budget/", views.budget_edit, name="budget"),
    path("accounts/income/", views.income_list, name="income"),
    path("accounts/settings/", views.notice_settings, name="settings"),
    path("new/<slug:kind>/", views.notice_create, name="create"),
    path("files/<token:token>/", views.notice_file, name="file"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/v<int:number>/", views.notice_detail, name="version"),
    path("<int:pk>/v<int:number>/changes/", views.notice_diff, name="diff"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/correct/", views.notice_correct, name="correct"),
    path("<int:pk>/correction/", views.notice_correction, name="correction"),
    path(
        "<int:pk>/correction/send-back/",
        views.correction_send_back,
        name="correction_send_back",
    ),
    path("<int:pk>/send-back/", views.notice_send_back, name="send_back"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("<int:pk>/object/", views.object_to, name="object"),
    path("<int:pk>/objections/<int:objection_pk>/answer/", views.answer_objection, name="answer"),
    path("<int:pk>/lines.csv", views.notice_export, {"fmt": "csv"}, name="export_csv"),
    path("<int:pk>/lines.xlsx", views.notice_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/<slug:step>/", views.notice_step, name="step"),
]
