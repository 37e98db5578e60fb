"""Writes of the coupons app (HackSoft style: keyword-only, one transaction each, domain errors)."""

from coupons.messages import CouponError

from . import provider_callbacks
from .audience import SKIP_REASONS, Skip
from .callbacks import delivery_receipt_apply, is_opt_out, sms_reply_apply
from .campaigns import campaign_check_usable, campaign_create, campaign_update, campaign_validate
from .care import care_rule_run, care_rules_run, care_segment
from .codes import coupon_code_new
from .outbox import outbox_relay, outbox_send_soon
from .resolve import coupon_issue_requeue_failed, coupon_issue_resolve_unknown, sms_alert_clear, sms_pull
from .send import Preview, SendReport, coupon_campaign_send, send_preview
from .testsend import campaign_test_send, test_send_mobile
from .worker import BatchResult, coupon_issue_expire_stale, coupon_issue_send_batch

__all__ = [
    "SKIP_REASONS", "BatchResult", "CouponError", "Preview", "SendReport", "Skip", "campaign_check_usable",
    "campaign_create", "campaign_update", "campaign_validate", "care_rule_run", "care_rules_run", "care_segment",
    "coupon_campaign_send", "coupon_code_new", "coupon_issue_expire_stale", "coupon_issue_send_batch",
    "coupon_issue_requeue_failed", "coupon_issue_resolve_unknown", "delivery_receipt_apply", "is_opt_out",
    "campaign_test_send", "outbox_relay", "outbox_send_soon", "provider_callbacks", "send_preview",
    "sms_alert_clear", "sms_pull", "sms_reply_apply", "test_send_mobile",
]
