"""What each demo customer buys: a shop type with its own category mix, and favourite products within it.

Five shop types (便利店 convenience, 餐饮 restaurant, 超市 supermarket, 批发 wholesale, 烟酒店 tobacco & liquor)
buy different parts of the catalogue: a restaurant buys rice, oil, sauces and beer, a convenience store drinks,
snacks and instant noodles, a tobacco & liquor shop baijiu, beer and nuts. Every draw is seeded:
- each type's category mix is a Dirichlet draw around a hand-written affinity (AFFINITY), and each type leans
  to some brands of an item (a lognormal factor per type and product);
- each customer's category weights are a Dirichlet draw around their type's mix (CUSTOMER_CONCENTRATION: low
  means customers of one type differ more), and their products within a category carry a sparse Gamma
  preference on top of popularity and the type's brands, so a shop sticks to a few SKUs per category.
So similar customers really buy similar things, which the cross-sell hold-out (docs/analytics.md §3.8) can find. Bigger
shops are more often supermarkets or wholesalers (TYPE_SIZE_SLOPE); sizes themselves are untouched.
Order lines draw products from the customer's own distribution (`products_pick`), distinct within an order.
"""

from dataclasses import dataclass

import numpy as np

from .catalog import CATALOG, Catalog
from .customers import MEDIAN_SPEND, SPEND_SIGMA, Behaviour

SEED_STAGE = 8
CONVENIENCE, RESTAURANT, SUPERMARKET, WHOLESALE, TOBACCO = range(5)
TYPE_LABELS = ["便利店", "餐饮", "超市", "批发", "烟酒店"]
TYPE_SHARE = np.array([0.36, 0.20, 0.18, 0.12, 0.14])
# Log-odds change per standard deviation of log spend: chains and wholesalers are the big accounts.
TYPE_SIZE_SLOPE = np.array([-0.3, 0.0, 0.5, 0.8, 0.0])
# Relative weight of each category for a type, by path prefix (the longest matching prefix wins; 0.1 else).
AFFINITY: dict[int, dict[str, float]] = {
    CONVENIENCE: {"饮料": 3.0, "饮料/功能饮料": 2.0, "乳品": 2.0, "零食": 2.5, "零食/坚果炒货": 1.0,
                  "方便食品": 2.5, "酒类/啤酒": 1.5, "酒类/白酒": 0.4, "日用品/纸品": 1.0, "日用品": 0.4,
                  "调味品": 0.3},
    RESTAURANT: {"饮料": 1.2, "饮料/功能饮料": 0.1, "饮料/饮用水": 1.5, "粮油": 3.5, "调味品": 3.5,
                 "酒类/啤酒": 3.0, "酒类/白酒": 1.5, "日用品/纸品": 1.5, "日用品/清洁用品": 1.5},
    SUPERMARKET: {"饮料": 1.5, "乳品": 1.5, "零食": 1.5, "方便食品": 1.2, "粮油": 1.5, "调味品": 1.2,
                  "酒类": 1.0, "日用品": 1.8},
    WHOLESALE: {"饮料/碳酸饮料": 2.5, "饮料/饮用水": 3.0, "饮料/茶饮料": 2.0, "方便食品": 3.0, "粮油": 2.5,
                "酒类/啤酒": 2.5, "日用品/纸品": 1.5, "零食/膨化食品": 0.8},
    TOBACCO: {"酒类/白酒": 4.5, "酒类/啤酒": 3.0, "零食/坚果炒货": 2.0, "零食/糖果巧克力": 1.5,
              "饮料/碳酸饮料": 1.0, "饮料/饮用水": 1.0, "饮料/功能饮料": 1.2, "零食/膨化食品": 0.8},
}
DEFAULT_AFFINITY = 0.1
TYPE_CONCENTRATION = 60.0  # how closely a type's seeded mix follows AFFINITY
CUSTOMER_CONCENTRATION = 8.0  # how closely a customer's category mix follows their type's
BRAND_SIGMA = 0.8  # spread of a type's lean towards some brands
FAVOURITE_SHAPE = 0.5  # Gamma shape of a customer's product preferences: < 1 = a few favourites
POPULARITY_POWER = 0.5  # how much overall popularity still shapes a customer's picks
REDRAWS = 6  # a product drawn twice for one order is redrawn this often, then the line is dropped


@dataclass
class Taste:
    shop_type: np.ndarray  # per customer, index into TYPE_LABELS
    flat_cum: np.ndarray  # row c = customer c's cumulative product probabilities + c, flattened

    @property
    def products(self) -> int:
        return len(self.flat_cum) // max(1, len(self.shop_type))


def _affinity(kind: int) -> np.ndarray:
    weights = AFFINITY[kind]
    out = []
    for path in CATALOG:
        matches = [p for p in weights if path == p or path.startswith(p + "/")]
        out.append(weights[max(matches, key=len)] if matches else DEFAULT_AFFINITY)
    return np.array(out)


def shop_types(rng: np.random.Generator, who: Behaviour) -> np.ndarray:
    """A type per customer: TYPE_SHARE tilted by size (TYPE_SIZE_SLOPE), drawn by inverse CDF."""
    z = np.log(np.maximum(who.spend, 1.0) / MEDIAN_SPEND) / SPEND_SIGMA
    odds = TYPE_SHARE[None, :] * np.exp(np.clip(z, -3, 3)[:, None] * TYPE_SIZE_SLOPE[None, :])
    cum = np.cumsum(odds / odds.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(z))
    return np.minimum((cum < u[:, None]).sum(axis=1), len(TYPE_SHARE) - 1).astype(np.int8)


def taste_generate(*, who: Behaviour, catalog: Catalog, seed: int) -> Taste:
    """Every customer's shop type and product distribution (see the module docstring)."""
    rng = np.random.default_rng([seed, SEED_STAGE])
    n, p, kinds = len(who), len(catalog), len(TYPE_LABELS)
    kind = shop_types(rng, who)
    mix = np.array([rng.dirichlet(TYPE_CONCENTRATION * _affinity(t) / _affinity(t).sum()) for t in range(kinds)])
    brand = np.exp(BRAND_SIGMA * rng.standard_normal((kinds, p)))
    # Customer category weights: Dirichlet(CUSTOMER_CONCENTRATION x type mix) as normalised Gammas.
    category = rng.gamma(np.maximum(CUSTOMER_CONCENTRATION * mix[kind], 1e-3))
    category /= np.maximum(category.sum(axis=1, keepdims=True), 1e-300)
    # Product preferences, normalised within each category (products come in category order), then weighted
    # by the customer's category mix; in place, as this is customers x products (80 MB at 50,000 customers).
    prob = rng.gamma(FAVOURITE_SHAPE, size=(n, p))
    prob *= brand[kind]
    prob *= catalog.popularity[None, :] ** POPULARITY_POWER
    new_run = np.r_[True, np.diff(catalog.category) != 0]
    per_run = np.add.reduceat(prob, np.flatnonzero(new_run), axis=1)
    prob /= np.maximum(per_run, 1e-300)[:, np.cumsum(new_run) - 1]
    prob *= category[:, catalog.category]
    cum = np.cumsum(prob, axis=1, out=prob)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    cum += np.arange(n, dtype=np.float64)[:, None]
    return Taste(shop_type=kind, flat_cum=cum.ravel())


def _draw(rng: np.random.Generator, taste: Taste, customer: np.ndarray) -> np.ndarray:
    """One product per entry of `customer`, from that customer's distribution (inverse CDF on flat_cum)."""
    p = taste.products
    at = np.searchsorted(taste.flat_cum, customer + rng.random(len(customer)), side="right")
    return np.clip(at - customer * p, 0, p - 1)


def products_pick(rng: np.random.Generator, taste: Taste, customer: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Products for lines (customer and order position per line, orders ascending); -1 marks a line to drop.

    A product is at most once per order: repeats are redrawn REDRAWS times, and the few left are dropped
    (the order's first line is always kept, so every order has a line).
    """
    product = _draw(rng, taste, customer)
    p = taste.products
    for attempt in range(REDRAWS + 1):
        key = order * p + product
        _, first = np.unique(key, return_index=True)
        repeat = np.ones(len(key), dtype=bool)
        repeat[first] = False
        repeat &= product >= 0
        if not repeat.any():
            break
        if attempt == REDRAWS:
            product[repeat] = -1
        else:
            product[repeat] = _draw(rng, taste, customer[repeat])
    return product
