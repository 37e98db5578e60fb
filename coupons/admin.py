"""Back office for coupons: admins edit care rules here; sending history is read-only."""

from django.contrib import admin

from .models import Campaign, CareRule, CareRun, CouponIssue, OutboxEvent, SendRequest, SmsAlert, SmsReply


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by the services only: nobody edits a sent coupon by hand."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "value", "min_spend", "valid_from", "valid_to", "provider", "active", "created_by"]
    list_filter = ["active", "kind", "provider"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from .services import campaign_validate

        campaign_validate(obj)
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class CareRunInline(admin.TabularInline):
    model = CareRun
    extra = 0
    can_delete = False
    fields = ("run_date", "status", "matched", "queued", "skipped", "error", "finished_at")
    readonly_fields = ("run_date", "status", "matched", "queued", "skipped", "error", "finished_at")
    ordering = ["-run_date"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CareRule)
class CareRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "campaign", "days", "cooldown_days", "run_as", "active"]
    list_filter = ["kind", "active"]
    autocomplete_fields = ["campaign"]
    inlines = [CareRunInline]


@admin.register(CareRun)
class CareRunAdmin(ReadOnlyAdmin):
    list_display = ["rule", "run_date", "status", "matched", "queued", "finished_at"]
    list_filter = ["status", "rule"]


@admin.register(CouponIssue)
class CouponIssueAdmin(ReadOnlyAdmin):
    list_display = ["code", "campaign", "customer", "mobile", "status", "attempts", "queued_at", "sent_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["code", "customer__code", "customer__name", "mobile", "provider_message_id"]
    list_select_related = ["campaign", "customer"]


@admin.register(SendRequest)
class SendRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "campaign", "requested", "queued", "skipped"]
    list_select_related = ["user", "campaign"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "topic", "payload", "created_at", "dispatched_at", "attempts", "last_error"]


@admin.register(SmsReply)
class SmsReplyAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "mobile", "text", "action", "customers"]
    list_filter = ["action"]
    search_fields = ["mobile", "text"]


@admin.register(SmsAlert)
class SmsAlertAdmin(ReadOnlyAdmin):
    """Alerts are raised by the worker and cleared from the coupons page ("Resume sending")."""

    list_display = ["provider", "code", "raised_at", "cleared_at", "cleared_by"]
    list_filter = ["provider"]
