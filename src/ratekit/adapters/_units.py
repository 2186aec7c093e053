"""Units as feeds write them, read as ratekit units, and values converted to a meter's unit.

Borel writes products with a dash and counts CPU time in ``cpu-ns`` (nanoseconds of CPU
time); Ceilometer writes ``ns``, ``B``, ``MB``, ``B/s``, ``instance``. :func:`feed_unit`
reads either into a ratekit unit string; :func:`in_meter_unit` converts a value from it
to a meter's unit, exactly (:func:`ratekit.convert`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from ratekit.errors import BadRecordError, RatekitError
from ratekit.policies import Meter
from ratekit.units import Unit, convert

__all__ = ["feed_unit", "in_meter_unit"]

#: Factors that name what is measured rather than a unit: ``cpu-ns`` is nanoseconds.
_QUALIFIERS: Final = frozenset({"cpu", "vcpu"})


def feed_unit(text: str, where: str, what: str, *, dashes: bool = True) -> str:
    """The ratekit unit for a feed's unit: ``"cpu-ns"`` -> ``"ns"``, ``"MB-ns"`` -> ``"MB*ns"``.

    >>> feed_unit("MB-ns", "[0].uom", "Borel row"), feed_unit("cpu-ns", "[0].uom", "Borel row")
    ('MB*ns', 'ns')
    """
    unit = text
    if dashes:
        parts = [part for part in text.split("-") if part not in _QUALIFIERS]
        unit = "*".join(parts) if parts else text
    try:
        return str(Unit(unit))
    except RatekitError as error:
        raise BadRecordError(f"{what} {where} unit {text!r} cannot be read: {error}") from None


def in_meter_unit(
    value: Decimal, unit: str, meter: Meter, *, where: str, what: str, written: str
) -> Decimal:
    """``value`` in ``unit`` (written ``written`` at ``where``) converted exactly to ``meter``'s unit."""
    try:
        return convert(value, unit, meter.unit)
    except RatekitError as error:
        read = "" if written == unit else f" (read as {unit!r})"
        raise BadRecordError(
            f"{what} {where} {written!r}{read} is not a unit meter {meter.name!r} in "
            f"{meter.unit!r} can take: {error}"
        ) from None
