"""The demo's ready campaign: a salesperson's first "send coupon" on `make run` needs no manager first."""

from io import StringIO

import pytest
from django.core.management import call_command

from coupons.messages import campaign_message
from coupons.models import Campaign
from coupons.services.campaigns import campaign_check_usable


def run() -> str:
    out = StringIO()
    call_command("seed_demo_campaign", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_gets_one_usable_campaign_once(manager_user):
    assert manager_user.username == "manager"
    assert "valid to" in run()
    campaign = Campaign.objects.get()
    campaign_check_usable(campaign)  # active, in its dates, a template with {code}
    assert campaign.created_by == manager_user
    text = campaign_message(campaign, name="天河便利店", code="QX7K2")
    assert "20元优惠券" in text and "QX7K2" in text and "{" not in text
    assert "nothing to do" in run() and Campaign.objects.count() == 1


@pytest.mark.django_db
def test_not_on_a_real_install_or_one_with_campaigns(admin_user, manager_user, campaign):
    assert "nothing to do" in run()
    assert list(Campaign.objects.all()) == [campaign]
    Campaign.objects.all().delete()
    manager_user.delete()  # no demo login: a real install's campaigns are its managers' to make
    assert "nothing to do" in run() and not Campaign.objects.exists()
