"""The pages' notice while a fresh install's months and churn model are computed (htmx polls it)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from analytics.services.first_fill import first_fill_state


@require_GET
def first_fill(request: HttpRequest) -> HttpResponse:
    """The notice's current state; once nothing is under way it says so and stops polling (the user reloads)."""
    state = first_fill_state()
    finished = state["fill"] is None and state["churn"] is None
    return render(request, "_first_fill.html", {"first_fill": state, "first_fill_finished": finished})
