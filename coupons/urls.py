from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "coupons"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_edit, name="campaign_create"),
    path("template-preview/", views.template_preview, name="template_preview"),
    path("send/", views.send_dialog, name="send"),
    path("requests/<int:pk>/", views.send_request, name="send_request"),
    path("requests/<int:pk>/issues/", views.send_request_issues, name="send_request_issues"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/issues/", views.campaign_issues, name="campaign_issues"),
    path("<int:pk>/requeue-failed/", views.campaign_requeue_failed, name="campaign_requeue_failed"),
    path("<int:pk>/test-send/", views.campaign_test_send, name="campaign_test_send"),
    path("alerts/<int:pk>/clear/", views.sms_alert_clear, name="sms_alert_clear"),
]
