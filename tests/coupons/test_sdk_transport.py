"""The providers' SDKs as the backends drive them: one attempt per call, and the two failures told apart.

A provider that cannot be reached certainly did not get the message (``defer``: sent later); one that took the
request and then hung or dropped the connection may have (``unknown``: settled from its records, never resent).
The SDKs wrap both in their own exceptions; these tests pin down that the backends still tell them apart.
"""

import socket

import pytest

from coupons.sms import DEFER, SENT, UNKNOWN, SmsMessage, get_backend

MESSAGES = {
    "aliyun": SmsMessage(to="+8613800138000", body="x", template="SMS_1", sign_name="签", params={"code": "X"},
                         batch="b1"),
    "tencent": SmsMessage(to="+8613800138000", body="x", template="1", sign_name="签", params=["X"], batch="b1"),
}


def backend(provider, **kwargs):
    return get_backend(f"coupons.sms.backends.{provider}.SmsBackend", **kwargs)


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_an_unreachable_provider_never_got_the_message(provider, request):
    request.getfixturevalue(provider)  # credentials
    [result] = backend(provider, endpoint=closed_port_url()).send_messages([MESSAGES[provider]])
    assert result.status == DEFER and "connection error" in result.error


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
@pytest.mark.parametrize("behaviour", ["hang:2", "drop"])
def test_an_answer_lost_after_the_request_is_unknown_and_the_sdk_does_not_retry(provider, behaviour, request):
    fake = request.getfixturevalue(provider)
    fake.behaviours = [behaviour]
    [result] = backend(provider).send_messages([MESSAGES[provider]])
    assert result.status == UNKNOWN
    assert len(fake.drawn) == 1 and len(fake.records) == 1  # one attempt, which the provider kept


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_the_fake_is_reached_over_plain_http_by_the_real_sdk(provider, request):
    fake = request.getfixturevalue(provider)
    [result] = backend(provider).send_messages([MESSAGES[provider]])
    assert result.status == SENT and fake.bad_signatures == 0 and len(fake.records) == 1
