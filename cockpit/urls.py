from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("dashboard/outcomes/", views.dashboard_outcomes, name="dashboard_outcomes"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/columns/", views.customer_columns, name="customer_columns"),
    path("customers/export.csv", views.customer_export, {"fmt": "csv"}, name="customer_export_csv"),
    path("customers/export.xlsx", views.customer_export, {"fmt": "xlsx"}, name="customer_export_xlsx"),
    path("customers/<str:code>/", views.customer_profile, name="customer_profile"),
    path("customers/<str:code>/visits/", views.visit_create, name="visit_create"),
]
