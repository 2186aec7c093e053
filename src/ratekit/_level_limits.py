"""The levels a price taking a cycle's quantity can price: a Continuous level held too long.

A price model other than [`PerUnit`][ratekit.PerUnit] (tiers, packages, a flat price)
prices a cycle's quantity, which must stay below 1E+30 in magnitude (`LIMIT`, the range
ratekit represents exactly). A [`Continuous`][ratekit.Continuous] meter's quantity is its
level times the time it is held, so a level alone, by time alone, can pass it: 1E+28 MB
held over a 31-day month is 7.44E+30 MB·hour. Such a level makes rating fail; this
module words it (`level_words()`, for batch rating's error) and finds it at the rater's
door (`refusal()`), naming the level and the range a cycle accepts (`ceiling()`). The
levels of one account's resources add up in its cycle's quantity: each may pass alone
and their sum not, which `sum_words()` finds and words for the rater's door.
"""

from __future__ import annotations

import decimal
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import CONTEXT, exact_sum, own_context
from ._instants import format_us
from ._paths import MISSING, lookup
from ._price_reach import LIMIT, Pricing, reach, refused, within
from ._shown import show
from ._time_policies import Continuous
from .policies import Meter
from .pricebook import Plan, PriceEntry
from .prices import PerUnit
from .usage import UsageRow

__all__ = [
    "LIMIT",
    "capped",
    "ceiling",
    "floors",
    "level_in",
    "level_words",
    "longest_cycle",
    "refusal",
    "sum_words",
    "summed",
]

_TRAPS: Final = (decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow)
#: Ceilings are shown to six digits, rounded down: every level below the one shown is taken.
_SHOWN: Final = own_context(prec=6, rounding=decimal.ROUND_DOWN, traps=_TRAPS)
#: Floors are rounded down (toward -infinity), so that a level below one is surely in range.
_FLOOR: Final = own_context(prec=60, rounding=decimal.ROUND_FLOOR, traps=_TRAPS)
_US_PER_HOUR: Final = Decimal(3_600_000_000)
#: How far ahead of a level's instant `longest_cycle()` looks: a year and a day.
_AHEAD_US: Final = 366 * 24 * 3_600_000_000


def capped(meters: Iterable[Meter], plans: Iterable[Plan]) -> dict[str, Meter]:
    """The Continuous meters some entry prices by a model that takes a cycle's quantity. O(e)."""
    continuous = {m.name: m for m in meters if type(m.policy) is Continuous}
    return {
        entry.meter: continuous[entry.meter]
        for plan in plans
        for entry in plan.entries
        if entry.meter in continuous and type(entry.price) is not PerUnit
    }


def summed(meters: Mapping[str, Meter], pricing: Pricing) -> dict[str, tuple[Meter, Fraction]]:
    """The meters of ``meters`` whose levels some entry prices summed, with its unit factor.

    An entry taking a cycle's quantity whole (not `PerUnit`) and not grouped per resource
    (which prices each resource's alone) prices the sum of an account's resources'
    levels; per such meter, the largest factor from its unit to such an entry's. O(e).
    """
    found: dict[str, tuple[Meter, Fraction]] = {}
    for name, meter in meters.items():
        factors = [
            factor
            for entry, factor in pricing.get(name, ())
            if type(entry.price) is not PerUnit and entry.group_by != "resource"
        ]
        if factors:
            found[name] = (meter, max(factors))
    return found


def ceiling(meter: Meter, cycle_us: int, scale: Fraction = Fraction(1)) -> Decimal:
    """The least level (six digits, rounded down) whose quantity over ``cycle_us`` reaches `LIMIT`.

    Every level below it, held over the whole cycle, gives a quantity below `LIMIT`;
    with ``scale``, a quantity that, times ``scale`` (a unit converted, a rate), stays
    below it. O(1).
    """
    factor = meter._factor
    assert factor is not None  # a Continuous meter's
    multiplier, divisor = factor
    return _SHOWN.divide(
        CONTEXT.multiply(LIMIT, divisor * scale.denominator),
        CONTEXT.multiply(multiplier * scale.numerator, cycle_us),
    )


def _hours(duration_us: int) -> str:
    return f"{(Decimal(duration_us) / _US_PER_HOUR).normalize():f}"


def level_words(row: UsageRow, meter: Meter, cycle: tuple[int, int]) -> str:
    """What a row of ``meter`` whose cycle's quantity passed `LIMIT` holds: its level, the range.

    Said after rating's refusal: the resource, the level it holds (its attribute) over
    the row's span, and the levels a whole cycle like this one accepts. O(1).
    """
    policy = meter.policy
    assert type(policy) is Continuous
    level = policy.level(row.description)
    name = f" ({show(policy.level_of)})" if isinstance(policy.level_of, str | tuple) else ""
    start, end = cycle
    accepted = ceiling(meter, end - start)
    if (
        level is not None and level < accepted
    ):  # this level passes alone: the account's levels summed do not
        return (
            f" The levels of meter {show(meter.name)} that the resources of account "
            f"{show(row.account)} hold in the cycle add up past it (this resource's alone, "
            f"{level}{name}, is in range): held over the whole cycle ({_hours(end - start)} "
            f"hours), the levels summed are accepted from 0 up to but excluding {accepted} "
            "(a cycle's quantity below 1E+30); keep the sum in that range, or price the "
            "meter PerUnit."
        )
    return (
        f" Resource {show(row.resource)} holds the level {level}{name} of meter "
        f"{show(meter.name)} over {format_us(row.span.start_us)}..{format_us(row.span.end_us)} "
        f"({_hours(row.span.end_us - row.span.start_us)} hours): held over the whole cycle "
        f"({_hours(end - start)} hours), a level is accepted from 0 up to but excluding "
        f"{ceiling(meter, end - start)} (a cycle's quantity below 1E+30); keep the level "
        "in that range, or price the meter PerUnit."
    )


def longest_cycle(containing: Callable[[int], tuple[int, int]], at_us: int) -> int:
    """The length of the longest cycle a level set at ``at_us`` can run through, in µs.

    The cycles from the one containing ``at_us`` over a year and a day (every month
    length, a DST day), the first one whole: a level holds until changed. O(c) cached
    cycle look-ups for c cycles in that year.
    """
    start, end = containing(at_us)
    longest = end - start
    stop = at_us + _AHEAD_US
    while end < stop and end > start:
        start, end = containing(end)
        longest = max(longest, end - start)
    return longest


def level_in(attributes: Mapping[str, object], meter: Meter) -> Decimal | None:
    """The level ``attributes`` alone set for Continuous ``meter``, or None. O(p) for p names.

    A level read by name, or as the product of names all given here; None for a level
    computed by a function, one the attributes give in part or not at all, or what is no
    number (the level door says so).
    """
    paths = typing.cast("Continuous", meter.policy).level_of
    paths = (paths,) if isinstance(paths, str) else paths
    if not isinstance(paths, tuple):
        return None  # a level computed by a function: the record alone does not give it
    values = [lookup(attributes, path) for path in paths]
    if any(v is MISSING or v is None or not isinstance(v, Decimal | int | str) for v in values):
        return None
    level = Decimal(1)
    try:
        for value in values:
            level = CONTEXT.multiply(level, Decimal(value))  # type: ignore[arg-type]
    except (decimal.InvalidOperation, ValueError):
        return None
    return level if level.is_finite() else None


def sum_words(
    levels: Mapping[str, Decimal],
    resource: str,
    meter: Meter,
    containing: Callable[[int], tuple[int, int]],
    at_us: int,
    *,
    factor: Fraction = Fraction(1),
) -> str | None:
    """Words refusing one account's ``levels`` of ``meter`` (per resource) that sum past `LIMIT`.

    The levels, summed and held together over the longest cycle they can run through from
    ``at_us`` (`longest_cycle()`), reaching `LIMIT` once converted by ``factor`` (the
    largest from the meter's unit to that of an entry taking its quantity whole): the
    words name the sum, the others' part (all but ``resource``'s), the cycle, the
    quantity and the sums accepted; None when the sum stays below. O(r) for r resources,
    and the cycle look-ups only for a sum within two years of reaching it.
    """
    total = exact_sum(levels.values())
    multiplier, divisor = meter._factor  # type: ignore[misc]
    year = CONTEXT.divide(CONTEXT.multiply(total, multiplier * _AHEAD_US * 2), divisor)
    if within(Fraction(year.copy_abs()), factor, Fraction(0)):
        return None
    longest = longest_cycle(containing, at_us)
    quantity = CONTEXT.divide(CONTEXT.multiply(total, multiplier * longest), divisor)
    if within(Fraction(quantity.copy_abs()), factor, Fraction(0)):
        return None
    start, end = containing(at_us)
    accepted = ceiling(meter, longest, factor)
    converted = ""
    if factor != 1:
        priced = CONTEXT.divide(CONTEXT.multiply(quantity, factor.numerator), factor.denominator)
        converted = f" ({priced.normalize()} in the unit its price is stated in)"
    others = CONTEXT.subtract(total, levels[resource]).normalize()
    room = CONTEXT.subtract(accepted, others).normalize()
    count = len(levels) - 1
    return (
        f"sets the level of meter {show(meter.name)} to {levels[resource]}, which with the "
        f"levels of the account's {count} other resource{'' if count == 1 else 's'} of "
        f"that meter ({others} summed, each its largest) makes {total.normalize()}: held "
        "together over a cycle "
        f"of {_hours(longest)} hours (the longest of the cycles they can run through, in "
        f"the year from its instant; its own is {format_us(start)}..{format_us(end)}), the "
        f"account's quantity in one cycle would reach {quantity.normalize()} {meter.unit}"
        f"{converted}, beyond what its price takes (a cycle's quantity below 1E+30 in "
        "magnitude, under a price other than PerUnit), so every statement from then on "
        "would fail to price it. The levels of one account's resources of a meter are "
        f"accepted while their sum stays below {accepted}"
        + (f" (here, this one below {room})" if room > 0 else " (here, the others' reach it)")
        + "; or price the meter PerUnit."
    )


def floors(meters: Mapping[str, Meter], pricing: Pricing) -> dict[str, Decimal]:
    """Per meter of ``meters``, a level below which `refusal()` need not look further.

    A level held two years (every cycle a level set now can reach within its year, whole)
    whose quantity, priced as far as the meter's entries can take it (`reach()`), stays
    below `LIMIT`: rounded down, so that a level below it is surely in range. O(e).
    """
    found: dict[str, Decimal] = {}
    for name, meter in meters.items():
        multiple, constant = reach(pricing.get(name, ()))
        multiplier, divisor = meter._factor  # type: ignore[misc]
        held = Fraction(multiplier * _AHEAD_US * 2, divisor)  # a level's quantity, two years
        room = Fraction(LIMIT) - constant
        floor = (
            Fraction(LIMIT) if multiple == 0 else room / (multiple * held)
        )  # (a Flat price alone: nothing a level changes, but its own range)
        found[name] = max(
            _FLOOR.divide(Decimal(floor.numerator), Decimal(floor.denominator)), Decimal(0)
        )
    return found


def refusal(
    attributes: Mapping[str, object],
    meters: Mapping[str, Meter],
    containing: Callable[[int], tuple[int, int]],
    at_us: int,
    *,
    pricing: Pricing,
    floors: Mapping[str, Decimal],
) -> tuple[str, str, bool] | None:
    """The meter and the words of a level in ``attributes`` that a price takes past `LIMIT`.

    And whether an amount is what lies out of range (rating then raises a
    [`BadPriceError`][ratekit.BadPriceError]), not a quantity a model refuses (a
    [`BadQuantityError`][ratekit.BadQuantityError]): the class the feed refuses it with.

    ``meters``: every Continuous meter some entry prices; ``pricing``: their entries and
    unit factors (`_price_reach.pricing()`); ``floors``: `floors()` of them. A level read
    from attributes (a name, or a product of names all given here) is held over the
    longest cycle it can run through (`longest_cycle()`); it is refused when that
    quantity reaches `LIMIT` under a model taking it whole, or when some entry refuses
    it, converted to the entry's unit and priced by its model (a PerUnit amount of 1E+30
    or more, a tier's: `_price_reach.refused()`). None when none is. O(m) for m meters,
    and the cycle look-ups and pricing only for a level at or above its floor.
    """
    if not attributes:
        return None
    for name, meter in meters.items():
        level = level_in(attributes, meter)
        if level is None or level.copy_abs() < floors[name]:
            continue  # no cycle within two years of it can reach the limit
        entries = pricing.get(name, ())
        multiplier, divisor = meter._factor  # type: ignore[misc]
        longest = longest_cycle(containing, at_us)
        quantity = CONTEXT.divide(CONTEXT.multiply(level, multiplier * longest), divisor)
        whole = any(factor == 1 and type(entry.price) is not PerUnit for entry, factor in entries)
        if whole and quantity.copy_abs() >= LIMIT:
            return name, _words(level, meter, quantity, longest), False
        for entry, factor in entries:
            found = refused(quantity, entry, factor, meter.unit)
            if found is not None:
                why, amount = found
                words = _priced_words(level, meter, quantity, longest, why, entry, factor)
                return name, words, amount
    return None


def _paths(meter: Meter) -> str:
    paths = typing.cast("Continuous", meter.policy).level_of
    paths = (paths,) if isinstance(paths, str) else typing.cast("tuple[str, ...]", paths)
    return " x ".join(map(show, paths))


def _words(level: Decimal, meter: Meter, quantity: Decimal, longest: int) -> str:
    """A level whose quantity over the longest cycle a model taking it whole refuses."""
    return (
        f"sets the level of meter {show(meter.name)} to {level} ({_paths(meter)}): held "
        f"over a cycle of {_hours(longest)} hours (the longest of the cycles it can run "
        f"through, in the year from its instant), its quantity would reach "
        f"{quantity.normalize()} {meter.unit}, beyond what its price takes (a cycle's "
        "quantity below 1E+30 in magnitude, under a price other than PerUnit), so every "
        "statement from then on would fail to price it. A level is accepted from 0 up to "
        f"but excluding {ceiling(meter, longest)}; or price the meter PerUnit."
    )


def _priced_words(  # noqa: PLR0917 - the level and what refuses it
    level: Decimal,
    meter: Meter,
    quantity: Decimal,
    longest: int,
    why: str,
    entry: PriceEntry,
    factor: Fraction,
) -> str:
    """A level whose quantity over the longest cycle an entry's price refuses."""
    price = entry.price
    if type(price) is PerUnit and price.rate:
        accepted = ceiling(meter, longest, factor * abs(Fraction(price.rate)))
        advice = f"A level is accepted from 0 up to but excluding {accepted}."
    else:
        advice = "Keep the level lower."
    return (
        f"sets the level of meter {show(meter.name)} to {level} ({_paths(meter)}): held "
        f"over a cycle of {_hours(longest)} hours (the longest of the cycles it can run "
        f"through, in the year from its instant), its quantity would reach "
        f"{quantity.normalize()} {meter.unit}, and {why}, beyond the amounts ratekit "
        "carries exactly (a magnitude below 1E+30), so every statement from then on would "
        f"fail to price it. {advice}"
    )
