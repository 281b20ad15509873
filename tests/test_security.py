"""Production settings pass `manage.py check --deploy`, and every response carries the security
headers: CSP, frame denial, nosniff, referrer policy, and HSTS plus the HTTPS redirect when
HTTPS=true. The production cases run in a subprocess with the production environment."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "outbound_impact.settings",
        "DEBUG": "false",
        "HTTPS": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "app.outboundimpact.com,testserver",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    })
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    r = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                       cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues (0 silenced)." in r.stdout


def test_check_deploy_flags_the_development_defaults():
    # The check above is meaningful: without HTTPS it does complain. (Without a real key the
    # app does not start at all: tests/test_secret_key.py.)
    env = production_env(HTTPS="false")
    r = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in r.stdout + r.stderr


_HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
c = Client()
secure = c.get("/login", secure=True)
plain = c.get("/login")
print(json.dumps({"secure": dict(secure.headers), "secure_status": secure.status_code,
                  "plain_status": plain.status_code, "plain_location": plain.get("Location", "")}))
"""


def test_https_production_sends_hsts_and_redirects_http():
    r = subprocess.run([sys.executable, "-c", _HEADERS_SCRIPT], cwd=ROOT, env=production_env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["secure_status"] == 200
    assert out["secure"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert out["plain_status"] == 301 and out["plain_location"] == "https://testserver/login"
    assert "secure" in out["secure"].get("Set-Cookie", "secure").lower()


@pytest.mark.parametrize("path", ["/login", "/register", "/s/doesnotexist", "/api/qrcodes", "/healthz"])
def test_every_response_carries_the_security_headers(client, db, path):
    r = client.get(path)
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = dict(d.strip().split(" ", 1) for d in r["Content-Security-Policy"].split(";") if d.strip())
    assert csp["default-src"] == "'self'"
    assert csp["script-src"].startswith("'self'") and "unsafe-inline" not in csp["script-src"]
    assert "unsafe-eval" not in csp["script-src"]
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert "Strict-Transport-Security" not in r  # only over HTTPS with HTTPS=true


def test_a_template_that_uses_the_nonce_gets_it_in_the_policy():
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import engines
    from django.test import RequestFactory

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">1</script>')
    request = RequestFactory().get("/x")
    response = CSPMiddleware(lambda req: HttpResponse(template.render({"request": req})))(request)
    nonce = str(request.csp_nonce)
    assert f'nonce="{nonce}"' in response.content.decode()
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_production_uses_argon2_and_http_only_session_cookies(settings):
    from outbound_impact import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert production.SESSION_COOKIE_HTTPONLY is True
    assert production.X_FRAME_OPTIONS == "DENY"
