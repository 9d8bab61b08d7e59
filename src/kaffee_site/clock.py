"""German time, and the one place that knows what day it is.

The archive's dates and times are German wall-clock time (Europe/Berlin). The summer-time rule
is written out here rather than read from the OS time zone database, so that output never
depends on the machine.

Today is the day in Germany of `SOURCE_DATE_EPOCH` when that is set (the reproducible-builds
convention: https://reproducible-builds.org/specs/source-date-epoch/), otherwise of the clock.
A build asks once and hands the day on; the same content and the same SOURCE_DATE_EPOCH give
the same site on any machine, in any time zone, on any day.
"""

from __future__ import annotations

import os
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Mapping

from kaffee_site.errors import UsageError

ENV = "SOURCE_DATE_EPOCH"
_LAST = 253402210800  # 9999-12-31 00:00 UTC: the last day a date can hold, in any zone


@lru_cache(maxsize=256)
def _last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def berlin_offset(local: datetime) -> timedelta:
    """UTC offset of a German wall-clock time (+1 h in winter, +2 h in summer). The EU rule, in
    force in Germany since 1996: CEST from the last Sunday of March 02:00 to the last Sunday of
    October 03:00."""
    summer_from = datetime.combine(_last_sunday(local.year, 3), time(2))
    summer_until = datetime.combine(_last_sunday(local.year, 10), time(3))
    return timedelta(hours=2 if summer_from <= local < summer_until else 1)


def iso_with_offset(local: datetime) -> str:
    """'2024-09-05T10:00:00+02:00', for JSON-LD, Atom and <time datetime>."""
    offset = berlin_offset(local)
    return local.isoformat() + ("+02:00" if offset == timedelta(hours=2) else "+01:00")


def berlin_time(moment: float) -> datetime:
    """German wall-clock time of a Unix timestamp (both changes happen at 01:00 UTC)."""
    utc = datetime.fromtimestamp(moment, timezone.utc).replace(tzinfo=None)
    summer_from = datetime.combine(_last_sunday(utc.year, 3), time(1))
    summer_until = datetime.combine(_last_sunday(utc.year, 10), time(1))
    return utc + timedelta(hours=2 if summer_from <= utc < summer_until else 1)


def today(environ: Mapping[str, str] | None = None) -> date:
    """The day in Germany: of SOURCE_DATE_EPOCH when set, otherwise of the clock."""
    return berlin_time(source_epoch(environ) or _time.time()).date()


def source_epoch(environ: Mapping[str, str] | None = None) -> int | None:
    """SOURCE_DATE_EPOCH as seconds, None when unset; raises UsageError when it is no number
    (the convention asks a build to fail rather than fall back to the clock)."""
    value = (os.environ if environ is None else environ).get(ENV)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) > _LAST:
        raise UsageError(f"{ENV}={value!r} is not a time: it must be a whole number of seconds since "
                         "1970-01-01 UTC, e.g. $(git log -1 --format=%ct)")
    return int(value)
