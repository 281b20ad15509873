"""Upload-specific domain errors (rendered by the API as {"error", "detail"})."""

from core.errors import DomainError


class StorageLimitExceeded(DomainError):
    status_code = 403
    code = "storage_limit_exceeded"


class FileTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"


class UnsupportedFileType(DomainError):
    status_code = 400
    code = "unsupported_file_type"
