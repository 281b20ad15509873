"""Numbers told to people in words: waits ("51 minutes", "1 hour, 2 minutes") and sizes ("4.2 MB")."""

from __future__ import annotations

import datetime as dt
import math

from django.template.defaultfilters import filesizeformat
from django.utils.timesince import timesince
from django.utils.translation import ngettext


def wait_words(seconds: float) -> str:
    """How long to wait, in words, for messages such as "Try again in 51 minutes.": Django's
    `timesince` (the two largest units, rounded down as timesince does: 3066 -> "51 minutes",
    3720 -> "1 hour, 2 minutes"); under a minute, which timesince would call "0 minutes", the
    seconds ("1 second", "45 seconds"). Fractions of a second round up and anything below one
    second reads "1 second" (a wait is never "0"). Plain spaces (timesince's no-break spaces
    would leak into JSON details)."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return ngettext("%(n)d second", "%(n)d seconds", whole) % {"n": whole}
    now = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return timesince(now - dt.timedelta(seconds=whole), now, depth=2).replace("\xa0", " ")


def size_words(num_bytes: int) -> str:
    """A size as people read it, for messages outside templates: Django's `filesizeformat`
    ("4.2 MB", "200.0 MB", "1 byte"; never "0.0 GB" or 4.38e-06), with plain spaces. In
    templates use the `filesizeformat` filter itself."""
    return filesizeformat(num_bytes).replace("\xa0", " ")
