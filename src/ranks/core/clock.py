"""The one place that tells today's date, so tests and commands can fix it."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
