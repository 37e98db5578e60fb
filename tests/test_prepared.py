"""config.prepared: the ORM's SQL prepared once per PostgreSQL connection, the plain queryset elsewhere."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext, override_settings

from config.prepared import PreparedQuery, _numbered
from customers.models import Customer
from tests.factories import CustomerFactory

CODES = PreparedQuery("test_codes_of_region", lambda region_id: (
    Customer.objects.filter(region_id=region_id).order_by("code").values_list("code", "name")))
# Django writes the modulo operator as a literal %% in its SQL.
MOD = PreparedQuery("test_credit_days_mod", lambda divisor, region_id: (
    Customer.objects.annotate(m=F("credit_days") % divisor).filter(region_id=region_id).order_by("code")
    .values_list("code", "m")))
WRONG = PreparedQuery("test_wrong_arguments", lambda customer: (
    Customer.objects.filter(pk=customer.pk).values_list("code")))


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split(" ")[0] for q in queries.captured_queries]


def test_placeholders_are_numbered_and_a_literal_percent_kept():
    assert _numbered("a = %s AND b LIKE 'x%%' AND c IN (%s, %s)") == "a = $1 AND b LIKE 'x%' AND c IN ($2, $3)"


def test_a_name_is_one_statement():
    with pytest.raises(ValueError, match="test_codes_of_region already exists"):
        PreparedQuery("test_codes_of_region", lambda: Customer.objects.values_list("code"))


@pytest.fixture
def two_regions(regions):
    north, south = regions["north"], regions["south"]
    for code, region in (("N2", north), ("N1", north), ("S1", south)):
        CustomerFactory(code=code, name=f"name {code}", region=region)
    return north, south


def test_rows_are_the_querysets_on_any_database(two_regions):
    north, south = two_regions
    assert CODES.rows(north.pk) == [("N1", "name N1"), ("N2", "name N2")]
    assert CODES.rows(south.pk) == [("S1", "name S1")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_prepared_once_per_connection_and_again_on_a_new_one(two_regions):
    north, south = two_regions
    connection.close()
    with CaptureQueriesContext(connection) as first:
        assert CODES.rows(north.pk) == [("N1", "name N1"), ("N2", "name N2")]
        assert CODES.rows(south.pk) == [("S1", "name S1")]
    assert statements(first) == ["PREPARE", "EXECUTE", "EXECUTE"]
    connection.close()  # the server forgets its statements with the session; so must we
    with CaptureQueriesContext(connection) as second:
        assert CODES.rows(south.pk) == [("S1", "name S1")]
    assert statements(second) == ["PREPARE", "EXECUTE"]


@pytest.mark.postgres
def test_a_literal_percent_reaches_postgresql_as_one(two_regions):
    north, _south = two_regions
    Customer.objects.filter(code="N1").update(credit_days=45)
    Customer.objects.filter(code="N2").update(credit_days=30)
    assert MOD.rows(7, north.pk) == [("N1", 3), ("N2", 2)]


@pytest.mark.postgres
def test_arguments_that_are_not_the_parameters_are_refused(two_regions):
    customer = Customer.objects.get(code="N1")
    with pytest.raises(ValueError, match=r"test_wrong_arguments: the query's parameters"):
        WRONG.rows(customer)


@pytest.mark.postgres
@override_settings(PREPARED_STATEMENTS=False)
def test_switched_off_behind_a_pooler(two_regions):
    north, _south = two_regions
    with CaptureQueriesContext(connection) as queries:
        assert CODES.rows(north.pk) == [("N1", "name N1"), ("N2", "name N2")]
    assert statements(queries) == ["SELECT"]
