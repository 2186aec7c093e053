"""A billing cycle of the user's own, checked wherever ratekit reads it.

Private to [`ratekit.meter()`][ratekit.meter], which wraps a cycle it is given, and to
[`Plan`][ratekit.Plan] and [`Allowance`][ratekit.Allowance], which keep theirs wrapped
(a stand-in, `ratekit._stand_in`), so that rating and the streaming rater read it
checked at every instant they ask. A cycle is any object with
``boundaries_us(start_us, end_us)`` (the boundaries strictly inside the span, ascending
ints) and ``containing_us(t_us)`` (the ``(start_us, end_us)`` of the cycle holding
``t_us``). Metering cuts rows at what they return: a ``None``, boundaries out of order or
outside the span, floats, would be a foreign ``TypeError``, a span error naming neither
the cycle nor its fault, or rows cut wrong; boundaries by the million (every microsecond)
would hang the call. So `checked()` wraps a cycle of the user's own in `_Checked`, which
checks each answer and refuses what metering cannot use with a
[`BadCalendarError`][ratekit.BadCalendarError] naming the cycle, the call, what it
returned and what is accepted, and more boundaries than the pieces one call makes
(`ratekit._window.MAX_PIECES`) with a [`BadSpanError`][ratekit.BadSpanError]
before reading them all. An exception of the cycle's own (not a
[`RatekitError`][ratekit.RatekitError]) is a ``BadCalendarError`` naming it, chained.

The built-in cycles are right by construction and pass unwrapped: their answers cost
nothing more.
"""

from __future__ import annotations

import collections.abc
import itertools
import operator
import typing
from typing import Final

from ._cycle_protocol import instant_named
from ._cycles_calendar import Daily, Monthly, Weekly
from ._cycles_elapsed import Every, Hourly
from ._shown import show
from ._stand_in import StandIn
from ._window import MAX_PIECES, CycleLike
from .errors import BadCalendarError, BadSpanError, RatekitError

__all__ = ["checked"]

#: The built-in cycles, whose answers metering trusts.
_TRUSTED: Final = frozenset({Daily, Monthly, Weekly, Every, Hourly})

_BOUNDARIES: Final = (
    "a cycle's boundaries_us(start_us, end_us) returns the cycle boundaries strictly inside "
    "the span, ascending ints b with start_us < b < end_us (a list; none when the span lies "
    "in one cycle)."
)
_CONTAINING: Final = (
    "a cycle's containing_us(t_us) returns the (start_us, end_us) of the cycle that holds "
    "t_us: a pair of ints with start_us <= t_us < end_us."
)


def checked(cycle: CycleLike | None) -> CycleLike | None:
    """``cycle`` as metering reads it: a built-in one (or None) as it is, else checked. O(1).

    A cycle checked already is returned as it is.
    """
    if cycle is None or type(cycle) in _TRUSTED or type(cycle) is _Checked:
        return cycle
    return _Checked(cycle)


class _Checked(StandIn):
    """A user's cycle whose answers are checked (see the module docstring).

    It stands for the cycle wherever ratekit keeps it (a [`Plan`][ratekit.Plan]'s, an
    [`Allowance`][ratekit.Allowance]'s): see `ratekit._stand_in`.
    """

    __slots__ = ()

    def __init__(self, cycle: CycleLike) -> None:
        super().__init__(cycle, "cycle")

    def _failed(self, call: str, error: Exception) -> BadCalendarError:
        return BadCalendarError(
            f"{self.name}: {call} raised {type(error).__name__} ({error}); "
            + (_BOUNDARIES if call.startswith("boundaries_us") else _CONTAINING)
        )

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The cycle's boundaries strictly inside ``[start_us, end_us)``, checked. O(b)."""
        call = (
            f"boundaries_us({start_us}, {end_us}), over "
            f"{instant_named(start_us)}..{instant_named(end_us)},"
        )
        try:
            got: object = typing.cast("CycleLike", self.inner).boundaries_us(start_us, end_us)
        except RatekitError:
            raise
        except Exception as error:  # the cycle's own failure, named
            raise self._failed(call.rstrip(","), error) from error
        if isinstance(got, str | bytes) or not isinstance(got, collections.abc.Iterable):
            raise BadCalendarError(
                f"{self.name}: {call} returned {type(got).__name__} {show(got)}, not a list of "
                f"ints; {_BOUNDARIES}"
            )
        sized = isinstance(got, collections.abc.Sized)
        out: list[typing.Any] = []
        if not sized or len(typing.cast("collections.abc.Sized", got)) <= MAX_PIECES:
            try:
                out = list(itertools.islice(got, MAX_PIECES + 1))
            except RatekitError:
                raise
            except Exception as error:  # the cycle's own iterator failed
                raise self._failed(call.rstrip(","), error) from error
        if len(out) > MAX_PIECES or (sized and not out and len(got) > MAX_PIECES):  # type: ignore[arg-type]
            many = f"{len(got):,}" if sized else f"more than {MAX_PIECES:,}"  # type: ignore[arg-type]
            raise BadSpanError(
                f"{self.name}: {call} returned {many} boundaries: metering would cut one "
                f"resource's usage into more than the {MAX_PIECES:,} pieces one call makes; "
                "meter a shorter span (as_of) or use a longer cycle."
            )
        if out and not (
            set(map(type, out)) == {int}
            and start_us < out[0]
            and out[-1] < end_us
            and all(itertools.starmap(operator.lt, itertools.pairwise(out)))
        ):
            self._refuse(call, out, start_us, end_us)
        if start_us < end_us:
            self._agree(call, out, start_us, end_us)
        return out

    def _agree(self, call: str, out: list[int], start_us: int, end_us: int) -> None:
        """Refuse boundaries that are not the ends of the cycles ``containing_us`` gives.

        Rating cuts a span at ``boundaries_us`` and prices each piece as a part of the
        cycle ``containing_us`` gives for its start: a cycle whose two answers disagree
        would prorate a piece over a cycle that does not hold it (a fee charged billions
        of times over). O(b) calls of ``containing_us``, for a cycle of the user's own only.
        """
        expected = self.containing_us(start_us)[1]
        for index, boundary in enumerate([*out, None]):
            if boundary is None:
                if expected < end_us:
                    found = f"no boundary at {instant_named(expected)}"
                    break
                return
            if boundary != expected:
                found = f"{instant_named(boundary)} (boundary {index})"
                break
            expected = self.containing_us(boundary)[1]
        raise BadCalendarError(
            f"{self.name}: {call} returned {found}, where containing_us says a cycle ends at "
            f"{instant_named(expected)}; a cycle's boundaries_us(start_us, end_us) and "
            "containing_us(t_us) describe the same cycles: the boundaries are the ends of "
            "the cycles that containing_us gives, from the one holding start_us on."
        )

    def _refuse(self, call: str, out: list[typing.Any], start_us: int, end_us: int) -> None:
        """Raise the error naming the first boundary of ``out`` metering cannot use. O(b)."""
        previous = None
        for index, boundary in enumerate(out):
            if type(boundary) is not int:
                what = f"{type(boundary).__name__} {show(boundary)} (boundary {index}), not an int"
            elif not start_us < boundary < end_us:
                what = f"{instant_named(boundary)} (boundary {index}), not strictly inside the span"
            elif previous is not None and boundary <= previous:
                what = (
                    f"{instant_named(boundary)} (boundary {index}) after "
                    f"{instant_named(previous)} (boundary {index - 1}), not in ascending order"
                )
            else:
                previous = boundary
                continue
            raise BadCalendarError(f"{self.name}: {call} returned {what}; {_BOUNDARIES}")

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """The ``(start_us, end_us)`` of the cycle holding ``t_us``, checked. O(1)."""
        call = f"containing_us({t_us}), at {instant_named(t_us)},"
        try:
            got: object = typing.cast("CycleLike", self.inner).containing_us(t_us)
        except RatekitError:
            raise
        except Exception as error:  # the cycle's own failure, named
            raise self._failed(call.rstrip(","), error) from error
        if type(got) is tuple and len(got) == 2:
            start, end = got
            if type(start) is int and type(end) is int and start <= t_us < end:
                return got
        if (
            isinstance(got, tuple | list)
            and len(got) == 2
            and type(got[0]) is int
            and type(got[1]) is int
        ):
            start, end = got
            if start <= t_us < end:
                return (start, end)
            raise BadCalendarError(
                f"{self.name}: {call} returned {show(got)} ({instant_named(start)}.."
                f"{instant_named(end)}), a cycle that does not hold it; {_CONTAINING}"
            )
        raise BadCalendarError(
            f"{self.name}: {call} returned {type(got).__name__} {show(got)}, not a pair of "
            f"ints; {_CONTAINING}"
        )
