"""core.humanize.wait_words: waits told in words, on Django's timesince."""

from __future__ import annotations

import pytest

from core.humanize import wait_words
from core.throttles import throttled_detail


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "1 second"),
    (0.2, "1 second"),
    (1, "1 second"),
    (1.5, "2 seconds"),
    (45, "45 seconds"),
    (59, "59 seconds"),
    (60, "1 minute"),
    (119, "1 minute"),
    (900, "15 minutes"),
    (3066, "51 minutes"),
    (3600, "1 hour"),
    (3720, "1 hour, 2 minutes"),
    (86400 + 7200 + 59, "1 day, 2 hours"),
])
def test_wait_words(seconds, words):
    assert wait_words(seconds) == words


def test_wait_words_has_no_digits_only_answer_and_no_nbsp():
    for s in (1, 61, 3066, 90000):
        out = wait_words(s)
        assert "\xa0" not in out and " " in out and not out.isdigit()


def test_throttled_detail():
    assert throttled_detail(3066.4) == "Too many requests. Try again in 51 minutes."
    assert throttled_detail(None) == "Too many requests. Try again later."
