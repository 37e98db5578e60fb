from django.urls import path

from analytics.worklist import views

app_name = "worklist"

urlpatterns = [
    path("", views.worklist_index, name="index"),
]
