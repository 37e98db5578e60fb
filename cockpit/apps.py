from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = _("Cockpit")

    def ready(self) -> None:
        # Coupons resolves "all N matching" with the customer list's own filter, which lives here, above it.
        from coupons.selection import list_filter_register

        from .selection import list_filter

        list_filter_register(list_filter)
