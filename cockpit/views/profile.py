"""The customer profile (/customers/<code>/) and its "log a visit" form; another user's customer is a 404."""

import datetime as dt
import hashlib
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from analytics.crosssell.selectors import Suggestion, crosssell_for, crosssell_wins
from analytics.periods import month_end
from cockpit import charts, labels
from cockpit.forms import VisitForm
from cockpit.selectors import profile as sel
from cockpit.selectors.churn import Risk
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import VisitError, visit_log

QUADRANT_GRID = (("develop", "strategic_partner"), ("build_relationship", "retain"))
CROSSSELL_LIMIT = 5
VISITS_OPEN = 10


def _customer(request: HttpRequest, code: str) -> Customer:
    customer = customer_get(user=request.user, code=code)
    if customer is None:
        raise Http404("no such customer")
    return customer


def _visits_context(customer: Customer, form: VisitForm | None = None, saved: bool = False) -> dict[str, Any]:
    visits = sel.visits(customer)
    # The timeline is cached rendered (a template loop over 50 visits costs ~10x what reading them does) under a
    # digest of exactly the rows and the language it shows: any new, edited or deleted visit makes a new key.
    key = hashlib.sha256(repr((get_language(), visits)).encode()).hexdigest()
    # the newest VISITS_OPEN are open; the rest fold under "N earlier visits"
    return {"customer": customer, "visits": visits, "visits_key": key, "visits_open": VISITS_OPEN,
            "visits_folded": max(len(visits) - VISITS_OPEN, 0), "visit_form": form or VisitForm(), "saved": saved}


def _churn_context(customer: Customer, latest: Any) -> dict[str, Any]:
    """The risk with its top reasons where the model wins (both stored on the row), else why it is not shown.

    `churn_state`: "scored" (risk and reasons), "unscored" (the period has scores but not this customer: never
    ordered or already churned) or "not_used" (no model trained yet, `churn_trained` False, or none beats days
    since last order: that is shown instead).
    """
    if latest is None or latest.churn_risk is None:
        # `latest` comes from sel.snapshot_at, which asked both questions in its own query.
        if latest is not None and latest.period_scored:
            return {"churn_state": "unscored", "churn": None}
        return {"churn_state": "not_used", "churn": None, "churn_trained": latest is not None and latest.churn_trained}
    return {"churn_state": "scored", "churn": Risk.stored(latest.churn_risk, latest.churn_reasons)}


def _by_count_shown(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Most similar customers first, as the card's "bought by N of K" reads; popularity fill-ins (N = 0) last.

    The engine ranks by a similarity-weighted score, which put "11 of 20" above "13 of 20"; a reader checks
    the number shown. The sort is stable: equal counts keep the engine's order.
    """
    return sorted(suggestions, key=lambda s: (s.bought_by == 0, -s.bought_by))


def _crosssell_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """"Customers like this also buy": products and categories, each with its reason (analytics.crosssell)."""
    return {"customer": customer, "crosssell": [
        # None: the latest saved hold-out says this level's suggestions do not beat popularity (issue 21).
        (level, title, _by_count_shown(crosssell_for(user=request.user, customer=customer, limit=CROSSSELL_LIMIT,
                                                     level=level)) if crosssell_wins(level) else None)
        for level, title in (("product", _("Products")), ("category", _("Categories")))
    ]}


def _profile_context(customer: Customer) -> dict[str, Any]:
    today = timezone.localdate()
    history = sel.grade_history(customer)
    latest = sel.snapshot_at(customer, history[-1].period) if history else None
    as_of = month_end(latest.period) if latest else today
    grade_labels = labels.grade_labels()
    days = sel.order_days(customer)
    monthly = sel.monthly_sales(days, latest.period if latest else today)
    grades = [{"month": f"{s.period:%Y-%m}", "grade": s.grade} for s in history]
    behaviour = sel.behaviour(days, today)
    if behaviour.get("weekday") is not None:
        behaviour["weekday_name"] = WEEKDAYS[behaviour["weekday"]]
    return {
        "customer": customer, "latest": latest, "history": history, "grade_labels": grade_labels,
        "as_of": as_of, "today": today, "behaviour": behaviour,
        "preferences": sel.preferences(customer, dt.date(as_of.year - 1, as_of.month, 1), as_of),
        "aging": sel.aging(customer, days, today), "coupons": sel.coupons(customer),
        "sales_figure": charts.monthly_sales(monthly), "has_sales": any(m["orders"] or m["sales"] for m in monthly),
        "grade_figure": charts.grade_history(grades, grade_labels) if grades else None,
        "quadrant_grid": QUADRANT_GRID, "nav": "customers", "pref_blocks": [
            ("categories_by_amount", _("Top categories by amount")),
            ("categories_by_frequency", _("Top categories by frequency")),
            ("products_by_amount", _("Top products by amount")),
            ("products_by_frequency", _("Top products by frequency")),
        ],
        "crosssell": None,  # the card loads itself with htmx (?part=crosssell)
        **_visits_context(customer), **_churn_context(customer, latest),
    }


def customer_profile(request: HttpRequest, code: str) -> HttpResponse:
    """The profile; `?part=crosssell` is the cross-sell card, which htmx loads after the page (it is the costly
    part: a customer x item matrix), or the whole page with the card filled in when asked without htmx."""
    customer = _customer(request, code)
    htmx: HtmxDetails = request.htmx  # type: ignore[attr-defined]
    part = request.GET.get("part")
    if part == "crosssell" and htmx:
        response = render(request, "cockpit/profile/_crosssell.html", _crosssell_context(request, customer))
    else:
        context = _profile_context(customer)
        if part == "crosssell":
            context.update(_crosssell_context(request, customer))
        response = render(request, "cockpit/profile/profile.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def visit_create(request: HttpRequest, code: str) -> HttpResponse:
    """Log a visit (customers.services.visit_log); htmx gets the refreshed timeline, a plain post a redirect."""
    customer = _customer(request, code)
    htmx: HtmxDetails = request.htmx  # type: ignore[attr-defined]
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            visit_log(customer=customer, user=request.user, **form.cleaned_data)
        except VisitError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not htmx:
                return redirect("cockpit:customer_profile", code=customer.code)
            return render(request, "cockpit/profile/_visits.html", _visits_context(customer, saved=True))
    if not htmx:
        context = _profile_context(customer)
        context["visit_form"] = form
        return render(request, "cockpit/profile/profile.html", context, status=400)
    # htmx 2 does not swap 4xx answers: the form with its errors comes back as a 200.
    return render(request, "cockpit/profile/_visits.html", _visits_context(customer, form))
