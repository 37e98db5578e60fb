"""Segments, the simple backends, templates and codes."""

import io
from decimal import Decimal

import pytest

from coupons import sms
from coupons.messages import template_errors
from coupons.models import Campaign
from coupons.services import coupon_code_new
from coupons.sms import SENT, SmsMessage, get_backend
from coupons.sms.segments import segment_count


@pytest.mark.parametrize(("text", "expected"), [
    ("", ("GSM-7", 0, 0)),
    ("a" * 160, ("GSM-7", 160, 1)),
    ("a" * 161, ("GSM-7", 161, 2)),
    ("a" * 306, ("GSM-7", 306, 2)),
    ("a" * 307, ("GSM-7", 307, 3)),
    ("€" * 80, ("GSM-7", 160, 1)),  # extension characters take two septets
    ("中" * 70, ("UCS-2", 70, 1)),
    ("中" * 71, ("UCS-2", 71, 2)),
    ("中" * 134, ("UCS-2", 134, 2)),
    ("中" * 135, ("UCS-2", 135, 3)),
    ("a" * 69 + "中", ("UCS-2", 70, 1)),  # one Chinese character makes the whole text UCS-2
    ("😀" * 35, ("UCS-2", 70, 1)),  # an emoji is two UTF-16 units
])
def test_segment_count(text, expected):
    s = segment_count(text)
    assert (s.encoding, s.length, s.count) == expected


def test_default_backend_is_the_console_and_prints(settings):
    settings.SMS_BACKEND = "coupons.sms.backends.console.SmsBackend"
    stream = io.StringIO()
    [result] = get_backend(stream=stream).send_messages([SmsMessage("+8613800138000", "你好 回T退订", "r1")])
    assert result.status == SENT and result.message_id.startswith("console-")
    assert "SMS to +8613800138000" in stream.getvalue() and "你好 回T退订" in stream.getvalue()


def test_file_backend_writes_into_sms_file_path(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path)
    backend = get_backend("coupons.sms.backends.file.SmsBackend")
    backend.send_messages([SmsMessage("+8613800138000", "一"), SmsMessage("+8613800138001", "二")])
    [log] = tmp_path.iterdir()
    text = log.read_text(encoding="utf-8")
    assert "+8613800138000" in text and "二" in text


def test_locmem_backend_keeps_an_outbox():
    results = get_backend("coupons.sms.backends.locmem.SmsBackend").send_messages([SmsMessage("+8613800138000", "x")])
    assert [m.body for m in sms.outbox] == ["x"] and results[0].accepted


@pytest.mark.parametrize(("template", "problem"), [
    ("{name}{code}", None),
    ("{{literal}} {code}", None),
    ("{coupon}", "unknown variable {coupon}"),
    ("{name.__class__}", "unknown variable"),
    ("{name:>10}", "take no format"),
    ("{name", "unbalanced brace"),
    ("  ", "empty"),
])
def test_template_errors(template, problem):
    errors = template_errors(template)
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors


def test_value_display():
    assert Campaign(kind="face_value", value=Decimal("20.00")).value_display == "¥20"
    assert Campaign(kind="face_value", value=Decimal("12.50")).value_display == "¥12.5"
    assert Campaign(kind="discount", value=Decimal("15")).value_display == "8.5折"
    assert Campaign(kind="discount", value=Decimal("20")).value_display == "8折"


def test_coupon_codes_are_random_and_unambiguous():
    codes = {coupon_code_new() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 10 and not set(c) & set("01ILOU") for c in codes)
