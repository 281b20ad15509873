"""The API's JSON parser (issue 11): DRF's, refusing what must never reach a view or the
database, with 400 {"error": "parse_error", "detail": ...} (DRF's code for a bad body):
- nesting deeper than MAX_JSON_DEPTH: Python's json recurses per level, so a 100,000-deep array
  raised RecursionError (a 500). The depth is measured before parsing, without recursion;
- NUL (\\u0000) in any string or key: PostgreSQL refuses it in text, so it was a 500 wherever
  it was stored;
- a lone surrogate (\\ud800): not Unicode text, it cannot be encoded for the database.

Bodies above DATA_UPLOAD_MAX_MEMORY_SIZE never get here: DRF reads the body before calling the
parser, and core.request_guard refuses them first with "request_too_large".
"""

from __future__ import annotations

import codecs
import re
from itertools import accumulate
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_JSON_DEPTH = 32

# A string, or an unterminated one up to the end: every match attempt succeeds, so the scan
# stays linear (a pattern needing the closing quote retried at each escaped quote: quadratic).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when JSON `text` nests arrays and objects more than `limit` deep, counting the
    brackets outside strings as json.loads would descend into them (unclosed ones too: the
    parser recurses before it finds the end missing). No recursion; the loops run in C
    (regex, map, accumulate): a 2.5 MB body of brackets takes about half as long as json.loads
    would, and a body with few brackets skips the scan."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0) > limit


def _bad_string(data: Any, check_surrogates: bool) -> str | None:
    """The first string or key holding NUL (or, if asked, a lone surrogate), without recursion."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or (check_surrogates and _SURROGATE.search(item)):
                return item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class JSONParser(parsers.JSONParser):
    """REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]: every JSON route parses with this."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.decode(stream.read(), encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(text, self.max_depth):
            raise ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels.")
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        # Only an escape can put NUL or a surrogate in a string (raw control characters are
        # invalid JSON): walk the data only when the text holds one.
        check_surrogates = _SURROGATE_ESCAPE.search(text) is not None
        if ("\\u0000" in text or check_surrogates) and _bad_string(data, check_surrogates) is not None:
            raise ParseError("JSON parse error - strings may not contain NUL (\\u0000) or lone surrogates.")
        return data
