"""Elapsed-time cycles: every whole UTC hour, or a fixed period from an anchor.

Pure arithmetic, no cache. Public through `ratekit.cycles` ([`hourly()`][ratekit.cycles.hourly],
[`every()`][ratekit.cycles.every]).
"""

from __future__ import annotations

import datetime as _dt
import typing
from typing import Final

import attrs

from ._calendar import (
    MAX_BOUNDARIES,
    check_span_us,
    too_many,
)
from ._call_arguments import constructor, factory
from ._cycle_protocol import Cycle, checked_bounds, instant_named
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, US_PER_HOUR, check_us, format_us, to_us
from ._instants import ONE_US as _ONE_US
from ._shown import show
from .errors import BadCalendarError, RatekitTypeError

__all__ = ["Every", "Hourly", "every", "hourly"]


def _arithmetic_boundaries(
    owner: object, start_us: int, end_us: int, period: int, anchor: int
) -> list[int]:
    """The instants ``anchor + k * period`` strictly inside ``(start_us, end_us)``.

    Arguments are checked (ints within ratekit's instants), and more than
    `MAX_BOUNDARIES` boundaries are refused. O(k).
    """
    if not (
        type(start_us) is int
        and type(end_us) is int
        and MIN_US <= start_us <= MAX_US
        and MIN_US <= end_us <= MAX_US
    ):
        start_us, end_us = check_span_us(start_us, end_us, "boundaries_us")
    first = ((start_us - anchor) // period + 1) * period + anchor
    count = (end_us - first + period - 1) // period
    if count > MAX_BOUNDARIES:
        raise too_many(owner, start_us, end_us, count)
    return list(range(first, end_us, period))


@typing.final
@constructor("no arguments: call cycles.hourly()", family="cycles")
@attrs.frozen(repr=False)
class Hourly(Cycle):
    """Hourly cycles: every whole UTC hour (every whole local hour wherever the offset is whole).

    Build it with [`hourly()`][ratekit.cycles.hourly]. Pure arithmetic: O(k) for k boundaries, no cache.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.hourly().containing("2026-03-29T01:30:00Z")
        Span('2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z')
    """

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The whole hours ``b`` with ``start_us < b < end_us``, ascending.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.hourly().boundaries_us(0, 7_200_000_001)
            [3600000000, 7200000000]
        """
        return _arithmetic_boundaries(self, start_us, end_us, US_PER_HOUR, 0)

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the hour containing ``t_us``.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.hourly().containing_us(3_600_000_000)
            (3600000000, 7200000000)
        """
        if not (type(t_us) is int and MIN_US <= t_us <= MAX_US):
            t_us = check_us(t_us, "containing_us t_us")
        start = t_us // US_PER_HOUR * US_PER_HOUR
        end = start + US_PER_HOUR
        if end > MAX_US:  # the last hour of year 9999 ends in year 10000
            checked_bounds(self, f"containing {instant_named(t_us)}", (start, end))
        return start, end

    @plain_text
    def __repr__(self) -> str:
        return "cycles.hourly()"


@typing.final
@constructor(
    "period_us and anchor_us (ints of microseconds); cycles.every(period, anchor) builds one "
    "from a timedelta and an instant",
    family="cycles",
)
@attrs.frozen(repr=False)
class Every(Cycle):
    """Cycles of a fixed elapsed length, repeating forwards and backwards from an anchor.

    Build it with [`every()`][ratekit.cycles.every]. Elapsed time ignores the calendar: ``every(timedelta(days=1),
    ...)`` cycles last 24 hours even across DST. Two cycles whose anchors differ by whole
    periods are equal. Pure arithmetic: O(k) for k boundaries, no cache.

    Examples:
        >>> import datetime as dt
        >>> import ratekit as rk
        >>> fortnights = rk.cycles.every(dt.timedelta(days=14), anchor="2026-01-05T00:00:00Z")
        >>> fortnights.containing("2026-03-01T00:00:00Z")
        Span('2026-02-16T00:00:00Z', '2026-03-02T00:00:00Z')
    """

    period_us: int
    """The length of every cycle, in microseconds."""
    anchor_us: int
    """The first boundary at or after the epoch, in epoch microseconds."""
    _given_us: int = attrs.field(init=False, eq=False, repr=False)
    # The anchor as given, which the repr shows (anchor_us is reduced by the period, so
    # that cycles anchored whole periods apart are equal); not compared, not hashed.

    def __attrs_post_init__(self) -> None:
        period, anchor = self.period_us, self.anchor_us
        if not (type(period) is int and 0 < period <= MAX_US - MIN_US):
            raise BadCalendarError(
                f"Every period_us {period!r} must be a positive int of microseconds, at most "
                f"{MAX_US - MIN_US} (the whole range of instants)."
            )
        given = check_us(anchor, "Every anchor_us")
        object.__setattr__(self, "_given_us", given)
        object.__setattr__(self, "anchor_us", given % period)

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The boundaries ``b`` with ``start_us < b < end_us``, ascending.

        Examples:
            >>> import datetime as dt
            >>> import ratekit as rk
            >>> rk.cycles.every(dt.timedelta(microseconds=10), anchor="1970-01-01T00:00:00.000003Z").boundaries_us(0, 30)
            [3, 13, 23]
        """
        return _arithmetic_boundaries(self, start_us, end_us, self.period_us, self.anchor_us)

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the cycle containing ``t_us``.

        Examples:
            >>> import datetime as dt
            >>> import ratekit as rk
            >>> rk.cycles.every(dt.timedelta(microseconds=10), anchor="1970-01-01T00:00:00.000003Z").containing_us(13)
            (13, 23)
        """
        if not (type(t_us) is int and MIN_US <= t_us <= MAX_US):
            t_us = check_us(t_us, "containing_us t_us")
        period = self.period_us
        start = (t_us - self.anchor_us) // period * period + self.anchor_us
        end = start + period
        if start < MIN_US or end > MAX_US:  # a cycle at either end of the instants
            checked_bounds(self, f"containing {instant_named(t_us)}", (start, end))
        return start, end

    @plain_text
    def __repr__(self) -> str:
        """The call that builds the cycle, with the anchor given (as a UTC instant)."""
        period = _dt.timedelta(microseconds=self.period_us)
        return f"cycles.every({period!r}, anchor={format_us(self._given_us)!r})"


_ANCHORED: Final = "cycles.every(timedelta(hours=1), anchor='2026-01-01T00:00:00+05:30')"


@factory(
    "hourly",
    "no arguments: call cycles.hourly()",
    {
        "tz": (
            "hourly cycles start at every whole UTC hour, the same instants in every "
            "timezone, and a whole local hour wherever the offset from UTC is whole hours "
            "(Europe/Zurich, America/New_York); for the whole local hours of a zone offset "
            f"by part of an hour (Asia/Kolkata, +05:30) use {_ANCHORED}"
        )
    },
)
def hourly() -> Hourly:
    """Hourly cycles, starting at every whole UTC hour.

    The same instants in every timezone, so it takes no ``tz``: they are whole local hours
    wherever the offset from UTC is whole hours. For a zone offset by part of an hour
    (Asia/Kolkata, +05:30), anchor [`every()`][ratekit.cycles.every] at a local whole hour.
    Any argument is a [`RatekitTypeError`][ratekit.RatekitTypeError] saying so.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.hourly().containing("2026-03-01T10:59:59Z")
        Span('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z')
    """
    return Hourly()


@factory(
    "every",
    "period (a positive datetime.timedelta) and anchor (the instant one cycle starts at, "
    "an aware datetime or an ISO-8601 string with an offset)",
    {
        "tz": (
            "elapsed-time cycles are the same instants in every timezone, and the anchor's "
            "offset places them (anchor='2026-01-01T00:00:00+05:30'); for local days, "
            "weeks or months use cycles.daily, weekly or monthly(tz=...)"
        )
    },
)
def every(period: _dt.timedelta, anchor: _dt.datetime | str) -> Every:
    """Cycles of a fixed elapsed ``period``, one of which starts at the instant ``anchor``.

    ``period`` is a positive `timedelta` (whole microseconds). Elapsed
    time ignores DST: for calendar days use [`daily()`][ratekit.cycles.daily].

    Examples:
        >>> import datetime as dt
        >>> import ratekit as rk
        >>> thirty = rk.cycles.every(dt.timedelta(days=30), anchor="2026-01-15T09:00:00Z")
        >>> thirty.containing("2026-03-01T00:00:00Z")
        Span('2026-02-14T09:00:00Z', '2026-03-16T09:00:00Z')
    """
    if not isinstance(period, _dt.timedelta):
        raise RatekitTypeError(
            f"every period must be a datetime.timedelta, not {type(period).__name__}: {show(period)}."
        )
    period_us = period // _ONE_US
    if period_us <= 0 or period % _ONE_US:
        raise BadCalendarError(
            f"every period {period!r} must be a positive whole number of microseconds."
        )
    if period_us > MAX_US - MIN_US:
        raise BadCalendarError(
            f"every period {period!r} is longer than the whole range of instants ratekit "
            f"represents ({format_us(MIN_US)} to {format_us(MAX_US)}); give a shorter period."
        )
    return Every(period_us, to_us(anchor, "every anchor"))  # reduced there, shown as given
