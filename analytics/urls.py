"""/settings/jobs/, /settings/first-fill/: analytics' background work as the pages watch it."""

from django.urls import URLPattern, URLResolver, path

from analytics import views as analytics_views
from analytics.tuning import views as tuning_views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    # A recompute job's progress (admins; the grading editor polls it).
    path("jobs/<int:pk>/", tuning_views.job, name="job"),
    # Any signed-in user: the pages' notice while a fresh install computes its months (templates/_first_fill.html).
    path("first-fill/", analytics_views.first_fill, name="first_fill"),
]
