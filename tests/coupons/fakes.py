"""Local fake Aliyun SMS and Tencent Cloud SMS servers on 127.0.0.1, speaking each provider's wire format.

Each checks the request signature the way its provider documents it (written here from the documentation,
not imported from the code under test), records every message it accepted, answers per-number results and
keeps the records the query / pull APIs read. Behaviours, consumed one per send call (then `default`):

  "ok"          accept (Aliyun: one BizId for the call; Tencent: a SerialNo per number)
  "hang:S"      accept and record, then sleep S seconds before answering (past the client's read timeout)
  "drop"        accept and record, then close the connection without an answer
  "drop-early"  close the connection before reading the request: nothing recorded
  "500"         answer HTTP 500 without recording
  "throttle"    the provider's flow-control error; "balance" its out-of-money error; "template" its template
                error; "invalid" its illegal-number error (Tencent: per number, see `bad_numbers`)
"""

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

ALIYUN_ERRORS = {"throttle": "isv.BUSINESS_LIMIT_CONTROL", "balance": "isv.AMOUNT_NOT_ENOUGH",
                 "template": "isv.SMS_TEMPLATE_ILLEGAL", "invalid": "isv.MOBILE_NUMBER_ILLEGAL"}
TENCENT_ERRORS = {"throttle": "LimitExceeded.PhoneNumberDailyLimit",
                  "balance": "FailedOperation.InsufficientBalanceInSmsPackage",
                  "template": "FailedOperation.TemplateIncorrectOrUnapproved",
                  "invalid": "InvalidParameterValue.IncorrectPhoneNumber"}


class _Fake:
    key_id = "fake-key-id"
    secret = "fake-secret"
    content_type = "application/json;charset=utf-8"

    def __init__(self, behaviours=None, default="ok", deliver=True):
        self.behaviours = list(behaviours or [])
        self.default = default
        self.deliver = deliver  # receipts are there at once (QuerySendDetails status 3, a pulled receipt)
        self.records: list[dict] = []  # every message accepted
        self.calls: list[dict] = []  # every send call that recorded messages (action, numbers, behaviour)
        self.drawn: list[str] = []  # the behaviour of every send call, faults included
        self.bad_signatures = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                fake.handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.fake_content_type = self.content_type
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> Counter:
        with self.lock:
            return Counter(r["phone"] for r in self.records)

    def next_behaviour(self):
        with self.lock:
            behaviour = self.behaviours.pop(0) if self.behaviours else self.default
            self.drawn.append(behaviour)
            return behaviour

    @staticmethod
    def reply(handler, status, payload):
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", handler.server.fake_content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass

    def pre(self, handler, behaviour) -> bytes | None:
        """Read the body unless the behaviour drops the connection first."""
        if behaviour == "drop-early":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return None
        return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))

    def post(self, handler, behaviour, status, payload):
        if behaviour.startswith("hang:"):
            time.sleep(float(behaviour.split(":")[1]))
        if behaviour == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        self.reply(handler, status, payload)


class AliyunFake(_Fake):
    """dysmsapi 2017-05-25: SendSms, SendBatchSms, QuerySendDetails; the V3 signature (ACS3-HMAC-SHA256) checked.

    The SDK sends the parameters of an RPC call in the query string (SendBatchSms: the JSON lists in a form
    body) and signs method, path, query, the headers it lists in SignedHeaders and the SHA-256 of the body.
    """

    def handle(self, handler):
        action_hint = handler.headers.get("x-acs-action", "")
        behaviour = self.next_behaviour() if action_hint.startswith("Send") else "ok"
        body = self.pre(handler, behaviour)
        if body is None:
            return
        path, _, query = handler.path.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        if not self.signature_ok(handler, path, params, body):
            with self.lock:
                self.bad_signatures += 1
            # Aliyun's own answer to a wrong secret (the SDK raises it as a ClientException).
            return self.reply(handler, 400, {
                "RequestId": "r", "HostId": "dysmsapi.aliyuncs.com", "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature does not match our calculation.",
                "Recommend": "https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch"})
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
        action = handler.headers.get("x-acs-action")
        if action == "QuerySendDetails":
            return self.reply(handler, 200, self.query(params))
        if behaviour == "500":
            return self.reply(handler, 500, {"Code": "isp.SYSTEM_ERROR", "Message": "system error", "RequestId": "r"})
        if behaviour in ALIYUN_ERRORS:
            return self.reply(handler, 200, {"Code": ALIYUN_ERRORS[behaviour], "Message": behaviour, "RequestId": "r"})
        if action == "SendSms":
            numbers = params["PhoneNumbers"].split(",")
            values = [json.loads(params.get("TemplateParam") or "{}")] * len(numbers)
            signs = [params["SignName"]] * len(numbers)
        else:
            numbers = json.loads(params["PhoneNumberJson"])
            values = json.loads(params["TemplateParamJson"])
            signs = json.loads(params["SignNameJson"])
        biz = f"{uuid.uuid4().int % 10**12}^0"
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
        with self.lock:
            self.calls.append({"action": action, "numbers": numbers, "behaviour": behaviour})
            for number, value, sign in zip(numbers, values, signs, strict=True):
                self.records.append({"phone": number, "params": value, "sign": sign, "out_id": params.get("OutId"),
                                     "biz_id": biz, "template": params["TemplateCode"], "day": now.strftime("%Y%m%d"),
                                     "sent": now.strftime("%Y-%m-%d %H:%M:%S")})
        self.post(handler, behaviour, 200, {"Code": "OK", "Message": "OK", "BizId": biz, "RequestId": "r"})

    def signature_ok(self, handler, path, params, body):
        """ACS3-HMAC-SHA256 as Aliyun documents it (V3 request signature), from the request as received."""
        match = re.fullmatch(r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)",
                             handler.headers.get("Authorization", ""))
        if not match or match.group(1) != self.key_id:
            return False
        signed = match.group(2).split(";")
        required = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                    "x-acs-content-sha256"}
        hashed = hashlib.sha256(body).hexdigest()
        if not required <= set(signed) or handler.headers.get("x-acs-content-sha256") != hashed:
            return False
        when = dt.datetime.strptime(handler.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        if abs((dt.datetime.now(dt.UTC) - when).total_seconds()) > 900:  # Aliyun refuses a stale request
            return False
        query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(params.items()))
        headers = "".join(f"{h}:{(handler.headers.get(h) or '').strip()}\n" for h in signed)
        canonical = "\n".join([handler.command, path or "/", query, headers, ";".join(signed), hashed])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(match.group(3), expected)

    def query(self, params):
        with self.lock:
            rows = [r for r in self.records if r["phone"] == params["PhoneNumber"] and r["day"] == params["SendDate"]]
        dtos = [{"PhoneNum": r["phone"], "SendStatus": 3 if self.deliver else 1, "ErrCode": "DELIVERED",
                 "TemplateCode": r["template"], "Content": "", "SendDate": r["sent"], "ReceiveDate": r["sent"],
                 "OutId": r["out_id"]} for r in rows]
        return {"Code": "OK", "Message": "OK", "TotalCount": len(dtos), "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos}}

    def report(self, success=True):
        """An SmsReport push body for every message accepted so far."""
        with self.lock:
            return [{"phone_number": r["phone"], "send_time": r["sent"], "report_time": r["sent"], "success": success,
                     "err_code": "DELIVERED" if success else "MK:0001", "err_msg": "用户接收成功", "sms_size": "1",
                     "biz_id": r["biz_id"], "out_id": r["out_id"]} for r in self.records]


class TencentFake(_Fake):
    """SMS 2021-01-11: SendSms, PullSmsSendStatusByPhoneNumber, PullSmsSendStatus; TC3-HMAC-SHA256 checked."""

    key_id = "AKIDfake"
    app_id = "1400000001"
    content_type = "application/json"  # exactly what Tencent answers (its SDK reads errors only under this type)

    def __init__(self, *args, bad_numbers=(), throttled_numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.bad_numbers = set(bad_numbers)
        self.throttled_numbers = set(throttled_numbers)
        self.drained = 0
        self.replies: list[dict] = []  # PullSmsReplyStatus records, handed out once like Tencent does

    def handle(self, handler):
        action = handler.headers.get("X-TC-Action", "")
        behaviour = self.next_behaviour() if action == "SendSms" else "ok"
        body = self.pre(handler, behaviour)
        if body is None:
            return
        if not self.signature_ok(handler, body):
            with self.lock:
                self.bad_signatures += 1
            return self.reply(handler, 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                                    "Message": "bad signature"}, "RequestId": "r"}})
        params = json.loads(body)
        if action == "PullSmsSendStatusByPhoneNumber":
            return self.reply(handler, 200, {"Response": {"PullSmsSendStatusSet": self.receipts(params["PhoneNumber"]),
                                                          "RequestId": "r"}})
        if action == "PullSmsSendStatus":
            with self.lock:
                batch, self.drained = self.receipts_all()[self.drained:], len(self.receipts_all())
            return self.reply(handler, 200, {"Response": {"PullSmsSendStatusSet": batch, "RequestId": "r"}})
        if action == "PullSmsReplyStatus":
            with self.lock:
                batch, self.replies = self.replies, []
            return self.reply(handler, 200, {"Response": {"PullSmsReplyStatusSet": batch, "RequestId": "r"}})
        if behaviour == "500":
            return self.reply(handler, 500, {"message": "internal"})
        if behaviour in TENCENT_ERRORS and behaviour != "invalid":
            return self.reply(handler, 200, {"Response": {"Error": {"Code": TENCENT_ERRORS[behaviour],
                                                                    "Message": behaviour}, "RequestId": "r"}})
        statuses = []
        with self.lock:
            self.calls.append({"action": action, "numbers": params["PhoneNumberSet"], "behaviour": behaviour})
            for number in params["PhoneNumberSet"]:
                code = ("InvalidParameterValue.IncorrectPhoneNumber" if number in self.bad_numbers else
                        "LimitExceeded.PhoneNumberDailyLimit" if number in self.throttled_numbers else "Ok")
                serial = f"2433:{uuid.uuid4().int % 10**18}"
                if code == "Ok":
                    self.records.append({"phone": number, "params": params["TemplateParamSet"], "serial": serial,
                                         "context": params.get("SessionContext", ""), "sign": params["SignName"],
                                         "template": params["TemplateId"], "at": int(time.time())})
                statuses.append({"SerialNo": serial if code == "Ok" else "", "PhoneNumber": number, "Fee": 1,
                                 "SessionContext": params.get("SessionContext", ""), "Code": code,
                                 "Message": "send success" if code == "Ok" else code, "IsoCode": "CN"})
        self.post(handler, behaviour, 200, {"Response": {"SendStatusSet": statuses, "RequestId": "r"}})

    def signature_ok(self, handler, body):
        auth = handler.headers.get("Authorization", "")
        timestamp = int(handler.headers.get("X-TC-Timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            return False
        host = handler.headers.get("Host", "")
        content_type = handler.headers.get("Content-Type", "")
        canonical = (f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
                     f"{hashlib.sha256(body).hexdigest()}")
        day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
        scope = f"{day}/sms/tc3_request"
        string = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

        def sign(key, msg):
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = sign(sign(sign(("TC3" + self.secret).encode(), day), "sms"), "tc3_request")
        expected = hmac.new(key, string.encode(), hashlib.sha256).hexdigest()
        return auth == (f"TC3-HMAC-SHA256 Credential={self.key_id}/{scope}, SignedHeaders=content-type;host, "
                        f"Signature={expected}")

    def _receipt(self, r):
        return {"UserReceiveTime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["at"])), "CountryCode": "86",
                "SubscriberNumber": r["phone"][3:], "PhoneNumber": r["phone"], "SerialNo": r["serial"],
                "ReportStatus": "SUCCESS", "Description": "用户短信送达成功", "SessionContext": r["context"]}

    def reply_from(self, phone, text):
        """A customer answers: the record PullSmsReplyStatus hands out."""
        with self.lock:
            self.replies.append({"SignName": "示例商贸", "CountryCode": "86", "SubscriberNumber": phone[3:],
                                 "PhoneNumber": phone, "ReplyContent": text, "ExtendCode": "",
                                 "ReplyTime": time.strftime("%Y-%m-%d %H:%M:%S")})

    def receipts(self, phone):
        with self.lock:
            return [self._receipt(r) for r in self.records if r["phone"] == phone and self.deliver]

    def receipts_all(self):
        return [self._receipt(r) for r in self.records if self.deliver]

    def status_callback(self):
        """A status callback body for every message accepted so far."""
        with self.lock:
            return [{"user_receive_time": time.strftime("%Y-%m-%d %H:%M:%S"), "nationcode": "86",
                     "mobile": r["phone"][3:], "report_status": "SUCCESS", "errmsg": "DELIVRD",
                     "description": "用户短信送达成功", "sid": r["serial"]} for r in self.records]
