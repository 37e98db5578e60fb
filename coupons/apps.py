from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouponsConfig(AppConfig):
    name = "coupons"
    verbose_name = _("Coupons")

    def ready(self) -> None:
        # The apps below coupons announce changes by signal and ask for coupon facts through a hook (they may
        # not import coupons): connect the receivers, register the hook.
        from analytics.worklist.actions import CouponsSent, register_coupons_sent

        from . import receivers  # noqa: F401
        from .selectors import coupons_sent_between, coupons_sent_on_days

        register_coupons_sent(CouponsSent(between=coupons_sent_between, on_days=coupons_sent_on_days))
