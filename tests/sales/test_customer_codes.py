"""Resolving a file's customer codes while a merge commits (sales.imports.refs.customer_ids)."""

import pytest

from customers.models import Customer, CustomerAlias
from sales.imports import refs
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_a_merge_committing_between_the_reads_still_resolves_the_old_code(monkeypatch):
    survivor, merged = CustomerFactory(code="A1"), CustomerFactory(code="B1")
    real, calls = refs.values_in, []

    def merge_after_the_first_read(model, *args):
        rows = real(model, *args)
        if not calls:  # the merge commits right after the first read: alias written, old code deleted
            CustomerAlias.objects.create(code="B1", customer=survivor)
            Customer.objects.filter(pk=merged.pk).delete()
        calls.append(model)
        return rows

    monkeypatch.setattr(refs, "values_in", merge_after_the_first_read)
    resolved, ids = refs.customer_ids(["B1", "A1"])
    assert resolved == {"B1": "A1", "A1": "A1"} and ids == {"A1": survivor.pk}


@pytest.mark.django_db
def test_codes_aliases_and_unknown_codes():
    survivor = CustomerFactory(code="A1")
    CustomerAlias.objects.create(code="OLD", customer=survivor)
    resolved, ids = refs.customer_ids(["OLD", "A1", "NOPE"])
    assert resolved == {"OLD": "A1", "A1": "A1", "NOPE": "NOPE"} and ids == {"A1": survivor.pk}
