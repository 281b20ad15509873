from django.test import RequestFactory

from core.client_ip import client_ip


def _req(remote: str, xff: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/s/abc", **extra)


def test_without_trusted_proxies_forwarded_header_is_ignored(settings):
    settings.IPWARE_TRUSTED_PROXIES, settings.IPWARE_PROXY_COUNT = [], 0
    assert client_ip(_req("81.2.69.160", "8.8.8.8")) == "81.2.69.160"


def test_trusted_proxy_hop_is_believed(settings):
    settings.IPWARE_TRUSTED_PROXIES, settings.IPWARE_PROXY_COUNT = ["127.0.0.1"], 0
    assert client_ip(_req("127.0.0.1", "81.2.69.142, 127.0.0.1")) == "81.2.69.142"


def test_direct_request_with_proxies_configured_falls_back_to_remote_addr(settings):
    settings.IPWARE_TRUSTED_PROXIES, settings.IPWARE_PROXY_COUNT = ["10.0.0.1"], 0
    assert client_ip(_req("81.2.69.160")) == "81.2.69.160"
