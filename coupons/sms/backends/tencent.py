"""Tencent Cloud SMS (API version 2021-01-11) through Tencent's official SDK (issue 19).

SendSms takes up to 200 numbers that share one template, one signature and one list of variables, and answers
a SendStatusSet with one result (SerialNo, Code) per number. A coupon message carries the customer's own code,
so coupon messages of one batch differ and go one number per call; messages with identical variables share a
call. SessionContext carries our batch reference. PullSmsSendStatusByPhoneNumber reads the receipts of a
number (settles `unknown`); PullSmsSendStatus / PullSmsReplyStatus drain receipts and replies for accounts
without callbacks; the status and reply callbacks arrive by HTTP push (coupons.callbacks).

The SDK (tencentcloud-sdk-python-sms on tencentcloud-sdk-python-common) signs with TC3-HMAC-SHA256 and sends
with `requests`; built without a retryer and without the region breaker (its default), so it makes exactly
one attempt per call. Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY (environment),
SMS_TENCENT_SDK_APP_ID, SMS_TENCENT_ENDPOINT (empty: the SDK's sms.tencentcloudapi.com; "http://127.0.0.1:port"
for a local fake), SMS_TENCENT_REGION (ap-guangzhou).
"""

import json
import time
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from coupons import conf
from coupons.sms import ABSENT, DELIVERED, SENT, UNDELIVERED, Lookup, SendResult, SmsMessage

from .provider import AnswerLost, LookupUnavailable, NotSent, ProviderBackend, endpoint_parts, network_failure

REQUESTS = {"SendSms": models.SendSmsRequest, "PullSmsSendStatus": models.PullSmsSendStatusRequest,
            "PullSmsReplyStatus": models.PullSmsReplyStatusRequest,
            "PullSmsSendStatusByPhoneNumber": models.PullSmsSendStatusByPhoneNumberRequest}


class SmsBackend(ProviderBackend):
    provider = "tencent"
    batch_size = 200  # numbers per SendSms; only messages with identical variables share one
    # Coupon messages differ (each carries its own code), so each is its own SendSms: the worker claims them
    # one at a time, and a crash leaves at most one message unknown instead of a whole claimed batch.
    claim_size = 1
    endpoint_setting = "SMS_TENCENT_ENDPOINT"
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
        self.app_id = self.credential("SMS_TENCENT_SDK_APP_ID")
        self.absent_after = float(conf.get("SMS_TENCENT_ABSENT_AFTER"))
        # One timeout for connect and read (the SDK hands `requests` a single number): the longer of ours.
        http = HttpProfile(reqTimeout=max(self.connect_timeout, self.read_timeout))
        if self.endpoint:
            http.protocol, http.endpoint = endpoint_parts(self.endpoint)
            http.scheme = http.protocol
        self.client = sms_client.SmsClient(
            credential.Credential(self.credential("SMS_TENCENT_SECRET_ID"), self.credential("SMS_TENCENT_SECRET_KEY")),
            str(conf.get("SMS_TENCENT_REGION")), ClientProfile(httpProfile=http))

    def request(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One SDK call; the `Response` object as a dict, {"Error": {...}} for an error the provider answered.
        Raises NotSent / AnswerLost."""
        request = REQUESTS[action]()
        request.from_json_string(json.dumps(params, ensure_ascii=False))
        try:
            response = getattr(self.client, action)(request)
        except TencentCloudSDKException as exc:
            if exc.code == "ClientNetworkError":
                raise network_failure(exc) from exc
            if exc.code == "ServerNetworkError":  # an HTTP status other than 200 (a 5xx from a proxy, ...)
                return {"Error": {"Code": "InternalError.HTTP", "Message": str(exc.message)[:200]}}
            return {"Error": {"Code": str(exc.code or ""), "Message": str(exc.message or "")}}
        except Exception as exc:  # noqa: BLE001 - reading the body can fail past the SDK's own wrapper
            raise network_failure(exc) from exc
        return dict(json.loads(response.to_json_string()))

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
            return self.refused(messages, 200, str(error.get("Code") or ""), str(error.get("Message") or ""))
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
