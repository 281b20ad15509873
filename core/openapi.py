"""The API contract as drf-spectacular writes it: every operation gets the error statuses it can
answer, each with the one error body the API renders (`core.api_errors`):
{"error": "<code>", "detail": ...}.

Which statuses apply is read from the view, so a new endpoint is documented without
annotations: 400 when it takes a body or query parameters, 401/403 when it needs a login,
404 when its path names an object or it pages, 415 when it takes a body, 429 when it is
throttled, and 503 everywhere (the database is unreachable). Rarer statuses (409 conflicts, 410 gone, 413 too large) are declared on the view with
`extend_schema(responses={409: ErrorResponse})`; declared ones are never overwritten.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `detail` names the fields and what is wrong with them.",
    401: "Missing, invalid or expired credentials.",
    403: "The role, the plan or the staff access does not allow this.",
    404: "No such object in your organization (another organization's id answers the same).",
    409: "Conflicts with the current state (e.g. the email is taken).",
    410: "The object exists but is no longer active.",
    413: "The upload is larger than the per-file limit.",
    415: "The body's media type is not one this operation accepts.",
    429: "Too many requests: slow down and retry after the `Retry-After` seconds.",
    503: "The database is unavailable: retry after the `Retry-After` seconds.",
}


class ErrorResponseSerializer(serializers.Serializer):
    """Every error of the API."""

    error = serializers.CharField(help_text="A stable machine-readable code, e.g. `not_found`.")
    detail = serializers.JSONField(help_text="A message, or an object of messages per field.")


ErrorResponse = ErrorResponseSerializer


def _is_public(view: Any) -> bool:
    permissions = view.get_permissions()
    return all(isinstance(p, AllowAny) for p in permissions)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the error responses each operation may answer."""

    def error_statuses(self, operation: dict[str, Any]) -> list[int]:
        view = self.view
        query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        path_params = [p for p in operation.get("parameters", []) if p.get("in") == "path"]
        body = operation.get("requestBody", {}).get("content", {})
        statuses = set()
        if body or query:
            statuses.add(400)
        if view.get_authenticators():
            statuses.add(401)  # a bad or expired token is refused even where no login is needed
        if not _is_public(view):
            statuses.update((401, 403))
        if path_params or any(p["name"] == "page" or p["name"].endswith("_id") for p in query):
            statuses.add(404)
        if body:
            statuses.add(415)  # a body in a media type the operation does not list
        if view.get_throttles():
            statuses.add(429)
        statuses.add(503)  # the database is unreachable (api_errors.exception_handler)
        return sorted(statuses)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self.error_statuses(operation):
            key = str(status)
            if key not in responses:
                responses[key] = self._get_response_for_code(ErrorResponse, key, ["application/json"])
            if not responses[key].get("description"):
                responses[key]["description"] = ERROR_DESCRIPTIONS.get(status, "")
        for key, response in responses.items():
            if not response.get("description") and key.isdigit() and int(key) in ERROR_DESCRIPTIONS:
                response["description"] = ERROR_DESCRIPTIONS[int(key)]
        operation["responses"] = dict(sorted(responses.items()))
        return operation


class PrincipalAuthenticationScheme(OpenApiAuthenticationExtension):
    """tenants.authentication.PrincipalAuthentication: a bearer JWT or the session cookie
    (either one; both at once only when they name the same user)."""

    target_class = "tenants.authentication.PrincipalAuthentication"
    name = ["jwtAuth", "cookieAuth"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"jwtAuth": []}, {"cookieAuth": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            build_bearer_security_scheme_object(header_name="HTTP_AUTHORIZATION", token_prefix="Bearer",  # noqa: S106
                                                bearer_format="JWT"),
            {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        ]
