"""Chinese mobile numbers: parsed with `phonenumbers`, stored E.164 (+8613800138000)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_mobile(raw: str) -> str:
    """Return the E.164 form of a Chinese mobile number, or raise ValidationError.

    Accepts 13800138000, +86 138 0013 8000, 0086..., 138-0013-8000 and full-width digits;
    rejects landlines (02012345678 is valid but FIXED_LINE) and invalid numbers.
    """
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith("0086"):
        text = "+86" + text[4:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("not a phone number: %(value)s"), params={"value": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("not a valid phone number: %(value)s"), params={"value": raw})
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValidationError(_("not a mobile number: %(value)s"), params={"value": raw})
    if number.country_code != 86:
        raise ValidationError(_("not a Chinese mobile number: %(value)s"), params={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_mobile(value: str) -> None:
    """Model-field validator: the stored value must already be a Chinese mobile in E.164."""
    if value and normalize_mobile(value) != value:
        raise ValidationError(_("store the mobile number in E.164 form, e.g. +8613800138000"))
