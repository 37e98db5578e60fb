"""The churn model's backtest against every baseline (issue 21): a card the settings page loads with htmx, or a
page of its own when opened directly."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.views.access import admin_required, is_htmx

from .selectors import churn_backtest_table


@admin_required
@require_GET
def churn_backtest_card(request: HttpRequest) -> HttpResponse:
    template = "settings/churn_backtest.html" if is_htmx(request) else "settings/churn_backtest_page.html"
    return render(request, template, {"backtest": churn_backtest_table()})
