"""The project's URLs plus two views that fail, for the 500 page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler404, handler500  # noqa: F401 - the handlers are looked up here
from config.urls import urlpatterns as project_urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kaboom: a secret detail that must not reach the user")


urlpatterns = [path("boom/", boom), path("api/boom/", boom), *project_urls]
