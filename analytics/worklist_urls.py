from django.urls import URLPattern, URLResolver

app_name = "worklist"

urlpatterns: list[URLPattern | URLResolver] = []
