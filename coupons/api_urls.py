from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("coupon-issues", api.CouponIssueViewSet, basename="coupon-issue")

urlpatterns = [
    *router.urls,
    path("sms/receipts/", api.SmsReceiptApi.as_view(), name="sms-receipts"),
    path("sms/replies/", api.SmsReplyApi.as_view(), name="sms-replies"),
    path("sms/<str:provider>/<str:token>/<str:kind>/", api.ProviderCallbackApi.as_view(), name="sms-provider-callback"),
]
