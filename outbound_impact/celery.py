"""The Celery app. Workers enrich scans and update counters off the request path."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")

app = Celery("outbound_impact")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
