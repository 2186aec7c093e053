"""The meters `rate()` reads: one per name, each in the unit its plans and rows say.

A `Meter` given to [`rate()`][ratekit.rate] (or carried by a `Usage`, or met by a
`Rater`) must agree with the price entries of its meter (their ``meter_unit``, and the
unit a price is stated per) and with the unit of the rows given; each disagreement is
refused where the meters meet the plans, naming the meter, the entry and both units. So
is a price entry of a meter none given measures while a meter given has no entry (a
misspelt meter), naming the entry, its meter and the meters given.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._shown import show
from .errors import RatekitTypeError, UnitError, UnknownMeterError
from .policies import Meter, meters_of
from .pricebook import Plan
from .units import Unit
from .usage import Usage, UsageRow, _declared_units, _same_unit


def _read_meters(meters: Iterable[Meter], plans: Iterable[Plan]) -> list[Meter]:
    """The meters given to `rate()`, each in the unit the plans' entries say it is in."""
    out = list(meters_of(meters, "rate meters").values())
    meter_units_agree(plans, out, "rate")
    return out


def meter_units_agree(plans: Iterable[Plan], meters: Iterable[Meter], what: str) -> None:
    """Refuse a `Meter` whose unit does not fit a price entry of its meter.

    An entry's ``meter_unit`` must be the meter's unit, and the unit a price is stated
    per (its ``unit``) one the meter's unit converts to: refused here, when the meters
    meet the plans, rather than at the first usage of the meter priced (a `Rater` would
    take records it could never rate, and fail every statement after). Raises
    [`UnitError`][ratekit.UnitError] naming the meter, the entry, its plan and both
    units. O(entries + meters).
    """
    by_name = {m.name: m for m in meters}
    plans = list(plans)
    _entries_measured(plans, by_name, what)
    for plan in plans:
        for e in plan.entries:
            m = by_name.get(e.meter)
            if m is None:
                continue
            if e.meter_unit is not None and not _same_unit((m.unit, e.meter_unit)):
                raise UnitError(
                    f"{what}: Meter {m.name!r} is in {m.unit!r}, but price entry {e.id!r} of "
                    f"plan {plan.id!r} (its meter_unit) says the meter's unit is "
                    f"{e.meter_unit!r}; its allowances and its prices per the meter's unit "
                    "count in that unit. Give the Meter and the entry one unit."
                )
            if e.unit is not None:
                try:
                    Unit(m.unit).factor_to(e.unit)
                except UnitError as error:
                    raise UnitError(
                        f"{what}: price entry {show(e.id)} of plan {show(plan.id)} is stated "
                        f"per {show(e.unit)}, but meter {show(m.name)} is in {show(m.unit)}: "
                        f"{error}"
                    ) from None


def _entries_measured(plans: list[Plan], by_name: dict[str, Meter], what: str) -> None:
    """Refuse a price entry of a meter none given measures while a meter given has none.

    A plan may price meters a call does not measure (one plan for every service, rated
    one meter at a time): its entries of those wait for usage that never comes, which
    is harmless. But when a meter given is priced by no entry of any plan, its usage
    could only be refused (or reported unpriced), and an entry of a meter none measures
    is the likely cause, a misspelt meter (``PriceEntry("p", "parkin", ...)`` for
    ``Meter("parking", ...)``): refused here, where the meters meet the plans, naming
    the entry, its meter and the meters given, rather than at the first usage, as the
    usage of a meter none prices. Not where a plan reports usage no entry prices as an
    anomaly (``unpriced="anomaly"``): there a meter given without an entry is meant to be
    measured and reported, not refused. Raises
    [`UnknownMeterError`][ratekit.UnknownMeterError]. O(entries + meters).
    """
    if any(plan.unpriced != "error" for plan in plans):
        return
    priced = {entry.meter for plan in plans for entry in plan.entries}
    unpriced = [name for name in by_name if name not in priced]
    if not unpriced:
        return
    for plan in plans:
        for entry in plan.entries:
            if entry.meter in by_name:
                continue
            given = ", ".join(show(name) for name in sorted(by_name))
            lacking = ", ".join(show(name) for name in sorted(unpriced))
            raise UnknownMeterError(
                f"{what}: price entry {show(entry.id)} of plan {show(plan.id)} prices meter "
                f"{show(entry.meter)}, which no meter given measures (meters: {given}), "
                f"while no price entry prices {lacking}: name in the entry the meter you "
                f"mean, or give a Meter named {show(entry.meter)}."
            )


def _row_units(
    rows: tuple[UsageRow, ...],
    plans: Iterable[Plan],
    meters: Iterable[Meter] | None,
    given_rows: bool,
    pairs: set[tuple[str, str]] | None,
) -> None:
    """Refuse rows given in another unit than their meter's declared one (see usage).

    ``pairs``: the rows' (meter, unit) pairs, when gathered already (`_one_unit_per_meter`).
    """
    if meters is None or given_rows:  # rows metered here are in their meters' units
        _declared_units(rows, _units_declared(plans, meters), "rate usage", pairs)


def _units_declared(
    plans: Iterable[Plan], meters: Iterable[Meter] | None
) -> list[tuple[str, str, str]]:
    """Each meter's unit as its `Meter` and the plans' entries (``meter_unit``) declare it."""
    out = [(m.name, m.unit, f"its Meter {m.name!r}") for m in meters or ()]
    for plan in plans:
        out.extend(
            (e.meter, e.meter_unit, f"price entry {e.id!r} of plan {plan.id!r} (its meter_unit)")
            for e in plan.entries
            if e.meter_unit is not None
        )
    return out


def _with_carried(usage: object, given: Iterable[Meter] | None) -> Iterable[Meter] | None:
    """The meters a `Usage` carries, with those given again to `rate()`: one per name.

    A meter given under a name the usage carries must be the same meter; one the usage
    does not carry is added. Anything but a `Usage` with meters: ``given``. O(m) for m
    meters.
    """
    carried = usage.meters if isinstance(usage, Usage) else ()
    if not carried:
        return given
    if given is None:
        return list(carried)
    out = {item.name: item for item in carried}
    for name, item in meters_of(given, "rate meters").items():
        known = out.setdefault(name, item)
        if known != item:
            raise RatekitTypeError(
                f"rate meters: meter {name!r} is given as {item!r}, but the usage was "
                f"metered with {known!r}; a Usage from rk.meter() carries its meters "
                "(Usage.meters): leave meters= out, or give the same meters."
            )
    return list(out.values())
