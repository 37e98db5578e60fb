"""The second generator (`seed_demo --realism hazard`, issue 21): churn and baskets the models did not write.

The plain demo scripts its churners (a fixed share stops on a drawn day, surprises act on the last 30 days) and
its tastes (hand-written shop-type affinities), with the same hands that wrote the churn features and the
cross-sell engine. Here, instead:
- churn is a monthly hazard, not a kind: each customer's chance to stop in a month is a base rate x their
  frailty (Gamma, mean 1) x a frequency effect (rare buyers stop more often) x the month's seasonality (after
  Spring Festival and at the end of summer) x shocks (a few months in which a random third of the book, say a
  competitor's district, faces a much higher hazard). Nothing here reads a feature of analytics.churn;
- a stop is sudden (no scripted fade before it): whatever warns of it has to come from the customer's rhythm
  and frequency, not from a pattern written for the features to find;
- baskets come from a latent basket model: LATENT_BASKETS themes, each a sparse Dirichlet over the whole
  catalogue; every customer mixes a few themes (Dirichlet with a small concentration), and their shop type is
  only loosely tied to their main theme, so "popular in the region and shop type" is a fair, not a rigged,
  baseline.
Everything else (sizes, rhythm, returns, payments, visits) is the plain demo's (sales.demo.customers, orders).
"""

import numpy as np

from .calendar import Period
from .catalog import Catalog
from .customers import CHURNING, NEVER, Behaviour, behaviour_generate
from .taste import TYPE_LABELS, Taste, shop_types

SEED_STAGE = 11
BASE_HAZARD = 0.018  # per month for a median customer
FRAILTY_SHAPE = 1.5  # Gamma shape: lower = more spread between customers
FREQUENCY_POWER = -0.6  # hazard x (frequency / 2.2) ** power: a customer ordering twice as often stops less
SEASON = {1: 1.0, 2: 1.8, 3: 1.6, 4: 1.0, 5: 0.9, 6: 0.9, 7: 1.0, 8: 1.3, 9: 1.4, 10: 0.8, 11: 0.8, 12: 0.9}
SHOCKS = 3  # months with a shock over the period
SHOCK_SHARE, SHOCK_FACTOR = 0.33, 5.0
LATENT_BASKETS = 12
THEME_CONCENTRATION = 0.15  # Dirichlet over products per theme: small = a theme is a few products
CUSTOMER_THEMES = 0.4  # Dirichlet over themes per customer: small = one or two themes dominate
TYPE_LINK = 0.6  # chance a customer's shop type follows their main theme (else the size-tilted draw)


def hazard_behaviour(*, n: int, period: Period, seed: int) -> Behaviour:
    """The plain demo's sizes and rhythms, with stop days drawn from the monthly hazard (module docstring)."""
    who = behaviour_generate(n=n, period=period, seed=seed)
    rng = np.random.default_rng([seed, SEED_STAGE])
    months = len(period.month_starts)
    frailty = rng.gamma(FRAILTY_SHAPE, 1.0 / FRAILTY_SHAPE, n)
    base = BASE_HAZARD * frailty * (who.frequency / 2.2) ** FREQUENCY_POWER
    shock_months = rng.choice(months, size=min(SHOCKS, months), replace=False)
    shocked = rng.random((len(shock_months), n)) < SHOCK_SHARE
    stop = np.full(n, period.days, dtype=np.int64)
    for m, first_day in enumerate(period.month_starts):
        lo, hi = period.month_bounds(m)
        h = base * SEASON[first_day.month]
        for s, shock_month in enumerate(shock_months):
            if m == shock_month:
                h = np.where(shocked[s], h * SHOCK_FACTOR, h)
        live = (stop == period.days) & (who.start_day < hi) & (who.kind != NEVER)
        leave = live & (rng.random(n) < 1.0 - np.exp(-h))
        stop[leave] = np.maximum(who.start_day[leave] + 1, lo + rng.integers(0, max(1, hi - lo), leave.sum()))
    gone = stop < period.days
    kind = np.where(gone, CHURNING, who.kind).astype(np.int8)
    kind[who.kind == NEVER] = NEVER
    return Behaviour(
        kind=kind, spend=who.spend, frequency=who.frequency, regularity=who.regularity, growth=who.growth,
        start_day=who.start_day, stop_day=stop, first_seen_day=who.first_seen_day,
        last30_factor=np.ones(n), discount=who.discount, credit_days=who.credit_days, payer=who.payer,
        bad_from_day=who.bad_from_day,
    )


def latent_taste(*, who: Behaviour, catalog: Catalog, seed: int) -> Taste:
    """Product distributions from the latent basket model, and a shop type loosely tied to the main theme."""
    rng = np.random.default_rng([seed, SEED_STAGE, 1])
    n, p = len(who), len(catalog)
    popularity = catalog.popularity / catalog.popularity.sum()
    themes = rng.dirichlet(np.maximum(THEME_CONCENTRATION * p * popularity, 1e-3), size=LATENT_BASKETS)
    mix = rng.dirichlet(np.full(LATENT_BASKETS, CUSTOMER_THEMES), size=n)
    prob = mix @ themes
    main = mix.argmax(axis=1)
    kind = shop_types(rng, who)
    linked = rng.random(n) < TYPE_LINK
    kind[linked] = (main[linked] % len(TYPE_LABELS)).astype(np.int8)
    cum = np.cumsum(prob, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    cum += np.arange(n, dtype=np.float64)[:, None]
    return Taste(shop_type=kind, flat_cum=cum.ravel())
