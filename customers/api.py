"""REST API for customers and visits. Every queryset goes through the scoping selector."""

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound

from core.api_fields import CODE_IN_PATH, StrictCharField, StrictModelSerializer

from .models import Customer, Visit
from .selectors import customer_get, customer_list, scoped
from .services import visit_log


class CustomerFilter(filters.FilterSet):
    region = filters.CharFilter(method="filter_region", label="region path (includes sub-regions)")
    salesperson = filters.CharFilter(field_name="owner__name")
    search = filters.CharFilter(method="filter_search", label="name, code or mobile contains")
    opted_out = filters.BooleanFilter(field_name="sms_opt_out_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Customer
        fields = ["code", "credit_days", "shop_type"]

    def filter_region(self, qs, name, value):
        return qs.filter(region__path=value) | qs.filter(region__path__startswith=value + "/")

    def filter_search(self, qs, name, value):
        return qs.filter(name__icontains=value) | qs.filter(code__icontains=value) | qs.filter(mobile__contains=value)


class CustomerSerializer(serializers.ModelSerializer):
    region = StrictCharField(source="region.path", default=None, allow_null=True, read_only=True)
    salesperson = StrictCharField(source="owner.name", default=None, allow_null=True, read_only=True)
    sms_opt_out = serializers.BooleanField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "code", "name", "region", "salesperson", "contact", "mobile", "address", "tags", "shop_type", "first_seen",
            "credit_days", "birthday", "sms_opt_out", "sms_opt_out_at", "last_visit_date", "last_coupon_date",
            "override_grade", "override_reason", "override_until",
        ]


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers the caller may see (a salesperson: their own; a regional manager: their regions)."""

    queryset = Customer.objects.none()  # for the schema; requests use get_queryset (scoped)
    serializer_class = CustomerSerializer
    lookup_field = "code"
    lookup_value_regex = CODE_IN_PATH
    filterset_class = CustomerFilter
    ordering_fields = ["code", "name", "first_seen", "last_visit_date", "last_coupon_date", "credit_days"]
    ordering = ["code"]

    def get_queryset(self):
        return customer_list(user=self.request.user)


class VisitSerializer(StrictModelSerializer):
    customer = StrictCharField(source="customer.code")
    salesperson = StrictCharField(source="salesperson.name", default=None, allow_null=True, read_only=True)
    # The caller when logged through the API; the importing user (or null) for imported visits.
    logged_by = StrictCharField(source="logged_by.username", default=None, allow_null=True, read_only=True)
    note = StrictCharField(trim_whitespace=True, help_text="The outcome: what was said, agreed or ordered.")

    class Meta:
        model = Visit
        fields = ["id", "customer", "salesperson", "logged_by", "date", "kind", "note", "next_date", "created_at"]
        read_only_fields = ["id", "salesperson", "logged_by", "created_at"]


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Visits of the caller's customers; logging one for a customer outside the caller's scope is a 404."""

    queryset = Visit.objects.none()
    serializer_class = VisitSerializer
    filterset_fields = ["kind", "date"]
    ordering_fields = ["date", "created_at"]
    ordering = ["-date", "-id"]

    def get_queryset(self):
        return scoped(Visit.objects.select_related("customer", "salesperson", "logged_by"), user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        customer = customer_get(user=self.request.user, code=data["customer"]["code"])
        if customer is None:
            raise NotFound(f"no such customer: {data['customer']['code']}")
        # A VisitError is a DomainError: config.api_errors answers it as a 400 naming its field.
        serializer.instance = visit_log(
            customer=customer, user=self.request.user, date=data["date"], kind=data.get("kind", "onsite"),
            note=data["note"], next_date=data.get("next_date"),
        )
