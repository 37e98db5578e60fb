"""Aliyun SMS (dysmsapi, API version 2017-05-25) over its documented signed RPC API (issue 19).

SendSms carries one message, SendBatchSms up to 100 (one template; a number, a signature and the variables
per message); both take an OutId we choose (the batch reference) and answer one BizId for the call.
QuerySendDetails (by number and send date) settles a message whose answer was lost: the record with our OutId
says waiting (1), failed (2) or delivered (3); none means Aliyun never had it. Receipts (SmsReport) and
replies (SmsUp) arrive by HTTP push: coupons.callbacks.

Signing: RPC signature version 1.0 (HMAC-SHA1 over the sorted, percent-encoded parameters). Settings:
SMS_ALIYUN_ACCESS_KEY_ID and SMS_ALIYUN_ACCESS_KEY_SECRET from the environment; SMS_ALIYUN_ENDPOINT
(default https://dysmsapi.aliyuncs.com), SMS_ALIYUN_REGION (cn-hangzhou).
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from typing import Any
from urllib.parse import quote, urlencode

from django.utils import timezone

from coupons import conf
from coupons.sms import ABSENT, ACCEPTED_ONLY, DELIVERED, SENT, UNDELIVERED, Lookup, SendResult, SmsMessage
from coupons.sms.transport import AnswerLost, NotSent

from .provider import LookupUnavailable, ProviderBackend, loads, national

VERSION = "2017-05-25"


def percent(value: str) -> str:
    """RFC 3986 percent-encoding as Aliyun's signature requires (space %20, * %2A, ~ kept)."""
    return quote(value, safe="~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """The RPC v1 signature of `params` (without Signature)."""
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class SmsBackend(ProviderBackend):
    provider = "aliyun"
    batch_size = 100  # SendBatchSms takes at most 100 numbers
    absent_after = float(300)  # QuerySendDetails lists a message as "waiting" as soon as Aliyun takes it
    endpoint_setting = "SMS_ALIYUN_ENDPOINT"
    default_endpoint = "https://dysmsapi.aliyuncs.com"
    throttled = ("isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.", "isv.BLACK_KEY_CONTROL_LIMIT")
    invalid_number = ("isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT_NUMBER")
    campaign_errors = ("isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL",
                       "isv.TEMPLATE_MISSING_PARAMETERS", "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.PARAM_LENGTH_LIMIT",
                       "isv.INVALID_JSON_PARAM", "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.SIGN_NAME_ILLEGAL")
    account_errors = ("isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.PRODUCT_UN_SUBSCRIPT",
                      "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "InvalidAccessKeyId.", "SignatureDoesNotMatch",
                      "isp.RAM_PERMISSION_DENY", "isv.DENY_IP_RANGE")
    ambiguous = ("isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "InternalError", "ServiceUnavailable")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_id = self.credential("SMS_ALIYUN_ACCESS_KEY_ID")
        self.secret = self.credential("SMS_ALIYUN_ACCESS_KEY_SECRET")
        self.region = str(conf.get("SMS_ALIYUN_REGION"))
        self.batch_size = self.claim_size = max(1, min(100, int(conf.get("SMS_ALIYUN_BATCH_SIZE"))))

    def request(self, action: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST one signed RPC call; (HTTP status, JSON answer). Raises NotSent / AnswerLost."""
        common = {
            "AccessKeyId": self.key_id, "Action": action, "Format": "JSON", "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": VERSION,
        }
        signed = {**common, **params}
        signed["Signature"] = sign(signed, self.secret)
        body = urlencode(signed, quote_via=quote).encode()
        answer = self.call("POST", self.endpoint + "/", {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json",
            "x-acs-version": VERSION, "x-acs-action": action,
        }, body)
        return answer.status, loads(answer.body)

    def send_call(self, messages: list[SmsMessage]) -> list[SendResult]:
        first = messages[0]
        if len(messages) == 1:
            action, params = "SendSms", {
                "PhoneNumbers": national(first.to), "SignName": first.sign_name, "TemplateCode": first.template,
                "TemplateParam": json.dumps(first.params or {}, ensure_ascii=False), "OutId": first.batch,
            }
        else:
            action, params = "SendBatchSms", {
                "PhoneNumberJson": json.dumps([national(m.to) for m in messages]),
                "SignNameJson": json.dumps([m.sign_name for m in messages], ensure_ascii=False),
                "TemplateCode": first.template,
                "TemplateParamJson": json.dumps([m.params or {} for m in messages], ensure_ascii=False),
                "OutId": first.batch,
            }
        status, data = self.request(action, params)
        code = str(data.get("Code") or "")
        if 200 <= status < 300 and code == "OK":
            return self.each(messages, SENT, message_id=str(data.get("BizId") or ""))
        return self.refused(messages, status, "" if code == "OK" else code, str(data.get("Message") or ""))

    def lookup(self, message: SmsMessage, sent_at: Any) -> Lookup:
        """QuerySendDetails for the number on the send day; our OutId picks the record out."""
        day = timezone.localtime(sent_at or timezone.now())
        records: list[dict[str, Any]] = []
        for send_date in sorted({day.date(), (day + dt.timedelta(minutes=10)).date()}):
            try:
                status, data = self.request("QuerySendDetails", {
                    "PhoneNumber": national(message.to), "SendDate": send_date.strftime("%Y%m%d"),
                    "PageSize": "50", "CurrentPage": "1",
                })
            except (NotSent, AnswerLost) as exc:
                raise LookupUnavailable(str(exc)) from exc
            if status >= 300 or data.get("Code") != "OK":
                raise LookupUnavailable(f"QuerySendDetails: HTTP {status} {data.get('Code')} {data.get('Message')}")
            dtos = (data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            records += [r for r in dtos if isinstance(r, dict) and str(r.get("OutId") or "") == message.batch]
        if not records:
            return Lookup(ABSENT)
        record = records[0]
        state = {3: DELIVERED, 2: UNDELIVERED}.get(int(record.get("SendStatus") or 1), ACCEPTED_ONLY)
        return Lookup(state, error=str(record.get("ErrCode") or ""), at=record.get("ReceiveDate") or None)
