from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # The apps below analytics announce changes by signal (they may not import it): connect the receivers.
        from . import receivers  # noqa: F401
