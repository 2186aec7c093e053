"""The rater's snapshot: its small entries as plain JSON data, and back.

Forgotten ids (``[type, id, digest]``), reported anomalies, touched resources, accounts'
first records and the ids of late records a line has named: each read through its door,
a malformed one refused with a ``ValueError``/``TypeError`` that the snapshot's reader
turns into a [`BadSnapshotError`][ratekit.BadSnapshotError] naming its path (see
`ratekit._snapshot`, which holds the records and the envelope).
"""

from __future__ import annotations

from typing import Final

from ._instants import check_us, format_us
from ._shown import show
from ._snapshot import _items, _list, _record_type, _strings
from .records import Anomaly

__all__ = ["anomaly", "dirty", "encode_anomaly", "first", "forgotten", "inventoried", "late_seen"]

_HEX: Final = frozenset("0123456789abcdef")


def forgotten(item: object) -> tuple[tuple[str, str], str | None]:
    """A forgotten id: ``[type, id, digest]`` (no digest in older snapshots).

    The type is a record type, the id not empty, the digest 16 hex digits (or the whole
    sha256's 64 in older snapshots).
    """
    parts = _strings(item, 2, 3, "a forgotten id")
    _record_type(parts[0], "a forgotten id")
    if not parts[1]:
        raise ValueError("a forgotten id must not be empty")
    digest = parts[2] if len(parts) > 2 else None
    if digest is not None and (len(digest) not in (16, 64) or not set(digest) <= _HEX):
        raise ValueError(
            f"a forgotten id's digest must be 16 or 64 lowercase hex digits, not {show(digest)}"
        )
    return (parts[0], parts[1]), digest


_ANOMALY_SHAPE: Final = (
    "[kind, message, [record id, ...], account, resource, at_us, meter, quantity]"
)


def encode_anomaly(anomaly: Anomaly) -> list[object]:
    """A reported anomaly as `anomaly()` reads it.

    ``[kind, message, [ids], account, resource, at_us, meter, quantity]``, each of the
    last five null when the anomaly has none (the quantity as a Decimal's text); without
    a meter and a quantity, the first six only.
    """
    entry: list[object] = [
        anomaly.kind,
        anomaly.message,
        list(anomaly.record_ids),
        anomaly.account,
        anomaly.resource,
        anomaly.at_us,
    ]
    quantity = anomaly.quantity
    if anomaly.meter is not None or quantity is not None:
        entry += [anomaly.meter, None if quantity is None else str(quantity)]
    return entry


def anomaly(item: object) -> Anomaly:
    """A reported anomaly, through the Anomaly door: what `encode_anomaly()` writes.

    The first snapshots wrote only ``[kind, message, [ids]]``: such an anomaly names no
    account, resource nor instant (``None``), as the anomalies of those versions did; the
    next ones its first six: no meter nor quantity.
    """
    accepted = f"{_ANOMALY_SHAPE} (or its first three or six)"
    parts = _items(item, "an anomaly", accepted, 3, 8)
    if len(parts) not in {3, 6, 8}:
        raise TypeError(f"an anomaly must be {accepted}, not {show(parts)}")
    parts = [*parts, *[None] * (8 - len(parts))]  # a copy: the caller's data stays as it is
    kind, message, ids, account, resource, at_us, meter, quantity = parts
    at = None if at_us is None else format_us(check_us(at_us, "an anomaly's at_us"))
    if quantity is not None and not isinstance(quantity, str):
        raise TypeError(f"an anomaly's quantity is a Decimal's text or null, not {show(quantity)}")
    return Anomaly(
        kind,
        message,
        tuple(_list(ids, "an anomaly's ids")),
        account=account,
        resource=resource,
        at=at,
        meter=meter,
        quantity=quantity,
    )


def dirty(item: object) -> tuple[str, str | None]:
    """A touched (account, resource or None) pair."""
    parts = _list(item, "a touched resource")
    if (
        len(parts) != 2
        or not isinstance(parts[0], str)
        or not (parts[1] is None or isinstance(parts[1], str))
    ):
        raise TypeError(
            f"a touched resource is an account and a resource or null, not {show(item)}"
        )
    return parts[0], parts[1]


def first(item: object) -> tuple[str, int]:
    """An account's first record: ``[account, at_us]``."""
    account, at_us = _items(item, "an account's first record", "[account, at_us]", 2)
    if not isinstance(account, str):
        raise TypeError(f"an account is a string, not {show(account)}")
    return account, check_us(at_us, "an account's first record")


def inventoried(item: object) -> tuple[str | None, int]:
    """The last inventory compacted for an account's resources: ``[account or null, at_us]``.

    ``null``: the last one scoped to every account.
    """
    account, at_us = _items(item, "an inventory compacted", "[account or null, at_us]", 2)
    if account is not None and (not isinstance(account, str) or not account):
        raise TypeError(f"an account is a non-empty string or null, not {show(account)}")
    return account, check_us(at_us, "an inventory compacted")


def late_seen(item: object) -> str:
    """The id of a late record a line has named since: a non-empty string."""
    if not isinstance(item, str) or not item:
        raise TypeError(f"a late record's id must be a non-empty string, not {show(item)}")
    return item
