"""The profile's cross-sell card lists suggestions by the count it shows ("bought by N of K"), fill-ins last."""

import pytest

from analytics.crosssell.selectors import Suggestion


def suggestion(level, item_id, bought_by, k=20):
    reason = f"bought by {bought_by} of {k}" if bought_by else "popular"
    return Suggestion(level=level, item_id=item_id, code=f"I{item_id}", name=f"item {item_id}", bought_by=bought_by,
                      neighbours=k, reason=reason)


@pytest.mark.django_db
def test_crosssell_is_sorted_by_the_count_it_shows(client, graded, monkeypatch):
    # The engine's order (by similarity-weighted score) with the counts out of order, and a popularity fill-in.
    engine = {"product": [(1, 11), (2, 13), (3, 0), (4, 13), (5, 12)], "category": [(6, 0), (7, 3), (8, 5)]}

    def fake(*, user, customer, limit, level):
        return [suggestion(level, i, n) for i, n in engine[level]]

    monkeypatch.setattr("cockpit.views.profile.crosssell_for", fake)
    client.force_login(graded["sp1"].user)
    response = client.get("/customers/00101/", {"part": "crosssell"})
    shown = {level: [(s.item_id, s.bought_by) for s in rows] for level, _title, rows in response.context["crosssell"]}
    assert shown == {"product": [(2, 13), (4, 13), (5, 12), (1, 11), (3, 0)],
                     "category": [(8, 5), (7, 3), (6, 0)]}
    html = response.content.decode()
    assert html.index("item 2") < html.index("item 4") < html.index("item 5") < html.index("item 1")
