"""/settings/merge/: fold a duplicate customer into the one that stays (admins), after a confirmation step."""

from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from customers.forms import MergeForm
from customers.models import Customer
from customers.selectors import customer_get
from customers.services_admin import AdminError, customers_merge
from customers.services_admin.merge import merge_preview

from .access import admin_required

# What a merge moves, as the page names it: the models' verbose names are column words ("orders" is 订单数, a count)
# or untranslated, so the rows a customer owns get their own names here; any other model falls back to its own.
MOVED_LABELS = {
    "customers.customeralias": gettext_lazy("Former codes (aliases)"),
    "customers.ownershipchange": gettext_lazy("Ownership changes"),
    "customers.visit": gettext_lazy("Visits, calls and messages"),
    "sales.order": gettext_lazy("Sales orders"),
    "sales.payment": gettext_lazy("Payments received"),
    "analytics.customersnapshot": gettext_lazy("Monthly snapshots"),
    "analytics.customerpulse": gettext_lazy("Month-to-date pulse rows"),
    "coupons.couponissue": gettext_lazy("Coupons sent"),
}


def _named(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(model label, its name in the user's language, count) for the page."""
    def name(label: str) -> str:
        known = MOVED_LABELS.get(label)
        return str(known) if known is not None else capfirst(str(apps.get_model(label)._meta.verbose_name_plural))
    return [(label, name(label), n) for label, n in counts.items()]


def _pair(request: HttpRequest, form: MergeForm) -> tuple[Customer, Customer] | None:
    """Both customers, or None with the problems put on the form."""
    survivor = customer_get(user=request.user, code=form.cleaned_data["survivor"])
    merged = customer_get(user=request.user, code=form.cleaned_data["merged"])
    if survivor is None:
        form.add_error("survivor", _("No such customer."))
    if merged is None:
        form.add_error("merged", _("No such customer."))
    if survivor is None or merged is None:
        return None
    if survivor.pk == merged.pk:
        form.add_error("merged", _("Choose two different customers."))
        return None
    return survivor, merged


@admin_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: what would move (confirm step), then with `confirm` the merge itself."""
    if request.method == "GET":
        return render(request, "settings/merge.html", {"form": MergeForm()})
    form = MergeForm(request.POST)
    context: dict[str, Any] = {"form": form}
    pair = _pair(request, form) if form.is_valid() else None
    if pair is not None:
        survivor, merged = pair
        if "confirm" not in request.POST:
            counts = _named(merge_preview(survivor=survivor, merged=merged))
            context.update(survivor=survivor, merged=merged, counts=counts)
            return render(request, "settings/merge.html", context)
        try:
            report = customers_merge(survivor=survivor, merged=merged, by=request.user,
                                     reason=form.cleaned_data["reason"])
        except AdminError as exc:
            form.add_admin_error(exc)
        else:
            context = {"form": MergeForm(), "report": report, "moved": _named(report.moved)}
            return render(request, "settings/merge.html", context)
    return render(request, "settings/merge.html", context, status=400)
