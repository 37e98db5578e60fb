from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = pgettext_lazy("app name", "Sales")  # not the column word "Sales" (销售额)
