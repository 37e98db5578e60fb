"""REST API of the admin tuning (issue 6 item 6): overrides, reassignment, merges, users and API tokens.

Overrides and reassignment: admins and managers (a customer outside a manager's scope answers 404);
merges, users and tokens: admins. Every write goes through `customers.services_admin` (audited).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_fields import CODE_IN_PATH, StrictCharField

from .forms import reassign_targets
from .models import GRADES, Customer, ManagerRegion, Region, Salesperson
from .permissions import IsAdminRole, IsManagerOrAdminRole
from .roles import COMPANY_WIDE, MANAGER, ROLES
from .selectors import customer_get, customer_list, salespeople_visible
from .services_admin import (
    customer_override_clear,
    customer_override_set,
    customers_merge,
    customers_reassign,
    salesperson_customers,
    salesperson_deactivate,
    user_create,
    user_password_set,
    user_role_set,
    user_set_active,
    user_token_create,
    user_token_revoke,
)

# Overrides ------------------------------------------------------------------------------------------------------

class OverrideInputSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=GRADES)
    reason = StrictCharField(max_length=255)
    until = serializers.DateField(help_text="last day the override holds (inclusive); not in the past")


class OverrideSerializer(serializers.ModelSerializer):
    grade = serializers.ChoiceField(source="override_grade", choices=GRADES, read_only=True)
    reason = StrictCharField(source="override_reason", read_only=True)
    until = serializers.DateField(source="override_until", read_only=True, allow_null=True)
    by = StrictCharField(source="override_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = ["code", "grade", "reason", "until", "by"]
        read_only_fields = ["code"]


class CustomerOverrideViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A customer's manual grade override: read, set (PUT) or clear (DELETE). Admins and managers in scope.

    The override is the resource: a customer without one answers 404 to GET and DELETE; PUT creates or replaces it.
    """

    serializer_class = OverrideSerializer
    permission_classes = [IsManagerOrAdminRole]
    lookup_field = "code"
    lookup_value_regex = CODE_IN_PATH
    filter_backends: list[Any] = []

    def get_queryset(self):
        return customer_list(user=self.request.user).select_related("override_by")

    def _existing(self) -> Customer:
        customer = self.get_object()
        if not customer.override_grade:
            raise Http404("no override")
        return customer

    def retrieve(self, request: Request, code: str) -> Response:
        return Response(OverrideSerializer(self._existing()).data)

    @extend_schema(request=OverrideInputSerializer, responses=OverrideSerializer)
    def update(self, request: Request, code: str) -> Response:
        customer = self.get_object()
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_override_set(customer=customer, by=request.user, **data.validated_data)
        return Response(OverrideSerializer(customer).data)

    def destroy(self, request: Request, code: str) -> Response:
        customer_override_clear(customer=self._existing(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Reassignment ---------------------------------------------------------------------------------------------------

class ReassignSerializer(serializers.Serializer):
    customers = serializers.ListField(child=StrictCharField(max_length=32), required=False, default=list,
                                      help_text="customer codes to move")
    from_salesperson = StrictCharField(required=False, allow_blank=True, default="",
                                             help_text="move every customer of this salesperson (name)")
    to_salesperson = StrictCharField(help_text="the salesperson (name) who takes them")
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=255)


class ReassignResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField()
    customers = serializers.ListField(child=StrictCharField())
    to_salesperson = StrictCharField()


class ReassignmentViewSet(viewsets.GenericViewSet):
    """Move one customer, a selection, or all of a salesperson's customers to another (admins and managers)."""

    serializer_class = ReassignSerializer
    permission_classes = [IsManagerOrAdminRole]
    filter_backends: list[Any] = []

    @extend_schema(request=ReassignSerializer, responses=ReassignResultSerializer)
    def create(self, request: Request) -> Response:
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        to = reassign_targets(user).filter(name=v["to_salesperson"]).first()
        if to is None:
            raise NotFound(f"no such active salesperson: {v['to_salesperson']}")
        chosen: dict[int, Customer] = {}
        for code in dict.fromkeys(v["customers"]):
            customer = customer_get(user=user, code=code)
            if customer is None:
                raise Http404(f"no such customer: {code}")
            chosen[customer.pk] = customer
        if v["from_salesperson"]:
            source = salespeople_visible(user=user).filter(name=v["from_salesperson"]).first()
            if source is None:
                raise NotFound(f"no such salesperson: {v['from_salesperson']}")
            chosen.update((c.pk, c) for c in salesperson_customers(salesperson=source, user=user))
        if not chosen:
            raise ValidationError({"customers": ["give customer codes or from_salesperson"]})
        moved = customers_reassign(customers=list(chosen.values()), to=to, by=user, reason=v["reason"])
        codes = sorted(c.code for c in chosen.values())
        return Response({"moved": moved, "customers": codes, "to_salesperson": to.name})


# Merges ---------------------------------------------------------------------------------------------------------

class MergeSerializer(serializers.Serializer):
    survivor = StrictCharField(max_length=32, help_text="code of the customer that stays")
    merged = StrictCharField(max_length=32, help_text="code of the duplicate folded into it")
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=255)


class MergeReportSerializer(serializers.Serializer):
    survivor = StrictCharField()
    merged = StrictCharField()
    moved = serializers.DictField(child=serializers.IntegerField())
    deleted = serializers.DictField(child=serializers.IntegerField())
    coupon_conflicts = serializers.ListField(child=serializers.DictField())
    stale_periods = serializers.ListField(child=StrictCharField())


class CustomerMergeViewSet(viewsets.GenericViewSet):
    """Merge a duplicate customer into the survivor; its code becomes an alias (admins)."""

    serializer_class = MergeSerializer
    permission_classes = [IsAdminRole]
    filter_backends: list[Any] = []

    @extend_schema(request=MergeSerializer, responses=MergeReportSerializer)
    def create(self, request: Request) -> Response:
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        survivor, merged = customer_get(user=request.user, code=v["survivor"]), customer_get(
            user=request.user, code=v["merged"])
        if survivor is None or merged is None:
            raise Http404("no such customer")
        report = customers_merge(survivor=survivor, merged=merged, by=request.user, reason=v["reason"])
        return Response(MergeReportSerializer(report).data)


# Users ----------------------------------------------------------------------------------------------------------

ROLE_CHOICES = [("", "none"), *[(r, r) for r in ROLES]]


class UserSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    company_wide = serializers.SerializerMethodField(
        help_text="a manager who sees every customer (else their regions')")
    salesperson = StrictCharField(source="salesperson.name", default=None, allow_null=True, read_only=True)
    has_token = serializers.SerializerMethodField()
    email = StrictCharField(read_only=True, help_text="an e-mail address, or blank")  # blank is not an email

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "first_name", "last_name", "email", "is_active", "role", "regions",
                  "company_wide", "salesperson", "has_token", "last_login", "date_joined"]
        read_only_fields = fields

    def get_role(self, obj: Any) -> str | None:
        if obj.is_superuser:
            return "admin"
        names = {g.name for g in obj.groups.all()}
        return next((r for r in ROLES if r in names), None)

    def get_regions(self, obj: Any) -> list[str]:
        return [m.region.path for m in obj.managed_regions.all()]

    def get_company_wide(self, obj: Any) -> bool:
        return self.get_role(obj) == MANAGER and any(g.name == COMPANY_WIDE for g in obj.groups.all())

    def get_has_token(self, obj: Any) -> bool:
        return bool(obj.api_tokens.all())


# What AUTH_PASSWORD_VALIDATORS refuse that a schema can say: under 8 characters, or digits only. (Too common or
# too like the username it cannot say; those stay a 400.)
PASSWORD_RULES: dict[str, Any] = {"min_length": 8, "trim_whitespace": False,
                                  "validators": [RegexValidator(r"\A[^\x00]*[^\d\x00][^\x00]*\Z")]}


class UserWriteSerializer(serializers.Serializer):
    first_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=ROLE_CHOICES, required=False, allow_blank=True)
    regions = serializers.ListField(child=StrictCharField(), required=False,
                                    help_text="region paths for a regional manager, e.g. 广东/广州")
    company_wide = serializers.BooleanField(
        required=False, help_text="a manager who sees every customer; a manager with no region and not company-wide "
                                  "sees nothing")
    salesperson_name = StrictCharField(max_length=64, required=False, allow_blank=True)

    def validate_regions(self, value: list[str]) -> list[Region]:
        found = {r.path: r for r in Region.objects.filter(path__in=value)}
        missing = [p for p in value if p not in found]
        if missing:  # a well-formed path naming no region: not found, like an unknown customer or salesperson
            raise NotFound(f"no such region: {', '.join(missing)}")
        return [found[p] for p in value]


class UserCreateSerializer(UserWriteSerializer):
    username = StrictCharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = StrictCharField(write_only=True, style={"input_type": "password"}, **PASSWORD_RULES)


class PasswordSerializer(serializers.Serializer):
    password = StrictCharField(write_only=True, style={"input_type": "password"}, **PASSWORD_RULES)


class TokenSerializer(serializers.Serializer):
    key = StrictCharField(help_text="shown once: store it now")


class TokenRequestSerializer(serializers.Serializer):
    name = StrictCharField(max_length=64, required=False, allow_blank=True,
                                 help_text="what the key is for, e.g. the ERP's nightly export")
    days = serializers.IntegerField(min_value=1, max_value=3650, required=False, default=365,
                                    help_text="the key expires after this many days")


class DeactivateSerializer(serializers.Serializer):
    reassign_to = StrictCharField(required=False, allow_blank=True, default="",
                                        help_text="salesperson (name) who takes the customers")


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Logins, roles, regions, passwords and API tokens (admins)."""

    serializer_class = UserSerializer
    permission_classes = [IsAdminRole]
    filterset_fields = ["is_active", "username"]
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]

    def get_queryset(self):
        regions = Prefetch("managed_regions", queryset=ManagerRegion.objects.select_related("region"))
        return (get_user_model().objects.prefetch_related("groups", regions)
                .prefetch_related("api_tokens").select_related("salesperson").order_by("username"))

    def _fresh(self, user: Any) -> dict[str, Any]:
        return UserSerializer(self.get_queryset().get(pk=user.pk)).data

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = user_create(username=v["username"], password=v["password"], role=v.get("role", ""),
                           first_name=v.get("first_name", ""), last_name=v.get("last_name", ""),
                           email=v.get("email", ""), regions=v.get("regions", []),
                           salesperson_name=v.get("salesperson_name", ""), by=request.user,
                           company_wide=v.get("company_wide", False))
        return Response(self._fresh(user), status=status.HTTP_201_CREATED)

    @extend_schema(request=UserWriteSerializer, responses=UserSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        data = UserWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        for name in ("first_name", "last_name", "email"):
            if name in v:
                setattr(user, name, v[name])
        user.save(update_fields=["first_name", "last_name", "email"])
        if "role" in v or "regions" in v or "salesperson_name" in v or "company_wide" in v:
            current = UserSerializer().get_role(user) or ""
            regions = v.get("regions", [m.region for m in ManagerRegion.objects.filter(user=user)])
            user_role_set(user=user, role=v.get("role", current), regions=regions,
                          salesperson_name=v.get("salesperson_name", ""), by=request.user,
                          company_wide=v.get("company_wide"))
        return Response(self._fresh(user))

    @extend_schema(request=PasswordSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def password(self, request: Request, pk: str) -> Response:
        data = PasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_password_set(user=self.get_object(), password=data.validated_data["password"], by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["POST"], request=TokenRequestSerializer, responses={201: TokenSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def token(self, request: Request, pk: str) -> Response:
        """POST: a new key (replacing any) with a name and a term in days, the key in this response only (only its
        hash is kept). DELETE: revoke it."""
        user = self.get_object()
        if request.method == "DELETE":
            if not user_token_revoke(user=user, by=request.user):
                raise Http404("no token")
            return Response(status=status.HTTP_204_NO_CONTENT)
        asked = TokenRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        key = user_token_create(user=user, by=request.user, name=asked.validated_data.get("name", ""),
                                days=asked.validated_data["days"])
        response = Response({"key": key}, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=DeactivateSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        """Deactivate the login; a salesperson's customers stay, or go to `reassign_to`."""
        user = self.get_object()
        data = DeactivateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        name = data.validated_data["reassign_to"]
        to = Salesperson.objects.filter(name=name, user__is_active=True).first() if name else None
        if name and to is None:
            raise NotFound(f"no such active salesperson: {name}")
        salesperson = Salesperson.objects.filter(user=user).first()
        if salesperson is not None:
            salesperson_deactivate(salesperson=salesperson, reassign_to=to, by=request.user)
        else:
            user_set_active(user=user, active=False, by=request.user)
        return Response(self._fresh(user))

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        user_set_active(user=user, active=True, by=request.user)
        return Response(self._fresh(user))
