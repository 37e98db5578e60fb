from django.urls import URLPattern, URLResolver

app_name = "settings_people"

urlpatterns: list[URLPattern | URLResolver] = []
