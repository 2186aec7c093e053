"""Units as feeds write them, and values converted exactly to a meter's unit.

Borel writes products with a dash and CPU time as ``cpu-ns``; Ceilometer writes ``ns``,
``B``, ``MB``, ``B/s``, ``instance``. ratekit reads them as written (``"MB-ns"`` is
``MB*ns``; ``"cpu-ns"`` is ``cpu*ns``, ``cpu`` being a unit ratekit does not know, which
converts only to itself, so a meter in ``"cpu-ns"`` or ``"cpu*hour"`` takes it). A meter
in plain time (``"s"``, ``"hour"``) takes ``cpu-ns`` too: ``cpu`` (or ``vcpu``) names
what is measured, and without it the unit is nanoseconds of CPU time. Every conversion
is [`ratekit.convert()`][ratekit.convert]: exact. (OpenStack's ``MB`` and ``GB`` are binary:
the Borel and Ceilometer adapters read them as ``MiB`` and ``GiB`` before they get here.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from ratekit.errors import BadRecordError, RatekitError
from ratekit.policies import Meter
from ratekit.units import Unit, convert

from ._reading import show

__all__ = ["feed_unit", "in_meter_unit", "openstack_binary"]

#: Factors that name what is measured rather than a unit: ``cpu-ns`` is nanoseconds.
_QUALIFIERS: Final = frozenset({"cpu", "vcpu"})
_PRODUCT: Final = re.compile(r"\s*[-*·]\s*")
#: The longest unit read: anything longer is not a unit, and its message would be huge.
_LONGEST: Final = 64


def feed_unit(text: str, where: str, what: str) -> str:
    """``text`` checked to be a unit ratekit reads, as written.

    ```pycon
    >>> feed_unit("MB-ns", "[0].uom", "Borel row")
    'MB-ns'

    ```
    """
    if len(text) > _LONGEST:
        raise BadRecordError(
            f"{what} {where} {show(text)} is {len(text)} characters long; a unit is a short "
            "name such as 'B', 'MB-ns' or 'cpu-ns'."
        )
    try:
        Unit(text)
    except RatekitError as error:
        raise BadRecordError(f"{what} {where} unit {show(text)} cannot be read: {error}") from None
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


def in_meter_unit(
    value: Decimal, unit: str, meter: Meter, *, where: str, what: str, written: str
) -> Decimal:
    """``value`` in ``unit`` (written ``written`` at ``where``) converted exactly to ``meter``'s unit.

    The unit as written is tried first, then without its qualifiers (``cpu``, ``vcpu``).

    ```pycon
    >>> import ratekit as rk
    >>> seconds = rk.Meter("cpu-usage", "s", rk.Discrete())
    >>> in_meter_unit(Decimal(516570000000), "cpu-ns", seconds, where="[2].uom", what="Borel row", written="cpu-ns")
    Decimal('516.57')

    ```
    """
    try:
        return convert(value, unit, meter.unit)
    except RatekitError as error:
        failure = error
    plain = _unqualified(unit)
    if plain is not None:
        try:
            return convert(value, plain, meter.unit)
        except RatekitError as error:
            failure = error
    read = "" if plain is None else f" (tried as written and as {plain!r})"
    raise BadRecordError(
        f"{what} {where} {show(written)}{read} is not a unit meter {meter.name!r} in "
        f"{meter.unit!r} can take: {failure}"
    ) from None
