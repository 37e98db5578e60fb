"""/settings/: what the signed-in admin or manager can tune."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import manager_or_admin_required


@manager_or_admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/index.html")
