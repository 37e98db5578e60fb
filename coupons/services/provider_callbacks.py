"""Receipts and replies pushed (or pulled) from Aliyun and Tencent Cloud, fed to the common handlers (issue 19).

Aliyun SmsReport: [{"phone_number", "send_time", "report_time", "success", "err_code", "err_msg", "biz_id",
"out_id", ...}]; SmsUp: [{"phone_number", "send_time", "content", "sign_name", "dest_code", "sequence_id"}].
Tencent status: [{"user_receive_time", "nationcode", "mobile", "report_status", "errmsg", "description",
"sid"}]; reply: {"extend", "mobile", "nationcode", "sign", "text", "time"}; the pulled forms use the API's
field names (PullSmsSendStatusSet, PullSmsReplyStatusSet). A payload of any other shape is refused whole
(ValueError) before anything changes.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.phones import normalize_mobile

from .callbacks import delivery_receipt_apply, sms_reply_apply


def _mobile(number: Any, country: Any = "") -> str:
    raw = f"{country or ''}{number or ''}" if country and not str(number).startswith("+") else str(number or "")
    try:
        return normalize_mobile(raw if not country or raw.startswith("+") else f"+{raw}")
    except ValidationError as exc:
        raise ValueError(f"not a mobile number: {number!r}") from exc


def _local(text: Any) -> dt.datetime | None:
    """'2026-12-07 08:03:04' in the providers' time (Beijing), or a unix timestamp, as an aware datetime."""
    if text in (None, ""):
        return None
    if isinstance(text, int | float) or str(text).isdigit():
        return dt.datetime.fromtimestamp(int(text), dt.UTC)
    try:
        return dt.datetime.strptime(f"{text} +0800", "%Y-%m-%d %H:%M:%S %z")
    except ValueError as exc:
        raise ValueError(f"not a time: {text!r}") from exc


def _items(payload: Any, required: tuple[str, ...]) -> list[dict[str, Any]]:
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(i, dict) and all(k in i for k in required) for i in items):
        raise ValueError(f"expected objects with {', '.join(required)}")
    return items


@transaction.atomic
def aliyun_report_apply(payload: Any) -> int:
    """SmsReport: each receipt settles its message (by OutId and number, or BizId and number)."""
    parsed = [(i, _mobile(i["phone_number"]), _local(i.get("report_time"))) for i in
              _items(payload, ("phone_number", "success"))]
    return sum(delivery_receipt_apply(
        status="delivered" if item["success"] in (True, "true", "True") else "undelivered",
        message_id=str(item.get("biz_id") or ""), batch=str(item.get("out_id") or ""), mobile=mobile,
        delivered_at=when, error=f"{item.get('err_code') or ''} {item.get('err_msg') or ''}".strip(),
        provider="aliyun") for item, mobile, when in parsed)


@transaction.atomic
def aliyun_up_apply(payload: Any) -> int:
    """SmsUp: each reply is logged; an opt-out phrase opts the number out."""
    parsed = [(i, _mobile(i["phone_number"]), _local(i.get("send_time"))) for i in
              _items(payload, ("phone_number", "content"))]
    for item, mobile, when in parsed:
        reply_id = f"aliyun-{item['sequence_id']}" if item.get("sequence_id") not in (None, "") else None
        sms_reply_apply(mobile=mobile, text=str(item["content"]), received_at=when, reply_id=reply_id)
    return len(parsed)


@transaction.atomic
def tencent_status_apply(payload: Any) -> int:
    """Status callback (or PullSmsSendStatus records): each settles its message by SerialNo, or SessionContext."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "SerialNo" in payload[0]:
        items = [{"sid": i.get("SerialNo"), "mobile": i.get("PhoneNumber"), "nationcode": "",
                  "report_status": i.get("ReportStatus"), "description": i.get("Description"),
                  "user_receive_time": i.get("UserReceiveTime"), "ext": i.get("SessionContext")} for i in payload]
    else:
        items = _items(payload, ("mobile", "report_status", "sid"))
    parsed = [(i, _mobile(i["mobile"], i.get("nationcode")), _local(i.get("user_receive_time"))) for i in items]
    return sum(delivery_receipt_apply(
        status="delivered" if item["report_status"] == "SUCCESS" else "undelivered",
        message_id=str(item.get("sid") or ""), batch=str(item.get("ext") or ""), mobile=mobile, delivered_at=when,
        error=f"{item.get('errmsg') or ''} {item.get('description') or ''}".strip(), provider="tencent")
        for item, mobile, when in parsed)


@transaction.atomic
def tencent_reply_apply(payload: Any) -> int:
    """Reply callback (or PullSmsReplyStatus records): each reply is logged; opt-out phrases opt out."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "ReplyContent" in payload[0]:
        items = [{"mobile": i.get("PhoneNumber"), "nationcode": "", "text": i.get("ReplyContent"),
                  "time": i.get("ReplyTime")} for i in payload]
    else:
        items = _items(payload, ("mobile", "text"))
    parsed = [(i, _mobile(i["mobile"], i.get("nationcode")), _local(i.get("time"))) for i in items]
    for item, mobile, when in parsed:
        reply_id = f"tencent-{mobile}-{item['time']}" if item.get("time") not in (None, "") else None
        sms_reply_apply(mobile=mobile, text=str(item["text"]), received_at=when, reply_id=reply_id)
    return len(parsed)
