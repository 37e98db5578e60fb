"""One domain error type, one API answer for it (core/exceptions.py, config/api_errors.py; issue 20 item 5)."""

import pytest

from analytics.engine.policy import PolicyError, Problem
from analytics.tuning.services import TuningError
from config.api_errors import exception_handler
from core.exceptions import DomainError
from coupons.messages import CouponError
from customers.services import VisitError
from customers.services_admin import AdminError
from sales.imports import ImportUsageError


@pytest.mark.parametrize("cls", [AdminError, CouponError, VisitError, TuningError, PolicyError, ImportUsageError])
def test_every_service_error_is_the_domain_error(cls):
    assert issubclass(cls, DomainError)


def test_a_field_error_answers_under_its_field():
    response = exception_handler(AdminError("until", "must not be in the past"), {})
    assert (response.status_code, response.data) == (400, {"until": ["must not be in the past"]})


def test_a_request_error_answers_with_detail_and_its_own_status():
    error = CouponError("this idempotency key was already used for a different send", code="idempotency_conflict",
                        status=422)
    response = exception_handler(error, {})
    assert response.status_code == 422
    assert response.data == {"detail": "this idempotency key was already used for a different send"}
    assert error.code == "idempotency_conflict"


def test_a_policy_answers_every_problem_under_data():
    error = PolicyError([Problem("grades.Z", "unknown_key"), Problem("flags.x", "unknown_key")])
    response = exception_handler(error, {})
    assert (response.status_code, response.data) == (400, {"data": ["unknown key: grades.Z", "unknown key: flags.x"]})


def test_views_read_the_field_not_the_text():
    error = VisitError("must not be before the visit date", field="next_date")
    assert (error.field, error.message, str(error)) == (
        "next_date", "must not be before the visit date", "next_date: must not be before the visit date")
