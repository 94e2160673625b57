from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_create, name="create"),
    path("summary/", views.proposal_summary, name="summary"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.proposal_step, name="step"),
    path("representatives/", views.representative_list, name="representatives"),
    path("representatives/<int:pk>/", views.representative_detail, name="representative"),
    path("terms/", views.term_list, name="terms"),
    path("terms/<int:pk>/", views.term_detail, name="term"),
    path("terms/import/", views.representative_import, name="import"),
    path("offices/", views.office_list, name="offices"),
    path("offices/<int:pk>/", views.office_edit, name="office"),
    # Accepted proposals of branches that make them public: anyone reads them.
    path("public/", views.public_proposal_list, name="public_list"),
    path("public/<int:pk>/", views.public_proposal_detail, name="public_detail"),
]

urlpatterns += [
    path("polls/<int:pk>/results/", views.poll_results, name="poll_results"),
    path("polls/<int:pk>/results/export/", views.poll_results_export, name="poll_results_export"),
    # 问卷 / 投票
    path("polls/", views.poll_list, name="poll_list"),
    path("polls/new/", views.poll_create, name="poll_create"),
    path("polls/<int:pk>/", views.poll_detail, name="poll_detail"),
    path("polls/<int:pk>/edit/", views.poll_edit, name="poll_edit"),
    path("polls/<int:pk>/publish/", views.poll_publish, name="poll_publish"),
    path("polls/<int:pk>/voters/", views.poll_voters, name="poll_voters"),
    path("polls/<int:pk>/remind/", views.poll_remind, name="poll_remind"),
]
