import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.phones import normalize_mobile, validate_mobile


@pytest.fixture(autouse=True)
def _english():
    """The messages below are the English ones; zh-Hans has its own catalogue."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000", "+86 138 0013 8000", "0086 13800138000", "008613800138000", "１３８００１３８０００",
        "138-0013-8000",
    ],
)
def test_chinese_mobiles_are_stored_e164(raw):
    assert normalize_mobile(raw) == "+8613800138000"


def test_landline_is_rejected_as_not_mobile():
    with pytest.raises(ValidationError) as exc:
        normalize_mobile("02012345678")
    assert exc.value.messages == ["not a mobile number: 02012345678"]


@pytest.mark.parametrize("raw", ["1380013800", "12345678901"])
def test_invalid_numbers_are_rejected(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_mobile(raw)
    assert exc.value.messages == [f"not a valid phone number: {raw}"]


def test_garbage_is_rejected():
    with pytest.raises(ValidationError) as exc:
        normalize_mobile("call me")
    assert exc.value.messages == ["not a phone number: call me"]


def test_blank_is_allowed_and_validator_wants_e164():
    assert normalize_mobile("  ") == ""
    validate_mobile("+8613800138000")
    with pytest.raises(ValidationError):
        validate_mobile("13800138000")
