"""The HTTP JSON gateway backend against a real local server: retries, no retries, and `unknown`."""

import socket
import time

import pytest

from coupons.sms import DEFER, FAILED, INVALID, REJECTED, SENT, UNKNOWN, SmsMessage, get_backend

MSG = SmsMessage(to="+8613800138000", body="【示例商贸】测试 回T退订", reference="coupon-issue-1")


def backend(url, **kw):
    kw.setdefault("read_timeout", 1.0)
    kw.setdefault("connect_timeout", 1.0)
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("backoff_cap", 0.05)
    kw.setdefault("max_retries", 3)
    return get_backend("coupons.sms.backends.http.SmsBackend", url=url, key="k3y", **kw)


def test_200_is_sent_with_the_provider_id_and_our_headers(gateway):
    [result] = backend(gateway.url).send_messages([MSG])
    assert (result.status, result.attempts) == (SENT, 1)
    assert result.message_id.startswith("gw-")
    [request] = gateway.requests
    assert request["body"] == {"to": MSG.to, "text": MSG.body, "reference": MSG.reference, "marketing": True}
    assert request["headers"]["Authorization"] == "Bearer k3y"
    assert request["headers"]["Idempotency-Key"] == "coupon-issue-1"


@pytest.mark.parametrize(("code", "idempotent"), [("500", True), ("502", True), ("503", True), ("429", False)])
def test_transient_answers_are_retried_then_sent(gateway, code, idempotent):
    gateway.behaviours = [code, code]
    [result] = backend(gateway.url, idempotent=idempotent).send_messages([MSG])
    assert (result.status, result.attempts) == (SENT, 3)
    assert [r["behaviour"] for r in gateway.requests] == [code, code, "ok"]
    assert {r["headers"]["Idempotency-Key"] for r in gateway.requests} == {"coupon-issue-1"}


@pytest.mark.parametrize("code", ["500", "502", "503"])
def test_a_5xx_after_the_request_was_written_is_unknown_not_retried(gateway, code):
    # Issue 19: a gateway that took the message and answered 502/503 got it twice when we retried.
    gateway.behaviours = [code]
    [result] = backend(gateway.url).send_messages([MSG])
    assert result.status == UNKNOWN
    assert len(gateway.requests) == 1


def test_429_every_time_is_deferred_after_the_last_retry_not_failed(gateway):
    gateway.default = "429"
    [result] = backend(gateway.url, max_retries=2).send_messages([MSG])
    assert result.status == DEFER
    assert "gave up after 3 attempts" in result.error
    assert len(gateway.requests) == 3


def test_backoff_sleeps_grow_with_jitter_and_honour_the_cap(gateway):
    gateway.behaviours = ["503", "503", "503"]
    sleeps = []
    b = backend(gateway.url, backoff_base=1.0, backoff_cap=3.0, sleep=sleeps.append, idempotent=True)
    [result] = b.send_messages([MSG])
    assert result.status == SENT
    assert len(sleeps) == 3
    assert all(0 <= s <= bound for s, bound in zip(sleeps, [2.0, 3.0, 3.0], strict=True))


@pytest.mark.parametrize(("behaviour", "status"), [("invalid", INVALID), ("reject", REJECTED), ("401", FAILED)])
def test_a_rejected_number_or_message_is_not_retried(gateway, behaviour, status):
    gateway.default = behaviour
    [result] = backend(gateway.url).send_messages([MSG])
    assert result.status == status
    assert len(gateway.requests) == 1


def test_slow_but_within_the_read_timeout_is_sent(gateway):
    gateway.behaviours = ["slow:0.3"]
    [result] = backend(gateway.url, read_timeout=2.0).send_messages([MSG])
    assert result.status == SENT
    assert len(gateway.requests) == 1


def test_accept_then_timeout_is_unknown_and_never_resent(gateway):
    gateway.behaviours = ["hang:2"]
    started = time.monotonic()
    [result] = backend(gateway.url, read_timeout=0.5).send_messages([MSG])
    assert result.status == UNKNOWN
    assert "may have accepted" in result.error
    assert time.monotonic() - started < 1.5
    time.sleep(0.1)
    assert len(gateway.requests) == 1  # the gateway got it once; we did not try again


def test_504_from_a_proxy_is_unknown_not_retried(gateway):
    gateway.default = "504"
    [result] = backend(gateway.url).send_messages([MSG])
    assert result.status == UNKNOWN
    assert len(gateway.requests) == 1


def test_connection_refused_is_retried_then_deferred():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    [result] = backend(f"http://127.0.0.1:{port}/sms", max_retries=2).send_messages([MSG])
    assert result.status == DEFER
    assert result.attempts == 3
    assert "connection error" in result.error


def test_several_messages_each_get_their_own_result(gateway):
    gateway.behaviours = ["ok", "invalid", "ok"]
    msgs = [SmsMessage(to=f"+86138001380{i:02d}", body="x", reference=f"r{i}") for i in range(3)]
    results = backend(gateway.url).send_messages(msgs)
    assert [r.status for r in results] == [SENT, INVALID, SENT]
    assert [r.reference for r in results] == ["r0", "r1", "r2"]


@pytest.mark.parametrize("code", ["502", "503"])
@pytest.mark.parametrize(("honours_key", "status", "requests_made"), [(True, SENT, 2), (False, UNKNOWN, 1)])
def test_the_idempotency_setting_decides_whether_a_5xx_after_the_write_is_retried(gateway, settings, code,
                                                                                   honours_key, status, requests_made):
    # The gateway recorded the message, then answered 502/503. Only a gateway that drops a second copy with
    # the same Idempotency-Key (SMS_GATEWAY_IDEMPOTENT) may get it again; otherwise it stays ambiguous.
    settings.SMS_GATEWAY_IDEMPOTENT = honours_key
    gateway.behaviours = [code]
    b = get_backend("coupons.sms.backends.http.SmsBackend", url=gateway.url, key="k3y", read_timeout=1.0,
                    connect_timeout=1.0, backoff_base=0.01, backoff_cap=0.05, max_retries=3)
    [result] = b.send_messages([MSG])
    assert result.status == status
    assert len(gateway.requests) == requests_made
    assert {r["headers"]["Idempotency-Key"] for r in gateway.requests} == {MSG.reference}
