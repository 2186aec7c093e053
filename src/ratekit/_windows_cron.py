"""Cron windows: open when one cron expression fires, closed when another fires.

Public through `ratekit.windows` ([`cron()`][ratekit.windows.cron]); the cronsim library
(the ``ratekit[cron]`` extra) is imported only when a cron window is built.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import typing
from typing import Final

import attrs

from ._calendar import (
    MAX_BOUNDARIES,
    MAX_CALENDAR_US,
    MIN_CALENDAR_US,
    check_span_us,
    exact_span_us,
    local_us,
    outside_calendars,
    reduce_without_cache,
    too_many,
)
from ._call_arguments import TZ as _TZ
from ._call_arguments import constructor, factory
from ._entry_points import plain_text
from ._extras import require
from ._instants import US_PER_DAY, format_us, to_us
from ._shown import show
from ._windows_algebra import Window, _Algebra, _clip
from ._windows_cron_real import real_firings, until_time_ends
from ._zones import local_at, offset_at, raised, zone, zone_failed, zone_name
from .errors import BadCalendarError, BadSpanError, RatekitTypeError
from .spans import _normalise

__all__ = ["CronWindow", "cron"]


# -- cron windows -------------------------------------------------------------------------

#: How far before an instant the search for the last cron firing starts, beyond the
#: instant itself: more than any DST shift, so that a firing that cron's wall-clock
#: arithmetic places "later" on the clock but earlier in time is still seen.
_CRON_MARGIN_US: Final = 3 * 3_600_000_000
#: How many firings a search skips at most before giving up.
_CRON_SEARCH_LIMIT: Final = 100_000


def _import_cronsim() -> typing.Any:
    return require("cronsim", "cron", "cron windows need")  # imported only when used


def _local(t_us: int, tz: _dt.tzinfo) -> _dt.datetime:
    return local_at(tz, t_us)


def _check_cron(expression: object, what: str) -> None:
    cronsim = _import_cronsim()
    if not isinstance(expression, str):
        raise RatekitTypeError(
            f"cron window {what} must be a cron expression string, "
            f"not {type(expression).__name__}: {show(expression)}."
        )
    try:
        cronsim.CronSim(expression, _CRON_PROBE)
    except (cronsim.CronSimError, ValueError, IndexError) as error:
        raise BadCalendarError(
            f"cron window {what} {expression!r} is not a cron expression ({error}); "
            "write five fields, minute hour day-of-month month day-of-week, "
            "e.g. '00 02 * * Tue', or six with seconds first, e.g. '0 00 02 * * Tue'."
        ) from None


_CRON_PROBE: Final = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def _on_wall_clock(expression: str) -> bool:
    """Whether ``expression`` has six fields and fires at fixed times (no ``*`` in minute or hour).

    cronsim applies Debian's rule for DST (a skipped time runs after the gap, a repeated
    one once) to such jobs of five fields only, and fires those of six at every real
    instant that matches: ``0 30 2 * * *`` never fired on the night Zurich skips 02:30
    and fired twice on the night it repeats it. ratekit counts them on the wall clock.
    """
    parts = expression.split()
    return len(parts) == 6 and not parts[1].startswith("*") and not parts[2].startswith("*")


def _never_opens(start: str, end: str) -> bool:
    """Whether every firing of ``start`` is surely a firing of ``end``: the window never opens.

    A start firing with an end opens nothing, so such a window is empty everywhere; knowing
    it spares counting firings over the span asked (refused past the limit after seconds
    for a year of a minutely pair). Sure in two cases, DST included:

    - both fire alike: the same sets of seconds, minutes, hours, days, months and weekdays,
      the same day rule, and the same DST rule (at fixed times on the wall clock, or at
      every matching real instant);
    - ``end`` fires at every real instant of its seconds, every minute of every day, and
      those seconds hold all of ``start``'s (and 0, when ``start`` is at fixed times: one
      that a DST gap skips fires after the gap at second 0): wherever ``start`` fires,
      ``end`` does too.

    Other pairs may never open as well; their windows are found and counted as usual.
    """
    cronsim = _import_cronsim()
    opens, closes = (cronsim.CronSim(x, _CRON_PROBE) for x in (start, end))
    fields = ("seconds", "minutes", "hours", "days", "months", "weekdays", "day_and")
    if all(getattr(opens, f) == getattr(closes, f) for f in fields):
        return _fixed(start) == _fixed(end)
    every_day = closes.days == set(range(1, 32)) and closes.day_and
    return (
        not _fixed(end)
        and every_day
        and closes.minutes == set(range(60))
        and closes.hours == set(range(24))
        and closes.months == set(range(1, 13))
        and set(range(7)) <= closes.weekdays
        # A start at a fixed time that a DST gap skips fires after the gap, at second 0.
        and opens.seconds | ({0} if _fixed(start) else set()) <= closes.seconds
    )


def _fixed(expression: str) -> bool:
    """Whether ``expression`` fires at fixed times on the wall clock (no ``*`` in minute or hour)."""
    parts = expression.split()[-5:]
    return not parts[0].startswith("*") and not parts[1].startswith("*")


def _firings(
    expression: str, from_us: int, tz: _dt.tzinfo, *, reverse: bool = False
) -> typing.Iterator[int]:
    """The firings of ``expression`` from ``from_us`` on (or back), in ``tz``, as instants (epoch µs).

    cronsim gives those at fixed times, except that a six-field one is counted on the
    wall clock, each local time read by the calendars' rule (`local_us`: a skipped
    time is the first instant after the gap, a repeated one its first occurrence), as
    cronsim reads a five-field one. The instants are in order: reading wall-clock times
    that way never reverses them. An expression with ``*`` in its minute or hour field
    fires at every real instant that matches, found one stretch of constant UTC offset
    at a time (`real_firings`: cronsim alone lost some at half-hour changes).
    """
    first = (
        None if reverse or from_us >= MIN_CALENDAR_US else _before_year_1(expression, from_us, tz)
    )
    if first is not None:
        return first
    if not _fixed(expression):
        return real_firings(expression, from_us, tz, reverse=reverse)
    cronsim = _import_cronsim()
    start = _local(from_us, tz)
    wall_clock = _on_wall_clock(expression)
    try:
        if wall_clock:
            # A wall-clock time, deliberately naive: each firing is placed by local_us.
            start = start.replace(tzinfo=None)
        firings = cronsim.CronSim(expression, start, reverse=reverse)
    except Exception as error:  # the expression was checked: the zone failed
        raise zone_failed(tz, f"a firing from {format_us(from_us)}", raised(error)) from None
    found = until_time_ends(firings, tz, from_us)
    if not wall_clock:
        return (to_us(firing) for firing in found)
    return (
        local_us(tz, at.year, at.month, at.day, at.hour * 3_600 + at.minute * 60 + at.second)
        for at in found
    )


def _before_year_1(expression: str, from_us: int, tz: _dt.tzinfo) -> typing.Iterator[int] | None:
    """The firings from ``from_us`` on when its local time is before year 1, else None.

    West of UTC the first instants of year 1 are local times of year 0, which `datetime`
    does not hold; a window asked for from year 2 looks back there. No firing is before
    local 0001-01-01 00:00, so the firings are those from it on: it (when it matches),
    then those cronsim finds after it, as from any other start.
    """
    offset = offset_at(tz, _YEAR_1)
    if offset >= _dt.timedelta(0):
        return None
    first_us = to_us(_YEAR_1.replace(tzinfo=_dt.UTC) - offset)
    if from_us >= first_us:
        return None
    cronsim = _import_cronsim()
    # Searched from a microsecond after 00:00:00, cronsim finds the firings after that
    # second (the search of `real_firings` would start a microsecond before it, in year
    # 0); back from 00:00:01, the first it gives is 00:00:00 itself if it fires then.
    back = cronsim.CronSim(expression, _YEAR_1 + _dt.timedelta(seconds=1), reverse=True)
    at_first = next(until_time_ends(back, tz, first_us), None) == _YEAR_1
    later = _firings(expression, first_us + 1, tz)
    return itertools.chain([first_us], later) if at_first else later


#: Local 0001-01-01 00:00, the first wall-clock time `datetime` holds (naive on purpose).
_YEAR_1: Final = _dt.datetime(1, 1, 1)  # noqa: DTZ001


@typing.final
@constructor(
    f"start and end (cron expressions such as '0 22 * * *') and a {_TZ}",
    family="windows",
)
@attrs.frozen(repr=False)
class CronWindow(_Algebra, Window):
    """A window that opens when one cron expression fires and closes when another fires.

    Build it with [`cron()`][ratekit.windows.cron]. The window opens at every firing of ``start`` and closes at
    the first firing of ``end`` at or after it: a ``start`` firing while the window is open
    changes nothing, and a ``start`` that fires at the same instant as an ``end`` opens
    nothing (the window from it to that end is empty). If ``end`` never fires again, the
    window stays open. Firings are evaluated by the cronsim
    library in the timezone ``tz``, with Debian cron's rules for DST: a job at a fixed
    time that DST skips runs at the first minute after the gap, and one in a repeated hour
    runs once, at its first occurrence (an expression of six fields at fixed times too:
    ``0 30 2 * * *`` is ``30 2 * * *``); expressions with ``*`` in the minute or hour
    field fire at every matching real instant.

    Finding firings is slow (tens of µs each), so the window caches the spans it has found;
    [`within_us()`][ratekit.windows.CronWindow.within_us] costs a bisection once a part of time has been seen.

    Examples:
        >>> import ratekit as rk
        >>> maintenance = rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
        >>> maintenance.within(rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"))
        SpanSet([Span('2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z')])
    """

    start: str
    """The cron expression whose firings open the window."""
    end: str
    """The cron expression whose firings close it."""
    tz: _dt.tzinfo
    """The timezone the expressions are evaluated in."""
    _cache: list[typing.Any] = attrs.field(init=False, eq=False, repr=False)
    _never: bool = attrs.field(init=False, eq=False, repr=False)

    #: The least extension of the cached part of time, in microseconds.
    CHUNK_US: typing.ClassVar[int] = 62 * US_PER_DAY
    #: A request further than this from the cached part of time starts afresh.
    FAR_US: typing.ClassVar[int] = 800 * US_PER_DAY
    #: The most start firings a margin cached around the span asked may take.
    MARGIN_FIRINGS: typing.ClassVar[int] = 250

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "CronWindow tz"))
        _check_cron(self.start, "start")
        _check_cron(self.end, "end")
        object.__setattr__(self, "_never", _never_opens(self.start, self.end))
        # [covered_lo, covered_hi, flat bounds of every window overlapping that part]
        object.__setattr__(self, "_cache", [0, 0, []])

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickled as its parameters: the spans it has found are not sent along.

        The cache grows with the time asked for (an hourly window over five years holds
        87,648 bounds, 800 kB pickled), and a plan holding the window travels to every
        part of a scale-out and in a rater's pickle. The copy finds them again.
        """
        return reduce_without_cache(self)

    def _next(self, expression: str, after_us: int) -> int | None:
        """The first firing of ``expression`` strictly after ``after_us`` (None if none).

        cronsim starts from the whole second before and, for fixed-time jobs, counts on
        the wall clock, so firings at or before ``after_us`` (the first occurrence of a
        repeated hour seen from the second one) are skipped here.
        """
        for count, instant in enumerate(_firings(expression, after_us, self.tz)):
            if instant > after_us:
                return instant
            if count > _CRON_SEARCH_LIMIT:  # pragma: no cover - a safety net
                break
        return None

    def _last(self, expression: str, t_us: int) -> int | None:
        """The last firing of ``expression`` at or before ``t_us`` (None if none)."""
        firings = _firings(expression, t_us + _CRON_MARGIN_US + 1, self.tz, reverse=True)
        for count, instant in enumerate(firings):
            if instant <= t_us:
                return instant
            if count > _CRON_SEARCH_LIMIT:  # pragma: no cover - a safety net
                break
        return None

    def _windows(
        self,
        lo_us: int,
        hi_us: int,
        asked: tuple[int, int] | None = None,
        *,
        budget: int | None = None,
    ) -> tuple[list[tuple[int, int]], int]:
        """Every whole window that overlaps ``[lo_us, reached)``, in order, and ``reached``.

        ``reached`` is ``hi_us``, unless ``budget`` is given and more start firings than
        that lie in the way: then the search stops early, at an instant ``reached`` (at
        least ``lo_us``) before which every window has been found. A refusal names
        ``asked``, the span the caller gave.
        """
        out: list[tuple[int, int]] = []
        cursor = lo_us  # the next window opens at the first start firing at or after it
        opened = self._last(self.start, lo_us)
        if opened is not None:
            closed = self._next(self.end, opened - 1)
            closed = MAX_CALENDAR_US if closed is None else closed
            if closed > lo_us:
                out.append((opened, closed))
                cursor = closed
        count = last = 0
        while cursor < hi_us:
            count += 1
            if budget is not None and count > budget:
                return out, cursor
            if count > MAX_BOUNDARIES // 2:
                raise self._too_many_firings(asked or (lo_us, hi_us), count - 1, len(out), last)
            opened = self._next(self.start, cursor - 1)
            if opened is None or opened >= hi_us:
                break
            last = opened
            closed = self._next(self.end, opened - 1)
            closed = MAX_CALENDAR_US if closed is None else closed
            if closed > opened:
                out.append((opened, closed))
            cursor = max(closed, opened + 1)
        return out, hi_us

    def _too_many_firings(
        self, asked: tuple[int, int], count: int, opened: int, last_us: int
    ) -> BadSpanError:
        """The refusal of a span whose start firings, counted one by one, pass the limit.

        Each start firing is a step of the search, whether or not it opens a window (one
        with an end firing opens nothing), so the message counts firings, not boundaries.
        """
        return BadSpanError(
            f"{self!r} over {format_us(asked[0])}..{format_us(asked[1])}: its start fired "
            f"{count:,} times by {format_us(last_us)} (opening {opened:,} windows), and one "
            f"call searches at most {MAX_BOUNDARIES // 2:,} firings; ask for shorter spans, "
            "one piece at a time."
        )

    def _estimate(self, lo_us: int, hi_us: int) -> None:
        """Refuse ``[lo_us, hi_us)`` at once if it surely holds too many windows.

        Finding each firing costs tens of µs, so counting 50,000 windows before refusing
        took seconds. When neither expression names a day, month or weekday, firings
        repeat every day (every hour when neither names an hour either): the windows of
        one such period, counted, times the periods in the span estimate the whole. It is
        refused when even 22/24 of the estimate (a DST day is an hour shorter; for hours, the
        estimate less a DST hour per 100 days and two more) passes the limit; otherwise the windows are computed and counted exactly. O(one period).
        """
        fields = [expression.split() for expression in (self.start, self.end)]
        if any(len(parts) not in (5, 6) for parts in fields):
            return
        tails = [parts[-5:] for parts in fields]
        if any(tail[2:] != ["*", "*", "*"] for tail in tails):
            return
        hourly = all(tail[1] == "*" for tail in tails)
        period = US_PER_DAY // 24 if hourly else US_PER_DAY
        if hi_us - lo_us < 4 * period:
            return
        sample = len(self._windows(lo_us, lo_us + period)[0])
        estimate = sample * ((hi_us - lo_us) // period)
        if hourly:
            # A DST change skips (or repeats) one local hour, at most a few times a year.
            surely = estimate - sample * ((hi_us - lo_us) // (100 * US_PER_DAY) + 2)
        else:
            surely = estimate * 22 // 24
        if surely > MAX_BOUNDARIES // 2:
            raise too_many(self, lo_us, hi_us, 2 * estimate)

    def _cover(self, lo_us: int, hi_us: int) -> list[int]:
        """The cached bounds, extended to cover ``[lo_us, hi_us)`` and a margin around it.

        The span asked is computed whole (refused past `MAX_BOUNDARIES`); the margins
        (`CHUNK_US`, so that neighbouring spans are found in the cache) only as far as
        `MARGIN_FIRINGS` start firings reach: a window that opens every minute must not
        make a question about one hour compute two months of firings, nor be refused.
        """
        asked = (lo_us, hi_us)
        if lo_us < MIN_CALENDAR_US or hi_us > MAX_CALENDAR_US:
            raise outside_calendars(lo_us if lo_us < MIN_CALENDAR_US else hi_us)
        if self._never:
            return []
        self._estimate(lo_us, hi_us)
        covered_lo, covered_hi, values = self._cache
        pairs = list(zip(values[0::2], values[1::2], strict=True))
        far = lo_us > covered_hi + self.FAR_US or hi_us < covered_lo - self.FAR_US
        fresh = covered_lo >= covered_hi or far
        # A gap between the cached part and the span asked is bridged only when it is
        # cheap: otherwise the cache starts afresh, and a warm cache answers as a cold one.
        if not fresh and hi_us < covered_lo:
            gap, reached = self._windows(hi_us, covered_lo, budget=self.MARGIN_FIRINGS)
            fresh = reached < covered_lo
            if not fresh:
                pairs += gap
                covered_lo = hi_us
        if not fresh and lo_us > covered_hi:
            gap, reached = self._windows(covered_hi, lo_us, budget=self.MARGIN_FIRINGS)
            fresh = reached < lo_us
            if not fresh:
                pairs += gap
                covered_hi = lo_us
        if fresh:
            pairs = []
            covered_lo = covered_hi = lo_us
        if fresh or lo_us < covered_lo:
            margin_lo = max(lo_us - self.CHUNK_US // 2, MIN_CALENDAR_US)
            if not fresh:
                margin_lo = max(min(lo_us, covered_lo - self.CHUNK_US), MIN_CALENDAR_US)
                pairs += self._windows(lo_us, covered_lo, asked)[0]
            covered_lo = lo_us
            margin, reached = self._windows(margin_lo, lo_us, budget=self.MARGIN_FIRINGS)
            if reached == lo_us:  # the margin is cached only when it was found whole
                pairs += margin
                covered_lo = margin_lo
        if hi_us > covered_hi:
            margin_hi = min(max(hi_us, covered_hi + self.CHUNK_US), MAX_CALENDAR_US)
            pairs += self._windows(covered_hi, hi_us, asked)[0]
            margin, reached = self._windows(hi_us, margin_hi, budget=self.MARGIN_FIRINGS)
            pairs += margin
            covered_hi = max(hi_us, reached)
        values = list(_normalise(pairs))
        self._cache[:] = [covered_lo, covered_hi, values]
        return values

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside the window: ascending, disjoint, clipped.

        O(log n + k) for k parts once the cache covers the span.

        Examples:
            >>> import ratekit as rk
            >>> from ratekit._instants import to_us
            >>> hour = rk.windows.cron("0 1 * * *", "0 2 * * *", tz="UTC")
            >>> hour.within_us(to_us("2026-03-01T01:30:00Z"), to_us("2026-03-01T03:00:00Z"))
            [(1772328600000000, 1772330400000000)]
        """
        if type(start_us) is not int or type(end_us) is not int:
            start_us, end_us = exact_span_us(start_us, end_us, "within_us")
        if end_us <= start_us:  # nothing within, once both are instants
            check_span_us(start_us, end_us, "within_us")
            return []
        covered_lo, covered_hi, values = self._cache
        if not (covered_lo <= start_us and end_us <= covered_hi and covered_lo < covered_hi):
            values = self._cover(start_us, end_us)
        return _clip(values, start_us, end_us) if values else []

    @plain_text
    def __repr__(self) -> str:
        return f"windows.cron({self.start!r}, {self.end!r}, tz={zone_name(self.tz)!r})"


@factory(
    "cron",
    f"start and end (cron expressions such as '0 22 * * *'), and {_TZ} by keyword",
    family="windows",
)
def cron(start: str, end: str, *, tz: str | _dt.tzinfo) -> CronWindow:
    """A window from each firing of the cron expression ``start`` to the next firing of ``end``.

    Expressions have five fields (minute, hour, day of month, month, day of week, as in
    ``"00 02 * * Tue"``) or six with seconds first, evaluated in the timezone ``tz`` by the
    cronsim library: install it with ``pip install 'ratekit[cron]'``. See
    [`CronWindow`][ratekit.windows.CronWindow] for how firings meet DST.

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
        windows.cron('00 02 * * Tue', '00 02 * * Wed', tz='Europe/Athens')
        >>> rk.windows.cron("00 25 * * Tue", "00 02 * * Wed", tz="UTC")
        Traceback (most recent call last):
        ...
        ratekit.BadCalendarError: cron window start '00 25 * * Tue' is not a cron expression (Bad hour); write five fields, minute hour day-of-month month day-of-week, e.g. '00 02 * * Tue', or six with seconds first, e.g. '0 00 02 * * Tue'.
    """
    zone_info = zone(tz, "cron window tz")
    _check_cron(start, "start")
    _check_cron(end, "end")
    return CronWindow(start, end, zone_info)
