"""RFM scores with ties, every segment of the docs/analytics.md §3.4 table, and quadrants."""

import pandas as pd
import pytest

from analytics.engine.rfm import quadrant, quintile_score, rfm_scores, rfm_segment


def test_ties_take_their_lowest_rank():
    values = pd.Series([1, 1, 1, 2, 2, 3, 4, 5, 5, 5])
    # ranks 1,1,1,4,4,6,7,8,8,8 -> ceil(5r/10)
    assert quintile_score(values).tolist() == [1, 1, 1, 2, 2, 3, 4, 4, 4, 4]
    # all tied: every r is 1 -> ceil(5 x 1 / 4) = 2
    assert quintile_score(pd.Series([7, 7, 7, 7])).tolist() == [2, 2, 2, 2]


def test_recency_fewer_days_is_better():
    assert quintile_score(pd.Series([5, 50, 10, 10, 400]), higher_is_better=False).tolist() == [5, 2, 3, 3, 1]


def test_rfm_scores_exact_with_n_not_multiple_of_five():
    # n = 3: ceil(5/3)=2, ceil(10/3)=4, 5
    got = rfm_scores(pd.Series([11, 50, 25]), pd.Series([3, 1, 1]), pd.Series([1500, 800, 300]))
    assert got.to_dict("list") == {"rfm_r": [5, 2, 4], "rfm_f": [5, 2, 2], "rfm_m": [5, 4, 2]}


@pytest.mark.parametrize(("rfm", "segment"), [
    ((5, 5, 5), "Champions"),
    ((4, 4, 4), "Champions"),
    ((1, 5, 4), "Cannot lose"),
    ((2, 3, 3), "Loyal"),
    ((3, 4, 5), "Loyal"),
    ((2, 2, 2), "Need attention"),
    ((1, 2, 5), "At risk"),
    ((2, 5, 2), "At risk"),
    ((5, 1, 1), "New"),
    ((3, 1, 1), "Promising"),
    ((5, 2, 3), "Potential loyalist"),
    ((2, 1, 2), "About to sleep"),
    ((1, 1, 1), "Lost"),
    ((1, 1, 5), "Others"),
    ((4, 5, 1), "Others"),
])
def test_segment_first_matching_row(rfm, segment):
    r, f, m = (pd.Series([v]) for v in rfm)
    assert rfm_segment(r, f, m).tolist() == [segment]


def test_segment_blank_without_scores():
    got = rfm_segment(pd.Series([5, None], dtype="Int64"), pd.Series([5, None], dtype="Int64"),
                      pd.Series([5, None], dtype="Int64"))
    assert got.iloc[0] == "Champions" and pd.isna(got.iloc[1])


def test_segments_from_raw_metrics():
    # five buyers: the freshest, most frequent, biggest is a Champion; the stalest, rarest, smallest is Lost
    recency = pd.Series([1, 200, 30, 60, 5])
    frequency = pd.Series([20, 1, 5, 3, 1])
    monetary = pd.Series([9000, 100, 4000, 2000, 150])
    s = rfm_scores(recency, frequency, monetary)
    seg = rfm_segment(s["rfm_r"], s["rfm_f"], s["rfm_m"])
    assert s.to_dict("list") == {"rfm_r": [5, 1, 3, 2, 4], "rfm_f": [5, 1, 4, 3, 1], "rfm_m": [5, 1, 4, 3, 2]}
    assert seg.tolist() == ["Champions", "Lost", "Loyal", "Loyal", "Potential loyalist"]


def test_quadrants():
    # profit pct 1, .75, .5, .25; loyalty pct .25, 1, .5, .75 -> .5 counts as high
    got = quadrant(pd.Series([40, 30, 20, 10]), pd.Series([0.1, 1.0, 0.2, 0.9]))
    assert got.tolist() == ["retain", "strategic_partner", "strategic_partner", "develop"]
    got3 = quadrant(pd.Series([10, 20, 30]), pd.Series([0.1, 0.5, 0.3]))
    assert got3.tolist() == ["build_relationship", "strategic_partner", "strategic_partner"]


def test_quadrant_average_ties():
    # profit 5,5,1,1 -> avg ranks 3.5, 3.5, 1.5, 1.5 -> .875 high, .375 low
    got = quadrant(pd.Series([5, 5, 1, 1]), pd.Series([1, 1, 1, 1]))
    assert got.tolist() == ["strategic_partner", "strategic_partner", "develop", "develop"]
