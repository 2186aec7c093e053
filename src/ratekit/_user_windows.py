"""A recurring window of the user's own, checked where ratekit reads it.

A window is any object with ``within_us(start_us, end_us)``: the parts of the span
inside the window, as ``(start, end)`` pairs of int epoch microseconds, ascending,
disjoint and clipped to the span (see [`Window`][ratekit.windows.Window]). A price entry
is in effect where its window says, and rating cuts usage there: a pair of floats, a pair
outside the span, pairs out of order or overlapping would price hours the window does
not hold (a pair of 1970 priced a whole March), ``None`` or an exception of its own would
escape as a foreign ``TypeError``, and an endless generator would hang the call. So
`checked()` keeps a window of the user's own behind a `_Checked` stand-in
(`ratekit._stand_in`) wherever ratekit keeps it (a [`PriceEntry`][ratekit.PriceEntry]'s
``window``, the windows of [`union()`][ratekit.windows.union],
[`intersection()`][ratekit.windows.intersection] and
[`complement()`][ratekit.windows.complement]). Each answer is checked, and one ratekit
cannot use is a [`BadCalendarError`][ratekit.BadCalendarError] naming the window, the
call, what it returned and what is accepted; more pairs than the pieces one call makes
(`ratekit._window.MAX_PIECES`) are a [`BadSpanError`][ratekit.BadSpanError], refused
before the rest is read. An exception of the window's own (not a
[`RatekitError`][ratekit.RatekitError]) is a ``BadCalendarError`` naming it, chained.
Empty pairs (``start == end``) are dropped.

The built-in windows are right by construction (the combinations check their parts) and
pass as they are.
"""

from __future__ import annotations

import collections.abc
import functools
import itertools
import operator
import typing
from typing import Final

from ._cycle_protocol import instant_named
from ._shown import show
from ._stand_in import StandIn
from ._window import MAX_PIECES
from .errors import BadCalendarError, BadSpanError, RatekitError

__all__ = ["checked"]

_WITHIN: Final = (
    "a window's within_us(start_us, end_us) returns the parts of the span inside the "
    "window: (start, end) pairs of ints, ascending and disjoint, each within the span "
    "(start_us <= start <= end <= end_us; a list, none when the window holds none of it)."
)


@functools.cache
def _trusted() -> frozenset[type]:
    """The built-in windows, whose answers ratekit trusts (read once: they import this)."""
    from ._windows_algebra import Complement, Intersection, Union  # noqa: PLC0415 - a cycle
    from ._windows_cron import CronWindow  # noqa: PLC0415 - an import cycle otherwise
    from ._windows_recurring import DailyWindow, WeeklyWindow  # noqa: PLC0415 - likewise

    return frozenset({Complement, Intersection, Union, CronWindow, DailyWindow, WeeklyWindow})


def checked(window: object) -> object:
    """``window`` as ratekit keeps it: a built-in one as it is, else behind checks. O(1).

    A window checked already is returned as it is.
    """
    if type(window) is _Checked or type(window) in _trusted():
        return window
    return _Checked(window)


class _Checked(StandIn):
    """A user's window whose answers are checked (see the module docstring)."""

    __slots__ = ()

    def __init__(self, window: object) -> None:
        super().__init__(window, "window")

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The window's parts of ``[start_us, end_us)``, checked, empty ones dropped. O(p)."""
        call = (
            f"within_us({start_us}, {end_us}), over "
            f"{instant_named(start_us)}..{instant_named(end_us)},"
        )
        try:
            got: object = self.inner.within_us(start_us, end_us)  # type: ignore[attr-defined]
        except RatekitError:
            raise
        except Exception as error:  # the window's own failure, named
            raise self._failed(call, error) from error
        if isinstance(got, str | bytes) or not isinstance(got, collections.abc.Iterable):
            raise BadCalendarError(
                f"{self.name}: {call} returned {type(got).__name__} {show(got)}, not a list "
                f"of pairs; {_WITHIN}"
            )
        try:
            out = list(itertools.islice(got, MAX_PIECES + 1))
        except RatekitError:
            raise
        except Exception as error:  # the window's own iterator failed
            raise self._failed(call, error) from error
        if len(out) > MAX_PIECES:
            raise BadSpanError(
                f"{self.name}: {call} returned more than {MAX_PIECES:,} parts: rating would "
                f"cut usage into more than the {MAX_PIECES:,} pieces one call makes; rate a "
                "shorter span or use a window of fewer parts."
            )
        if not _screened(out, start_us, end_us):
            out = self._read(call, out, start_us, end_us)
        return [pair for pair in out if pair[0] < pair[1]]

    def _failed(self, call: str, error: Exception) -> BadCalendarError:
        return BadCalendarError(
            f"{self.name}: {call.rstrip(',')} raised {type(error).__name__} ({error}); {_WITHIN}"
        )

    def _read(
        self, call: str, out: list[typing.Any], start_us: int, end_us: int
    ) -> list[tuple[int, int]]:
        """``out`` as tuples (a pair may be a list), or the error naming its first bad pair. O(p)."""
        previous: int | None = None
        for index, pair in enumerate(out):
            if (
                type(pair) not in {tuple, list}
                or len(pair) != 2
                or type(pair[0]) is not int
                or type(pair[1]) is not int
            ):
                what = f"{type(pair).__name__} {show(pair)} (part {index}), not a pair of ints"
            elif not start_us <= pair[0] <= pair[1] <= end_us:
                what = f"({instant_named(pair[0])}, {instant_named(pair[1])}) (part {index}), " + (
                    "ending before it starts" if pair[1] < pair[0] else "not within the span"
                )
            elif previous is not None and pair[0] < previous:
                what = (
                    f"({instant_named(pair[0])}, {instant_named(pair[1])}) (part {index}), "
                    f"starting before the part before it ends ({instant_named(previous)}): "
                    "not ascending and disjoint"
                )
            else:
                previous = pair[1]
                continue
            raise BadCalendarError(f"{self.name}: {call} returned {what}; {_WITHIN}")
        return [(pair[0], pair[1]) for pair in out]


def _screened(out: list[typing.Any], start_us: int, end_us: int) -> bool:
    """Whether every pair of ``out`` is right as it is, told at C speed. O(p)."""
    if not out:
        return True
    if set(map(type, out)) != {tuple} or set(map(len, out)) != {2}:
        return False
    flat = list(itertools.chain.from_iterable(out))
    if set(map(type, flat)) != {int}:
        return False
    # start_us <= a0 <= b0 <= a1 <= b1 <= ... <= end_us: one ascending run.
    return (
        start_us <= flat[0]
        and flat[-1] <= end_us
        and all(itertools.starmap(operator.le, itertools.pairwise(flat)))
    )
