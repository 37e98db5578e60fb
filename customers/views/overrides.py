"""/settings/customers/<code>/override/: a small form partial any page (the profile) can load with htmx."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from customers.forms import OverrideForm
from customers.models import Customer
from customers.selectors import customer_get
from customers.services_admin import AdminError, customer_override_clear, customer_override_set

from .access import is_htmx, manager_or_admin_required


def _customer(request: HttpRequest, code: str) -> Customer:
    customer = customer_get(user=request.user, code=code)
    if customer is None:
        raise Http404
    return customer


def _render(request: HttpRequest, customer: Customer, form: OverrideForm, *, note: str = "") -> HttpResponse:
    htmx = is_htmx(request)
    template = "settings/customers/override.html" if htmx else "settings/customers/override_page.html"
    # htmx 2 does not swap 4xx answers: the partial comes back 200 with the errors in it; a plain post gets 400.
    status = 400 if form.errors and not htmx else 200
    context = {"customer": customer, "form": form, "note": note, "today": timezone.localdate()}
    response = render(request, template, context, status=status)
    if htmx and note:
        # The page that holds the panel (the profile) shows the grade, its history and the recommended action the
        # override just changed in the stored periods: htmx reloads it, so every part shows the new grade at once.
        response["HX-Refresh"] = "true"
    return response


@manager_or_admin_required
@require_http_methods(["GET", "POST"])
def override(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the current override and the form. POST: set grade, reason and until (admins, managers in scope)."""
    customer = _customer(request, code)
    if request.method == "GET":
        initial = {"grade": customer.override_grade, "reason": customer.override_reason,
                   "until": customer.override_until}
        return _render(request, customer, OverrideForm(initial=initial))
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            customer_override_set(customer=customer, by=request.user, **form.cleaned_data)
        except AdminError as exc:
            form.add_admin_error(exc)
        else:
            return _render(request, customer, OverrideForm(initial=form.cleaned_data), note="saved")
    return _render(request, customer, form)


@manager_or_admin_required
@require_POST
def override_clear(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(request, code)
    customer_override_clear(customer=customer, by=request.user, reason=request.POST.get("reason", "")[:255])
    return _render(request, customer, OverrideForm(), note="cleared")
