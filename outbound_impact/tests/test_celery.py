"""Every task Celery beat schedules is one the worker knows (a typo would fail silently in
production: beat sends, no worker consumes)."""

from django.conf import settings

from outbound_impact.celery import app


def test_beat_schedules_registered_tasks():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"qrcodes.scan_sweep", "oi_admin.scan_cells_refresh", "analytics.hot_codes_promote"} <= scheduled
    assert scheduled <= set(app.tasks)
