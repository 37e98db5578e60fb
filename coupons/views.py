"""Coupon pages: campaigns, the campaign form with a live length check, the campaign page, the send dialog."""

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import is_manager_or_admin, user_role

from . import selectors, services
from .forms import CampaignForm
from .messages import CouponError, template_errors, template_sample
from .models import Campaign
from .selection import filter_lists, selection_resolve

POLL_STATUSES = ("queued", "sending")


def _require_role(request: HttpRequest) -> None:
    if user_role(request.user) is None:
        raise PermissionDenied


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """All campaigns, with the sent / failed / unknown counts of the user's customers."""
    _require_role(request)
    campaigns = list(selectors.campaign_list(user=request.user))
    issues = selectors.coupon_issue_list(user=request.user).order_by()
    counts = {row["campaign"]: row for row in issues.values("campaign").annotate(
        total=Count("id"),
        sent=Count("id", filter=Q(status__in=selectors.SENT_LIKE)),
        failed=Count("id", filter=Q(status="failed")),
        unknown=Count("id", filter=Q(status="unknown")),
    )}
    rows = [(c, counts.get(c.pk, {})) for c in campaigns]
    return render(request, "coupons/campaign_list.html",
                  {"rows": rows, "can_edit": is_manager_or_admin(request.user), "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a campaign (managers and admins)."""
    if not is_manager_or_admin(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=pk) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if campaign is None:
            campaign = services.campaign_create(user=request.user, **data)
        else:
            campaign = services.campaign_update(user=request.user, campaign=campaign, **data)
        messages.success(request, _("Campaign saved."))
        return redirect("coupons:campaign_detail", pk=campaign.pk)
    return render(request, "coupons/campaign_form.html", {"form": form, "campaign": campaign,
                                                          "sample": _sample(form.data or None, campaign)})


def _sample(data: object, campaign: Campaign | None) -> dict:
    """The sample message, its segment count and template problems, for the form's length check."""
    get = (data.get if hasattr(data, "get") else (lambda k, d=None: d))  # type: ignore[union-attr]
    template = get("sms_template", campaign.sms_template if campaign else "") or ""
    probe = Campaign(kind=get("kind", campaign.kind if campaign else Campaign.Kind.FACE_VALUE),
                     valid_to=get("valid_to", campaign.valid_to if campaign else timezone.localdate()) or "")
    try:
        probe.value = Decimal(str(get("value", campaign.value if campaign else "10")) or "10")
    except InvalidOperation:
        probe.value = Decimal("10")
    errors = template_errors(template) if template else []
    if errors or not template:
        return {"errors": errors, "template": template}
    text, segments = template_sample(template, value=probe.value_display, valid_to=probe.valid_to)
    return {"errors": [], "template": template, "text": text, "segments": segments}


@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the live length check and sample message under the template field."""
    if not is_manager_or_admin(request.user):
        raise PermissionDenied
    return render(request, "coupons/_template_preview.html", {"sample": _sample(request.POST, None)})


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign: its results and its coupon issues (of the user's customers), statuses refreshing."""
    _require_role(request)
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=pk)
    results = selectors.campaign_results(user=request.user, campaign=campaign)
    return render(request, "coupons/campaign_detail.html", {
        "campaign": campaign, "results": results, "can_edit": is_manager_or_admin(request.user),
        **_issue_table(request, issues=selectors.coupon_issue_list(user=request.user, campaign=campaign),
                       poll_url=request.path + "issues/"),
    })


def _issue_table(request: HttpRequest, *, issues, poll_url: str) -> dict:  # type: ignore[no-untyped-def]
    status = request.GET.get("status") or ""
    counts = selectors.status_counts(issues)
    shown = issues.filter(status=status) if status else issues
    return {"issues": shown[:500], "counts": counts, "poll": counts["in_flight"] > 0, "poll_url": poll_url,
            "status_filter": status, "statuses": selectors.Status.choices, "now": timezone.now()}


@require_GET
def campaign_issues(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial: the issue table, polled every 2 s while anything is queued or sending."""
    _require_role(request)
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=pk)
    issues = selectors.coupon_issue_list(user=request.user, campaign=campaign)
    return render(request, "coupons/_issue_table.html", _issue_table(request, issues=issues, poll_url=request.path))


def _codes(request_data) -> list[str]:  # type: ignore[no-untyped-def]
    """`codes` as repeated parameters and/or comma-separated values."""
    return [c for raw in request_data.getlist("codes") for c in raw.split(",") if c.strip()]


@require_http_methods(["GET", "POST"])
def send_dialog(request: HttpRequest) -> HttpResponse:
    """GET: choose a campaign and see what would happen. POST (Confirm): send, then watch the statuses."""
    _require_role(request)
    data = request.POST if request.method == "POST" else request.GET
    campaigns = selectors.campaign_usable_list(user=request.user)
    chosen = data.get("campaign") or ""
    campaign = campaigns.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    campaign = campaign or campaigns.first()
    context: dict = {"campaigns": campaigns, "campaign": campaign, "codes": _codes(data),
                     "select_all": data.get("all") == "1", "filters": {}, "filter_pairs": [], "error": ""}
    try:
        customers, selection = selection_resolve(user=request.user, codes=context["codes"],
                                                 select_all=context["select_all"], filters=data)
        context["filters"] = selection.get("filters", {})
        if context["select_all"]:  # the list's querystring, repeated keys kept, for the dialog's hidden inputs
            context["filter_pairs"] = [(k, v) for k, values in filter_lists(data).items() for v in values]
        if request.method == "POST":
            if campaign is None:
                raise CouponError(_("choose a campaign"))
            report = services.coupon_campaign_send(user=request.user, campaign=campaign, customers_qs=customers,
                                                   idempotency_key=data.get("idempotency_key", ""),
                                                   selection=selection)
            return redirect("coupons:send_request", pk=report.send_request_id)
        if campaign is not None:
            context["preview"] = services.send_preview(user=request.user, campaign=campaign,
                                                       customers_qs=customers, selection=selection)
    except CouponError as exc:
        context["error"] = str(exc)
    context["idempotency_key"] = uuid.uuid4().hex  # a fresh key per rendered dialog: a double click replays
    fragment = request.headers.get("HX-Request") == "true" and request.method == "GET"
    template = "coupons/_send_dialog.html" if fragment else "coupons/send_dialog.html"
    return render(request, template, context, status=400 if context["error"] and request.method == "POST" else 200)


@require_GET
def send_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The outcome of one confirmed send: counts, who was skipped, statuses refreshing until all are done."""
    _require_role(request)
    sent = selectors.send_request_get(user=request.user, pk=pk)
    if sent is None:
        raise Http404
    issues = selectors.coupon_issue_list(user=request.user, send_request=sent)
    skipped = [{**s, "reason_label": services.SKIP_REASONS.get(s["reason"], s["reason"])}
               for s in sent.response.get("skipped", [])]
    context = {"send_request": sent, "skipped": skipped,
               **_issue_table(request, issues=issues, poll_url=request.path + "issues/")}
    return render(request, "coupons/send_request.html", context)


@require_GET
def send_request_issues(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role(request)
    sent = selectors.send_request_get(user=request.user, pk=pk)
    if sent is None:
        raise Http404
    issues = selectors.coupon_issue_list(user=request.user, send_request=sent)
    return render(request, "coupons/_issue_table.html", _issue_table(request, issues=issues, poll_url=request.path))
