"""What every app's HTML views and API views share in reading a request and answering a domain
error (STYLE "Small helpers, once"):

- `add_domain_errors`: a service's DomainError as errors on the form that collected the input;
- `not_found_as_404` / `get_or_404`: NotFound (missing, or another organization's) as the 404
  page; `refusals_as_http` also turns a role refusal into the 403 page;
- `parse_limit`, `parse_choice`: the `limit` of a bounded list and a one-of parameter
  (`interval`, `by`, `status`), ValidationFailed (400) otherwise;
- `json_object`: an API request's body, which must be a JSON object.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed

T = TypeVar("T")


def add_domain_errors(form: forms.BaseForm, err: DomainError) -> None:
    """Each message of `err` on its field when the form has that field, else on the form."""
    if isinstance(err.detail, dict):
        for field, msg in err.detail.items():
            form.add_error(field if field in form.fields else None, msg)
    else:
        form.add_error(None, str(err.detail))


@contextmanager
def not_found_as_404(message: str | None = None) -> Iterator[None]:
    """A NotFound raised inside becomes Http404 (the 404 page: a missing id and another
    organization's look the same); other errors pass through."""
    try:
        yield
    except NotFound as e:
        raise Http404(message or str(e.detail)) from e


def get_or_404(read: Callable[..., T], /, **kwargs: Any) -> T:
    """`read(**kwargs)` (a selector's `<entity>_get`), or Http404 when it raises NotFound."""
    with not_found_as_404():
        return read(**kwargs)


@contextmanager
def refusals_as_http(not_found: str | None = None) -> Iterator[None]:
    """For a page that posts an action and redirects: NotFound becomes the 404 page and a role
    refusal (PermissionDenied) the 403 page; other DomainErrors go on to the caller's message."""
    try:
        with not_found_as_404(not_found):
            yield
    except PermissionDenied as err:
        raise Forbidden(str(err.detail)) from err


def parse_limit(raw: str | None, *, default: int, maximum: int) -> int:
    """The `limit` of a bounded list: `default` when absent or blank, else a whole number from
    1 to `maximum`."""
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ValidationFailed({"limit": f"Use a whole number from 1 to {maximum}."})
    return value


def parse_choice(
    raw: str | None, *, field: str, choices: Collection[str], default: str | None = None, required: bool = False,
) -> str | None:
    """One of `choices`; `default` when absent or blank, unless the parameter is `required`."""
    if not raw and not required:
        return default
    if raw not in choices:
        raise ValidationFailed({field: f"Use one of {', '.join(choices)}."})
    return raw


def json_object(request: Any) -> dict[str, Any]:
    """An API request's JSON body, which must be an object (400 `invalid_body` otherwise)."""
    if not isinstance(request.data, dict):
        raise ValidationFailed("Send a JSON object.", code="invalid_body")
    return dict(request.data)
