from django.urls import URLPattern, URLResolver

app_name = "settings_grading"

urlpatterns: list[URLPattern | URLResolver] = []
