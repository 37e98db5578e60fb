"""/api/v1/ routes of the sales app."""

from django.urls import URLPattern, URLResolver, path

from .api import ImportApi, ImportDetailApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/", ImportApi.as_view(), name="api-imports"),
    path("imports/<int:pk>/", ImportDetailApi.as_view(), name="api-import-detail"),
]
