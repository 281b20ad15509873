"""SITE_URL follows PORT when it is not set (issue 14: every code `make run` made held
http://127.0.0.1:8000 whatever PORT was), and an explicit SITE_URL wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"


def _site_url(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "OI_PORT")}
    done = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**base, "DJANGO_SETTINGS_MODULE": "outbound_impact.settings", **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_site_url_follows_port_unless_set():
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert _site_url(PORT="8123", SITE_URL="https://oi.example/") == "https://oi.example"


def test_under_make_run_every_process_uses_the_served_port():
    """honcho sets PORT=5000 for the web process and 5100, 5200 for the worker and beat; the
    Makefile's OI_PORT (the port gunicorn binds) wins, so every process makes the same codes."""
    assert _site_url(OI_PORT="8123", PORT="5000") == "http://127.0.0.1:8123"
    assert _site_url(OI_PORT="8123", PORT="5100") == "http://127.0.0.1:8123"
    makefile = (ROOT / "Makefile").read_text()
    assert "OI_PORT=$${PORT:-8000}" in makefile and "--bind 127.0.0.1:$OI_PORT" in (ROOT / "Procfile").read_text()
