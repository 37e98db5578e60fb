from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics.churn.views import churn_backtest_card
from config.health import pipeline_health


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" or 503 "unhealthy: <reasons>", then one line per check (config/health.py); no login, no data."""
    from django.utils import translation

    from config.health import pipeline_checks, pipeline_report

    with translation.override("en"):  # for probes and pagers: one stable language
        checks = pipeline_checks()
    status = 200 if all(c.ok for c in checks) else 503
    response = HttpResponse(pipeline_report(checks), content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),  # throttled by django-axes
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from the sidecar's static files, its start-up script a separate request (?script): the CSP allows
    # scripts from this site only, neither a CDN nor an inline <script>.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("settings/health/", pipeline_health, name="pipeline_health"),
    path("settings/churn-backtest/", churn_backtest_card, name="churn_backtest_card"),
    path("coupons/", include("coupons.urls")),
    path("settings/grading/", include("analytics.tuning.urls")),
    path("settings/", include("analytics.urls")),
    path("settings/", include("customers.urls")),
    path("worklist/", include("analytics.worklist_urls")),
    path("", include("cockpit.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
