"""Preview and send a campaign to a selection, exactly once per (campaign, customer) (issue 5 points 2-3)."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from coupons.messages import CouponError, campaign_message, campaign_params
from coupons.models import Campaign, CareRun, CouponIssue, OutboxEvent, SendRequest
from coupons.sms.segments import Segments, segment_count
from customers.models import Customer
from customers.services import audit

from .audience import ALREADY_SENT, NOT_FOUND, Skip, audience_split
from .campaigns import campaign_check_usable
from .codes import SAMPLE_CODE, coupon_code_new
from .outbox import outbox_dispatch_on_commit


@dataclass
class Preview:
    """What the send dialog shows before Confirm."""

    campaign: Campaign
    message: str  # as the first recipient reads it (a sample code stands in for theirs)
    segments: Segments
    recipients: int
    skipped: list[Skip]
    scheduled_for: dt.datetime | None
    eligible_codes: list[str] = field(default_factory=list)
    at_cap: list[str] = field(default_factory=list)

    @property
    def held_until_morning(self) -> bool:
        return bool(self.scheduled_for and self.scheduled_for > timezone.now() + dt.timedelta(seconds=60))


@dataclass
class SendReport:
    """The answer to a send, stored on the SendRequest and replayed for the same idempotency key."""

    send_request_id: int
    campaign_id: int
    requested: int
    queued: int
    skipped: list[dict[str, str]]
    scheduled_for: str | None
    replayed: bool = False
    at_cap: list[str] = field(default_factory=list)  # may still be skipped by the daily cap at send time

    def as_dict(self) -> dict[str, Any]:
        return {"send_request_id": self.send_request_id, "campaign_id": self.campaign_id,
                "requested": self.requested, "queued": self.queued, "skipped": self.skipped,
                "scheduled_for": self.scheduled_for, "at_cap": self.at_cap}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, replayed: bool = False) -> "SendReport":
        return cls(**{k: data[k] for k in ("send_request_id", "campaign_id", "requested", "queued", "skipped",
                                           "scheduled_for")}, replayed=replayed, at_cap=data.get("at_cap", []))


def send_preview(*, user: Any, campaign: Campaign, customers_qs: QuerySet[Customer],
                 selection: dict[str, Any] | None = None) -> Preview:
    """The message as one customer reads it, its segments, how many get it, who is skipped and why."""
    audience = audience_split(user=user, campaign=campaign, customers_qs=customers_qs)
    skipped = audience.skipped + _not_found(selection, audience)
    first = audience.eligible[0] if audience.eligible else None
    text = campaign_message(campaign, name=first.name if first else "", code=SAMPLE_CODE)
    return Preview(campaign, text, segment_count(text), len(audience.eligible), skipped, audience.scheduled_for,
                   [c.code for c in audience.eligible], audience.at_cap)


def _not_found(selection: dict[str, Any] | None, audience: Any) -> list[Skip]:
    codes = (selection or {}).get("codes") or []
    seen = {c.code for c in audience.eligible} | {s.code for s in audience.skipped}
    return [Skip(code, "", NOT_FOUND) for code in dict.fromkeys(codes) if code not in seen]


def _fingerprint(campaign: Campaign, selection: dict[str, Any]) -> str:
    raw = json.dumps({"campaign": campaign.pk, "selection": selection}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _replay(*, user: Any, key: str, fingerprint: str) -> SendReport | None:
    existing = SendRequest.objects.filter(user=user, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise CouponError("this idempotency key was already used for a different send", code="idempotency_conflict",
                          status=422)
    return SendReport.from_dict(existing.response, replayed=True)


def coupon_campaign_send(
    *, user: Any, campaign: Campaign, customers_qs: QuerySet[Customer], idempotency_key: str,
    selection: dict[str, Any] | None = None, care_run: CareRun | None = None, exclude: dict[int, str] | None = None,
) -> SendReport:
    """Queue one coupon per eligible customer and enqueue the sending after commit; exactly once.

    Rules: the selection is re-scoped to `user` (customers.selectors.customer_list); the same (user,
    idempotency_key) replays the first answer, also for concurrent requests (the unique SendRequest insert
    serialises them); (campaign, customer) is unique, rows are inserted ON CONFLICT DO NOTHING, so a customer
    in two overlapping sends is queued once; the outbox row commits with the issues and is relayed after commit.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise CouponError("an idempotency key of 1 to 64 characters is required")
    if selection is None:
        selection = {"customers": sorted(customers_qs.order_by().values_list("pk", flat=True))}
    fingerprint = _fingerprint(campaign, selection)
    replay = _replay(user=user, key=key, fingerprint=fingerprint)
    if replay:
        return replay
    campaign_check_usable(campaign)
    try:
        with transaction.atomic():
            request = SendRequest.objects.create(user=user, idempotency_key=key, campaign=campaign,
                                                 fingerprint=fingerprint, selection=selection)
            report = _queue(request=request, customers_qs=customers_qs, selection=selection, care_run=care_run,
                            exclude=exclude or {})
    except IntegrityError:
        # Another request with this key committed first (PostgreSQL made our insert wait for it): replay it.
        replay = _replay(user=user, key=key, fingerprint=fingerprint)
        if replay is None:
            raise
        return replay
    return report


def _queue(*, request: SendRequest, customers_qs: QuerySet[Customer], selection: dict[str, Any],
           care_run: CareRun | None, exclude: dict[int, str]) -> SendReport:
    campaign = request.campaign
    audience = audience_split(user=request.user, campaign=campaign, customers_qs=customers_qs, exclude=exclude)
    queued, lost = _insert_issues(request, audience, care_run)
    skipped = audience.skipped + [Skip(c.code, c.name, ALREADY_SENT) for c in lost] + _not_found(selection, audience)
    scheduled = audience.scheduled_for.isoformat() if audience.scheduled_for else None
    lost_codes = {c.code for c in lost}
    report = SendReport(request.pk, campaign.pk, queued + len(skipped), queued,
                        [s.as_dict() for s in skipped], scheduled,
                        at_cap=[code for code in audience.at_cap if code not in lost_codes])
    request.requested, request.queued, request.skipped = report.requested, queued, len(skipped)
    request.response = report.as_dict()
    request.save(update_fields=["requested", "queued", "skipped", "response"])
    audit(user=request.user, action="coupon_send", target=f"campaign:{campaign.pk}", send_request=request.pk,
          selection=selection, requested=report.requested, queued=queued, skipped=len(skipped))
    if queued:
        event = OutboxEvent.objects.create(topic=OutboxEvent.Topic.SEND, payload={"send_request": request.pk})
        outbox_dispatch_on_commit(event.pk)
    return report


def _insert_issues(request: SendRequest, audience: Any, care_run: CareRun | None) -> tuple[int, list[Customer]]:
    """Insert the rows ON CONFLICT DO NOTHING; returns (rows that are ours, customers another send got first)."""
    pending = list(audience.eligible)
    for _attempt in range(3):  # a second round only if a random code collided with an existing one
        rows = []
        for customer in pending:
            code = coupon_code_new()
            rows.append(CouponIssue(
                campaign=request.campaign, customer=customer, code=code, mobile=customer.mobile,
                message=campaign_message(request.campaign, name=customer.name, code=code),
                params=campaign_params(request.campaign, name=customer.name, code=code),
                scheduled_for=audience.scheduled_for, send_day=audience.send_day,
                send_request=request, care_run=care_run,
            ))
        CouponIssue.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        mine = set(CouponIssue.objects.filter(send_request=request).values_list("customer_id", flat=True))
        taken = set(CouponIssue.objects.filter(campaign=request.campaign, customer_id__in=[c.id for c in pending])
                    .exclude(send_request=request).values_list("customer_id", flat=True))
        lost = [c for c in audience.eligible if c.id in taken]
        pending = [c for c in pending if c.id not in mine and c.id not in taken]
        if not pending:
            return len(mine), lost
    raise CouponError("could not draw unique coupon codes")  # pragma: no cover - 30**10 codes
