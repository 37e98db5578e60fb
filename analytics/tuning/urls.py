"""/settings/grading/...: the grading policy editor (issue 6); admins only."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "settings_grading"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.grading, name="grading"),
    path("preview/", views.preview, name="preview"),
    path("history/", views.history, name="history"),
    path("history/<int:version>/restore/", views.restore, name="restore"),
    path("recompute/", views.recompute, name="recompute"),
    path("recompute/form/", views.recompute_form, name="recompute_form"),
    path("churn/train/", views.churn_train, name="churn_train"),
    path("churn/train/form/", views.churn_train_form, name="churn_train_form"),
]
