"""Settings + URLconf for bench/redirect.py: the project's own settings and URLs, plus one
bare view that answers the same 302 with no database (case c), on a private Celery queue so
a bench never feeds another worker. Not used outside the benchmark."""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from outbound_impact.settings import *  # noqa: F403

ROOT_URLCONF = "bench.redirect_site"
CELERY_TASK_DEFAULT_QUEUE = "oi-bench"
# The one-task-per-scan mode the benchmark compares with the batch sweep (bench/per_scan_task.py).
CELERY_IMPORTS = ("bench.per_scan_task",)
# The load generator sends X-Forwarded-For with public addresses, as a proxy would, so the
# enrichment stage does real GeoIP work.
IPWARE_TRUSTED_PROXIES = ["127.0.0.1"]
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}


def bare_redirect(request: HttpRequest, code: str) -> HttpResponse:
    response = HttpResponseRedirect("https://example.com/menu")
    response["Cache-Control"] = "no-store"
    return response


def __getattr__(name: str) -> Any:
    # The URLconf is built on first use: this module is also the settings module, loaded
    # before the app registry is ready.
    if name == "urlpatterns":
        from django.urls import include, path

        return [path("s/_bare/<str:code>", bare_redirect), path("", include("outbound_impact.urls"))]
    raise AttributeError(name)
