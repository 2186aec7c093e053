"""Tier tables written as inclusive integer ranges: ``"1-5"``, ``"6-10"``, ``"11+"``.

Private to the price models' ``from_ranges()`` constructors
([`Graduated.from_ranges()`][ratekit.Graduated.from_ranges],
[`Volume.from_ranges()`][ratekit.Volume.from_ranges]): a catalog's ranges read as the
[`Tier`][ratekit.Tier] values of `ratekit.tiers`, each range checked to start where the
one before it ends, the message naming the range and what would be accepted.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ._caller_objects import read_once
from ._shown import show
from .errors import BadPriceError, PriceTypeError
from .tiers import Tier

__all__ = ["_ranges_to_tiers"]

#: An inclusive range in plain ASCII digits (other scripts' digits are refused, as `Tier`
#: refuses them); a bound of more than 31 digits is refused for its size
#: (`_within_tiers()`), never read as an int (one of over 4,300 digits has none).
_RANGE: Final = re.compile(r"^\s*([0-9]+)\s*(?:[-\u2013]\s*([0-9]+)|(\+))\s*$")
#: More digits than a bound may have: a bound of 32 digits or more is past 1E+30 (`_within_tiers()`).
_DIGITS: Final = 31


#: A tier's bound lies below this (`Tier` refuses 1E+30 and above).
_TIER_BOUND: Final = 10**30


def _is_pair(span: object) -> typing.TypeGuard[tuple[object, object]]:
    return isinstance(span, tuple) and len(span) == 2


def _exact_int(value: object) -> int | None:
    """The exact int ``value`` holds (an int subclass by its value), or None (bool too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__index__(value)
    return None


def _parse_range(model: str, index: int, span: object) -> tuple[int, int | None]:
    if isinstance(span, str):
        match = _RANGE.match(span)
        if match is None:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] range {show(span)} is not an inclusive "
                "integer range; write 'first-last' (e.g. '1-5') or 'first+' for the open "
                "last range (e.g. '11+') in plain ASCII digits (no other scripts' digits), "
                "or a tuple (first, last or None)."
            )
        digits = [group.lstrip("0") for group in (match[1], match[2]) if group is not None]
        if any(len(group) > _DIGITS for group in digits):
            raise _past_tiers(model, index, span)
        last = None if match[3] else int(match[2])
        return _within_tiers(model, index, span, int(match[1]), last)
    if _is_pair(span):  # the exact ints: an int subclass's own comparisons may say anything
        first, last = _exact_int(span[0]), _exact_int(span[1])
        if first is not None and first >= 0 and (last is not None or span[1] is None):
            return _within_tiers(model, index, span, first, last)
    # a string or a tuple written wrong is a bad range; anything else, a wrong type
    wrong = not isinstance(span, str | tuple)
    raise (PriceTypeError if wrong else BadPriceError)(
        f"{model}.from_ranges ranges[{index}] range {show(span)} must be a string like "
        "'1-5' or '11+', or a tuple of integers (first, last or None)."
    )


def _within_tiers(
    model: str, index: int, span: object, first: int, last: int | None
) -> tuple[int, int | None]:
    """``(first, last)`` when a tier holds them, else BadPriceError naming the range.

    A bound below 1E+30, and a range after it starting at most one above it: past that,
    nothing could price it (and an int of over 4,300 digits has no text).
    """
    if first > _TIER_BOUND or (last is not None and last >= _TIER_BOUND):
        raise _past_tiers(model, index, span)
    return first, last


def _past_tiers(model: str, index: int, span: object) -> BadPriceError:
    return BadPriceError(
        f"{model}.from_ranges ranges[{index}] range {show(span)} reaches past what a tier "
        "holds: a tier's bound lies below 1E+30."
    )


def _ranges_to_tiers(model: str, ranges: Iterable[Sequence[typing.Any]]) -> list[Tier]:
    """Read inclusive integer ranges (``"1-5"``, ``"6-10"``, ``"11+"``) as tiers."""
    if isinstance(ranges, str | bytes | Mapping) or not isinstance(ranges, Iterable):
        raise PriceTypeError(
            f"{model}.from_ranges ranges must be a list of (range, unit) pairs, e.g. "
            f"[('1-5', '0.10'), ('6+', '0.08')], not {type(ranges).__name__}: {show(ranges)}."
        )
    tiers: list[Tier] = []
    previous_text = ""
    previous_end: int | None = -1
    given = read_once(ranges, f"{model}.from_ranges ranges", type(ranges).__name__, "a list")
    for index, item in enumerate(given):
        wrong = isinstance(item, str | bytes | Mapping) or not isinstance(item, Sequence)
        if wrong or not 2 <= len(item) <= 3:
            raise (PriceTypeError if wrong else BadPriceError)(
                f"{model}.from_ranges ranges[{index}] must be (range, unit) or "
                f"(range, unit, flat), e.g. ('1-5', '0.10'), not {show(item)}."
            )
        span, *prices = item
        first, last = _parse_range(model, index, span)
        text = f"{first}+" if last is None else f"{first}-{last}"
        if last is not None and last < first:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] {show(text)} ends before it starts; "
                "an inclusive range is first-last with first <= last."
            )
        if previous_end is None:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index - 1}] {show(previous_text)} is open but is not "
                "the last range; only the last range may be open."
            )
        if index == 0:
            if first > 1:
                raise BadPriceError(
                    f"{model}.from_ranges ranges[0] {show(text)} starts at {first}; the first "
                    "range must start at 0 or 1, or the quantities below it have no price."
                )
        elif first > previous_end + 1:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] {show(text)} leaves a gap after "
                f"ranges[{index - 1}] {show(previous_text)}; it should start at {previous_end + 1}."
            )
        elif first <= previous_end:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] {show(text)} overlaps ranges[{index - 1}] "
                f"{show(previous_text)}, which already includes {first}; inclusive ranges "
                f"continue at {previous_end + 1}."
            )
        if last == 0:
            raise BadPriceError(
                f"{model}.from_ranges ranges[0] {show(text)} covers no quantity above 0; start "
                "the table with a range such as '1-5' (or '0-5')."
            )
        try:
            tiers.append(Tier(last, *prices))
        except BadPriceError as error:
            raise BadPriceError(f"{model}.from_ranges ranges[{index}]: {error}") from None
        previous_text, previous_end = text, last
    return tiers
