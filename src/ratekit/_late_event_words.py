"""The words and quantities of a too-late event's anomalies.

Private to [`ratekit.Rater`][ratekit.Rater]: the opening words of a ``"too_late"``
anomaly of an event stamped before the kept cycles (`older()`, `opening()`), and the
quantities of metering's late rows it names, per meter and description (`per_description()`,
`sums()`). Shared by `ratekit._rater_late_events` and `ratekit._rater_relisted`.
"""

from __future__ import annotations

import typing
from decimal import Decimal

from ._anomalies import placed as _anomaly
from ._decimals import CONTEXT, ZERO, tidy
from ._instants import format_us
from ._shown import show
from .records import Anomaly, Event, Inventory
from .usage import UsageRow

__all__ = ["closing_back", "compacted_change", "older", "opening", "per_description", "sums"]


def compacted_change(quantity: Decimal, unit: str, shown: str, base: str) -> str:
    """What a too-late part does to the compacted cycles, in words: adds or takes back.

    ``shown``: the description as shown; ``base``: the kept cycles' start as written.
    """
    if quantity > 0:
        return (
            f"it adds {tidy(quantity)} {unit} under description {shown} before {base}, "
            "to cycles already compacted"
        )
    return (
        f"it takes back {tidy(-quantity)} {unit} under description {shown} before {base}, "
        "which cycles already compacted were charged"
    )


def closing_back(
    inventory: Inventory, key: tuple[str, str], how: str, meter: str, quantity: Decimal
) -> Anomaly:
    """A ``"too_late"`` anomaly of a kept ``last_seen`` inventory closing ``key`` back.

    ``how``: where it closes the resource back and what that moves, ending in the move's
    `compacted_change()` words; the part named is not applied.
    """
    what = "inventory" if inventory.id is None else f"inventory {inventory.id!r}"
    return _anomaly(
        "too_late",
        f"{what} at {format_us(inventory.at_us)} (close='last_seen') closes {key[1]!r} of "
        f"{key[0]!r} back {how}: not applied (the rest is).",
        () if inventory.id is None else (inventory.id,),
        key[0],
        key[1],
        inventory.at_us,
        meter=meter,
        quantity=tidy(quantity),
    )


def older(event: Event, base: int) -> str:
    """The opening words of a too-late event's anomaly: what it is, older than ``base``."""
    what = f"event {event.id!r}" if event.id is not None else "event"
    return (
        f"{what} ({event.kind}) of {event.resource!r} of {event.account!r} stamped "
        f"{format_us(event.at_us)} is older than every cycle the rater keeps (from "
        f"{format_us(base)}"
    )


def opening(
    event: Event, message: str, meter: str | None = None, quantity: Decimal | None = None
) -> Anomaly:
    """A ``"too_late"`` anomaly of ``event``: its id, account, resource and instant."""
    return _anomaly(
        "too_late",
        message,
        () if event.id is None else (event.id,),
        event.account,
        event.resource,
        event.at_us,
        meter=meter,
        quantity=quantity,
    )


def per_description(
    rows: typing.Iterable[UsageRow],
) -> list[tuple[str, typing.Mapping[str, typing.Any], Decimal]]:
    """The nonzero quantities of ``rows`` per meter and description, in a stable order.

    The description is the one each part was metered under, so priced by: not always the
    state's (a START ordered by its ``seq`` before a compacted DELETE runs its resource
    on under the description it had, where the deleted state has none). O(r log r).
    """
    sums: dict[tuple[str, typing.Any], Decimal] = {}
    for row in rows:
        key = (row.meter, row.description)
        sums[key] = CONTEXT.add(sums.get(key, ZERO), row.quantity)
    parts = [(meter, desc, tidy(total)) for (meter, desc), total in sums.items() if total]
    # per meter, what is taken back before what is added: they read as a move
    return sorted(parts, key=lambda part: (part[0], part[2] > 0, show(dict(part[1]))))


def sums(rows: typing.Iterable[UsageRow]) -> dict[str, Decimal]:
    """The quantities of ``rows`` added up per meter."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        sums[row.meter] = CONTEXT.add(sums.get(row.meter, ZERO), row.quantity)
    return sums
