"""Tencent Cloud SMS (API version 2021-01-11) over its documented TC3-HMAC-SHA256 signed JSON API (issue 19).

SendSms takes up to 200 numbers that share one template, one signature and one list of variables, and answers
a SendStatusSet with one result (SerialNo, Code) per number. A coupon message carries the customer's own code,
so coupon messages of one batch differ and go one number per call; messages with identical variables share a
call. SessionContext carries our batch reference. PullSmsSendStatusByPhoneNumber reads the receipts of a
number (settles `unknown`); PullSmsSendStatus / PullSmsReplyStatus drain receipts and replies for accounts
without callbacks; the status and reply callbacks arrive by HTTP push (coupons.callbacks).

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY (environment), SMS_TENCENT_SDK_APP_ID,
SMS_TENCENT_ENDPOINT (default https://sms.tencentcloudapi.com), SMS_TENCENT_REGION (ap-guangzhou).
"""

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

from coupons import conf
from coupons.sms import ABSENT, DELIVERED, SENT, UNDELIVERED, Lookup, SendResult, SmsMessage
from coupons.sms.transport import AnswerLost, NotSent

from .provider import LookupUnavailable, ProviderBackend, loads

VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(*, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int) -> str:
    """The TC3-HMAC-SHA256 Authorization header of a POST / with a JSON body."""
    canonical = "\n".join(["POST", "/", "", f"content-type:{CONTENT_TYPE}\nhost:{host}\n", "content-type;host",
                           hashlib.sha256(payload).hexdigest()])
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    scope = f"{day}/{SERVICE}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class SmsBackend(ProviderBackend):
    provider = "tencent"
    batch_size = 200  # numbers per SendSms; only messages with identical variables share one
    # Coupon messages differ (each carries its own code), so each is its own SendSms: the worker claims them
    # one at a time, and a crash leaves at most one message unknown instead of a whole claimed batch.
    claim_size = 1
    endpoint_setting = "SMS_TENCENT_ENDPOINT"
    default_endpoint = "https://sms.tencentcloudapi.com"
    throttled = ("LimitExceeded.", "RequestLimitExceeded", "FailedOperation.MarketingSendTimeConstraint")
    invalid_number = ("InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist",
                      "UnsupportedOperation.UnsupportedRegion", "FailedOperation.PhoneNumberParseFail")
    campaign_errors = ("FailedOperation.TemplateIncorrectOrUnapproved",
                       "FailedOperation.SignatureIncorrectOrUnapproved",
                       "InvalidParameterValue.TemplateParameterFormatError",
                       "InvalidParameterValue.TemplateParameterLengthLimit",
                       "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
                       "FailedOperation.ContainSensitiveWord")
    account_errors = ("FailedOperation.InsufficientBalanceInSmsPackage", "AuthFailure.",
                      "UnauthorizedOperation.", "FailedOperation.IllegalSdkAppId")
    ambiguous = ("InternalError.",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secret_id = self.credential("SMS_TENCENT_SECRET_ID")
        self.secret_key = self.credential("SMS_TENCENT_SECRET_KEY")
        self.app_id = self.credential("SMS_TENCENT_SDK_APP_ID")
        self.region = str(conf.get("SMS_TENCENT_REGION"))
        self.absent_after = float(conf.get("SMS_TENCENT_ABSENT_AFTER"))

    def request(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One signed call; the `Response` object of the answer. Raises NotSent / AnswerLost."""
        payload = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        host = urlsplit(self.endpoint).netloc
        now = int(time.time())
        headers = {
            "Content-Type": CONTENT_TYPE, "Host": host, "X-TC-Action": action, "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(now), "X-TC-Region": self.region,
            "Authorization": authorization(secret_id=self.secret_id, secret_key=self.secret_key, host=host,
                                           payload=payload, timestamp=now),
        }
        answer = self.call("POST", self.endpoint + "/", headers, payload)
        response = loads(answer.body).get("Response")
        if not isinstance(response, dict):
            response = {"Error": {"Code": "" if answer.status < 500 else "InternalError.HTTP",
                                  "Message": f"HTTP {answer.status}: {answer.body[:200]!r}"}}
        response["_http"] = answer.status
        return response

    def send_messages(self, messages: Any) -> list[SendResult]:
        # Messages whose variables differ cannot share a SendSms: one call per group of identical content.
        groups: dict[str, list[int]] = {}
        for i, m in enumerate(messages):
            groups.setdefault(json.dumps([m.template, m.sign_name, m.params], ensure_ascii=False), []).append(i)
        results: list[SendResult | None] = [None] * len(messages)
        for indices in groups.values():
            for i, result in zip(indices, super().send_messages([messages[i] for i in indices]), strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    def send_call(self, messages: list[SmsMessage]) -> list[SendResult]:
        first = messages[0]
        response = self.request("SendSms", {
            "PhoneNumberSet": [m.to for m in messages], "SmsSdkAppId": self.app_id, "SignName": first.sign_name,
            "TemplateId": first.template, "TemplateParamSet": [str(p) for p in first.params or []],
            "SessionContext": first.batch,
        })
        error = response.get("Error")
        if isinstance(error, dict):
            return self.refused(messages, int(response["_http"]), str(error.get("Code") or ""),
                                str(error.get("Message") or ""))
        per_number = {str(s.get("PhoneNumber")): s for s in response.get("SendStatusSet") or [] if isinstance(s, dict)}
        results = []
        for m in messages:
            status = per_number.get(m.to)
            if status is None:  # the answer names no result for this number: it may or may not have gone
                results += self.each([m], "unknown", "no result for this number in SendStatusSet")
            elif str(status.get("Code")) == "Ok":
                results += self.each([m], SENT, message_id=str(status.get("SerialNo") or ""))
            else:
                code = str(status.get("Code") or "")
                results += self.each([m], self.classify(code), f"{code}: {status.get('Message') or ''}"[:500],
                                     code=code)
        return results

    def lookup(self, message: SmsMessage, sent_at: Any) -> Lookup:
        """PullSmsSendStatusByPhoneNumber around the send time; our SessionContext picks the receipt out."""
        begin = int((sent_at.timestamp() if sent_at else time.time()) - 600)
        try:
            response = self.request("PullSmsSendStatusByPhoneNumber", {
                "BeginTime": begin, "EndTime": int(time.time()) + 60, "Offset": 0, "Limit": 100,
                "PhoneNumber": message.to, "SmsSdkAppId": self.app_id,
            })
        except (NotSent, AnswerLost) as exc:
            raise LookupUnavailable(str(exc)) from exc
        if "Error" in response:
            raise LookupUnavailable(f"PullSmsSendStatusByPhoneNumber: {response['Error']}")
        for record in response.get("PullSmsSendStatusSet") or []:
            if str(record.get("SessionContext") or "") == message.batch:
                state = DELIVERED if record.get("ReportStatus") == "SUCCESS" else UNDELIVERED
                return Lookup(state, message_id=str(record.get("SerialNo") or ""),
                              error=str(record.get("Description") or ""))
        return Lookup(ABSENT)

    def pull(self, action: str, limit: int = 100) -> list[dict[str, Any]]:
        """PullSmsSendStatus / PullSmsReplyStatus: the receipts or replies not pulled before (each comes once)."""
        response = self.request(action, {"Limit": limit, "SmsSdkAppId": self.app_id})
        if "Error" in response:
            raise LookupUnavailable(f"{action}: {response['Error']}")
        key = "PullSmsSendStatusSet" if action == "PullSmsSendStatus" else "PullSmsReplyStatusSet"
        return [r for r in response.get(key) or [] if isinstance(r, dict)]
