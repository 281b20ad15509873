from core.errors import DomainError


class NotPrintReady(DomainError):
    """The design fails a print check: the file is not offered for print. `detail` maps each
    failing check's code to its plain reason."""

    status_code = 422
    code = "not_print_ready"
