"""htmx, on the settings page: the churn model's backtest against every baseline (issue 21)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.views.access import admin_required

from .selectors import churn_backtest_table


@admin_required
@require_GET
def churn_backtest_card(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/churn_backtest.html", {"backtest": churn_backtest_table()})
