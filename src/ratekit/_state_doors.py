"""The doors of a `ResourceState`'s inventory listings and pending amounts.

Each checks the field as the constructor takes it (`listings_door()`, `pending_door()`),
or as ``to_json()`` writes it (`decoded_listings()`), and raises the state's
[`RatekitTypeError`][ratekit.RatekitTypeError] naming the field and what it accepts.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from ._decimals import to_decimal
from ._fields import _bad, _decode_mapping, _state_description
from ._text import one_of

__all__ = ["Listings", "Pending", "decoded_listings", "listings_door", "pending_door"]

Listings: typing.TypeAlias = tuple[
    int, tuple[tuple[str | None, Mapping[str, object] | None, str], ...]
]
#: An amount known but not yet billed, spread past the state's clock:
#: (meter, start_us, end_us, amount, record ids); ``start_us == end_us`` at an instant.
Pending: typing.TypeAlias = tuple[str, int, int, Decimal, tuple[str, ...]]

_CLOSES: Final = ("snapshot", "last_seen")


def listings_door(value: object) -> Listings | None:
    """``listings`` checked: ``None``, or ``(at_us, ((id or None, attributes or None, close), ...))``."""
    if value is None:
        return None
    accepted = (
        "None or (at_us, ((id or None, listed attributes or None, 'snapshot' or "
        "'last_seen'), ...)), as ResourceState.listings gives it"
    )
    if not (isinstance(value, tuple | list) and len(value) == 2):
        raise _bad("listings", value, accepted)
    at_us, entries = value
    if type(at_us) is not int or not isinstance(entries, tuple | list) or not entries:
        raise _bad("listings", value, accepted)
    out = []
    for entry in entries:
        if not (isinstance(entry, tuple | list) and len(entry) == 3):
            raise _bad("listings", value, accepted)
        record_id, listed, close = entry
        close = one_of(close, _CLOSES)  # kept as the text it holds, written back as it is
        if (record_id is not None and not isinstance(record_id, str)) or close is None:
            raise _bad("listings", value, accepted)
        attributes = None if listed is None else _state_description(listed)
        out.append((record_id, attributes, close))
    return (at_us, tuple(out))


def decoded_listings(data: object) -> object:
    """The ``listings`` that `to_json()` wrote, decoded for `listings_door()`."""
    if data is None:
        return None
    if not (isinstance(data, Mapping) and isinstance(data.get("inventories"), list)):
        raise _bad("listings", data, "a mapping with at_us and inventories, as to_json() writes")
    entries = []
    for item in data["inventories"]:
        if not (isinstance(item, list) and len(item) == 3):
            raise _bad("listings", data, "inventories of [id, attributes or null, close]")
        record_id, listed, close = item
        attributes = None if listed is None else _decode_mapping("listings attributes", listed)
        entries.append((record_id, attributes, close))
    return (data.get("at_us"), entries)


def pending_door(value: object) -> tuple[Pending, ...]:
    """``pending`` checked: ``((meter, start_us, end_us, amount, ids), ...)`` with start <= end."""
    accepted = (
        "a list of [meter, start_us, end_us, amount, [record ids]] with start_us <= end_us, "
        "as ResourceState.pending gives it"
    )
    if not isinstance(value, tuple | list):
        raise _bad("pending", value, accepted)
    out: list[Pending] = []
    for entry in value:
        if not (isinstance(entry, tuple | list) and len(entry) == 5):
            raise _bad("pending", value, accepted)
        meter_name, start_us, end_us, amount, ids = entry
        if not (
            isinstance(meter_name, str)
            and type(start_us) is int
            and type(end_us) is int
            and start_us <= end_us
            and isinstance(ids, tuple | list)
            and all(isinstance(i, str) for i in ids)
        ):
            raise _bad("pending", value, accepted)
        number = to_decimal(amount, "ResourceState pending amount")
        out.append((meter_name, start_us, end_us, number, tuple(ids)))
    return tuple(out)
