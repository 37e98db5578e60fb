"""The customer profile (/customers/<code>/) and its "log a visit" form; another user's customer is a 404."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from analytics.periods import month_end
from cockpit import charts, labels
from cockpit.forms import VisitForm
from cockpit.selectors import profile as sel
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import VisitError, visit_log

QUADRANT_GRID = (("develop", "strategic_partner"), ("build_relationship", "retain"))


def _customer(request: HttpRequest, code: str) -> Customer:
    customer = customer_get(user=request.user, code=code)
    if customer is None:
        raise Http404("no such customer")
    return customer


def _visits_context(customer: Customer, form: VisitForm | None = None, saved: bool = False) -> dict[str, Any]:
    return {"customer": customer, "visits": sel.visits(customer), "visit_form": form or VisitForm(), "saved": saved}


def _profile_context(customer: Customer) -> dict[str, Any]:
    today = timezone.localdate()
    history = sel.snapshot_history(customer)
    latest = history[-1] if history else None
    as_of = month_end(latest.period) if latest else today
    grade_labels = labels.grade_labels()
    monthly = sel.monthly_sales(customer, latest.period if latest else today)
    grades = [{"month": f"{s.period:%Y-%m}", "grade": s.grade} for s in history]
    behaviour = sel.behaviour(customer, today)
    if behaviour.get("weekday") is not None:
        behaviour["weekday_name"] = WEEKDAYS[behaviour["weekday"]]
    return {
        "customer": customer, "latest": latest, "history": history, "grade_labels": grade_labels,
        "as_of": as_of, "today": today, "behaviour": behaviour,
        "preferences": sel.preferences(customer, dt.date(as_of.year - 1, as_of.month, 1), as_of),
        "aging": sel.aging(customer, today), "coupons": sel.coupons(customer),
        "sales_figure": charts.monthly_sales(monthly), "has_sales": any(m["orders"] or m["sales"] for m in monthly),
        "grade_figure": charts.grade_history(grades, grade_labels) if grades else None,
        "quadrant_grid": QUADRANT_GRID, "nav": "customers", "pref_blocks": [
            ("categories_by_amount", _("Top categories by amount")),
            ("categories_by_frequency", _("Top categories by frequency")),
            ("products_by_amount", _("Top products by amount")),
            ("products_by_frequency", _("Top products by frequency")),
        ],
        **_visits_context(customer),
    }


def customer_profile(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(request, code)
    return render(request, "cockpit/profile/profile.html", _profile_context(customer))


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
            field, _sep, message = str(exc).partition(": ")
            form.add_error(field if field in form.fields else None, message or str(exc))
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
