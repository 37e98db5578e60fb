"""Coupon pages: campaigns, the campaign form with a live length check, the campaign page, the send dialog."""

import datetime as dt
import json
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.roles import is_manager_or_admin, user_role

from . import selectors, services
from .forms import CampaignForm
from .messages import SAMPLE_NAME, CouponError, campaign_message, template_errors, template_sample
from .models import Campaign
from .selection import filter_lists, selection_resolve
from .services.codes import SAMPLE_CODE
from .sms.segments import segment_count
from .sms.templates import variable_limit

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
                  {"rows": rows, "can_edit": is_manager_or_admin(request.user), "today": timezone.localdate(),
                   "alerts": selectors.sms_alert_list()})


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a campaign (managers and admins)."""
    if not is_manager_or_admin(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=pk) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign)
    back = _send_dialog_next(request)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if campaign is None:
            campaign = services.campaign_create(user=request.user, **data)
        else:
            campaign = services.campaign_update(user=request.user, campaign=campaign, **data)
        messages.success(request, _("Campaign saved."))
        if back:  # created on the way to sending: back to the dialog, the selection kept, this campaign chosen
            return redirect(f"{back}{'&' if '?' in back else '?'}campaign={campaign.pk}")
        return redirect("coupons:campaign_detail", pk=campaign.pk)
    return render(request, "coupons/campaign_form.html", {"form": form, "campaign": campaign, "next": back,
                                                          "sample": _sample(form.data or None, campaign)})


def _send_dialog_next(request: HttpRequest) -> str:
    """`next` when it is this site's send dialog (the only place a campaign form returns to), else ""."""
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if not target.startswith(reverse("coupons:send")) or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    return target


def _sample(data: object, campaign: Campaign | None) -> dict:
    """The sample message, its segment count and template problems, for the form's length check."""
    get = (data.get if hasattr(data, "get") else (lambda k, d=None: d))  # type: ignore[union-attr]
    probe = Campaign(kind=get("kind", campaign.kind if campaign else Campaign.Kind.FACE_VALUE),
                     valid_to=get("valid_to", campaign.valid_to if campaign else timezone.localdate()) or "")
    for name in ("sms_template", "provider", "provider_template_id", "provider_sign_name", "provider_template_text"):
        setattr(probe, name, get(name, getattr(campaign, name) if campaign else "") or "")
    try:
        probe.value = Decimal(str(get("value", campaign.value if campaign else "10")) or "10")
    except InvalidOperation:
        probe.value = Decimal("10")
    if probe.provider:
        return _provider_sample(probe, get("provider_variables", None), campaign)
    template = probe.sms_template
    errors = template_errors(template) if template else []
    if errors or not template:
        return {"errors": errors, "template": template}
    text, segments = template_sample(template, value=probe.value_number, valid_to=probe.valid_to)
    return {"errors": [], "template": template, "text": text, "segments": segments}


def _provider_sample(probe: Campaign, raw_mapping: object, campaign: Campaign | None) -> dict:
    """The approved template filled in for a sample customer, as the provider will send it."""
    try:
        mapping = json.loads(raw_mapping) if isinstance(raw_mapping, str) else (
            raw_mapping if raw_mapping is not None else (campaign.provider_variables if campaign else {}))
    except ValueError:
        return {"errors": [_("the variable mapping is not valid JSON")], "template": probe.provider_template_text}
    probe.provider_variables = mapping if isinstance(mapping, dict) else {}
    if not probe.provider_template_text:
        return {"errors": [], "template": ""}
    problems = services.campaigns.provider_problems(probe)
    text = campaign_message(probe, name=SAMPLE_NAME, code=SAMPLE_CODE)
    limit = variable_limit(probe.provider)
    return {"errors": problems, "template": probe.provider_template_text, "text": text,
            "segments": segment_count(text), "cut": limit and len(SAMPLE_NAME) > limit, "limit": limit}


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
        "usable": selectors.campaign_usable_list(user=request.user).filter(pk=campaign.pk).exists(),
        "alerts": selectors.sms_alert_list(), "own_mobile": services.test_send_mobile(user=request.user),
        "figures": [(label, results.counts[value]) for value, label in selectors.Status.choices],
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


SESSION_CAMPAIGN = "coupons_send_campaign"  # the campaign last chosen in the dialog, preselected next time


def _chosen_campaign(request: HttpRequest, data, campaigns) -> Campaign | None:  # type: ignore[no-untyped-def]
    """The campaign asked for, else the one this user chose last (a campaign page's "send to customers..."),
    else the newest usable one."""
    chosen = str(data.get("campaign") or "")
    campaign = campaigns.filter(pk=int(chosen)).first() if chosen.isdigit() and len(chosen) < 12 else None
    if campaign is not None:
        request.session[SESSION_CAMPAIGN] = campaign.pk
        return campaign
    remembered = request.session.get(SESSION_CAMPAIGN)
    campaign = campaigns.filter(pk=remembered).first() if isinstance(remembered, int) else None
    return campaign or campaigns.first()


def _send_url(codes: list[str], select_all: bool, filter_pairs: list[tuple[str, str]]) -> str:
    """The dialog's own URL for this selection: where creating a campaign on the way returns to."""
    query = QueryDict(mutable=True)
    if codes:
        query["codes"] = ",".join(codes)
    if select_all:
        query["all"] = "1"
        for key, value in filter_pairs:
            query.appendlist(key, value)
    return reverse("coupons:send") + (f"?{query.urlencode()}" if query else "")


@require_http_methods(["GET", "POST"])
def send_dialog(request: HttpRequest) -> HttpResponse:
    """GET: choose a campaign and see what would happen. POST (Confirm): send, then watch the statuses."""
    _require_role(request)
    data = request.POST if request.method == "POST" else request.GET
    campaigns = selectors.campaign_usable_list(user=request.user)
    campaign = _chosen_campaign(request, data, campaigns)
    select_all = data.get("all") == "1"
    # The list's querystring, repeated keys kept, for the dialog's hidden inputs.
    filter_pairs = [(k, v) for k, values in filter_lists(data).items() for v in values] if select_all else []
    context: dict = {"campaigns": campaigns, "campaign": campaign, "codes": _codes(data),
                     "select_all": select_all, "filters": {}, "filter_pairs": filter_pairs, "error": ""}
    context["send_url"] = _send_url(context["codes"], select_all, filter_pairs)
    if is_manager_or_admin(request.user):
        context["create_url"] = reverse("coupons:campaign_create") + "?" + urlencode({"next": context["send_url"]})
    elif not campaigns:
        context["ask"] = selectors.campaign_creators_for(user=request.user)
    context["no_selection"] = not context["codes"] and not select_all and request.method == "GET"
    try:
        if context["no_selection"]:
            raise _NothingSelected
        customers, selection = selection_resolve(user=request.user, codes=context["codes"],
                                                 select_all=select_all, filters=data)
        context["filters"] = selection.get("filters", {})
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
    except _NothingSelected:
        pass
    except CouponError as exc:
        context["error"] = str(exc)
    context["idempotency_key"] = uuid.uuid4().hex  # a fresh key per rendered dialog: a double click replays
    fragment = request.headers.get("HX-Request") == "true" and request.method == "GET"
    template = "coupons/_send_dialog.html" if fragment else "coupons/send_dialog.html"
    return render(request, template, context, status=400 if context["error"] and request.method == "POST" else 200)


class _NothingSelected(Exception):  # noqa: N818 - control flow: the dialog opened from a campaign page
    pass


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
    # The stored answer keeps an ISO string (UTC); the page shows an aware datetime, in the site's time zone.
    scheduled = parse_datetime(sent.response.get("scheduled_for") or "")
    context = {"send_request": sent, "skipped": skipped, "scheduled_for": scheduled,
               "held": bool(scheduled and scheduled > sent.created_at + dt.timedelta(seconds=60)),
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


@require_POST
def campaign_requeue_failed(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager sends the campaign's failed messages again (issue 19 point 5)."""
    if not is_manager_or_admin(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=pk)
    n = services.coupon_issue_requeue_failed(user=request.user, campaign=campaign)
    if n:
        services.outbox_send_soon()
    messages.success(request, _("%(n)d failed messages queued again.") % {"n": n})
    return redirect("coupons:campaign_detail", pk=campaign.pk)


@require_POST
def campaign_test_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the campaign's message, with a sample code, to the user's own phone (issue 19 point 5)."""
    _require_role(request)
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=pk)
    try:
        result = services.campaign_test_send(user=request.user, campaign=campaign,
                                             mobile=request.POST.get("mobile", ""))
    except CouponError as exc:
        messages.error(request, str(exc))
    else:
        if result.accepted:
            messages.success(request, _("Test message sent to %(mobile)s.") % {"mobile": result.to})
        else:
            messages.error(request, _("The test message was not sent: %(status)s %(error)s")
                           % {"status": result.status, "error": result.error})
    return redirect("coupons:campaign_detail", pk=campaign.pk)


@require_POST
def sms_alert_clear(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager says the balance was topped up: the held messages go out."""
    if not is_manager_or_admin(request.user):
        raise PermissionDenied
    alert = get_object_or_404(selectors.sms_alert_list(), pk=pk)
    services.sms_alert_clear(user=request.user, alert=alert)
    services.outbox_send_soon()
    messages.success(request, _("Sending resumed."))
    return redirect("coupons:campaign_list")
