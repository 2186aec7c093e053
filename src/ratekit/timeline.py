"""Step functions of time: a value per span.

A [`Timeline`][ratekit.Timeline] holds, for every instant, either one value or nothing. It is how
ratekit keeps what changes over time — a resource's description, the price in force, the
plan an account is on — and answers "what held at ``t``?" in O(log n).

Inside, a timeline is a sorted list of breakpoints (integer microseconds since the epoch,
a `sortedcontainers.SortedList`) and a dict from each breakpoint to the value that
holds from it until the next breakpoint, or to a private marker for "nothing". Two
adjacent pieces never carry equal values, so every piece a timeline yields is already as
long as it can be.

Examples:
    >>> import ratekit as rk
    >>> flavors = rk.Timeline[str]()
    >>> flavors.set(rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"), "m1.small")
    >>> flavors.set(rk.Span("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z"), "m1.large")
    >>> flavors.at("2026-03-15T12:00:00Z")
    'm1.large'
    >>> flavors.at("2026-04-01T00:00:00Z") is None  # half-open: the end is outside
    True
"""

from __future__ import annotations

import datetime as _dt
import enum
import heapq
import itertools
import typing
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Final, Generic, TypeVar, overload

from sortedcontainers import SortedList

from ._caller_objects import raised
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, check_pair_us, check_us, to_us
from ._shown import show
from .errors import RatekitTypeError
from .spans import Span, SpanSet, _iterable

__all__ = ["Timeline"]

V = TypeVar("V")
W = TypeVar("W")
D = TypeVar("D")


class _Gap(enum.Enum):
    """The marker for "no value" between pieces (never shown to users)."""

    GAP = 0

    @plain_text
    def __repr__(self) -> str:
        return "<gap>"


_GAP: Final = _Gap.GAP


def _same(a: object, b: object) -> bool:
    """Whether two stored values are equal (the gap equals only itself)."""
    if a is b:
        return True
    if a is _GAP or b is _GAP:
        return False
    try:
        return bool(a == b)
    except Exception as error:  # a value's own __eq__ (or __bool__) may raise anything
        raise RatekitTypeError(
            f"Timeline values {show(a)} and {show(b)} could not be compared: a timeline merges "
            f"equal neighbours with ==, which raised {raised(error)}; give values whose == "
            "works (plain values: str, int, Decimal, tuples, frozen attrs classes)."
        ) from error


def _check_span(span: object, what: str) -> Span:
    if not isinstance(span, Span):
        raise RatekitTypeError(f"{what} takes a Span, not {type(span).__name__}: {show(span)}.")
    return span


@typing.final
class Timeline(Generic[V]):
    """A step function of time: a value per half-open span, and nothing elsewhere.

    ``set(span, value)`` makes ``value`` hold over ``span``, overwriting whatever held
    there; ``clear(span)`` removes values over ``span``. ``at(t)`` reads the value at an
    instant (``None``, or a default, where nothing holds); ``items(within=span)`` yields
    ``(Span, value)`` pieces in time order, clipped to ``within``. Adjacent pieces with
    equal values (``==``) are always merged, so setting the same value twice or over
    touching spans leaves one piece. ``align(other)`` gives the common refinement of two
    timelines, each piece carrying both values.

    ``Timeline(pairs)`` sets each ``(span, value)`` pair in order, so later pairs
    overwrite earlier ones. A timeline is a mutable container (like a dict): it is not
    hashable; ``copy()`` gives an independent one. Two timelines are equal when they yield
    the same pieces.

    Hot paths use the ``_us`` variants (``at_us``, ``set_us``, ``clear_us``,
    ``items_us``), which take and give integer microseconds since the epoch. With ``n``
    breakpoints: ``at`` costs O(log n); ``set`` and ``clear`` O((k + 1) log n) for the
    ``k`` breakpoints they remove; ``items`` O(log n) to start and O(1) per piece;
    ``align`` O(n + m).

    Examples:
        >>> import ratekit as rk
        >>> prices = rk.Timeline[str]()
        >>> prices.set(rk.Span("2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"), "0.10")
        >>> prices.set(rk.Span("2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"), "0.12")
        >>> for span, price in prices.items(within=rk.Span("2026-06-30T00:00:00Z", "2026-07-02T00:00:00Z")):
        ...     print(span, price)
        Span('2026-06-30T00:00:00Z', '2026-07-01T00:00:00Z') 0.10
        Span('2026-07-01T00:00:00Z', '2026-07-02T00:00:00Z') 0.12
        >>> prices.at("2027-01-01T00:00:00Z", "unpriced")
        'unpriced'
    """

    __slots__ = ("_keys", "_values")

    _keys: SortedList
    _values: dict[int, V | _Gap]

    def __init__(self, items: Iterable[tuple[Span, V]] = ()) -> None:
        self._keys = SortedList()
        self._values = {}
        for item in _iterable(items, "Timeline"):
            if not isinstance(item, tuple) or len(item) != 2:
                raise RatekitTypeError(
                    f"Timeline takes (Span, value) pairs, not {type(item).__name__}: {show(item)}."
                )
            span, value = item
            self.set(span, value)

    # -- reading -----------------------------------------------------------------------

    def _raw_at(self, t_us: int) -> V | _Gap:
        keys = self._keys
        index = keys.bisect_right(t_us)
        if index:
            return self._values[keys[index - 1]]
        return _GAP

    @overload
    def at(self, t: _dt.datetime | str) -> V | None: ...

    @overload
    def at(self, t: _dt.datetime | str, default: D) -> V | D: ...

    def at(self, t: _dt.datetime | str, default: object = None) -> object:
        """The value that holds at instant ``t``, or ``default`` where nothing holds.

        ``t`` is an aware datetime or an ISO-8601 string with an offset. A piece holds
        from its start (included) to its end (excluded). O(log n).

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Timeline([(rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"), "pro")])
            >>> plan.at("2026-03-01T00:00:00Z"), plan.at("2026-04-01T00:00:00Z", "free")
            ('pro', 'free')
        """
        value = self._raw_at(to_us(t, "Timeline.at instant"))
        return default if value is _GAP else value

    @overload
    def at_us(self, t_us: int) -> V | None: ...

    @overload
    def at_us(self, t_us: int, default: D) -> V | D: ...

    def at_us(self, t_us: int, default: object = None) -> object:
        """The value at ``t_us`` (integer microseconds since the epoch), or ``default``.

        The fast path of [`at()`][ratekit.Timeline.at], with no conversion. O(log n).

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[int]()
            >>> line.set_us(10, 20, 7)
            >>> line.at_us(9), line.at_us(10), line.at_us(19), line.at_us(20, -1)
            (None, 7, 7, -1)
        """
        # The floor breakpoint, found in SortedList's own sublists (``_maxes`` holds the
        # last key of each sublist in ``_lists``): two bisects, and no positional index,
        # which ``SortedList.bisect_right`` would build and walk. Twice as fast;
        # tests/test_timeline.py checks it against a brute-force oracle.
        if type(t_us) is not int or not MIN_US <= t_us <= MAX_US:
            t_us = check_us(t_us, "Timeline.at_us t_us")
        keys = self._keys
        maxes = keys._maxes
        pos = bisect_right(maxes, t_us)
        if pos == len(maxes):
            if not maxes:
                return default
            key = maxes[-1]
        else:
            sublist = keys._lists[pos]
            index = bisect_right(sublist, t_us)
            if index:
                key = sublist[index - 1]
            elif pos:
                key = maxes[pos - 1]
            else:
                return default
        value = self._values[key]
        return default if value is _GAP else value

    def items_us(
        self, start_us: int | None = None, end_us: int | None = None
    ) -> Iterator[tuple[int, int, V]]:
        """The pieces ``(start_us, end_us, value)`` in time order, clipped to the bounds.

        ``None`` bounds mean "from the first piece" and "to the last piece". The fast path
        of [`items()`][ratekit.Timeline.items]. O(log n) to start, O(1) per piece.

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[str]()
            >>> line.set_us(0, 10, "a")
            >>> line.set_us(20, 30, "b")
            >>> list(line.items_us(5, 25))
            [(5, 10, 'a'), (20, 25, 'b')]
        """
        if start_us is not None and (type(start_us) is not int or not MIN_US <= start_us <= MAX_US):
            start_us = check_us(start_us, "Timeline.items_us start_us")
        if end_us is not None and (type(end_us) is not int or not MIN_US <= end_us <= MAX_US):
            end_us = check_us(end_us, "Timeline.items_us end_us")
        keys = self._keys
        values = self._values
        if not keys:
            return
        low = keys[0] if start_us is None else start_us
        high = keys[-1] if end_us is None else end_us
        if high <= low:
            return
        index = max(keys.bisect_right(low) - 1, 0)
        for key, after in zip(keys.islice(index), keys.islice(index + 1), strict=False):
            if key >= high:
                return
            value = values[key]
            if value is not _GAP:  # the first key is the floor of low, so after > low
                yield max(key, low), min(after, high), value

    def items(self, within: Span | None = None) -> Iterator[tuple[Span, V]]:
        """The pieces ``(span, value)`` in time order, clipped to ``within`` when given.

        Gaps are skipped; adjacent pieces never carry equal values. O(log n) to start and
        O(1) per piece.

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[str]()
            >>> line.set(rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z"), "on")
            >>> line.set(rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"), "on")
            >>> list(line.items())  # touching pieces with equal values are one piece
            [(Span('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z'), 'on')]
            >>> list(line.items(within=rk.Span("2026-03-02T00:00:00Z", "2026-03-02T06:00:00Z")))
            [(Span('2026-03-02T00:00:00Z', '2026-03-02T06:00:00Z'), 'on')]
        """
        if within is None:
            pieces = self.items_us()
        else:
            within = _check_span(within, "Timeline.items within")
            pieces = self.items_us(within.start_us, within.end_us)
        for start, end, value in pieces:
            yield Span._from_us(start, end), value

    def domain(self) -> SpanSet:
        """Where the timeline holds a value, as a [`SpanSet`][ratekit.SpanSet]. O(n).

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[str]()
            >>> line.set_us(0, 10, "a")
            >>> line.set_us(10, 20, "b")
            >>> line.domain()
            SpanSet([Span('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000020Z')])
        """
        return SpanSet.from_us((start, end) for start, end, _ in self.items_us())

    # -- writing -----------------------------------------------------------------------

    def set_us(self, start_us: int, end_us: int, value: V) -> None:
        """Make ``value`` hold over ``[start_us, end_us)``, overwriting what held there.

        The fast path of [`set()`][ratekit.Timeline.set]. An empty span changes nothing.
        O((k + 1) log n) for ``k`` breakpoints removed.

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[str]()
            >>> line.set_us(0, 30, "a")
            >>> line.set_us(10, 20, "b")
            >>> list(line.items_us())
            [(0, 10, 'a'), (10, 20, 'b'), (20, 30, 'a')]
        """
        if not (
            type(start_us) is int and type(end_us) is int and MIN_US <= start_us <= end_us <= MAX_US
        ):
            start_us, end_us = check_pair_us(start_us, end_us, "Timeline.set_us", "Timeline span")
        self._put(start_us, end_us, value)

    def set(self, span: Span, value: V) -> None:
        """Make ``value`` hold over ``span``, overwriting what held there.

        Values equal (``==``) to a touching neighbour merge with it. An empty span changes
        nothing. O((k + 1) log n) for ``k`` breakpoints removed.

        Examples:
            >>> import ratekit as rk
            >>> state = rk.Timeline[str]()
            >>> state.set(rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"), "running")
            >>> state.set(rk.Span("2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z"), "stopped")
            >>> tuple(value for _, value in state.items())
            ('running', 'stopped', 'running')
        """
        span = _check_span(span, "Timeline.set")
        self._put(span.start_us, span.end_us, value)

    def clear_us(self, start_us: int, end_us: int) -> None:
        """Remove every value over ``[start_us, end_us)``. O((k + 1) log n).

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[str]()
            >>> line.set_us(0, 30, "a")
            >>> line.clear_us(10, 20)
            >>> list(line.items_us())
            [(0, 10, 'a'), (20, 30, 'a')]
        """
        if not (
            type(start_us) is int and type(end_us) is int and MIN_US <= start_us <= end_us <= MAX_US
        ):
            start_us, end_us = check_pair_us(start_us, end_us, "Timeline.clear_us", "Timeline span")
        self._put(start_us, end_us, _GAP)

    def clear(self, span: Span) -> None:
        """Remove every value over ``span`` (the rest of the timeline is kept). O((k + 1) log n).

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline([(rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z"), 1)])
            >>> line.clear(rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
            >>> line.domain()
            SpanSet([Span('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'), Span('2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z')])
        """
        span = _check_span(span, "Timeline.clear")
        self._put(span.start_us, span.end_us, _GAP)

    def _put(self, start: int, end: int, value: V | _Gap) -> None:
        # Breakpoints in [start, end] are replaced by at most two: ``start`` (the new
        # value) and ``end`` (the value that held at ``end`` before), each kept only where
        # the value actually changes, so no two adjacent pieces are ever equal.
        if start >= end:
            return
        keys = self._keys
        values = self._values
        before = self._raw_at(start - 1)
        after = self._raw_at(end)
        # compared before any change: a value's own == that raises leaves the line whole
        starts, ends = not _same(before, value), not _same(after, value)
        low = keys.bisect_left(start)
        high = keys.bisect_right(end)
        if high > low:
            for key in keys.islice(low, high):
                del values[key]
            del keys[low:high]
        if starts:
            keys.add(start)
            values[start] = value
        if ends:
            keys.add(end)
            values[end] = after

    def copy(self) -> Timeline[V]:
        """An independent copy (values themselves are shared, not copied). O(n).

        Examples:
            >>> import ratekit as rk
            >>> line = rk.Timeline[int]()
            >>> line.set_us(0, 10, 1)
            >>> other = line.copy()
            >>> other.set_us(0, 10, 2)
            >>> line.at_us(5), other.at_us(5)
            (1, 2)
        """
        result: Timeline[V] = Timeline()
        result._keys = self._keys.copy()
        result._values = dict(self._values)
        return result

    # -- combining ---------------------------------------------------------------------

    def align(self, other: Timeline[W]) -> Timeline[tuple[V | None, W | None]]:
        """The common refinement of two timelines: each piece carries both values.

        The result holds a pair ``(value of self, value of other)`` wherever at least one
        of them holds a value, with ``None`` for the one that does not. Its pieces are cut
        wherever either timeline changes value. O(n + m).

        Examples:
            >>> import ratekit as rk
            >>> prices = rk.Timeline([(rk.Span("2026-01-01T00:00:00Z", "2026-03-15T00:00:00Z"), "0.10")])
            >>> plans = rk.Timeline([(rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"), "pro")])
            >>> for span, (price, plan) in prices.align(plans).items(
            ...     within=rk.Span("2026-02-01T00:00:00Z", "2026-05-01T00:00:00Z")
            ... ):
            ...     print(span.start.date(), span.end.date(), price, plan)
            2026-02-01 2026-03-01 0.10 None
            2026-03-01 2026-03-15 0.10 pro
            2026-03-15 2026-04-01 None pro
        """
        if not isinstance(other, Timeline):
            raise RatekitTypeError(
                f"Timeline.align takes a Timeline, not {type(other).__name__}: {show(other)}."
            )
        result: Timeline[tuple[V | None, W | None]] = Timeline()
        keys: list[int] = []
        values: dict[int, tuple[V | None, W | None] | _Gap] = {}
        mine, theirs = self._values, other._values
        current_mine: V | _Gap = _GAP
        current_theirs: W | _Gap = _GAP
        previous: tuple[V | None, W | None] | _Gap = _GAP
        for key in heapq.merge(self._keys, other._keys):
            # A key in both timelines comes twice; the second time the pair is unchanged.
            current_mine = mine.get(key, current_mine)
            current_theirs = theirs.get(key, current_theirs)
            pair: tuple[V | None, W | None] | _Gap
            if current_mine is _GAP and current_theirs is _GAP:
                pair = _GAP
            else:
                pair = (
                    None if current_mine is _GAP else current_mine,
                    None if current_theirs is _GAP else current_theirs,
                )
            if not _same(pair, previous):
                keys.append(key)
                values[key] = pair
                previous = pair
        result._keys = SortedList(keys)
        result._values = values
        return result

    # -- container protocol ------------------------------------------------------------

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return list(self._keys) == list(other._keys) and all(
            _same(self._values[key], other._values[key]) for key in self._keys
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    @plain_text
    def __repr__(self) -> str:
        pieces = ", ".join(f"({span!r}, {value!r})" for span, value in self.items())
        return f"Timeline([{pieces}])"

    def _check(self) -> None:
        """Assert the invariants of the breakpoints and their values.

        Breakpoints are ints, strictly increasing, one value each; no two adjacent values
        are equal; the first value is not a gap and the last one is (every piece ends).
        """
        keys = list(self._keys)
        values = self._values
        assert all(type(key) is int for key in keys), keys
        assert all(a < b for a, b in itertools.pairwise(keys)), keys
        assert set(keys) == set(values), (keys, values)
        if keys:
            assert values[keys[0]] is not _GAP, "leading gap"
            assert values[keys[-1]] is _GAP, "the last piece must end"
        for a, b in itertools.pairwise(keys):
            assert not _same(values[a], values[b]), ("adjacent equal values", a, b)
