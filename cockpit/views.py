from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    """Until the dashboard lands: customers, orders and sales by month of the user's book."""
    context = {
        "counts": selectors.book_counts(user=request.user),
        "months": selectors.sales_by_month(user=request.user),
    }
    return render(request, "cockpit/home.html", context)
