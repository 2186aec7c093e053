"""The timezone a rater's invoices name their cycles in (``Rater(tz=...)``).

Private to [`ratekit.Rater`][ratekit.Rater]: the invoices a statement closes are billed
with [`bill()`][ratekit.bill]'s ``tz`` (an IANA name, or ``None`` for UTC), and the name
is kept in the snapshot (``"tz"`` in the body, absent for ``None``, so that snapshots
taken before the option restore as UTC).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ._shown import show
from ._zones import portable_name
from .errors import BadSnapshotError, RatekitError

__all__ = ["decode", "door"]


def door(tz: str | _dt.tzinfo | None) -> str | None:
    """``tz`` as a name the snapshot keeps (or None), through the one door for timezones.

    An IANA name, or a fixed offset's (``"UTC+05:45"``); a ``ZoneInfo`` with no key is
    refused, having no name another process reads back.

    Raises what [`bill()`][ratekit.bill] raises for it, naming ``Rater tz``.
    """
    return None if tz is None else portable_name(tz, "Rater tz")


def decode(body: Mapping[str, Any]) -> str | None:
    """The invoices' timezone a snapshot body keeps (None when absent). O(1).

    Raises [`BadSnapshotError`][ratekit.BadSnapshotError] for anything but an IANA name.
    """
    if "tz" not in body:
        return None
    value = body["tz"]
    try:
        if type(value) is not str:
            raise RatekitError("")
        return door(value)
    except RatekitError:
        raise BadSnapshotError(
            f"Rater snapshot body tz {show(value)} is not a timezone's IANA name (such as "
            "'Europe/Zurich') nor a fixed offset's ('UTC+05:45'; absent for invoices in UTC): "
            "restore an unaltered copy."
        ) from None
