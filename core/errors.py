"""Domain errors raised by services. The API maps them to {"error", "detail"} responses and
the HTML views to form errors, so a rule is written once, in the service."""


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, detail: str | dict | list, *, code: str | None = None) -> None:
        super().__init__(detail if isinstance(detail, str) else str(detail))
        self.detail = detail
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status_code = 400
    code = "validation_error"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class LimitExceeded(DomainError):
    status_code = 403
    code = "plan_limit_exceeded"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class AuthenticationFailed(DomainError):
    status_code = 401
    code = "authentication_failed"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
