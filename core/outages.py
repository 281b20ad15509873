"""What every layer answers while the database is unreachable (one body, one Retry-After)."""

DATABASE_RETRY_AFTER = 5  # seconds; a PostgreSQL restart takes a few
DATABASE_UNAVAILABLE = {"error": "service_unavailable", "detail": "The database is unavailable; try again shortly."}
