from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


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
    path("coupons/", include("coupons.urls")),
    path("settings/", include("analytics.urls")),
    path("settings/", include("customers.urls")),
    path("worklist/", include("analytics.worklist_urls")),
    path("", include("cockpit.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
