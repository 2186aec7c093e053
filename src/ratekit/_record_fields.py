"""The fields every record checks at its door: names, ids, instants.

Private to the records (`ratekit.records`, `ratekit._inventory`): each converts its
fields once, naming the record and the field in the error of a value it refuses.
"""

from __future__ import annotations

import math
import sys
from typing import Final

from ._instants import to_us
from ._shown import show
from ._text import check_text, name_text
from .errors import RatekitTypeError

__all__ = ["_instant", "_name", "_record_id", "evolved"]

_intern = sys.intern


def is_missing(value: object) -> bool:
    """``value`` is a missing value as pandas gives one: a NaN, ``NA`` or ``NaT``."""
    if isinstance(value, float):
        return math.isnan(value)
    kind = type(value)
    return kind.__name__ in {"NAType", "NaTType"} and kind.__module__.partition(".")[0] == "pandas"


def _name(value: object, label: str, field: str) -> str:
    return _intern(name_text(value, f"{label} {field}"))


_MISSING_ID: Final = (
    " A missing value (NaN, or pandas' NA or NaT) is no id: give None for it "
    "(series.astype(object).where(series.notna(), None).tolist() does)."
)


def _record_id(value: object, kind: str, of: tuple[object, object] | None = None) -> str | None:
    """The record's id, or None; ``of`` (account, resource) names a record refused for it."""
    if value is None or (isinstance(value, str) and str.__len__(value)):
        if value is None:
            return None
        return check_text(value if type(value) is str else str.__str__(value), f"{kind} id")
    # without a usable id the record is named by what else it says, as "(no id)" ones are
    named = kind if of is None else f"{kind} of account {show(of[0])} and resource {show(of[1])}"
    hint = _MISSING_ID if is_missing(value) else ""
    raise RatekitTypeError(
        f"{named} id must be a non-empty string or None, not {show(value)}.{hint}"
    )


def _instant(value: object, label: str, field: str) -> int:
    try:
        return to_us(value, f"{label} {field}")
    except RatekitTypeError as error:
        if isinstance(value, int) and not isinstance(value, bool):  # as evolve gives it
            raise RatekitTypeError(f"{error} {evolved(field)}") from None
        raise


def evolved(field: str, noun: str = "record") -> str:
    """What to do when ``attrs.evolve`` gave a record's stored instant back to its door.

    A record keeps ``at`` as ``at_us`` (epoch microseconds); ``attrs.evolve`` gives that int
    back as ``at``, which the door refuses as it refuses any int: the instant goes along.
    """
    return (
        f"attrs.evolve gives {noun_a(noun)}'s {field}_us (epoch microseconds) back as {field}: "
        f"give the instant with the changes, attrs.evolve({noun}, ..., {field}={noun}.{field})."
    )


def noun_a(noun: str) -> str:
    """``noun`` with its indefinite article."""
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
