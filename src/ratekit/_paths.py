"""Dotted paths into descriptions: ``"properties.size"`` reads ``d["properties"]["size"]``.

Selectors, levels and ``when`` conditions name an attribute by a path. A key that contains
dots and is present as it is wins over descending (a flat ``"properties.size"`` key is read
as it is); otherwise the path is split on ``.`` and each part descends one mapping, or, when the part
is a whole number (``"disks.0.size"``), indexes one list (negative indexes count from the
end; a string is not indexed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from ._decimals import plain_text
from ._shown import show
from ._text import check_text
from .errors import RatekitTypeError

__all__ = ["MISSING", "checked_path", "lookup"]

PATH_TEXT: Final = (
    "an attribute path: one or more non-empty names joined by single dots, such as "
    "'flavor' or 'properties.size'"
)


class _Missing:
    """The value of a path that leads nowhere (distinct from an attribute set to ``None``)."""

    __slots__ = ()

    @plain_text
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def lookup(description: Mapping[str, object], path: str) -> object:
    """The value at ``path`` in ``description``, or `MISSING`. O(depth).

    Examples:
        >>> lookup({"properties": {"size": 5}}, "properties.size")
        5
        >>> lookup({"properties.size": 7, "properties": {"size": 5}}, "properties.size")
        7
        >>> lookup({"flavor": "m1"}, "flavor.name")
        MISSING
        >>> lookup({"disks": [{"size": 10}, {"size": 20}]}, "disks.1.size")
        20
        >>> lookup({"disks": [{"size": 10}]}, "disks.3.size")
        MISSING
    """
    value = description.get(path, MISSING)
    if value is not MISSING or "." not in path:
        return value
    current: object = description
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part, MISSING)
            if current is MISSING:
                return MISSING
        elif isinstance(current, Sequence) and not isinstance(current, str | bytes):
            index = _index(part)
            if index is None or not -len(current) <= index < len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current


def checked_path(path: object, what: str) -> str:
    """``path`` when it is a usable attribute path, else a [`RatekitTypeError`][ratekit.RatekitTypeError].

    A path is a string of one or more non-empty names joined by single dots: ``""``,
    ``".a"``, ``"a."`` and ``"a..b"`` name no attribute a description can be read at.
    ``what`` names the value in the message (``"Continuous level"``). O(len(path)).

    Examples:
        >>> checked_path("properties.size", "level")
        'properties.size'
        >>> try:
        ...     checked_path("a..b", "level")
        ... except RatekitTypeError as error:
        ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
        level must be an attribute path: one or more non-empty names joined by single dots,
        such as 'flavor' or 'properties.size', not 'a..b' (an empty name).
    """
    if not isinstance(path, str):
        raise RatekitTypeError(
            f"{what} must be {PATH_TEXT}, not {type(path).__name__}: {show(path)}."
        )
    if not path or "" in path.split("."):
        raise RatekitTypeError(f"{what} must be {PATH_TEXT}, not {show(path)} (an empty name).")
    return check_text(path, what)


def _index(part: str) -> int | None:
    """The list index a path part names (``"0"``, ``"-1"``), or None."""
    digits = part.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return None
    return int(part)
