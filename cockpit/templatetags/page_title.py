"""Every page's <title> reads "<page> · Customer cockpit", whatever its template put in the title block."""

from django import template
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

register = template.Library()


@register.filter(is_safe=True)
def site_title(page: str) -> str:
    """"<page> · <site>" (the site name once: some pages' blocks already end with it); the site alone if blank.

    is_safe: the block arrives rendered and escaped (a customer "A&B" is "A&amp;B"); escaping it again would
    show "&amp;" in the browser's tab.
    """
    site = _("Customer cockpit")
    page = " ".join(strip_tags(page).split())
    if not page or page == site:
        return site
    return page if page.endswith(f" · {site}") else f"{page} · {site}"
