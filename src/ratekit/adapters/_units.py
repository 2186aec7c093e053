"""Units as feeds write them, and values converted exactly to a meter's unit.

Borel writes products with a dash and CPU time as ``cpu-ns``; Ceilometer writes ``ns``,
``B``, ``MB``, ``B/s``, ``instance``. ratekit reads them as written (``"MB-ns"`` is
``MB*ns``; ``"cpu-ns"`` is ``cpu*ns``, ``cpu`` being a unit ratekit does not know, which
converts only to itself, so a meter in ``"cpu-ns"`` or ``"cpu*hour"`` takes it). A meter
in plain time (``"s"``, ``"hour"``) takes ``cpu-ns`` too: ``cpu`` (or ``vcpu``) names
what is measured, and without it the unit is nanoseconds of CPU time. Every conversion
is [`ratekit.convert()`][ratekit.convert]: exact. (OpenStack's ``MB`` and ``GB`` are binary:
the Borel and Ceilometer adapters read them as ``MiB`` and ``GiB`` before they get here;
the CloudEvents adapter reads its units as written.)

A unit refused here is refused naming the record by its identity (``record``: the
Ceilometer sample's ``message_id``, the Borel row's id, the CloudEvent's ``id`` and
``source``), the field it was read at and what would be accepted.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from ratekit._decimals import MAX_ADJUSTED, MIN_ADJUSTED, RANGE_TEXT
from ratekit._shown import decimal_repr
from ratekit.errors import BadRecordError, RatekitError, UnitError
from ratekit.policies import Meter
from ratekit.units import Unit, convert

from ._reading import show

__all__ = ["feed_unit", "in_meter_unit", "meter_takes", "openstack_binary", "taken"]

#: Factors that name what is measured rather than a unit: ``cpu-ns`` is nanoseconds.
_QUALIFIERS: Final = frozenset({"cpu", "vcpu"})
_PRODUCT: Final = re.compile(r"\s*[-*·]\s*")
#: The longest unit read: anything longer is not a unit, and its message would be huge.
_LONGEST: Final = 64


def feed_unit(text: str, where: str, what: str, record: str) -> str:
    """``text`` checked to be a unit ratekit reads, as written by ``record`` at ``where``.

    ```pycon
    >>> feed_unit("MB-ns", "[0].uom", "Borel row", "row 'a/cpu/b/c/d'")
    'MB-ns'
    >>> feed_unit("MB-$", "[0].uom", "Borel row", "row 'a/cpu/b/c/d'")
    Traceback (most recent call last):
    ...
    ratekit.BadRecordError: Borel row [0].uom (row 'a/cpu/b/c/d') is 'MB-$', a unit that cannot be read: Unit 'MB-$' cannot be read at '$'; write names joined by '*' and '/', each with an optional power, like 'GiB*hour', 'B/s' or 's^2'.

    ```
    """
    if len(text) > _LONGEST:
        raise BadRecordError(
            f"{what} {where} ({record}) is {show(text)}, {len(text)} characters long; a unit "
            "is a short name such as 'B', 'MB-ns' or 'cpu-ns'."
        )
    try:
        Unit(text)
    except RatekitError as error:
        raise BadRecordError(
            f"{what} {where} ({record}) is {show(text)}, a unit that cannot be read: {error}"
        ) from None
    return text


#: OpenStack's data units are binary (Nova's ``memory_mb`` is a MiB, ``root_gb`` a GiB).
_BINARY: Final = {"kB": "KiB", "KB": "KiB", "MB": "MiB", "GB": "GiB", "TB": "TiB"}
_DATA: Final = re.compile(r"(?<![A-Za-z])(kB|KB|MB|GB|TB)(?![A-Za-z])")


def openstack_binary(unit: str) -> str:
    """``unit`` with its OpenStack data units binary, wherever they are in it. O(len).

    OpenStack's ``MB`` is a MiB (Nova's ``memory_mb``, Ceilometer's ``memory``), its
    ``GB`` a GiB (``root_gb``, ``disk.root.size``): so is the ``MB`` of a product or a rate.

    ```pycon
    >>> openstack_binary("MB-ns"), openstack_binary("MB/s"), openstack_binary("B/s")
    ('MiB-ns', 'MiB/s', 'B/s')

    ```
    """
    return _DATA.sub(lambda match: _BINARY[match[1]], unit)


def _unqualified(text: str) -> str | None:
    """``text`` without its qualifying factors (``"cpu-ns"`` -> ``"ns"``), or None."""
    if "/" in text:
        return None
    parts = [part for part in _PRODUCT.split(text.strip()) if part]
    kept = [part for part in parts if part not in _QUALIFIERS]
    if not kept or len(kept) == len(parts):
        return None
    return "*".join(kept)


def _in_meter_unit(value: Decimal, unit: str, meter: Meter) -> Decimal | str:
    """``value`` in ``unit`` converted to ``meter``'s unit, or why it cannot be.

    The unit as written is tried first, then without its qualifiers (``cpu``, ``vcpu``);
    the reason begins where the unit's text ends: ``" (tried as written and as 'ns'),
    not a unit meter ..."``.
    """
    try:
        return _ranged(value, convert(value, unit, meter.unit), meter)
    except RatekitError as error:
        failure = error
    plain = _unqualified(unit)
    if plain is not None:
        try:
            return _ranged(value, convert(value, plain, meter.unit), meter)
        except RatekitError as error:
            failure = error
    read = "" if plain is None else f" (tried as written and as {plain!r})"
    return f"{read}, not a unit meter {meter.name!r} in {meter.unit!r} can take: {failure}"


def _ranged(value: Decimal, converted: Decimal, meter: Meter) -> Decimal | str:
    """``converted`` when a record can hold it, else why not. O(1).

    A quantity in range as written may leave it once converted: 1E-30 MB is 1E-33 GB.
    """
    if not converted or MIN_ADJUSTED <= converted.adjusted() <= MAX_ADJUSTED:
        return converted
    return (
        f", in which the quantity {decimal_repr(value)} is {decimal_repr(converted)} in meter "
        f"{meter.name!r}'s {meter.unit!r}: outside the numbers ratekit represents exactly "
        f"({RANGE_TEXT}); give the meter a unit that holds it."
    )


def in_meter_unit(
    value: Decimal, unit: str, meter: Meter, *, where: str, what: str, written: str, record: str
) -> Decimal:
    """``value`` in ``unit`` (written ``written`` at ``where`` by ``record``) converted exactly to ``meter``'s unit.

    The unit as written is tried first, then without its qualifiers (``cpu``, ``vcpu``).
    A unit that does not convert raises [`BadRecordError`][ratekit.BadRecordError] naming
    the record, the field, the unit given and the meter's unit. O(1) (units are read once).

    ```pycon
    >>> import ratekit as rk
    >>> seconds = rk.Meter("cpu-usage", "s", rk.Discrete())
    >>> in_meter_unit(Decimal(516570000000), "cpu-ns", seconds, where="[2].uom", what="Borel row",
    ...               written="cpu-ns", record="row 'a/cpu-usage/b/c/d'")
    Decimal('516.57')
    >>> in_meter_unit(Decimal(5), "B", seconds, where="[2].uom", what="Borel row",
    ...               written="B", record="row 'a/cpu-usage/b/c/d'")
    Traceback (most recent call last):
    ...
    ratekit.BadRecordError: Borel row [2].uom (row 'a/cpu-usage/b/c/d') is 'B', not a unit meter 'cpu-usage' in 's' can take: Cannot convert 'B' to 's': 'B' measures data and 's' measures time.

    ```
    """
    converted = _in_meter_unit(value, unit, meter)
    if isinstance(converted, Decimal):
        return converted
    raise BadRecordError(f"{what} {where} ({record}) is {show(written)}{converted}")


def meter_takes(unit: str, meter: Meter, what: str) -> None:
    """Nothing if ``meter`` takes quantities in ``unit`` (named ``what``), else a `UnitError`.

    For a unit a caller states once for many records (a CloudEvents ``Spec``'s ``unit``):
    refused before any record is read, as a meter and a plan that disagree are.

    ```pycon
    >>> import ratekit as rk
    >>> meter_takes("B", rk.Meter("egress", "GB", rk.Discrete()), "Spec unit of type 'egress'")
    >>> meter_takes("s", rk.Meter("egress", "GB", rk.Discrete()), "Spec unit of type 'egress'")
    Traceback (most recent call last):
    ...
    ratekit.UnitError: Spec unit of type 'egress' is 's', not a unit meter 'egress' in 'GB' can take: Cannot convert 's' to 'GB': 's' measures time and 'GB' measures data.

    ```
    """
    converted = _in_meter_unit(Decimal(1), unit, meter)
    if not isinstance(converted, Decimal):
        raise UnitError(f"{what} is {show(unit)}{converted}")


def taken(
    value: Decimal, unit: str, meter: Meter, *, where: str, what: str, record: str
) -> Decimal:
    """``value`` in ``unit``, a unit `meter_takes` accepted for ``meter``, in the meter's unit.

    ``value`` was read at ``where`` of ``record`` (a ``what``), in a unit the caller stated
    once (a CloudEvents ``Spec``'s ``unit``): a value that leaves the numbers ratekit
    represents once converted raises [`BadRecordError`][ratekit.BadRecordError] naming
    them. O(1).

    ```pycon
    >>> import ratekit as rk
    >>> egress = rk.Meter("egress", "GB", rk.Discrete())
    >>> taken(Decimal(1500000000), "B", egress, where="[0].data.amount", what="CloudEvent",
    ...       record="event id 'e1' from source '/gw'")
    Decimal('1.5')
    >>> taken(Decimal("1E-25"), "B", egress, where="[0].data.amount", what="CloudEvent",
    ...       record="event id 'e1' from source '/gw'")
    Traceback (most recent call last):
    ...
    ratekit.BadRecordError: CloudEvent [0].data.amount (event id 'e1' from source '/gw') is Decimal('1E-25') in 'B', in which the quantity Decimal('1E-25') is Decimal('1E-34') in meter 'egress''s 'GB': outside the numbers ratekit represents exactly (at most 60 significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30); give the meter a unit that holds it.

    ```
    """
    converted = _in_meter_unit(value, unit, meter)
    if isinstance(converted, Decimal):
        return converted
    # meter_takes took the unit: what is left is a value out of range once converted
    raise BadRecordError(
        f"{what} {where} ({record}) is {decimal_repr(value)} in {show(unit)}{converted}"
    )
