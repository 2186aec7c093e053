"""Recurring windows as a protocol, and their set algebra: union, intersection, complement.

A window is any object with ``within_us`` (see [`Window`][ratekit.windows.Window]); the
built-in ones combine with ``|``, ``&`` and ``~``. Public through `ratekit.windows`.
"""

from __future__ import annotations

import bisect
import itertools
import typing
from typing import Protocol

import attrs

from ._calendar import (
    check_span_us,
    exact_span_us,
)
from ._call_arguments import constructor, factory
from ._caller_objects import has_method
from ._entry_points import plain_text
from ._shown import show
from ._user_windows import checked as checked_window
from .errors import BadCalendarError, RatekitTypeError
from .spans import Span, SpanSet, _normalise, _pairs

__all__ = ["Complement", "Intersection", "Union", "Window", "complement", "intersection", "union"]


@typing.runtime_checkable
class Window(Protocol):
    """What ratekit needs from a recurring window: ``within_us``, and ``within`` built on it.

    Implement [`within_us()`][ratekit.windows.Window.within_us] (instants are integer microseconds since the epoch);
    subclass ``Window`` explicitly to inherit [`within()`][ratekit.windows.Window.within].

    Examples:
        >>> import ratekit as rk
        >>> class FirstHourOfEveryDay(rk.windows.Window):
        ...     day = 86_400_000_000
        ...     hour = 3_600_000_000
        ...     def within_us(self, start_us, end_us):
        ...         first = start_us // self.day * self.day
        ...         pairs = ((d, d + self.hour) for d in range(first, end_us, self.day))
        ...         return [(max(a, start_us), min(b, end_us)) for a, b in pairs if b > start_us]
        >>> FirstHourOfEveryDay().within(rk.Span("2026-03-01T00:30:00Z", "2026-03-02T12:00:00Z"))
        SpanSet([Span('2026-03-01T00:30:00Z', '2026-03-01T01:00:00Z'), Span('2026-03-02T00:00:00Z', '2026-03-02T01:00:00Z')])
    """

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside the window: ascending, disjoint, clipped."""
        ...

    def within(self, span: Span) -> SpanSet:
        """The parts of ``span`` inside the window.

        Examples:
            >>> import ratekit as rk
            >>> rk.windows.weekends(tz="UTC").within(rk.Span("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z"))
            SpanSet([Span('2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z')])
        """
        if not isinstance(span, Span):
            raise RatekitTypeError(
                f"within takes a Span, not {type(span).__name__}: {show(span)}; build one with "
                "rk.Span(start, end)."
            )
        return SpanSet.from_us(self.within_us(span.start_us, span.end_us))


def _clip(values: list[int], start_us: int, end_us: int) -> list[tuple[int, int]]:
    """The pairs of the flat bounds ``values`` (start, end, start, end...) clipped to a span.

    ``values`` must reach at least from ``start_us`` to ``end_us``. Empty pairs are dropped
    and touching ones merged.
    """
    if end_us <= start_us:
        return []
    i = bisect.bisect_right(values, start_us)
    j = bisect.bisect_left(values, end_us)
    bounds = values[i:j]
    if i & 1:
        bounds.insert(0, start_us)
    if j & 1:
        bounds.append(end_us)
    out: list[tuple[int, int]] = []
    it = iter(bounds)
    for a, b in zip(it, it, strict=True):
        if a < b:
            if out and out[-1][1] == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
    return out


def _gaps(pairs: list[tuple[int, int]], start_us: int, end_us: int) -> list[tuple[int, int]]:
    """The parts of ``[start_us, end_us)`` not covered by the sorted, disjoint ``pairs``."""
    out = []
    cursor = start_us
    for a, b in pairs:
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end_us:
        out.append((cursor, end_us))
    return out


class _Algebra:
    """``|``, ``&`` and ``~`` for the built-in windows."""

    __slots__ = ()

    def __or__(self, other: Window) -> Union:
        return union(typing.cast("Window", self), other)

    def __and__(self, other: Window) -> Intersection:
        return intersection(typing.cast("Window", self), other)

    def __invert__(self) -> Complement:
        return complement(typing.cast("Window", self))


# -- combinations -------------------------------------------------------------------------


@typing.final
@constructor(
    "windows (a tuple of windows); windows.union(*windows) or | builds one", family="windows"
)
@attrs.frozen(repr=False)
class Union(_Algebra, Window):
    """The parts of time inside any of several windows. Build it with [`union()`][ratekit.windows.union] or ``|``.

    Examples:
        >>> import ratekit as rk
        >>> off_peak = rk.windows.daily("22:00", "06:00", tz="UTC") | rk.windows.weekends(tz="UTC")
        >>> off_peak.within(rk.Span("2026-03-06T12:00:00Z", "2026-03-07T12:00:00Z"))
        SpanSet([Span('2026-03-06T22:00:00Z', '2026-03-07T12:00:00Z')])
    """

    windows: tuple[Window, ...]
    """The windows joined (a union among them is flattened into this one)."""
    _depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        windows = _flat(Union, _window_tuple(self.windows, "Union windows"))
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "_depth", _nested(windows, "windows.union"))

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside any of the windows.

        Examples:
            >>> import ratekit as rk
            >>> a = rk.windows.daily("01:00", "02:00", tz="UTC")
            >>> b = rk.windows.daily("02:00", "03:00", tz="UTC")
            >>> (a | b).within_us(0, 86_400_000_000)
            [(3600000000, 10800000000)]
        """
        if not (type(start_us) is int and type(end_us) is int):
            start_us, end_us = exact_span_us(start_us, end_us, "within_us")
        return list(
            _pairs(
                _normalise(
                    itertools.chain.from_iterable(
                        w.within_us(start_us, end_us) for w in self.windows
                    )
                )
            )
        )

    @plain_text
    def __repr__(self) -> str:
        return f"windows.union({', '.join(map(repr, self.windows))})"


@typing.final
@constructor(
    "windows (a tuple of windows); windows.intersection(*windows) or & builds one",
    family="windows",
)
@attrs.frozen(repr=False)
class Intersection(_Algebra, Window):
    """The parts of time inside all of several windows. Build it with [`intersection()`][ratekit.windows.intersection] or ``&``.

    Examples:
        >>> import ratekit as rk
        >>> weekend_nights = rk.windows.daily("22:00", "06:00", tz="UTC") & rk.windows.weekends(tz="UTC")
        >>> len(weekend_nights.within(rk.Span("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z")))
        3
    """

    windows: tuple[Window, ...]
    """The windows intersected (an intersection among them is flattened into this one)."""
    _depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        windows = _flat(Intersection, _window_tuple(self.windows, "Intersection windows"))
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "_depth", _nested(windows, "windows.intersection"))

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside every one of the windows.

        Examples:
            >>> import ratekit as rk
            >>> a = rk.windows.daily("01:00", "03:00", tz="UTC")
            >>> b = rk.windows.daily("02:00", "04:00", tz="UTC")
            >>> (a & b).within_us(0, 86_400_000_000)
            [(7200000000, 10800000000)]
        """
        if not (type(start_us) is int and type(end_us) is int):
            start_us, end_us = exact_span_us(start_us, end_us, "within_us")
        result = SpanSet.from_us([(start_us, end_us)]) if end_us > start_us else SpanSet()
        for window in self.windows:
            if not result:
                break
            result &= SpanSet.from_us(window.within_us(start_us, end_us))
        return result.pairs_us()

    @plain_text
    def __repr__(self) -> str:
        return f"windows.intersection({', '.join(map(repr, self.windows))})"


@typing.final
@constructor("window (one window); windows.complement(window) or ~ builds one", family="windows")
@attrs.frozen(repr=False)
class Complement(_Algebra, Window):
    """The parts of time outside a window. Build it with [`complement()`][ratekit.windows.complement] or ``~``.

    Examples:
        >>> import ratekit as rk
        >>> weekdays = ~rk.windows.weekends(tz="UTC")
        >>> weekdays.within(rk.Span("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"))
        SpanSet([Span('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z')])
    """

    window: Window
    """The window whose outside this is."""
    _depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        window = _check_window(self.window, "Complement window")
        object.__setattr__(self, "_depth", _nested((window,), "windows.complement"))

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` outside the window.

        Examples:
            >>> import ratekit as rk
            >>> (~rk.windows.daily("01:00", "23:00", tz="UTC")).within_us(0, 86_400_000_000)
            [(0, 3600000000), (82800000000, 86400000000)]
        """
        if not (type(start_us) is int and type(end_us) is int):
            start_us, end_us = exact_span_us(start_us, end_us, "within_us")
        if end_us <= start_us:  # nothing outside, once both are instants
            check_span_us(start_us, end_us, "within_us")
            return []
        return _gaps(self.window.within_us(start_us, end_us), start_us, end_us)

    def __invert__(self) -> Complement:
        return complement(self)

    @plain_text
    def __repr__(self) -> str:
        return f"windows.complement({self.window!r})"


def _window_tuple(value: object, what: str) -> tuple[Window, ...]:
    if not isinstance(value, tuple | list) or not value:
        raise RatekitTypeError(
            f"{what} must be a non-empty tuple of recurring windows, not "
            f"{type(value).__name__}: {show(value)}."
        )
    return tuple(_check_window(window, what) for window in value)


#: How deep union, intersection and complement may nest (each level is a frame of
#: recursion in ``within_us`` and ``repr``, far below Python's recursion limit).
MAX_DEPTH: typing.Final = 100


def _flat(kind: type, windows: tuple[Window, ...]) -> tuple[Window, ...]:
    """``windows`` with each one of type ``kind`` replaced by its own windows. O(n)."""
    if not any(type(w) is kind for w in windows):
        return windows
    out: list[Window] = []
    for window in windows:
        if type(window) is kind:
            out.extend(typing.cast("Union | Intersection", window).windows)
        else:
            out.append(window)
    return tuple(out)


def _nested(windows: tuple[Window, ...], what: str) -> int:
    """The nesting depth of a combination of ``windows``; refused beyond `MAX_DEPTH`."""
    depth = 1 + max(getattr(w, "_depth", 0) for w in windows)
    if depth > MAX_DEPTH:
        raise BadCalendarError(
            f"{what}() would nest windows {depth} levels deep (unions, intersections and "
            f"complements of each other); at most {MAX_DEPTH} levels are accepted: pass "
            "many windows to one union() or intersection() instead of nesting them."
        )
    return depth


def _check_window(value: object, what: str) -> Window:
    if not has_method(value, "within_us"):
        raise RatekitTypeError(
            f"{what} must be a recurring window with within_us(), "
            f"not {type(value).__name__}: {show(value)}."
        )
    return typing.cast("Window", checked_window(value))  # one of the user's own, checked


@factory("union", "windows by position (one or more)", family="windows")
def union(*windows: Window) -> Union:
    """The parts of time inside any of ``windows`` (also ``a | b`` for built-in windows).

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.union(rk.windows.weekends(tz="UTC"), rk.windows.daily("22:00", "06:00", tz="UTC"))
        windows.union(windows.weekly(('Sat', '00:00'), ('Mon', '00:00'), tz='UTC'), windows.daily('22:00', '06:00', tz='UTC'))
    """
    if not windows:
        raise BadCalendarError("windows.union() needs at least one window.")
    return Union(tuple(_check_window(w, "windows.union argument") for w in windows))


@factory("intersection", "windows by position (one or more)", family="windows")
def intersection(*windows: Window) -> Intersection:
    """The parts of time inside every one of ``windows`` (also ``a & b`` for built-in windows).

    Examples:
        >>> import ratekit as rk
        >>> nights = rk.windows.daily("22:00", "06:00", tz="UTC")
        >>> both = rk.windows.intersection(nights, rk.windows.weekends(tz="UTC"))
        >>> both.within(rk.Span("2026-03-06T00:00:00Z", "2026-03-07T12:00:00Z"))
        SpanSet([Span('2026-03-07T00:00:00Z', '2026-03-07T06:00:00Z')])
    """
    if not windows:
        raise BadCalendarError("windows.intersection() needs at least one window.")
    return Intersection(tuple(_check_window(w, "windows.intersection argument") for w in windows))


@factory("complement", "one window, by position", family="windows")
def complement(window: Window) -> Complement:
    """The parts of time outside ``window`` (also ``~window`` for built-in windows).

    Within any span, a window's parts and its complement's parts partition the span.

    Examples:
        >>> import ratekit as rk
        >>> days = rk.windows.complement(rk.windows.daily("22:00", "06:00", tz="UTC"))
        >>> days.within(rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
        SpanSet([Span('2026-03-02T06:00:00Z', '2026-03-02T22:00:00Z')])
    """
    return Complement(_check_window(window, "windows.complement argument"))
