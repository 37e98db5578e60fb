"""REST API for snapshots, period summaries, runs and grading policies (issue 3 item 6)."""

from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.filters import SnapshotAsRecordedFilter
from analytics.models import CustomerSnapshot, GradingPolicy, PeriodSummary, SnapshotRun
from analytics.periods import fmt, parse_period
from analytics.selectors import latest_period, period_summaries, snapshot_list, snapshot_runs
from analytics.services.policies import policy_set
from analytics.summaries import period_summaries_for
from core.api_fields import CODE_IN_PATH, StrictCharField, StrictModelSerializer
from customers.permissions import IsAdminRole


class SnapshotSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    customer_name = StrictCharField(source="customer.name", read_only=True)
    region = StrictCharField(source="region.path", default=None, allow_null=True, read_only=True)
    salesperson = StrictCharField(source="salesperson.name", default=None, allow_null=True, read_only=True)
    churn_reasons = serializers.SerializerMethodField(
        help_text="Codes of the churn risk's top reasons, strongest first (empty without a risk).")

    class Meta:
        model = CustomerSnapshot
        fields = [
            "period", "code", "customer_name", "region", "salesperson", "grade", "computed_grade", "previous_grade",
            "movement", "override_active", "score", "sales", "orders", "profit", "mom_growth", "yoy_growth",
            "lifecycle", "is_new", "days_since_last_order", "sales_surge", "sales_plunge", "orders_surge",
            "orders_plunge", "receivable", "overdue", "first_order_date", "last_order_date", "last_visit_date",
            "last_coupon_date", "rfm_r", "rfm_f", "rfm_m", "rfm_segment", "quadrant", "action", "action_reason",
            "churn_risk", "churn_reasons",
        ]

    def get_period(self, obj: CustomerSnapshot) -> str:
        return fmt(obj.period)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_churn_reasons(self, obj: CustomerSnapshot) -> list[str]:
        return obj.churn_reasons.split()


ORDERING = [f for f in SnapshotSerializer.Meta.fields
            if f not in ("period", "customer_name", "region", "salesperson", "churn_reasons")]
# The row's own columns and the three joined ones the serializer reads, not every column of the customer, region
# and salesperson: 0.8 ms less a page of 50 (reference data).
COLUMNS = [*(f.name for f in CustomerSnapshot._meta.concrete_fields), "customer__name", "region__path",
           "salesperson__name"]


class SnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Snapshot rows of the caller's customers; `period` defaults to the latest computed one."""

    queryset = CustomerSnapshot.objects.none()  # for the schema; requests use get_queryset (scoped)
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotAsRecordedFilter
    ordering_fields = [*ORDERING, "customer__name", "region__path", "salesperson__name"]
    ordering = ["code"]
    lookup_field = "code"
    lookup_value_regex = CODE_IN_PATH

    def get_queryset(self):
        qs = snapshot_list(user=self.request.user).only(*COLUMNS)
        # A blank period (" ") is no period, as the filter sees it (it strips): the latest one, not every period at
        # once (a detail lookup across periods was a 500).
        if not (self.request.query_params.get("period") or "").strip():
            period = latest_period()
            qs = qs.filter(period=period) if period else qs.none()
        return qs


class PeriodSummarySerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)

    class Meta:
        model = PeriodSummary
        fields = ["period", "policy_version", "customers", "buying_customers", "orders", "sales", "avg_order_value",
                  "data", "computed_at", "first_computed_at", "restated", "restated_reason"]

    def get_period(self, obj: PeriodSummary) -> str:
        return fmt(obj.period)


class PeriodSummaryViewSet(viewsets.ReadOnlyModelViewSet):
    """Period summaries over the caller's customers: the stored company-wide figures for an admin or a company-wide
    manager, the same figures computed over exactly their customers for anyone else (analytics.summaries)."""

    queryset = PeriodSummary.objects.none()
    serializer_class = PeriodSummarySerializer
    lookup_field = "period"
    lookup_value_regex = r"\d{4}-\d{2}"
    filter_backends: list[Any] = []

    def get_queryset(self):
        return period_summaries()

    def get_object(self) -> PeriodSummary:
        try:
            period = parse_period(self.kwargs["period"])
        except ValueError as exc:
            raise Http404 from exc
        found = self.get_queryset().filter(period=period).first()
        if found is None:
            raise Http404
        return period_summaries_for(user=self.request.user, rows=[found])[0]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = period_summaries_for(user=request.user, rows=list(self.get_queryset() if page is None else page))
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)


class SnapshotRunSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)

    class Meta:
        model = SnapshotRun
        fields = ["id", "kind", "period", "as_of", "policy_version", "status", "started_at", "finished_at",
                  "seconds_aggregate", "seconds_engine", "seconds_write", "rows", "error", "restated", "reason"]

    def get_period(self, obj: SnapshotRun) -> str:
        return fmt(obj.period)


class ComputeRequestSerializer(serializers.Serializer):
    # The months parse_period takes (year 0 and month 00 or 13 were schema-valid 400s).
    period = serializers.RegexField(r"^[1-9]\d{3}-(?:0[1-9]|1[0-2])$")
    policy_version = serializers.IntegerField(required=False, allow_null=True)
    reason = StrictCharField(required=False, allow_blank=True, max_length=255)


class SnapshotRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Snapshot runs (admins): list them, or queue the computation of a period."""

    queryset = SnapshotRun.objects.none()
    serializer_class = SnapshotRunSerializer
    permission_classes = [IsAdminRole]
    filterset_fields = ["status", "kind"]
    ordering_fields = ["started_at", "period"]

    def get_queryset(self):
        return snapshot_runs()

    @extend_schema(request=ComputeRequestSerializer, responses={202: ComputeRequestSerializer})
    def create(self, request: Request) -> Response:
        from analytics.tasks import compute_period

        data = ComputeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            parse_period(data.validated_data["period"])
        except ValueError as exc:
            raise serializers.ValidationError({"period": [str(exc)]}) from exc
        if data.validated_data.get("policy_version") and not GradingPolicy.objects.filter(
            version=data.validated_data["policy_version"]
        ).exists():
            raise serializers.ValidationError({"policy_version": ["no such policy version"]})
        args = (data.validated_data["period"], data.validated_data.get("policy_version"),
                data.validated_data.get("reason", ""))
        transaction.on_commit(lambda: compute_period.delay(*args))
        return Response(data.validated_data, status=status.HTTP_202_ACCEPTED)


class PolicySerializer(StrictModelSerializer):
    # An object, as the policy service requires (a JSON number was a schema-valid 400). DRF's serializer metaclass
    # pops declared fields off the class, so this never shadows Serializer.data; the stubs see a clash.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="the policy file (docs/policy.md): every section optional, unknown keys refused")
    created_by = StrictCharField(source="created_by.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = GradingPolicy
        fields = ["version", "data", "is_active", "created_at", "created_by", "comment"]
        read_only_fields = ["version", "is_active", "created_at", "created_by"]


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Grading policy versions: everyone signed in reads; admins create (a new version becomes active)."""

    queryset = GradingPolicy.objects.none()
    serializer_class = PolicySerializer
    lookup_field = "version"
    filter_backends: list[Any] = []

    def get_queryset(self):
        return GradingPolicy.objects.select_related("created_by").order_by("-version")

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsAdminRole()]
        return super().get_permissions()

    def create(self, request: Request) -> Response:
        data = PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A PolicyError answers 400 {"data": [problems]} (config/api_errors.py).
        row = policy_set(data=data.validated_data["data"], user=request.user,
                         comment=data.validated_data.get("comment", ""))
        return Response(PolicySerializer(row).data, status=status.HTTP_201_CREATED)
