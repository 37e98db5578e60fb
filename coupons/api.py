"""REST API of the coupons app (/api/v1/): campaigns, sending, coupon issues, gateway callbacks."""

import hmac
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_fields import StrictCharField, StrictModelSerializer
from customers.roles import is_manager_or_admin, user_role

from . import conf, selectors, services
from .models import Campaign, CouponIssue
from .selection import selection_resolve

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description="A fresh random key per confirmed send; repeating it replays the first answer.",
)


# ---- serializers ------------------------------------------------------------------------------------------
class CampaignSerializer(StrictModelSerializer):
    value_display = StrictCharField(read_only=True)
    created_by = StrictCharField(source="created_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "kind", "value", "value_display", "min_spend", "valid_from", "valid_to",
                  "sms_template", "provider", "provider_template_id", "provider_sign_name", "provider_template_text",
                  "provider_variables", "marketing", "sms_error", "active", "created_by", "created_at", "updated_at"]
        read_only_fields = ["sms_error", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        probe = Campaign(**{f: getattr(self.instance, f) for f in services.campaigns.FIELDS} if self.instance else {})
        for name, value in attrs.items():
            setattr(probe, name, value)
        try:
            services.campaign_validate(probe)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return attrs


class SkipSerializer(serializers.Serializer):
    code = StrictCharField()
    name = StrictCharField(allow_blank=True)
    reason = serializers.ChoiceField(choices=sorted(services.SKIP_REASONS))
    reason_label = serializers.SerializerMethodField()

    def get_reason_label(self, obj: dict[str, str]) -> str:
        return str(services.SKIP_REASONS.get(obj["reason"], obj["reason"]))


class SendInputSerializer(serializers.Serializer):
    codes = serializers.ListField(child=StrictCharField(max_length=32), required=False, default=list,
                                  max_length=5000)
    all = serializers.BooleanField(required=False, default=False, help_text="every customer matching `filters`")
    filters = serializers.DictField(child=StrictCharField(), required=False, default=dict,
                                    help_text="the customer list's filters (with all=true)")


class SendReportSerializer(serializers.Serializer):
    send_request_id = serializers.IntegerField()
    campaign_id = serializers.IntegerField()
    requested = serializers.IntegerField()
    queued = serializers.IntegerField()
    skipped = SkipSerializer(many=True)
    scheduled_for = serializers.DateTimeField(allow_null=True)
    replayed = serializers.BooleanField()
    at_cap = serializers.ListField(child=StrictCharField(), help_text=(
        "customers whose number reaches the daily cap with this message: if another send reaches the number "
        "first, this message is skipped at send time"))


class PreviewSerializer(serializers.Serializer):
    message = StrictCharField()
    encoding = StrictCharField(source="segments.encoding")
    length = serializers.IntegerField(source="segments.length")
    segments = serializers.IntegerField(source="segments.count")
    recipients = serializers.IntegerField()
    skipped = SkipSerializer(many=True, source="skipped_dicts")
    scheduled_for = serializers.DateTimeField(allow_null=True)


class CouponIssueSerializer(serializers.ModelSerializer):
    customer_code = StrictCharField(source="customer.code", read_only=True)
    customer_name = StrictCharField(source="customer.name", read_only=True)

    class Meta:
        model = CouponIssue
        fields = ["id", "campaign", "customer_code", "customer_name", "code", "mobile", "status",
                  "provider_message_id", "batch_ref", "error", "attempts", "deferrals", "resends", "queued_at",
                  "scheduled_for", "sending_at", "sent_at", "delivered_at", "send_request"]
        read_only_fields = fields


class ReceiptSerializer(serializers.Serializer):
    message_id = StrictCharField(required=False, allow_blank=True, default="", max_length=64)
    reference = StrictCharField(required=False, allow_blank=True, default="", max_length=64)
    status = serializers.ChoiceField(choices=sorted(services.callbacks.RECEIPT_STATUSES))
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    error = StrictCharField(required=False, allow_blank=True, default="", max_length=500)


class ReplySerializer(serializers.Serializer):
    mobile = StrictCharField(max_length=32)
    text = StrictCharField(allow_blank=True, max_length=1000)
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reply_id = StrictCharField(required=False, allow_null=True, default=None, max_length=64)


# ---- permissions ------------------------------------------------------------------------------------------
class CampaignPermission(permissions.BasePermission):
    """Every role reads and uses campaigns; only managers and admins create or change them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if user_role(request.user) is None:
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in {"send", "preview"}:
            return True
        return is_manager_or_admin(request.user)


class CallbackTokenPermission(permissions.BasePermission):
    """The gateway proves itself with the shared secret SMS_CALLBACK_TOKEN in X-Callback-Token."""

    message = "bad or missing callback token"

    def has_permission(self, request: Request, view: Any) -> bool:
        expected = str(conf.get("SMS_CALLBACK_TOKEN") or "")
        given = request.headers.get("X-Callback-Token", "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# ---- views ------------------------------------------------------------------------------------------------
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Coupon campaigns: all roles list and use them; managers and admins create and edit them."""

    serializer_class = CampaignSerializer
    permission_classes = [permissions.IsAuthenticated, CampaignPermission]
    filterset_fields = ["active", "kind"]
    ordering_fields = ["created_at", "valid_to", "name"]
    queryset = Campaign.objects.none()  # for the schema; get_queryset scopes

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.campaign_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = _domain(services.campaign_create, user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = _domain(services.campaign_update, user=self.request.user, campaign=serializer.instance,
                                      **serializer.validated_data)

    def _selection(self, request: Request) -> tuple[Any, dict[str, Any]]:
        data = SendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _domain(selection_resolve, user=request.user, codes=data.validated_data["codes"],
                       select_all=data.validated_data["all"], filters=data.validated_data["filters"])

    @extend_schema(request=SendInputSerializer, responses=PreviewSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        """What a send would do: the message, its segments, how many get it, who is skipped and why."""
        campaign = self.get_object()
        customers, selection = self._selection(request)
        preview = _domain(services.send_preview, user=request.user, campaign=campaign, customers_qs=customers,
                          selection=selection)
        preview.skipped_dicts = [s.as_dict() for s in preview.skipped]
        return Response(PreviewSerializer(preview).data)

    @extend_schema(
        request=SendInputSerializer, parameters=[IDEMPOTENCY_HEADER],
        responses={201: SendReportSerializer, 200: OpenApiResponse(SendReportSerializer, "a replayed answer"),
                   422: OpenApiResponse(description="the key was used for a different send")},
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Send the campaign to the selected customers (yours only), exactly once per customer."""
        campaign = self.get_object()
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise ValidationError({"Idempotency-Key": "this header is required"})
        customers, selection = self._selection(request)
        # A CouponError (a key reused for a different send: 422) is answered by config/api_errors.py.
        report = services.coupon_campaign_send(user=request.user, campaign=campaign, customers_qs=customers,
                                               idempotency_key=key, selection=selection)
        body = SendReportSerializer({**report.as_dict(), "replayed": report.replayed}).data
        headers = {"Idempotent-Replayed": "true"} if report.replayed else {}
        return Response(body, status=200 if report.replayed else 201, headers=headers)


# An id beyond a bigint reached the database and failed there (a 500); it is a 400 now.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A row id: a whole number that fits a bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class CouponIssueFilter(filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id")
    status = filters.ChoiceFilter(choices=CouponIssue.Status.choices)
    send_request = IdFilter(field_name="send_request_id")

    class Meta:
        model = CouponIssue
        fields = ["campaign", "status", "send_request"]


class CouponIssueViewSet(viewsets.ReadOnlyModelViewSet):
    """Coupon issues of your customers (others' are 404), filtered by campaign, status or send request."""

    serializer_class = CouponIssueSerializer
    filterset_class = CouponIssueFilter
    ordering_fields = ["queued_at", "sent_at", "status"]
    queryset = CouponIssue.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.coupon_issue_list(user=self.request.user)


class _CallbackApi(APIView):
    authentication_classes: list[Any] = []
    parser_classes = [JSONParser]  # the gateway posts JSON; a form cannot carry the receipts' array
    permission_classes = [CallbackTokenPermission]
    throttle_classes: list[Any] = []


class SmsReceiptApi(_CallbackApi):
    """Delivery receipts from the gateway: a JSON array; each updates its row to delivered or undelivered."""

    @extend_schema(
        request=ReceiptSerializer(many=True), auth=[],
        parameters=[OpenApiParameter("X-Callback-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        responses=inline_serializer("ReceiptResult", {"received": serializers.IntegerField(),
                                                      "updated": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        data = ReceiptSerializer(data=request.data, many=True)
        data.is_valid(raise_exception=True)
        updated = sum(services.delivery_receipt_apply(**item) for item in data.validated_data)
        return Response({"received": len(data.validated_data), "updated": updated})


class SmsReplyApi(_CallbackApi):
    """A customer's reply: T, TD or 退订 opts every customer with that number out of SMS."""

    @extend_schema(
        request=ReplySerializer, auth=[],
        parameters=[OpenApiParameter("X-Callback-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        responses=inline_serializer("ReplyResult", {"action": StrictCharField(),
                                                    "customers": serializers.ListField(child=StrictCharField())}),
    )
    def post(self, request: Request) -> Response:
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.sms_reply_apply(**data.validated_data)
        return Response({"action": reply.action, "customers": reply.customers}, status=status.HTTP_200_OK)


PROVIDER_CALLBACKS: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {
    ("aliyun", "report"): (services.provider_callbacks.aliyun_report_apply, {"code": 0, "msg": "成功"}),
    ("aliyun", "up"): (services.provider_callbacks.aliyun_up_apply, {"code": 0, "msg": "成功"}),
    ("tencent", "status"): (services.provider_callbacks.tencent_status_apply, {"result": 0, "errmsg": "OK"}),
    ("tencent", "reply"): (services.provider_callbacks.tencent_reply_apply, {"result": 0, "errmsg": "OK"}),
}


class ProviderCallbackApi(APIView):
    """Receipts and replies pushed by Aliyun (SmsReport, SmsUp) and Tencent Cloud (status, reply callbacks).

    Neither provider signs its pushes, so the callback URL carries the shared secret SMS_CALLBACK_TOKEN:
    /api/v1/sms/<provider>/<token>/<kind>/. A wrong token is a 403, an unknown provider or kind a 404 and a
    payload of the wrong shape a 400; none changes anything. The answer is the one each provider documents.
    """

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes = [JSONParser]
    throttle_classes: list[Any] = []

    @extend_schema(request=OpenApiTypes.OBJECT, auth=[], responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, provider: str, token: str, kind: str) -> Response:
        expected = str(conf.get("SMS_CALLBACK_TOKEN") or "")
        handler = PROVIDER_CALLBACKS.get((provider, kind))
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return Response({"detail": "bad or missing callback token"}, status=status.HTTP_403_FORBIDDEN)
        if handler is None:
            return Response({"detail": "unknown callback"}, status=status.HTTP_404_NOT_FOUND)
        apply, answer = handler
        try:
            apply(request.data)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(answer)


def _domain(func: Any, **kwargs: Any) -> Any:
    """Call a service, turning Django's errors into DRF's 400 / 403 (its CouponError: config/api_errors.py)."""
    try:
        return func(**kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
