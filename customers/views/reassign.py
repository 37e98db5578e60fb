"""/settings/reassign/: move one customer, a selection, or all of a salesperson's customers to another."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers.forms import ReassignForm
from customers.selectors import customer_list
from customers.services_admin import AdminError, customers_reassign, salesperson_customers

from .access import manager_or_admin_required


@manager_or_admin_required
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest) -> HttpResponse:
    """Admins and managers; a manager moves only customers they can see. `?codes=` and `?from=` prefill the form."""
    if request.method == "GET":
        codes = request.GET.get("codes", "").replace(",", "\n")
        initial = {"codes": codes, "from_salesperson": request.GET.get("from")}
        return render(request, "settings/reassign.html", {"form": ReassignForm(initial=initial, user=request.user)})
    form = ReassignForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        found = {c.code: c for c in customer_list(user=request.user).filter(code__in=data["code_list"])}
        missing = [code for code in data["code_list"] if code not in found]
        if missing:
            form.add_error("codes", _("No such customer: %(codes)s") % {"codes": ", ".join(missing[:20])})
        else:
            chosen = list(found.values())
            if data["from_salesperson"]:
                chosen += salesperson_customers(salesperson=data["from_salesperson"], user=request.user)
            try:
                moved = customers_reassign(customers=list({c.pk: c for c in chosen}.values()), to=data["to"],
                                           by=request.user, reason=data["reason"])
            except AdminError as exc:
                form.add_admin_error(exc)
            else:
                messages.success(request, _("%(n)s customers moved to %(to)s.") % {"n": moved, "to": data["to"]})
                return redirect("settings_people:reassign")
    return render(request, "settings/reassign.html", {"form": form}, status=400)
