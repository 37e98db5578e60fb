"""Train, store and use the churn model (docs/analytics.md §3.7): the score is used only where its backtest wins.

`churn_model_train` always stores a ChurnModel row, with the backtest in `metrics`; when no model could be
trained (too little history, one outcome only) the row says why and has an empty blob. `churn_risk_scores`
reads the newest row trained as of T or earlier and returns None unless that model beats "days since last
order" on both AUC and top-10% precision.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.conf import settings

from analytics.models import ChurnModel

from .data import churn_inputs, first_order_date
from .features import FEATURES, features_at
from .reasons import REASONS, SEPARATOR

if TYPE_CHECKING:
    from .backtest import ChurnConfig

# scikit-learn (analytics.churn.model, and .backtest through it) is imported where a model is fitted or used, not
# here: every CLI call and worker start imported it through the snapshot's churn fill (about 1 s, issue 18 item 9),
# and a period with no winning model never needs it.

MAX_MODEL_AGE_DAYS = 400  # a model older than a year and a bit no longer speaks for T
IN_CLAUSE_LIMIT = 1000  # above this many ids, read everyone and filter in pandas
# Rows explained per predict call when scoring a period: the explanation predicts a copy of the rows per feature
# (features x rows x features floats), 11 MB a chunk where the whole 50,000-customer book at once took 270 MB.
SCORE_CHUNK = 2000



def _horizon_days() -> int:
    return int(getattr(settings, "CHURN_HORIZON_DAYS", 90))


def churn_config() -> ChurnConfig:
    """ChurnConfig from settings (CHURN_HORIZON_DAYS, CHURN_POPULATION_DAYS), else the defaults: 90 days
    (docs/analytics.md §3.7)."""
    from .backtest import ChurnConfig

    return ChurnConfig(
        horizon_days=_horizon_days(),
        population_days=int(getattr(settings, "CHURN_POPULATION_DAYS", 90)),
    )


def churn_model_evaluate(*, as_of: dt.date, config: ChurnConfig | None = None) -> tuple[dict[str, Any], bytes]:
    """Backtest and final fit as of T, without saving: (metrics, blob; empty when no model)."""
    from .backtest import backtest, earliest_as_of, fit_final
    from .model import model_dump

    config = config or churn_config()
    start = earliest_as_of(first_order_date(as_of), as_of, config)
    metrics: dict[str, Any] = {"horizon_days": config.horizon_days, "population_days": config.population_days}
    if start is None:
        metrics.update(beats_baseline=False, reason=f"no month-end has {config.horizon_days} days of history "
                                                   "after it yet", backtest=None)
        return metrics, b""
    inputs = churn_inputs(first_as_of=start, as_of=as_of)
    result = backtest(inputs, as_of, config)
    fit = fit_final(inputs, as_of, config)
    metrics.update(
        backtest=result.as_dict(), train_rows=fit.rows, train_periods=fit.periods, churn_share=fit.churn_share,
        beats_baseline=bool(result.beats_baseline and fit.pipeline is not None),
        reason=fit.reason or result.reason,
    )
    return metrics, (model_dump(fit.pipeline, FEATURES) if fit.pipeline is not None else b"")


def churn_model_train(*, as_of: dt.date, config: ChurnConfig | None = None,
                      progress: Callable[[str], object] | None = None) -> ChurnModel:
    """Backtest and train the churn model as of T and store it (docs/analytics.md §3.7), with why not when it cannot be.

    Scores are part of the snapshot (issue 16): the computed periods this model is now in force for are rescored
    after it is stored, one period per transaction (churn_model_rescore says why), so until the last of them is
    done a page may still show a month as the previous model scored it, each row with its own reasons.
    """
    from analytics.services.churn_fill import churn_model_rescore, churn_model_store

    from .model import ALGORITHM

    config = config or churn_config()
    metrics, blob = churn_model_evaluate(as_of=as_of, config=config)  # the long part, outside any transaction
    if progress is not None:
        progress(f"model as of {as_of} fitted; rescoring the periods it is in force for")
    model = ChurnModel(
        as_of=as_of, horizon_days=config.horizon_days, algorithm=ALGORITHM if blob else "",
        features=list(FEATURES) if blob else [], metrics=metrics, beats_baseline=metrics["beats_baseline"],
        blob=blob,
    )
    churn_model_rescore(model, churn_model_store(model))
    return model


def churn_model_active(*, as_of: dt.date, horizon_days: int | None = None) -> ChurnModel | None:
    """The model in force at T, winning or not: the newest one trained as of T or earlier (and not older than
    MAX_MODEL_AGE_DAYS); for a month older than every model, the earliest model.

    The fallback is for pages, not for the backtest (which fits its own models on earlier month-ends only): a
    model scores a customer from the features as of T, so once any model exists, every computed month shows a
    churn risk instead of "no model" for the months before the first training (issue 16: make run trains one
    model after computing 24 months).
    """
    horizon = horizon_days or _horizon_days()
    models = ChurnModel.objects.filter(horizon_days=horizon)
    in_force = (
        models.filter(as_of__lte=as_of, as_of__gte=as_of - dt.timedelta(days=MAX_MODEL_AGE_DAYS))
        .order_by("-as_of", "-trained_at", "-id").first()
    )
    if in_force is not None or models.filter(as_of__lte=as_of).exists():
        return in_force
    return models.filter(as_of__gt=as_of).order_by("as_of", "-trained_at", "-id").first()


def _features(as_of: dt.date, customer_ids: list[int], config: ChurnConfig) -> pd.DataFrame:
    few = customer_ids if len(customer_ids) <= IN_CLAUSE_LIMIT else None
    inputs = churn_inputs(first_as_of=as_of, as_of=as_of, customer_ids=few)
    if few is not None:
        _book_bgnbd(inputs, as_of)
    feats = features_at(inputs, as_of, population_days=config.population_days)
    return feats[feats.index.isin(customer_ids)]


def _book_bgnbd(inputs: Any, as_of: dt.date) -> None:
    """A page of customers gets the BG/NBD fitted on the whole book, as the period's stored scores did.

    Fitted on the page's own 50 customers it gave other stacked features than the scores were computed with (so
    reasons that need not agree with the shown risk) and cost a fit per page view (0.2 s of a 0.5 s list page).
    The parameters are cached until the period's snapshot rows change (its version: a late import recomputes it).
    """
    from django.core.cache import cache

    from analytics.snapshot_version import version_of

    from .baselines import bgnbd_params, bgnbd_use
    from .data import book_order_dates

    t = pd.Timestamp(as_of)
    version = version_of(as_of.replace(day=1))
    key = f"churn:bgnbd:{as_of.isoformat()}:{version}"
    params = cache.get(key)
    if params is None:
        params = bgnbd_params(book_order_dates(as_of=as_of), t)
        cache.set(key, params if params is not None else "none", 24 * 60 * 60)
    bgnbd_use(inputs, t, None if isinstance(params, str) else params)


def _winning(as_of: dt.date) -> ChurnModel | None:
    model = churn_model_active(as_of=as_of)
    return model if model is not None and model.beats_baseline and model.blob else None


def _winning_with_features(as_of: dt.date, ids: list[int]) -> tuple[Any, list[str], pd.DataFrame] | None:
    """(pipeline, feature names, features of `ids` at T) of the model that wins as of T, or None."""
    model = _winning(as_of)
    if model is None:
        return None
    pipe, features = _loaded(model.pk, bytes(model.blob))
    return pipe, features, _features(as_of, ids, churn_config())


@functools.lru_cache(maxsize=2)
def _loaded(pk: int, blob: bytes) -> tuple[Any, list[str]]:
    """A stored model, unpickled once per process: rescoring 24 months read the same blob 24 times (0.3 s each).
    Keyed by the row's id and bytes; a model's blob never changes once stored."""
    from .model import model_load

    return model_load(blob)


def churn_risk_scores(*, as_of: dt.date, customer_ids: Iterable[int], top: int = 3) -> pd.DataFrame | None:
    """Per customer id: churn_risk, the probability of no order in the next H days (NaN outside the scored
    population), and churn_reasons, the codes of its top reasons, strongest first, space-separated ("" when none).

    docs/analytics.md §3.7: None when no model was trained as of T or the active one does not beat the baseline.
    Scored population: customers whose last order is within CHURN_POPULATION_DAYS (90) of T, i.e. not yet
    churned; never-buyers and the already churned get NaN (their action is a first-order offer or a win-back).
    Reasons (analytics/churn/reasons.py) are the features whose own value pushes the risk up the most, in the
    direction that means churn, and only on a risk at or above the model's base rate: "ordering less often" never
    stands beside a 0% risk. They are computed here, with the scores, so a page reads both from the stored row
    and they always agree (a page explaining its customers itself cost 0.3 s and could drift from the stored risk).
    """
    ids = [int(i) for i in customer_ids]
    loaded = _winning_with_features(as_of, ids)
    if loaded is None:
        return None
    pipe, features, feats = loaded
    from .model import model_predict

    risk = pd.Series(model_predict(pipe, feats, features), index=feats.index, dtype="float64")
    # Only a risk at or above the base rate gets reasons, so only those rows are explained (one predict per
    # feature each: the costly part).
    worth = feats[risk.to_numpy() >= getattr(pipe, "base_rate", 0.0)]
    parts = [_reasons(pipe, features, worth.iloc[start:start + SCORE_CHUNK], top)
             for start in range(0, len(worth), SCORE_CHUNK)]
    reasons = pd.concat(parts) if parts else pd.Series(dtype=object)
    out = pd.DataFrame({"churn_risk": risk, "churn_reasons": reasons.reindex(risk.index)})
    out = out.reindex(pd.Index(ids, name="customer_id"))
    out["churn_reasons"] = out["churn_reasons"].fillna("")
    return out


def _reasons(pipe: Any, features: list[str], feats: pd.DataFrame, top: int) -> pd.Series:
    """The stored reasons of `feats`' rows: codes of the features pushing each risk up most, in the direction
    that means churn (analytics/churn/reasons.py)."""
    from .model import contributions, top_reasons

    contrib, side = contributions(pipe, feats, features)
    signs = np.array([REASONS[f][1] if f in REASONS else 0 for f in features])
    contrib = contrib.where(side.to_numpy() == signs[None, :], 0.0)
    return top_reasons(contrib, top=top).map(lambda names: SEPARATOR.join(REASONS[n][0] for n in names))
