"""/worklist/: a salesperson's follow-ups for today; managers also see completion by salesperson."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from customers.roles import ADMIN, MANAGER, user_role
from customers.selectors import salespeople_visible

from .outcomes import outcomes_period, worklist_outcomes
from .selectors import worklist_completion, worklist_day_for, worklist_period

# "Later" shows this many at most: a folded list to skim, not a second day.
LATER_SHOWN = 200


def _salesperson_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("salesperson", "")
    return int(raw) if raw.isdigit() else None


def worklist_index(request: HttpRequest) -> HttpResponse:
    """Today's actions, scoped: the day's capacity, best expected value first, the rest under "later". Managers
    and admins also see completion of the latest period and the outcomes (win-back with and without an action)
    of the latest period whose 60-day window is over."""
    today = timezone.localdate()
    role = user_role(request.user)
    period = worklist_period(today=today)
    context: dict[str, Any] = {"period": period, "today": today, "is_manager": role in (ADMIN, MANAGER)}
    chosen = None
    if context["is_manager"]:
        people = salespeople_visible(user=request.user)
        context["salespeople"] = people
        wanted = _salesperson_id(request)
        chosen = people.filter(id=wanted).first() if wanted is not None else None
        context["chosen"] = chosen
        if period is not None:
            context["completion"] = worklist_completion(user=request.user, period=period, today=today)
        won_period = outcomes_period(today=today)
        context["outcomes"] = (worklist_outcomes(user=request.user, period=won_period, today=today)
                               if won_period is not None else None)
    if period is not None and (chosen is not None or not context["is_manager"]):
        day = worklist_day_for(user=request.user, today=today, salesperson_id=chosen.id if chosen else None)
        if day is not None:
            context.update(day=day, items=day.today, later=day.later[:LATER_SHOWN])
    return render(request, "worklist/index.html", context)
