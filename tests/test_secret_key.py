"""Production refuses to start without a real SECRET_KEY: anyone who read the source could
otherwise sign a staff JWT with the built-in development key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_KEY = "django-insecure-dev-only-secret-key-change-me-in-production-0123456789"


def _start(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**base, "DJANGO_SETTINGS_MODULE": "outbound_impact.settings", **env})


@pytest.mark.parametrize("env", [
    {}, {"SECRET_KEY": ""}, {"SECRET_KEY": DEV_KEY}, {"SECRET_KEY": "django-insecure-" + "x" * 40},
    {"SECRET_KEY": "short"}, {"DEBUG": "false", "SECRET_KEY": DEV_KEY},
], ids=["unset", "empty", "the dev key", "insecure prefix", "short", "debug off, dev key"])
def test_without_debug_a_missing_or_public_key_refuses_to_start(env):
    started = _start(**env)
    assert started.returncode != 0
    assert "SECRET_KEY is not set" in started.stderr


def test_a_real_key_starts_and_debug_may_use_the_dev_key():
    assert _start(SECRET_KEY="k" * 50).returncode == 0
    debug = _start(DEBUG="true")
    assert debug.returncode == 0, debug.stderr
    assert debug.stdout.strip() == str(len(DEV_KEY))
