from django.urls import URLPattern, URLResolver

app_name = "coupons"
urlpatterns: list[URLPattern | URLResolver] = []
