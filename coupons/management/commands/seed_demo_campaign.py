"""seed_demo_campaign: one ready coupon campaign for the demo book, so a salesperson's first "send coupon" goes
through without waiting for a manager to create one. Only on the demo (its `manager` login exists) and only
when there is no campaign yet: a real install's campaigns are its managers' to make."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from coupons.models import Campaign
from coupons.services.campaigns import campaign_create

DEMO_MANAGER = "manager"  # sales.demo's manager login
NAME = "回访优惠券"
TEMPLATE = "{name}您好，送您{value}元优惠券，满200元可用，券码{code}，{valid_to}前有效。回T退订"


class Command(BaseCommand):
    help = "Create the demo's coupon campaign (20 yuan off, 90 days) if the demo has no campaign yet."

    def handle(self, *args: Any, **options: Any) -> None:
        manager = get_user_model().objects.filter(username=DEMO_MANAGER).first()
        if manager is None or Campaign.objects.exists():
            self.stdout.write("seed_demo_campaign: nothing to do (not the demo, or a campaign exists)")
            return
        today = timezone.localdate()
        campaign = campaign_create(user=manager, name=NAME, value=Decimal("20"), min_spend=Decimal("200"),
                                   valid_from=today, valid_to=today + dt.timedelta(days=90), sms_template=TEMPLATE)
        self.stdout.write(f"seed_demo_campaign: {campaign.name} valid to {campaign.valid_to:%Y-%m-%d}")
