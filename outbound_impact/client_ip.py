"""The client's IP via django-ipware. Forwarded headers are honoured only when a trusted
proxy setup is configured (TRUSTED_PROXIES or PROXY_COUNT); otherwise REMOTE_ADDR alone,
so a scanner cannot forge its location with X-Forwarded-For."""

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str | None:
    trusted = settings.IPWARE_TRUSTED_PROXIES or None
    count = settings.IPWARE_PROXY_COUNT or None
    if trusted is None and count is None:
        ip, _ = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    else:
        ip, _ = get_client_ip(request, proxy_count=count, proxy_trusted_ips=trusted)
    return ip
