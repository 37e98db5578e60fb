"""seed_demo --realism hazard (issue 21): churn from hazard rates, baskets from a latent basket model."""

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command

from sales.demo.calendar import period_for
from sales.demo.catalog import Catalog
from sales.demo.customers import CHURNING, NEVER, behaviour_generate
from sales.demo.hazard import LATENT_BASKETS, SEASON, hazard_behaviour, latent_taste
from sales.models import Order

PERIOD = period_for(end_month=dt.date(2025, 12, 1), months=24)


def test_churn_follows_the_hazard_not_the_demo_script():
    who = hazard_behaviour(n=4000, period=PERIOD, seed=3)
    again = hazard_behaviour(n=4000, period=PERIOD, seed=3)
    np.testing.assert_array_equal(who.stop_day, again.stop_day)  # seeded
    plain = behaviour_generate(n=4000, period=PERIOD, seed=3)
    np.testing.assert_array_equal(who.spend, plain.spend)  # sizes and rhythms are the demo's
    gone = who.stop_day < PERIOD.days
    assert (who.kind[gone] == CHURNING).all() and not gone[who.kind == NEVER].any()
    assert 0.2 < gone[who.kind != NEVER].mean() < 0.6  # about 2% a month over two years, more in seasons/shocks
    # Rare buyers stop more often than frequent ones (FREQUENCY_POWER), as the hazard says.
    rare = who.frequency < np.quantile(who.frequency, 0.25)
    frequent = who.frequency > np.quantile(who.frequency, 0.75)
    assert gone[rare & (who.kind != NEVER)].mean() > gone[frequent & (who.kind != NEVER)].mean() + 0.05
    # Seasonality: more stops per month in the high-hazard months than in the low ones.
    starts = [PERIOD.month_bounds(m)[0] for m in range(24)]
    month_of = np.array([PERIOD.month_starts[int(np.searchsorted(starts, d, side="right")) - 1].month
                         for d in who.stop_day[gone]])
    high = np.isin(month_of, [m for m, f in SEASON.items() if f >= 1.4]).sum() / 4
    low = np.isin(month_of, [m for m, f in SEASON.items() if f <= 0.8]).sum() / 2
    assert high > low


def test_latent_baskets_give_valid_product_distributions():
    who = hazard_behaviour(n=300, period=PERIOD, seed=3)
    pop = np.linspace(2.0, 1.0, 50)
    catalog = Catalog(ids=np.arange(50), cost_fen=np.full(50, 100), price_fen=np.full(50, 120),
                      popularity=pop / pop.sum(), category=np.repeat(np.arange(5), 10))
    taste = latent_taste(who=who, catalog=catalog, seed=3)
    cum = taste.flat_cum.reshape(300, 50) - np.arange(300)[:, None]
    assert (np.diff(cum, axis=1) >= 0).all() and np.allclose(cum[:, -1], 1.0)
    probs = np.diff(np.c_[np.zeros(300), cum], axis=1)
    # A few themes per customer: their top 10 of 50 products carry most of their buying.
    assert np.median(np.sort(probs, axis=1)[:, -10:].sum(axis=1)) > 0.5
    assert LATENT_BASKETS > 1 and len(set(taste.shop_type.tolist())) > 1


@pytest.mark.django_db
def test_seed_demo_realism_hazard_writes_a_book():
    call_command("seed_demo", "--customers", "80", "--months", "4", "--end", "2025-06", "--force",
                 "--realism", "hazard", stdout=io.StringIO())
    assert Order.objects.count() > 200
