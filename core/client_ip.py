"""The client's IP via python-ipware (the engine of django-ipware). Forwarded headers are
honoured only when a trusted proxy setup is configured (TRUSTED_PROXIES or PROXY_COUNT);
otherwise REMOTE_ADDR alone, so a scanner cannot forge its location with X-Forwarded-For.
A request that did not come through the configured proxies falls back to REMOTE_ADDR."""

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare


@lru_cache(maxsize=4)
def _ipware(trusted: tuple[str, ...], count: int) -> IpWare:
    # Built once per configuration: constructing the proxy matcher costs more than using it.
    if not trusted and not count:
        return IpWare(precedence=("REMOTE_ADDR",))
    return IpWare(proxy_count=count or None, proxy_list=list(trusted) or None)


def client_ip(request: HttpRequest) -> str | None:
    ware = _ipware(tuple(settings.IPWARE_TRUSTED_PROXIES), settings.IPWARE_PROXY_COUNT)
    ip, _trusted_route = ware.get_client_ip(request.META)
    if ip is None:
        return request.META.get("REMOTE_ADDR") or None
    return str(ip)
