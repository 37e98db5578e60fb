"""What the cockpit keeps per user: the customer list's columns."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListPreference(models.Model):
    """The columns a user chose for the customer list (keys of cockpit.columns); no row: the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference",
                                verbose_name=_("user"))
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer list preference")
        verbose_name_plural = _("customer list preferences")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.columns)}"
