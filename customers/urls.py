"""/settings/...: overrides, reassignment, users and tokens, merges (issue 6)."""

from django.urls import URLPattern, URLResolver, path

from .views import index, merge, overrides, reassign, users

app_name = "settings_people"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", index.index, name="index"),
    path("customers/<str:code>/override/", overrides.override, name="override"),
    path("customers/<str:code>/override/clear/", overrides.override_clear, name="override_clear"),
    path("reassign/", reassign.reassign, name="reassign"),
    path("reassign/customers/", reassign.reassign_picker, name="reassign_picker"),
    path("merge/", merge.merge, name="merge"),
    path("users/", users.users, name="users"),
    path("users/new/", users.user_new, name="user_new"),
    path("users/<int:pk>/", users.user, name="user"),
    path("users/<int:pk>/password/", users.user_password, name="user_password"),
    path("users/<int:pk>/token/", users.user_token, name="user_token"),
    path("users/<int:pk>/token/revoke/", users.user_token_revoke_view, name="user_token_revoke"),
    path("users/<int:pk>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/activate/", users.user_activate, name="user_activate"),
]
