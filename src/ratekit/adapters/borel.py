"""Borel's normalised usage rows, read into [`Sample`][ratekit.Sample] records with exact units.

Anchor's Borel (seed 001) reports usage as rows of a quantity per customer, resource
kind and resource, with a unit of measure:

    {"customer-id": "21891", "quantity": 516570000000, "resource": "cpu-usage",
     "resource_id": "284a9f20-4d5e-4044-a955-f2fb9e00e66d", "uom": "cpu-ns"}

`usage_rows()` gives one delta sample per row: the account is ``customer-id``, the
resource ``resource_id``, the meter ``resource`` and the value ``quantity`` converted
exactly from ``uom`` to the meter's unit. Borel writes products with a dash
and CPU time as ``cpu-ns``; a meter in plain time takes ``cpu-ns`` as nanoseconds of CPU
time. Borel's data units are OpenStack's, which are binary: its memory allocation is
Ceilometer's ``memory`` (Nova's ``memory_mb``, a MiB: a 2 GB flavor has 2048 of them)
times nanoseconds, so ``MB-ns`` is read as ``MiB*ns`` (and a ``KB``, ``MB``, ``GB`` or
``TB`` factor of any ``uom`` as ``KiB``, ``MiB``, ``GiB``, ``TiB``; ``B`` is a byte). A row is usage over a period: its ``start`` and ``end`` when
the row has them, else the ``period`` the caller gives (the span the report covers);
the sample is a delta over that span (apportioned linearly if it crosses a cycle).

The rows carry no id; a sample's ``id`` is
``"<customer-id>/<resource>/<resource_id>/<start>/<end>"``, each of the first three with
its ``%`` written ``%25`` and its ``/`` written ``%2F`` (so two different rows never share
an id), so a report delivered again is a replay, and two different quantities for one
resource and period are a conflict.

The ready meters keep every conversion exact: `CPU_SECONDS` (a power of ten),
`MEMORY_GB_SECONDS` in GiB-seconds (Nova's GB: ``MB-ns`` / 1024 / 10^9), and
gigabytes (10^9 bytes) for the disk and network rows, which Borel counts in bytes
(`METERS` holds them all). Rows of a ``resource`` no meter names raise, unless
``unknown="skip"``. A ``uom`` that cannot be read, or that does not convert to its
meter's unit, is refused naming the row's position and its id (the rows carry none of
their own, so the id the sample would get: ``[2].uom (row '21891/cpu-usage/...')``).

Examples:
    >>> import ratekit as rk
    >>> from ratekit.adapters import borel
    >>> rows = [{"customer-id": "21891", "quantity": 516570000000, "resource": "cpu-usage",
    ...          "resource_id": "284a9f20", "uom": "cpu-ns"}]
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> borel.usage_rows(rows, period=march)
    [Sample('21891', '284a9f20', 'cpu-usage', '2026-04-01T00:00:00Z', '516.57', since='2026-03-01T00:00:00Z', id='21891/cpu-usage/284a9f20/2026-03-01T00:00:00Z/2026-04-01T00:00:00Z')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from ratekit._instants import format_us
from ratekit.errors import BadRecordError, RatekitTypeError
from ratekit.policies import Discrete, Meter
from ratekit.records import Sample
from ratekit.spans import Span

from . import _reading as r
from ._units import feed_unit, in_meter_unit, openstack_binary

__all__ = [
    "CPU_SECONDS",
    "DISK_READS",
    "DISK_WRITES",
    "MEMORY_GB_SECONDS",
    "METERS",
    "NETWORK_RX",
    "NETWORK_TX",
    "usage_rows",
]

CPU_SECONDS: Final = Meter("cpu-usage", "s", Discrete())
"""CPU time used, in seconds (Borel's ``cpu-ns`` / 10^9)."""
MEMORY_GB_SECONDS: Final = Meter("memory-allocation", "GiB*s", Discrete())
"""Memory allocated over time, in GiB-seconds, Nova's GB (Borel's ``MB-ns``, MiB x ns, / 1024 / 10^9)."""
DISK_READS: Final = Meter("diskio-reads", "GB", Discrete())
"""Bytes read from disk, in GB."""
DISK_WRITES: Final = Meter("diskio-writes", "GB", Discrete())
"""Bytes written to disk, in GB."""
NETWORK_RX: Final = Meter("neutron-data-rx", "GB", Discrete())
"""Bytes received by a network port, in GB."""
NETWORK_TX: Final = Meter("neutron-data-tx", "GB", Discrete())
"""Bytes sent by a network port, in GB."""
METERS: Final = (CPU_SECONDS, MEMORY_GB_SECONDS, DISK_READS, DISK_WRITES, NETWORK_RX, NETWORK_TX)
"""The ready meters, by Borel's resource names."""

_WHAT: Final = "Borel row"


def _escaped(part: str) -> str:
    """``part`` of an id with its ``%`` and ``/`` escaped (``%25``, ``%2F``). O(len).

    So ids join injectively: ``"acme/cpu"`` + ``"x"`` and ``"acme"`` + ``"cpu/x"`` never meet.
    """
    return part.replace("%", "%25").replace("/", "%2F")


def _sample(
    item: Mapping[str, object],
    position: r.Position,
    period: Span | None,
    meters: Mapping[str, Meter],
    skip: bool,
) -> Sample | None:
    resource_kind = r.text(item, "resource", position, _WHAT)
    meter = r.meter_named(meters, resource_kind, r.at(position, "resource"), _WHAT, skip=skip)
    if meter is None:
        return None
    account = r.text(item, "customer-id", position, _WHAT)
    resource = r.text(item, "resource_id", position, _WHAT)
    if "start" in item or "end" in item or period is None:
        start_us = r.instant(item, "start", position, _WHAT)
        end_us = r.instant(item, "end", position, _WHAT)
        if end_us < start_us:
            raise BadRecordError(
                f"{_WHAT} {r.at(position, 'end')} {format_us(end_us)} comes before its start "
                f"{format_us(start_us)}."
            )
    else:
        start_us, end_us = period.start_us, period.end_us
    start, end = format_us(start_us), format_us(end_us)
    record_id = "/".join((*map(_escaped, (account, resource_kind, resource)), start, end))
    # the row is named by the id it gets, as a sample's refusals name the sample's
    record = f"row {r.show(record_id)}"
    uom = r.text(item, "uom", position, _WHAT)
    unit = openstack_binary(feed_unit(uom, r.at(position, "uom"), _WHAT, record))
    quantity = r.number(item, "quantity", position, _WHAT)
    value = in_meter_unit(
        quantity, unit, meter, where=r.at(position, "uom"), what=_WHAT, written=uom, record=record
    )
    return r.build(
        position,
        lambda: Sample(account, resource, meter.name, end, value, since=start, id=record_id),
    )


def usage_rows(
    rows: object,
    *,
    period: Span | None = None,
    meters: Iterable[Meter] = METERS,
    unknown: Literal["error", "skip"] = "error",
) -> list[Sample]:
    """Borel usage rows as delta samples over their period, in the meters' units.

    ``rows`` is a list of rows; ``period`` the span they cover (a row's own ``start`` and
    ``end`` win; a row without them needs ``period``). ``meters`` names the meters by
    Borel's ``resource`` (default `METERS`); each value is converted exactly from
    the row's ``uom`` to its meter's unit. Errors: [`BadRecordError`][ratekit.BadRecordError]
    naming the position and field (and, for a ``uom`` refused, the row by its id). Cost: O(n).

    Examples:
        >>> from ratekit.adapters import borel
        >>> borel.usage_rows([{"customer-id": "21891", "quantity": 1500663808, "resource": "diskio-writes",
        ...                    "resource_id": "284a9f20", "uom": "cpu-ns",
        ...                    "start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"}])
        Traceback (most recent call last):
        ...
        ratekit.BadRecordError: Borel row [0].uom (row '21891/diskio-writes/284a9f20/2026-03-01T00:00:00Z/2026-03-02T00:00:00Z') is 'cpu-ns' (tried as written and as 'ns'), not a unit meter 'diskio-writes' in 'GB' can take: Cannot convert 'ns' to 'GB': 'ns' measures time and 'GB' measures data.
    """
    if period is not None and not isinstance(period, Span):
        raise RatekitTypeError(f"usage_rows period must be a Span or None, not {r.show(period)}.")
    skip = r.skipping(unknown, "usage_rows unknown")
    by_name = r.meters_by_name(meters, "usage_rows meters")
    return r.collect(
        rows, _WHAT, lambda item, position: _sample(item, position, period, by_name, skip)
    )
