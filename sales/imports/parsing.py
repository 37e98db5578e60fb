"""Cell text -> typed values, each rule with its exact message (docs/imports.md §3); parsers raise CellError."""

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.core.exceptions import ValidationError

from customers.dates import future_date_problem, latest_event_date
from customers.phones import normalize_mobile

CENT, MILLI = Decimal("0.01"), Decimal("0.001")


T = TypeVar("T")


class CellError(ValueError):
    """A cell that breaks a rule; the message is the `problem` part of `FILE:ROW: field: problem`."""


_DATE_SEP = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_ZH = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{2,5}(?:\.\d+)?$")
# Excel's day 0; using 1899-12-30 (not -31) absorbs its fictitious 1900-02-29 for every date after it.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN = 61  # 1900-03-01: before it Excel's calendar is wrong, and no ledger goes back that far

DATE_HINT = "use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD"


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD, YYYY/MM/DD (a time part is ignored), YYYYMMDD, 2025年1月5日 or an Excel serial day number."""
    match = _DATE_SEP.match(text) or _DATE_ZH.match(text) or _DATE_COMPACT.match(text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if _SERIAL.match(text) and float(text) >= _SERIAL_MIN:
            return _EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    except ValueError:
        pass  # 2025-02-30: the shape is right, the day is not
    raise CellError(f'not a date: "{text}" ({DATE_HINT})')


def memo(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` with a memo of its answers (and its complaints): a ledger repeats its dates, quantities, prices
    and phone numbers over hundreds of thousands of rows, and a dict hit is cheaper than any parse."""
    seen: dict[str, T | CellError] = {}

    def parse_memo(text: str) -> T:
        hit = seen.get(text)
        if hit is None:
            try:
                hit = parse(text)
            except CellError as exc:
                hit = exc
            seen[text] = hit
        if isinstance(hit, CellError):
            raise CellError(str(hit))  # a fresh one: re-raising one instance would grow its traceback
        return hit

    return parse_memo


def DateParser() -> Callable[[str], dt.date]:  # noqa: N802 - reads like the class it used to be
    """parse_date with a memo."""
    return memo(parse_date)


def EventDateParser() -> Callable[[str], dt.date]:  # noqa: N802 - reads like DateParser
    """parse_date with a memo, refusing a date after tomorrow in the site's time zone: orders, payments and visits
    happen, they are not planned (customers.dates; 9999-12-31 order dates got in)."""
    latest = latest_event_date()

    def parse_event_date(text: str) -> dt.date:
        day = parse_date(text)
        problem = future_date_problem(day, latest=latest)
        if problem:
            raise CellError(problem)
        return day

    return memo(parse_event_date)


def parse_decimal(text: str, *, places: int = 2, int_digits: int = 12) -> Decimal:
    """A Decimal with at most `places` decimals and `int_digits` digits before the point.

    Amounts fit DecimalField(14, 2): 12 integer digits, 2 decimals. Thousands separators are dropped;
    trailing zeros beyond `places` (12.500) are fine; NaN, Infinity and exponents are not numbers here.
    """
    clean = text.replace(",", "")
    try:
        value = Decimal(clean)
    except InvalidOperation:
        raise CellError(f'not a number: "{text}"') from None
    if value.is_nan():
        raise CellError(f'not a number: "{text}"')
    if value.is_infinite():
        raise CellError(f'not a finite number: "{text}"')
    if "e" in clean or "E" in clean:
        raise CellError(f'not a number: "{text}" (write it without an exponent)')
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        trimmed = value.normalize()
        trimmed_exp = trimmed.as_tuple().exponent
        if isinstance(trimmed_exp, int) and trimmed_exp < -places:
            raise CellError(f'more than {places} decimal places: "{text}"')
    if value and value.adjusted() >= int_digits:
        raise CellError(f'more than {int_digits} digits before the decimal point: "{text}"')
    return value.quantize(Decimal(1).scaleb(-places))


_PLAIN_NUMBER = re.compile(r"-?\d{1,10}(?:\.\d{1,2})?")


def parse_amount(text: str) -> Decimal:
    """Money: DecimalField(14, 2)."""
    if _PLAIN_NUMBER.fullmatch(text):  # the common case skips the checks below: it passes all of them
        return Decimal(text).quantize(CENT)
    return parse_decimal(text, places=2, int_digits=12)


def parse_quantity(text: str) -> Decimal:
    """OrderLine.quantity: DecimalField(14, 3)."""
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text).quantize(MILLI)
    return parse_decimal(text, places=3, int_digits=11)


def parse_unit_price(text: str) -> Decimal:
    """OrderLine.unit_price: DecimalField(14, 4)."""
    return parse_decimal(text, places=4, int_digits=10)


CONFIRMED, CANCELLED = "confirmed", "cancelled"
_STATUSES = {
    "": CONFIRMED,
    "confirmed": CONFIRMED,
    "已审核": CONFIRMED,
    "已确认": CONFIRMED,
    "审核": CONFIRMED,
    "确认": CONFIRMED,
    "正常": CONFIRMED,
    "cancelled": CANCELLED,
    "canceled": CANCELLED,
    "已作废": CANCELLED,
    "已取消": CANCELLED,
    "作废": CANCELLED,
    "取消": CANCELLED,
}


def parse_status(text: str) -> str:
    """confirmed / cancelled, or the ERP's 已审核/已确认 / 已作废/已取消; blank means confirmed."""
    status = _STATUSES.get(text.lower())
    if status is None:
        raise CellError(f'unknown status "{text}" (use confirmed or cancelled)')
    return status


_TRUE = {"true", "yes", "y", "1", "是", "已退订", "退订"}
_FALSE = {"false", "no", "n", "0", "否", "未退订"}


def parse_bool(text: str) -> bool:
    """true/false, yes/no, 1/0, 是/否."""
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(f'not a yes/no value: "{text}" (use true/false, 是/否 or 1/0)')


def parse_days(text: str) -> int:
    """A whole number of days >= 0 (credit terms; 0 = cash)."""
    if not re.fullmatch(r"\d{1,5}", text):
        raise CellError(f'not a whole number of days >= 0: "{text}"')
    return int(text)


def parse_mobile(text: str) -> str:
    """customers.phones.normalize_mobile: a Chinese mobile number in E.164; landlines are rejected."""
    try:
        return normalize_mobile(text)
    except ValidationError:
        raise CellError(f'not a valid Chinese mobile number: "{text}"') from None


def MobileParser() -> Callable[[str], str]:  # noqa: N802
    """parse_mobile with a memo: one customer's phone repeats on every line."""
    return memo(parse_mobile)


def check_length(text: str, limit: int) -> str:
    """Text that must fit a CharField(max_length=limit)."""
    if len(text) > limit:
        raise CellError(f"longer than {limit} characters")
    return text
