"""/settings/grading/...: the grading policy editor (issue 6); admins only."""

from django.urls import URLPattern, URLResolver, path

from analytics import views as analytics_views
from analytics.tuning import views

app_name = "settings_grading"

urlpatterns: list[URLPattern | URLResolver] = [
    path("grading/", views.grading, name="grading"),
    path("grading/preview/", views.preview, name="preview"),
    path("grading/history/", views.history, name="history"),
    path("grading/history/<int:version>/restore/", views.restore, name="restore"),
    path("grading/recompute/", views.recompute, name="recompute"),
    path("grading/recompute/form/", views.recompute_form, name="recompute_form"),
    path("grading/churn/train/", views.churn_train, name="churn_train"),
    path("grading/churn/train/form/", views.churn_train_form, name="churn_train_form"),
    path("jobs/<int:pk>/", views.job, name="job"),
    # Any signed-in user: the pages' notice while a fresh install computes its months (templates/_first_fill.html).
    path("first-fill/", analytics_views.first_fill, name="first_fill"),
]
