"""The date window of the windowed reports."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from core.dates import validate_date_in_range
from oi_admin.selectors import Window

MAX_WINDOW_DAYS = 366


class WindowForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            validators=[validate_date_in_range])
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          validators=[validate_date_in_range])

    def __init__(self, *args: object, default_days: int = 30, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.default_days = default_days

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=self.default_days - 1)
        if end > today:
            self.add_error("end", "The window cannot end in the future.")
        if start > end:
            self.add_error("start", "The start must not be after the end.")
        elif (end - start).days + 1 > MAX_WINDOW_DAYS:
            self.add_error("start", f"Choose a window of at most {MAX_WINDOW_DAYS} days.")
        data["window"] = Window(start=start, end=end)
        return data
