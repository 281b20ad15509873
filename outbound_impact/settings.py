"""Settings for Outbound Impact. Everything that varies between machines comes from the
environment here, in one place (django-environ). `make run` / `make test` export
DATABASE_URL and REDIS_URL for the embedded services when they are not set."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# SECRET_KEY signs sessions, password-reset links and JWTs: anyone who knows it can forge a
# staff token. Without DEBUG the app refuses to start unless a real one is set (`make run` and
# `make test` generate one into .data/secret_key); the built-in key below is for DEBUG only.
DEV_SECRET_KEY = "django-insecure-dev-only-secret-key-change-me-in-production-0123456789"  # noqa: S105 - public on purpose
SECRET_KEY = env("SECRET_KEY", default="") or (DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise environ.ImproperlyConfigured(
        "SECRET_KEY is not set (or is the public development key, or shorter than 32 characters). "
        "Set a long random SECRET_KEY, or DEBUG=true for development; `make run` / `make test` make one."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public origin that QR codes, share links and invitation emails encode (`SITE_URL/s/<code>`);
# unset, it follows the port `make run` serves on (OI_PORT, which the Makefile sets from PORT:
# honcho gives each process a PORT of its own, 5000, 5100, ...), so codes point at the server.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env.int('OI_PORT', default=env.int('PORT', default=8000))}"
               ).rstrip("/")

if "DATABASE_URL" not in env:
    raise environ.ImproperlyConfigured(
        "DATABASE_URL is not set. Start the app with `make run` / `make test`, which start an "
        "embedded PostgreSQL, or export DATABASE_URL=postgres://user@host:port/db."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# Off by default: a health check is one more round trip on every request (scans included); a
# connection broken by a database restart fails one request with a 503 and is then replaced.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# Parallel local test runs (helpers, xdist) can each pick a test database name.
if env("TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME")}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

INSTALLED_APPS = [
    # the Django admin as the OI console, with its report pages (oi_admin/sites.py)
    "oi_admin.sites.OIConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    "axes",  # login lockout (tenants.lockout)
    "csp",  # Content-Security-Policy
    "tenants",
    "qrcodes",
    "campaigns",
    "uploads",
    "studio",  # issue 14: designs, brand kits, artwork versions, bulk
    "analytics",
    "oi_admin",
    "demo",  # seed_demo and bulk data: the top layer, imported by no app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # hardening: Content-Security-Policy (CONTENT_SECURITY_POLICY)
    "core.request_guard.RequestGuardMiddleware",  # issue 11: NUL / bad UTF-8 / too large -> 400
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.throttles.DatabaseUnavailableMiddleware",  # hardening: database down -> 503
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.OrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # hardening: login lockout responses (django-axes)
]

ROOT_URLCONF = "outbound_impact.urls"
WSGI_APPLICATION = "outbound_impact.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.organization",
            ],
        },
    },
]

AUTH_USER_MODEL = "tenants.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/dashboard"
LOGOUT_REDIRECT_URL = "/login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))

# Storage: local files by default; any S3-compatible service (Backblaze B2, AWS, MinIO)
# when STORAGE_BUCKET is set. Objects stay private and are served by short-lived signed URLs.
STORAGE_BUCKET = env("STORAGE_BUCKET", default="")
# Lifetime of the signed URLs that S3-compatible storage hands out for downloads.
UPLOAD_SIGNED_URL_SECONDS = env.int("STORAGE_URL_EXPIRE_SECONDS", default=300)
if STORAGE_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            "endpoint_url": env("STORAGE_ENDPOINT_URL", default=None),
            "region_name": env("STORAGE_REGION", default=None),
            "access_key": env("STORAGE_ACCESS_KEY_ID", default=None),
            "secret_key": env("STORAGE_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": UPLOAD_SIGNED_URL_SECONDS,
            # SigV4 signed URLs (botocore may otherwise presign with legacy SigV2, which AWS and B2 refuse).
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="oi"),
    },
    # Process-local, so a scan never waits on Redis; a status change reaches other processes
    # within SCAN_LOOKUP_CACHE_SECONDS.
    "scan_lookup": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "qrcodes-scan-lookup",
        "TIMEOUT": env.int("SCAN_LOOKUP_CACHE_SECONDS", default=30),
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@outboundimpact.com")

# Client IPs (django-ipware). Only hops listed here are trusted to set X-Forwarded-For.
IPWARE_TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# GeoIP: a MaxMind-format City database. The packaged GeoLite2 (2018) is the default.
GEOIP_PATH = env("GEOIP_PATH", default="")
# Development only: locate private/loopback addresses as this public one (empty = never).
GEOIP_PRIVATE_IP_STANDIN = env("GEOIP_PRIVATE_IP_STANDIN", default="")

REST_FRAMEWORK = {
    # The principal OrganizationMiddleware resolved (tenants.authentication): one per request.
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.authentication.PrincipalAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsTenantMember"],
    "DEFAULT_PAGINATION_CLASS": "core.api_errors.DefaultPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    # Every operation documents its error responses ({"error", "detail"}).
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    # JSON bodies (the seed's contract), refusing deep nesting, NUL and lone surrogates; only
    # /api/uploads takes multipart forms.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    # 429 {"error": "throttled"} with Retry-After; they fail open while Redis is unreachable.
    # "auth": login and token refresh per address; "register": sign-ups.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.AnonThrottle", "core.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("THROTTLE_AUTH", default="20/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "anon": env("THROTTLE_ANON", default="120/min"),
        "register": env("THROTTLE_REGISTER", default="10/hour"),
        # password-reset mails: per client, and per address asked for
        "password_reset": env("THROTTLE_PASSWORD_RESET", default="10/hour"),
        "password_reset_address": env("THROTTLE_PASSWORD_RESET_ADDRESS", default="3/hour"),
    },
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Outbound Impact API",
    "DESCRIPTION": "QR-code campaigns, scans and analytics. Errors are {\"error\": code, \"detail\": ...}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Publishing to a dead broker must not block a request (celery issue 6046): fail fast.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
}
CELERY_TASK_PUBLISH_RETRY = False

# Demo logins created by `manage.py seed_demo`.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-pass-2026")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
if env.bool("HTTPS", default=False):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# oi_admin (the OI console): the monetization export's k-anonymity threshold.
MONETIZATION_K = env.int("MONETIZATION_K", default=10)

# qrcodes: the scan pipeline (docs/scanning.md). The request path only inserts a raw
# ScanEvent; the beat-driven sweep enriches, classifies and counts pending events in batches.
SCAN_STORE_FULL_IP = env.bool("SCAN_STORE_FULL_IP", default=False)  # False: IPv4 /24, IPv6 /48
# True (default): the scan INSERT is durable when the redirect leaves. False trades the last
# ~0.6 s of scans on a PostgreSQL crash for ~1-2 ms less per scan (docs/scanning.md).
SCAN_SYNCHRONOUS_COMMIT = env.bool("SCAN_SYNCHRONOUS_COMMIT", default=True)
SCAN_DUPLICATE_WINDOW_SECONDS = env.int("SCAN_DUPLICATE_WINDOW_SECONDS", default=1800)
SCAN_LOOKUP_CACHE_SECONDS = CACHES["scan_lookup"]["TIMEOUT"]
SCAN_BATCH_SIZE = env.int("SCAN_BATCH_SIZE", default=1000)
SCAN_SWEEP_SECONDS = env.float("SCAN_SWEEP_SECONDS", default=2.0)
SCAN_SWEEP_TIME_BUDGET_SECONDS = env.float("SCAN_SWEEP_TIME_BUDGET_SECONDS", default=20.0)

# uploads: per-file maximum, enforced while the body streams (uploads.upload_handlers); files
# above FILE_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB default) spill to a temporary file.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)


# hardening (docs/reliability.md): login lockout, rate limits, security headers.
# Login lockout (django-axes + tenants.lockout.LockoutHandler, counters in Redis):
# LOGIN_FAILURE_LIMIT failures for one (account, address) pair lock that pair for
# LOGIN_LOCKOUT_MINUTES; past LOGIN_ACCOUNT_SLOWDOWN_AFTER failures from anywhere, an account gets
# one attempt per 1, 2, 4 ... LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS s (never a lock); an address is
# locked at LOGIN_ADDRESS_FAILURE_LIMIT failures across accounts. Refused attempts do not count.
# API: 429 {"error": "locked_out"} + Retry-After; pages: a form error.
AUTHENTICATION_BACKENDS = ["tenants.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "tenants.lockout.LockoutHandler"  # axes' cache handler + the account and address rules
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=8)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair, not each on its own
AXES_RESET_ON_SUCCESS = True  # the pair's count only
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused attempt is not a failure
LOGIN_ACCOUNT_SLOWDOWN_AFTER = env.int("LOGIN_ACCOUNT_SLOWDOWN_AFTER", default=10)
LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS = env.int("LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS", default=60)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)
AXES_USERNAME_CALLABLE = "tenants.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "tenants.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # the cache handler keeps no rows to show
# /s/ flood limit per client address, per process (no Redis on the scan path): beyond it a
# scan answers 429 and is not recorded. Each gunicorn process counts on its own.
SCAN_FLOOD_LIMIT = env.int("SCAN_FLOOD_LIMIT", default=120)
SCAN_FLOOD_WINDOW_SECONDS = env.int("SCAN_FLOOD_WINDOW_SECONDS", default=60)
# When the scan INSERT fails (database down) the raw capture is spooled to a Redis list and
# the sweep inserts it later; with Redis down too the scan still redirects and is counted lost.
SCAN_SPOOL_KEY = env("SCAN_SPOOL_KEY", default=f"{CACHES['default']['KEY_PREFIX']}:scan-spool")
SCAN_SPOOL_TIMEOUT_SECONDS = env.float("SCAN_SPOOL_TIMEOUT_SECONDS", default=0.25)
# Content-Security-Policy (django-csp 4): only our own origin; inline scripts only with the
# request's nonce or by hash (the listed ones are the existing inline handlers and the console
# chart script); styles may be inline (style attributes on meters); media from storage.
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

_storage_origins = env.list("CSP_STORAGE_ORIGINS", default=[])
if STORAGE_BUCKET and not _storage_origins:
    from urllib.parse import urlsplit as _urlsplit

    _endpoint = _urlsplit(env("STORAGE_ENDPOINT_URL", default="") or "https://s3.amazonaws.com")
    _storage_origins = [f"{_endpoint.scheme}://{_endpoint.netloc}", f"{_endpoint.scheme}://*.{_endpoint.netloc}"]
# Inline code that predates the CSP, allowed by hash until it moves to static files or takes
# the nonce: the console's chart script (templates/oi_admin/_charts.html) and two inline
# handlers (qrcodes/detail.html delete confirm, tenants/activity.html filter submit).
CSP_SCRIPT_HASHES = env.list("CSP_SCRIPT_HASHES", default=[
    "'sha256-3roAwHdpW14NOfX5fcItfcI8HCyPvx9fDHHYJxA+n2s='",
    "'unsafe-hashes'",  # lets the two handler hashes below apply to on* attributes
    "'sha256-10hVFJ1nkrY/UcuOhX9aiVdNNfp/kyBmGRcOyMUg9YE='",
    "'sha256-osjxnKEPL/pQJbFk1dKsF7PYFmTyMWGmVSiL9inhxJY='",
])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, *CSP_SCRIPT_HASHES],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_storage_origins],
        "media-src": [SELF, "blob:", *_storage_origins],
        "frame-src": [SELF, *_storage_origins],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

# analytics: dashboard reads are cached in Redis per (organization, filters) for this many
# seconds, and dropped as soon as a scan worker counts a batch for that organization; 0 = off.
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=30)
# A QR code with this many all-time scans gets per-QR dimension blocks (analytics.hot_codes).
ANALYTICS_HOT_QR_SCANS = env.int("ANALYTICS_HOT_QR_SCANS", default=10_000)

# Everything beat runs, in one place.
CELERY_BEAT_SCHEDULE = {
    # a sweep queued while workers were down is dropped, not piled up
    "qrcodes-scan-sweep": {"task": "qrcodes.scan_sweep", "schedule": SCAN_SWEEP_SECONDS, "options": {"expires": 30}},
    # keep the console's daily scan cells (today, yesterday) current
    "oi_admin-scan-cells": {"task": "oi_admin.scan_cells_refresh", "schedule": 240.0, "options": {"expires": 200}},
    "analytics-hot-codes": {"task": "analytics.hot_codes_promote", "schedule": 300.0, "options": {"expires": 240}},
    # campaign share-link clicks queued in Redis while the database was down
    "campaigns-share-click-drain": {"task": "campaigns.share_click_spool_drain", "schedule": 60.0,
                                    "options": {"expires": 50}},
    # scheduled destination versions that are due (qrcodes.destinations)
    "qrcodes-destination-versions": {"task": "qrcodes.destination_versions_apply", "schedule": 60.0,
                                     "options": {"expires": 50}},
}
