from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from redis import Redis
from redis.exceptions import RedisError

from qrcodes.scanning import scan_spool_sizes


def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the state of the database and Redis; 503 when the database is down
    (scans need it), Redis down is reported but still 200 (scans survive without it).
    `scan_spool`: scans waiting in the Redis spool and in its dead-letter list (spooled scans
    the drain could not insert; they need a person), null while Redis is down."""
    state = {"database": "ok", "redis": "ok", "scan_spool": None}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as e:  # noqa: BLE001 - any failure means "down", reported not raised
        state["database"] = f"down: {e.__class__.__name__}"
    try:
        Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
        state["scan_spool"] = scan_spool_sizes()
    except (RedisError, OSError) as e:
        state["redis"] = f"down: {e.__class__.__name__}"
    code = 200 if state["database"] == "ok" else 503
    return JsonResponse({"status": "ok" if code == 200 else "degraded", **state}, status=code)
