"""Half-open spans of time and normalised sets of them.

A [`Span`][ratekit.Span] is ``[start, end)``: it contains its start and not its end, so two spans
that meet (``a.end == b.start``) share no instant and cut time without a gap or an
overlap. That is the rule that makes "an event at exactly a cycle's end belongs to the
next cycle" true everywhere in ratekit.

Inside, instants are integer microseconds since the epoch (``start_us``, ``end_us``);
``start`` and ``end`` give them back as aware UTC datetimes.

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> week = rk.Span("2026-03-28T00:00:00Z", "2026-04-04T00:00:00Z")
    >>> march & week
    Span('2026-03-28T00:00:00Z', '2026-04-01T00:00:00Z')
    >>> march.end in march
    False
    >>> (march | week).duration
    datetime.timedelta(days=34)
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import typing
from collections.abc import Iterable, Iterator
from typing import NoReturn

from ._caller_objects import read_once
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, check_pair_us, format_us, from_us, to_us
from ._shown import show
from .errors import BadSpanError, RatekitTypeError

__all__ = ["Span", "SpanSet"]


def _iterable(value: object, what: str) -> Iterable[object]:
    """``value``'s items, read once; a RatekitTypeError naming ``what`` otherwise.

    Not an iterable, or one whose own code raises (`read_once`): refused. O(n).
    """
    if not isinstance(value, Iterable):
        raise RatekitTypeError(
            f"{what} takes an iterable, not {type(value).__name__}: {show(value)}."
        )
    if type(value) is list or type(value) is tuple:
        return value
    return read_once(value, what, type(value).__name__, "a list")


def _us_of(value: object, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        raise RatekitTypeError(
            f"{what} must be an aware datetime or an ISO-8601 string with an offset, not int: "
            f"{show(value)}; for epoch microseconds use Span.from_us()."
        )
    return to_us(value, what)


@typing.final
class Span:
    """A half-open span of time ``[start, end)``.

    ``start`` and ``end`` are aware datetimes (stdlib or pendulum) or ISO-8601 strings with
    an offset or ``Z``; naive values are rejected. ``start == end`` is the empty span
    (falsy); ``end < start`` is an error. Spans are immutable, hashable and ordered by
    ``(start, end)``. Equality compares endpoints, so two empty spans at different instants
    are different values (both are falsy).

    ``&`` is the intersection (a [`Span`][ratekit.Span], empty when disjoint); ``|`` and ``-`` give a
    [`SpanSet`][ratekit.SpanSet]. Every operation is O(1) except ``|`` and ``-``.

    Examples:
        >>> import ratekit as rk
        >>> day = rk.Span("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00")
        >>> day.duration  # the day Zurich moves its clocks forward has 23 hours
        datetime.timedelta(seconds=82800)
        >>> day.start
        datetime.datetime(2026, 3, 28, 23, 0, tzinfo=datetime.timezone.utc)
        >>> bool(rk.Span(day.start, day.start))
        False
    """

    __slots__ = ("end_us", "start_us")

    start_us: int
    """The start, in integer microseconds since 1970-01-01T00:00:00Z."""
    end_us: int
    """The end (excluded), in integer microseconds since 1970-01-01T00:00:00Z."""

    def __init__(self, start: _dt.datetime | str, end: _dt.datetime | str) -> None:
        start_us = _us_of(start, "Span start")
        end_us = _us_of(end, "Span end")
        if end_us < start_us:
            raise BadSpanError(
                f"Span end {format_us(end_us)} comes before its start {format_us(start_us)}; "
                "a span is [start, end) with start <= end."
            )
        object.__setattr__(self, "start_us", start_us)
        object.__setattr__(self, "end_us", end_us)

    @classmethod
    def from_us(cls, start_us: int, end_us: int) -> Span:
        """Build a span from epoch microseconds (the fast path used inside ratekit).

        ``start_us`` and ``end_us`` must be ``int`` (not ``bool``, ``float`` or
        ``Decimal``; an ``int`` subclass such as an ``IntEnum`` is taken by its exact
        value) within the instants ratekit represents (years 1 to 9999 in UTC), with
        ``start_us <= end_us``; the check costs a few tens of nanoseconds. O(1).

        Examples:
            >>> import ratekit as rk
            >>> rk.Span.from_us(0, 3_600_000_000)
            Span('1970-01-01T00:00:00Z', '1970-01-01T01:00:00Z')
            >>> rk.Span.from_us(1.5, 2.5)
            Traceback (most recent call last):
            ...
            ratekit.RatekitTypeError: Span.from_us start_us must be an int of microseconds since the epoch, not float: 1.5.
        """
        if not (
            type(start_us) is int and type(end_us) is int and MIN_US <= start_us <= end_us <= MAX_US
        ):
            start_us, end_us = check_pair_us(start_us, end_us, "Span.from_us", "Span")
        span = object.__new__(cls)
        object.__setattr__(span, "start_us", start_us)
        object.__setattr__(span, "end_us", end_us)
        return span

    @classmethod
    def _from_us(cls, start_us: int, end_us: int) -> Span:
        """[`from_us()`][ratekit.Span.from_us] without the checks, for bounds taken from valid spans."""
        span = object.__new__(cls)
        object.__setattr__(span, "start_us", start_us)
        object.__setattr__(span, "end_us", end_us)
        return span

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Span is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Span is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[typing.Any, tuple[int, int]]:
        return (Span.from_us, (self.start_us, self.end_us))

    # -- views -------------------------------------------------------------------------

    @property
    def start(self) -> _dt.datetime:
        """The first instant of the span, as an aware UTC datetime."""
        return from_us(self.start_us)

    @property
    def end(self) -> _dt.datetime:
        """The first instant after the span, as an aware UTC datetime."""
        return from_us(self.end_us)

    @property
    def duration(self) -> _dt.timedelta:
        """Elapsed time from start to end (always between UTC instants, so DST-correct)."""
        return _dt.timedelta(microseconds=self.end_us - self.start_us)

    def __bool__(self) -> bool:
        return self.end_us > self.start_us

    @plain_text
    def __repr__(self) -> str:
        return f"Span({format_us(self.start_us)!r}, {format_us(self.end_us)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Span):
            return self.start_us == other.start_us and self.end_us == other.end_us
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Span, self.start_us, self.end_us))

    def __lt__(self, other: Span) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return (self.start_us, self.end_us) < (other.start_us, other.end_us)

    def __le__(self, other: Span) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return (self.start_us, self.end_us) <= (other.start_us, other.end_us)

    def __gt__(self, other: Span) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return (self.start_us, self.end_us) > (other.start_us, other.end_us)

    def __ge__(self, other: Span) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return (self.start_us, self.end_us) >= (other.start_us, other.end_us)

    # -- membership and algebra --------------------------------------------------------

    def __contains__(self, item: object) -> bool:
        """``t in span`` for an instant; ``other in span`` for a span (the empty span is in every span)."""
        if isinstance(item, Span):
            return not item or (self.start_us <= item.start_us and item.end_us <= self.end_us)
        t = to_us(item, "instant")
        return self.start_us <= t < self.end_us

    def overlaps(self, other: Span) -> bool:
        """Whether the two spans share at least one instant (meeting spans do not).

        Examples:
            >>> import ratekit as rk
            >>> a = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
            >>> b = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
            >>> a.overlaps(b)
            False
        """
        if not isinstance(other, Span):
            raise RatekitTypeError(
                f"Span.overlaps takes a Span, not {type(other).__name__}: {show(other)}."
            )
        return max(self.start_us, other.start_us) < min(self.end_us, other.end_us)

    def __and__(self, other: Span) -> Span:
        if not isinstance(other, Span):
            return NotImplemented
        start = max(self.start_us, other.start_us)
        end = min(self.end_us, other.end_us)
        return Span._from_us(start, max(start, end))

    def clip(self, within: Span) -> Span:
        """The part of this span inside ``within`` (the same as ``self & within``).

        Examples:
            >>> import ratekit as rk
            >>> run = rk.Span("2026-02-20T00:00:00Z", "2026-03-05T00:00:00Z")
            >>> run.clip(rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
            Span('2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z')
        """
        if not isinstance(within, Span):
            raise RatekitTypeError(
                f"Span.clip takes a Span, not {type(within).__name__}: {show(within)}."
            )
        return self & within

    def __or__(self, other: Span | SpanSet) -> SpanSet:
        if isinstance(other, (Span, SpanSet)):
            return SpanSet((self,)) | other
        return NotImplemented

    def __sub__(self, other: Span | SpanSet) -> SpanSet:
        if isinstance(other, (Span, SpanSet)):
            return SpanSet((self,)) - other
        return NotImplemented

    def split(self, at: _dt.datetime | str) -> tuple[Span, Span]:
        """Cut the span at an instant into ``[start, at)`` and ``[at, end)``.

        ``at`` must lie in ``[start, end]``; cutting at an end gives one empty part.

        Examples:
            >>> import ratekit as rk
            >>> rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z").split("2026-03-02T00:00:00Z")
            (Span('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'), Span('2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z'))
        """
        cut = to_us(at, "Span.split at")
        if not self.start_us <= cut <= self.end_us:
            raise BadSpanError(
                f"cannot split {self!r} at {format_us(cut)}: the instant is outside the span."
            )
        return Span._from_us(self.start_us, cut), Span._from_us(cut, self.end_us)


# -- SpanSet ------------------------------------------------------------------------------
#
# A SpanSet stores its spans as one flat tuple of bounds [s0, e0, s1, e1, ...] with
# s0 < e0 < s1 < e1 < ...: sorted, disjoint, non-empty and non-touching. An instant t is
# inside iff bisect_right(bounds, t) is odd.


def _normalise(pairs: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """Sorted, merged flat bounds of the non-empty pairs (touching spans merge)."""
    out: list[int] = []
    for start, end in sorted(p for p in pairs if p[1] > p[0]):
        if out and start <= out[-1]:
            out[-1] = max(out[-1], end)
        else:
            out.append(start)
            out.append(end)
    return tuple(out)


def _pairs(bounds: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    it = iter(bounds)
    return zip(it, it, strict=True)


def _intersect(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    out: list[int] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i], b[j])
        end = min(a[i + 1], b[j + 1])
        if start < end:
            out.append(start)
            out.append(end)
        if a[i + 1] < b[j + 1]:
            i += 2
        else:
            j += 2
    return tuple(out)


def _subtract(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    out: list[int] = []
    j = 0
    for i in range(0, len(a), 2):
        start, end = a[i], a[i + 1]
        while j < len(b) and b[j + 1] <= start:
            j += 2
        k = j
        while k < len(b) and b[k] < end:
            if b[k] > start:
                out.append(start)
                out.append(b[k])
            start = max(start, b[k + 1])
            k += 2
        if start < end:
            out.append(start)
            out.append(end)
    return tuple(out)


def _bounds_of(value: Span | SpanSet) -> tuple[int, ...]:
    if isinstance(value, SpanSet):
        return value._bounds
    return (value.start_us, value.end_us) if value else ()


@typing.final
class SpanSet:
    """A normalised union of half-open spans: sorted, disjoint and non-touching.

    Built from any iterable of spans (overlapping, touching, unsorted or empty ones are
    fine); ``|``, ``&`` and ``-`` take a [`Span`][ratekit.Span] or a [`SpanSet`][ratekit.SpanSet] and always
    give a normalised [`SpanSet`][ratekit.SpanSet]. Iterating gives its spans in order. Operations
    on sets of ``n`` and ``m`` spans cost O(n + m) (building from unsorted spans,
    O(n log n)); ``t in spanset`` costs O(log n).

    Examples:
        >>> import ratekit as rk
        >>> nights = rk.SpanSet([
        ...     rk.Span("2026-03-02T22:00:00Z", "2026-03-03T06:00:00Z"),
        ...     rk.Span("2026-03-01T22:00:00Z", "2026-03-02T06:00:00Z"),
        ... ])
        >>> list(nights)[0]
        Span('2026-03-01T22:00:00Z', '2026-03-02T06:00:00Z')
        >>> nights.duration
        datetime.timedelta(seconds=57600)
        >>> "2026-03-02T12:00:00Z" in nights
        False
    """

    __slots__ = ("_bounds",)

    _bounds: tuple[int, ...]

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        given: object = spans  # a lone Span is a frequent slip; say so rather than "not iterable"
        if isinstance(given, Span):
            raise RatekitTypeError(
                f"SpanSet takes an iterable of Span values, not a single Span: {given!r}; "
                "write SpanSet([span])."
            )
        pairs = []
        for span in _iterable(spans, "SpanSet"):
            if not isinstance(span, Span):
                raise RatekitTypeError(
                    f"SpanSet takes Span values, not {type(span).__name__}: {show(span)}."
                )
            pairs.append((span.start_us, span.end_us))
        object.__setattr__(self, "_bounds", _normalise(pairs))

    @classmethod
    def _from_bounds(cls, bounds: tuple[int, ...]) -> SpanSet:
        result = object.__new__(cls)
        object.__setattr__(result, "_bounds", bounds)
        return result

    @classmethod
    def from_us(cls, pairs: Iterable[tuple[int, int]]) -> SpanSet:
        """Build a span set from ``(start_us, end_us)`` pairs in epoch microseconds.

        Examples:
            >>> import ratekit as rk
            >>> rk.SpanSet.from_us([(0, 10), (10, 20)])
            SpanSet([Span('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000020Z')])
        """
        checked = []
        for pair in _iterable(pairs, "SpanSet.from_us"):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise RatekitTypeError(
                    f"SpanSet.from_us takes (start_us, end_us) pairs, not "
                    f"{type(pair).__name__}: {show(pair)}."
                )
            checked.append(check_pair_us(pair[0], pair[1], "SpanSet.from_us"))
        return cls._from_bounds(_normalise(checked))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"SpanSet is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"SpanSet is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[typing.Any, tuple[tuple[int, ...]]]:
        return (SpanSet._from_bounds, (self._bounds,))

    def _check(self) -> None:
        """Assert the invariant: strictly increasing bounds (non-empty, sorted, disjoint spans)."""
        bounds = self._bounds
        assert len(bounds) % 2 == 0, bounds
        assert all(x < y for x, y in itertools.pairwise(bounds)), bounds

    def __iter__(self) -> Iterator[Span]:
        return (Span._from_us(s, e) for s, e in _pairs(self._bounds))

    def pairs_us(self) -> list[tuple[int, int]]:
        """The spans as ``(start_us, end_us)`` pairs in epoch microseconds, in order.

        Examples:
            >>> import ratekit as rk
            >>> rk.SpanSet.from_us([(5, 9), (0, 3)]).pairs_us()
            [(0, 3), (5, 9)]
        """
        return list(_pairs(self._bounds))

    def __len__(self) -> int:
        return len(self._bounds) // 2

    def __bool__(self) -> bool:
        return bool(self._bounds)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpanSet):
            return self._bounds == other._bounds
        return NotImplemented

    def __hash__(self) -> int:
        return hash((SpanSet, self._bounds))

    @plain_text
    def __repr__(self) -> str:
        return f"SpanSet([{', '.join(map(repr, self))}])"

    @property
    def duration(self) -> _dt.timedelta:
        """The total elapsed time covered by the set."""
        bounds = self._bounds
        return _dt.timedelta(microseconds=sum(bounds[1::2]) - sum(bounds[0::2]))

    @property
    def span(self) -> Span | None:
        """The smallest span that covers the whole set (``None`` when the set is empty).

        Examples:
            >>> import ratekit as rk
            >>> rk.SpanSet.from_us([(0, 1), (5, 6)]).span
            Span('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000006Z')
        """
        return Span._from_us(self._bounds[0], self._bounds[-1]) if self._bounds else None

    def __contains__(self, item: object) -> bool:
        """``t in spanset`` for an instant; ``span in spanset`` when one member covers the span."""
        bounds = self._bounds
        if isinstance(item, Span):
            if not item:
                return True
            index = bisect.bisect_right(bounds, item.start_us)
            return index % 2 == 1 and item.end_us <= bounds[index]
        t = to_us(item, "instant")
        return bisect.bisect_right(bounds, t) % 2 == 1

    def __or__(self, other: Span | SpanSet) -> SpanSet:
        if not isinstance(other, (Span, SpanSet)):
            return NotImplemented
        return SpanSet._from_bounds(_normalise([*_pairs(self._bounds), *_pairs(_bounds_of(other))]))

    __ror__ = __or__

    def __and__(self, other: Span | SpanSet) -> SpanSet:
        if not isinstance(other, (Span, SpanSet)):
            return NotImplemented
        return SpanSet._from_bounds(_intersect(self._bounds, _bounds_of(other)))

    __rand__ = __and__

    def __sub__(self, other: Span | SpanSet) -> SpanSet:
        if not isinstance(other, (Span, SpanSet)):
            return NotImplemented
        return SpanSet._from_bounds(_subtract(self._bounds, _bounds_of(other)))
