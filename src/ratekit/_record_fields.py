"""The fields every record checks at its door: names, ids, instants.

Private to the records (`ratekit.records`, `ratekit._inventory`): each converts its
fields once, naming the record and the field in the error of a value it refuses.
"""

from __future__ import annotations

import sys

from ._instants import to_us
from ._shown import show
from ._text import check_text
from .errors import RatekitTypeError

__all__ = ["_instant", "_name", "_record_id"]

_intern = sys.intern


def _name(value: object, label: str, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise RatekitTypeError(f"{label} {field} must be a non-empty string, not {show(value)}.")
    text = check_text(value if type(value) is str else str.__str__(value), f"{label} {field}")
    return _intern(text)


def _record_id(value: object, kind: str) -> str | None:
    if value is None or (isinstance(value, str) and value):
        if value is None:
            return None
        return check_text(value if type(value) is str else str.__str__(value), f"{kind} id")
    raise RatekitTypeError(f"{kind} id must be a non-empty string or None, not {show(value)}.")


def _instant(value: object, label: str, field: str) -> int:
    return to_us(value, f"{label} {field}")
