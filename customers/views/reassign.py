"""/settings/reassign/: move one customer, a selection, or all of a salesperson's customers to another.

Two steps, as the merge page: the first post shows what would move (how many, from whom, which), the second
(`confirm`) moves them. Customers are picked by code, by searching (`reassign_picker`, htmx) or a whole book.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from customers.forms import ReassignForm
from customers.models import Customer, Salesperson
from customers.selectors import customer_list
from customers.services_admin import AdminError, customers_reassign, salesperson_customers

from .access import manager_or_admin_required

PICKER_LIMIT = 20
PREVIEW_ROWS = 50


@dataclass
class ReassignPreview:
    """What a reassignment would do: the customers that change owner, by current owner, and those already there."""

    to: Salesperson
    moving: list[Customer]
    by_owner: list[tuple[str, int]]
    already: int

    @property
    def shown(self) -> list[Customer]:
        return self.moving[:PREVIEW_ROWS]

    @property
    def more(self) -> int:
        return max(len(self.moving) - PREVIEW_ROWS, 0)


def _preview(chosen: list[Customer], to: Salesperson) -> ReassignPreview:
    moving = sorted((c for c in chosen if c.owner_id != to.pk), key=lambda c: c.code)
    owners = Counter(c.owner.name if c.owner else "—" for c in moving)
    return ReassignPreview(to=to, moving=moving, by_owner=sorted(owners.items(), key=lambda kv: (-kv[1], kv[0])),
                           already=len(chosen) - len(moving))


def _chosen(request: HttpRequest, form: ReassignForm) -> list[Customer] | None:
    """The customers the form names (codes, picked, a whole book), scoped to the user; None with the problem set."""
    data = form.cleaned_data
    found = {c.code: c for c in customer_list(user=request.user).select_related("owner")
             .filter(code__in=data["code_list"])}
    missing = [code for code in data["code_list"] if code not in found]
    if missing:
        form.add_error("codes", _("No such customer: %(codes)s") % {"codes": ", ".join(missing[:20])})
        return None
    chosen = list(found.values())
    if data["from_salesperson"]:
        chosen += salesperson_customers(salesperson=data["from_salesperson"], user=request.user)
    return list({c.pk: c for c in chosen}.values())


def _picked(request: HttpRequest) -> list[Customer]:
    codes = request.POST.getlist("picked") if request.method == "POST" else request.GET.getlist("picked")
    return list(customer_list(user=request.user).select_related("owner").filter(code__in=codes).order_by("code"))


@manager_or_admin_required
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest) -> HttpResponse:
    """Admins and managers; a manager moves only customers they can see. `?codes=` and `?from=` prefill the form."""
    if request.method == "GET":
        codes = request.GET.get("codes", "").replace(",", "\n")
        initial = {"codes": codes, "from_salesperson": request.GET.get("from")}
        form = ReassignForm(initial=initial, user=request.user)
        return render(request, "settings/reassign.html", {"form": form, "picked": []})
    form = ReassignForm(request.POST, user=request.user)
    context: dict[str, Any] = {"form": form, "picked": _picked(request)}
    chosen = _chosen(request, form) if form.is_valid() else None
    if chosen is not None:
        to = form.cleaned_data["to"]
        if "confirm" not in request.POST:
            context["preview"] = _preview(chosen, to)
            return render(request, "settings/reassign.html", context)
        try:
            moved = customers_reassign(customers=chosen, to=to, by=request.user, reason=form.cleaned_data["reason"])
        except AdminError as exc:
            form.add_admin_error(exc)
        else:
            messages.success(request, _("%(n)s customers moved to %(to)s.") % {"n": moved, "to": to})
            return redirect("settings_people:reassign")
    return render(request, "settings/reassign.html", context, status=400)


@manager_or_admin_required
@require_GET
def reassign_picker(request: HttpRequest) -> HttpResponse:
    """htmx: the customers already picked (kept checked) and up to PICKER_LIMIT more matching `q` (code or name)."""
    picked = _picked(request)
    q = request.GET.get("q", "").strip()
    matches: list[Customer] = []
    if q:
        codes = {c.code for c in picked}
        matches = [c for c in customer_list(user=request.user).select_related("owner")
                   .filter(Q(code__icontains=q) | Q(name__icontains=q)).order_by("code")[:PICKER_LIMIT + len(codes)]
                   if c.code not in codes][:PICKER_LIMIT]
    return render(request, "settings/_reassign_picker.html", {"picked": picked, "matches": matches, "q": q})
