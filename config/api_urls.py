"""/api/v1/: each app owns its own api_urls module."""

from django.urls import include, path

urlpatterns = [
    path("", include("customers.api_urls")),
    path("", include("sales.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("coupons.api_urls")),
]
