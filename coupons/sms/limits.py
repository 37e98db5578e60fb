"""Limits on marketing SMS: quiet hours (wait until morning) and a rate limit towards the gateway."""

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable

from django.core.cache import cache
from django.utils import timezone

from coupons import conf


def _quiet_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(str(conf.get("SMS_QUIET_HOURS_TZ")))


def in_quiet_hours(when: dt.datetime | None = None) -> bool:
    """True when `when` (aware; default now) falls in SMS_QUIET_HOURS in SMS_QUIET_HOURS_TZ."""
    window = conf.quiet_hours()
    if window is None:
        return False
    start, end = window
    local = (when or timezone.now()).astimezone(_quiet_tz()).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight (21:00-08:00)


def next_send_time(when: dt.datetime | None = None) -> dt.datetime:
    """The earliest moment a marketing message may go out: `when` itself, or the end of the quiet hours."""
    now = when or timezone.now()
    if not in_quiet_hours(now):
        return now
    _start, end = conf.quiet_hours()  # type: ignore[misc]
    tz = _quiet_tz()
    local = now.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), end, tzinfo=tz)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate.astimezone(dt.UTC)


class RateLimiter:
    """At most `rate` messages per wall-clock second, counted in the cache (Redis in production).

    With Redis every worker process shares the counter; with the local-memory cache it limits one process.
    """

    def __init__(
        self,
        rate: int | None = None,
        *,
        key: str = "coupons:sms-rate",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = int(rate if rate is not None else conf.get("SMS_RATE_PER_SECOND"))
        self.key = key
        self.clock = clock
        self.sleep = sleep

    def acquire(self) -> None:
        """Block until one more message may be sent in the current second."""
        if self.rate <= 0:
            return
        while True:
            now = self.clock()
            second = int(now)
            slot = f"{self.key}:{second}"
            cache.add(slot, 0, timeout=5)
            try:
                used = cache.incr(slot)
            except ValueError:  # expired between add and incr: try again
                continue
            if used <= self.rate:
                return
            self.sleep(max(0.0, second + 1 - now))
