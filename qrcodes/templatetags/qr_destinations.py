"""`{{ qr.qr_url|destination_ascii_host }}`: the punycode host the pages warn with, from the
same selector the API's destination_display uses."""

from django import template

from qrcodes import selectors

register = template.Library()


@register.filter
def destination_ascii_host(url: str) -> str:
    """The host in punycode when it is not ASCII, else "" (nothing to warn about)."""
    return selectors.destination_ascii_host(url or "") or ""
