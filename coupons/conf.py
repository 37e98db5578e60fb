"""Coupon and SMS settings with their defaults.

Read through these functions (never at import time) so tests can override settings. Each value comes from
Django settings when present, else from the environment variable of the same name, else the default: a
deploy can set them with environment variables without touching config/settings.
"""

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "SMS_BACKEND": "coupons.sms.backends.console.SmsBackend",
    "SMS_FILE_PATH": "",  # the file backend's folder; required by that backend
    "SMS_GATEWAY_URL": "",
    "SMS_GATEWAY_KEY": "",
    "SMS_GATEWAY_CONNECT_TIMEOUT": 5.0,  # seconds; a connect failure is safe to retry (nothing was sent)
    "SMS_GATEWAY_READ_TIMEOUT": 10.0,  # seconds; a read timeout after sending means "unknown"
    "SMS_GATEWAY_MAX_RETRIES": 3,  # retries after the first attempt, on 5xx, 429 and connection errors
    "SMS_GATEWAY_BACKOFF_BASE": 0.5,  # seconds; full jitter in [0, min(cap, base * 2**attempt)]
    "SMS_GATEWAY_BACKOFF_CAP": 8.0,
    "SMS_RATE_PER_SECOND": 20,  # messages per second towards the gateway, shared by workers through the cache
    "SMS_DAILY_CAP_PER_MOBILE": 3,  # marketing messages per mobile number per business day
    "SMS_QUIET_HOURS": "21:00-08:00",  # marketing messages wait until the end; "" switches quiet hours off
    "SMS_QUIET_HOURS_TZ": "Asia/Shanghai",
    "SMS_OPT_OUT_LINE": "回T退订",
    "SMS_SIGNATURE": "【{company}】",  # prefixed to every message; Chinese providers require a signature
    "SMS_MAX_SEGMENTS": 3,  # a campaign template whose sample message needs more is rejected
    "SMS_CALLBACK_TOKEN": "",  # shared secret of the receipt and reply callbacks; empty rejects every call
    "SMS_SENDING_STALE_AFTER": 0,  # seconds before a row stuck in "sending" becomes "unknown"; 0 = computed
    "SMS_SEND_BATCH_LIMIT": 500,  # rows one send_pending task handles before it re-enqueues itself
    "SMS_GATEWAY_IDEMPOTENT": False,  # the generic gateway honours Idempotency-Key: a 5xx may be retried
    # Issue 19: the providers. Secrets only from the environment (never in the database).
    "SMS_ALIYUN_ACCESS_KEY_ID": "",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "",
    "SMS_ALIYUN_ENDPOINT": "",  # default https://dysmsapi.aliyuncs.com
    "SMS_ALIYUN_REGION": "cn-hangzhou",
    # Characters per template variable. Aliyun: "单个变量的长度限制为1~35个字符" (help.aliyun.com/document_detail/
    # 44357.html, 申请短信模板); an account can have it lifted, then only the whole message is capped at 500
    # characters (help.aliyun.com/zh/document_detail/3041859.html): raise the setting to match.
    "SMS_ALIYUN_VARIABLE_MAX_LENGTH": 35,
    "SMS_ALIYUN_BATCH_SIZE": 100,  # messages per SendBatchSms (Aliyun's maximum is 100)
    "SMS_TENCENT_SECRET_ID": "",
    "SMS_TENCENT_SECRET_KEY": "",
    "SMS_TENCENT_SDK_APP_ID": "",
    "SMS_TENCENT_ENDPOINT": "",  # default https://sms.tencentcloudapi.com
    "SMS_TENCENT_REGION": "ap-guangzhou",
    # Tencent: "个人认证用户创建的短信正文模板每个变量取值最多支持12个字。企业认证用户没有变量取值长度限制"
    # (cloud.tencent.com/document/product/382/40659, 正文模板审核标准, and 382/40653: mainland China SMS needs
    # organisation verification). A distributor is an enterprise: no per-variable limit, only the 500-character
    # message. 0 = no limit; set it (e.g. 12, or 6 as some FAQ pages say) if your account's templates refuse
    # longer values (SendSms then fails InvalidParameterValue.TemplateParameterLengthLimit).
    "SMS_TENCENT_VARIABLE_MAX_LENGTH": 0,
    "SMS_TENCENT_ABSENT_AFTER": 7200.0,  # seconds without a receipt before Tencent "never had" a message
    "SMS_TENCENT_PULL": False,  # pull receipts and replies every minute (for an account without callbacks)
    # A throttled or unreachable provider: the message waits this long (seconds) before each next try; after
    # the last it is failed (a manager can requeue it). About 20 hours in all.
    "SMS_DEFER_BACKOFF": "60,300,1800,3600,7200,21600,43200",
    "SMS_UNKNOWN_RESOLVE_AFTER": 60.0,  # seconds before an `unknown` message is looked up at the provider
    # Any reply containing one of these opts the number out; Latin ones must stand alone (T, TD), not in a word.
    "SMS_OPT_OUT_PHRASES": "退订,TD,T,不要再发,拒收",
    "COUPON_CODE_LENGTH": 10,
    "COUPON_RESULTS_WINDOW_DAYS": 30,
}

# Crockford-style alphabet: no 0/O, 1/I/L, U: codes read aloud over the phone are not mistaken.
COUPON_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def get(name: str) -> Any:
    """The setting `name`: Django settings, then the environment, then DEFAULTS (cast to the default's type)."""
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int | float | Decimal):
        return type(default)(raw)
    return raw


def company_name() -> str:
    return getattr(settings, "COMPANY_NAME", "") or ""


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    """(start, end) of the quiet hours, or None when switched off. "21:00-08:00" spans midnight."""
    text = str(get("SMS_QUIET_HOURS") or "").strip()
    if not text:
        return None
    start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-", 1))
    return start, end


def sending_stale_after() -> float:
    """Seconds after which a row left in "sending" is given up as unknown.

    It must outlast the longest a backend call can legitimately take (every attempt timing out plus every
    backoff), or a live worker's row would be declared unknown while it is still talking to the gateway.
    """
    configured = float(get("SMS_SENDING_STALE_AFTER") or 0)
    if configured > 0:
        return configured
    tries = int(get("SMS_GATEWAY_MAX_RETRIES")) + 1
    worst = tries * (float(get("SMS_GATEWAY_CONNECT_TIMEOUT")) + float(get("SMS_GATEWAY_READ_TIMEOUT")))
    worst += tries * float(get("SMS_GATEWAY_BACKOFF_CAP"))
    return worst + 60.0


def defer_backoff() -> list[float]:
    """Seconds to wait before each next try of a deferred message (SMS_DEFER_BACKOFF)."""
    return [float(x) for x in str(get("SMS_DEFER_BACKOFF")).split(",") if x.strip()]


def opt_out_phrases() -> list[str]:
    raw = get("SMS_OPT_OUT_PHRASES")
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(p).strip() for p in items if str(p).strip()]
