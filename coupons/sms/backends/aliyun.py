"""Aliyun SMS (dysmsapi, API version 2017-05-25) through Aliyun's official SDK (issue 19).

SendSms carries one message, SendBatchSms up to 100 (one template; a number, a signature and the variables
per message); both take an OutId we choose (the batch reference) and answer one BizId for the call.
QuerySendDetails (by number and send date) settles a message whose answer was lost: the record with our OutId
says waiting (1), failed (2) or delivered (3); none means Aliyun never had it. Receipts (SmsReport) and
replies (SmsUp) arrive by HTTP push: coupons.callbacks.

The SDK (alibabacloud-dysmsapi20170525 on alibabacloud-tea-openapi) signs with ACS3-HMAC-SHA256 and sends
with `requests`; it is built here with its retries off (a retried send is a duplicate SMS). Settings:
SMS_ALIYUN_ACCESS_KEY_ID and SMS_ALIYUN_ACCESS_KEY_SECRET from the environment; SMS_ALIYUN_ENDPOINT (empty:
the SDK's endpoint for the region, dysmsapi.aliyuncs.com; "http://127.0.0.1:port" for a local fake),
SMS_ALIYUN_REGION (cn-hangzhou).
"""

import datetime as dt
import json
from typing import Any

from alibabacloud_dysmsapi20170525 import models as api
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.utils import timezone

from coupons import conf
from coupons.sms import ABSENT, ACCEPTED_ONLY, DELIVERED, SENT, UNDELIVERED, Lookup, SendResult, SmsMessage

from .provider import AnswerLost, LookupUnavailable, NotSent, ProviderBackend, endpoint_parts, national, network_failure


class SmsBackend(ProviderBackend):
    provider = "aliyun"
    batch_size = 100  # SendBatchSms takes at most 100 numbers
    absent_after = float(300)  # QuerySendDetails lists a message as "waiting" as soon as Aliyun takes it
    endpoint_setting = "SMS_ALIYUN_ENDPOINT"
    throttled = ("isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.", "isv.BLACK_KEY_CONTROL_LIMIT")
    invalid_number = ("isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT_NUMBER")
    campaign_errors = ("isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL",
                       "isv.TEMPLATE_MISSING_PARAMETERS", "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.PARAM_LENGTH_LIMIT",
                       "isv.INVALID_JSON_PARAM", "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.SIGN_NAME_ILLEGAL")
    account_errors = ("isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.PRODUCT_UN_SUBSCRIPT",
                      "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "InvalidAccessKeyId.", "SignatureDoesNotMatch",
                      "IncompleteSignature", "isp.RAM_PERMISSION_DENY", "isv.DENY_IP_RANGE")
    ambiguous = ("isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "InternalError", "ServiceUnavailable")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size = self.claim_size = max(1, min(100, int(conf.get("SMS_ALIYUN_BATCH_SIZE"))))
        config = Config(
            access_key_id=self.credential("SMS_ALIYUN_ACCESS_KEY_ID"),
            access_key_secret=self.credential("SMS_ALIYUN_ACCESS_KEY_SECRET"),
            region_id=str(conf.get("SMS_ALIYUN_REGION")),
            # The SDK takes milliseconds. No retry_options: the SDK then makes exactly one attempt.
            connect_timeout=int(self.connect_timeout * 1000), read_timeout=int(self.read_timeout * 1000),
        )
        if self.endpoint:
            config.protocol, config.endpoint = endpoint_parts(self.endpoint)
        self.client = Client(config)

    def request(self, call: Any, request: Any) -> dict[str, Any]:
        """One SDK call; the answer's body as a dict (Code, Message, ...). Raises NotSent / AnswerLost, or
        returns {"Code": ..., "_http": status} for an error the provider answered."""
        try:
            response = call(request, RuntimeOptions())
        except AlibabaCloudException as exc:  # the provider answered 4xx/5xx with its error code
            return {"Code": str(exc.code or "") if exc.code not in (None, "None") else "",
                    "Message": str(exc.message or ""), "_http": int(exc.status_code or 500)}
        except Exception as exc:  # noqa: BLE001 - the SDK wraps every transport failure in its own classes
            raise network_failure(exc) from exc
        body = response.body.to_map() if response.body is not None else {}
        body["_http"] = int(response.status_code or 200)
        return body

    def send_call(self, messages: list[SmsMessage]) -> list[SendResult]:
        first = messages[0]
        if len(messages) == 1:
            data = self.request(self.client.send_sms_with_options, api.SendSmsRequest(
                phone_numbers=national(first.to), sign_name=first.sign_name, template_code=first.template,
                template_param=json.dumps(first.params or {}, ensure_ascii=False), out_id=first.batch))
        else:
            data = self.request(self.client.send_batch_sms_with_options, api.SendBatchSmsRequest(
                phone_number_json=json.dumps([national(m.to) for m in messages]),
                sign_name_json=json.dumps([m.sign_name for m in messages], ensure_ascii=False),
                template_code=first.template,
                template_param_json=json.dumps([m.params or {} for m in messages], ensure_ascii=False),
                out_id=first.batch))
        code, status = str(data.get("Code") or ""), int(data["_http"])
        if 200 <= status < 300 and code == "OK":
            return self.each(messages, SENT, message_id=str(data.get("BizId") or ""))
        return self.refused(messages, status, "" if code == "OK" else code, str(data.get("Message") or ""))

    def lookup(self, message: SmsMessage, sent_at: Any) -> Lookup:
        """QuerySendDetails for the number on the send day; our OutId picks the record out."""
        day = timezone.localtime(sent_at or timezone.now())
        records: list[dict[str, Any]] = []
        for send_date in sorted({day.date(), (day + dt.timedelta(minutes=10)).date()}):
            try:
                data = self.request(self.client.query_send_details_with_options, api.QuerySendDetailsRequest(
                    phone_number=national(message.to), send_date=send_date.strftime("%Y%m%d"), page_size=50,
                    current_page=1))
            except (NotSent, AnswerLost) as exc:
                raise LookupUnavailable(str(exc)) from exc
            if data["_http"] >= 300 or data.get("Code") != "OK":
                raise LookupUnavailable(f"QuerySendDetails: HTTP {data['_http']} {data.get('Code')} "
                                        f"{data.get('Message')}")
            dtos = (data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            records += [r for r in dtos if isinstance(r, dict) and str(r.get("OutId") or "") == message.batch]
        if not records:
            return Lookup(ABSENT)
        record = records[0]
        state = {3: DELIVERED, 2: UNDELIVERED}.get(int(record.get("SendStatus") or 1), ACCEPTED_ONLY)
        return Lookup(state, error=str(record.get("ErrCode") or ""), at=record.get("ReceiveDate") or None)
