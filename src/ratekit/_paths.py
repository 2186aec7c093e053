"""Dotted paths into descriptions: ``"properties.size"`` reads ``d["properties"]["size"]``.

Selectors, levels and ``when`` conditions name an attribute by a path. A key that contains
dots and is present as it is wins over descending (a flat ``"properties.size"`` key is read
as it is); otherwise the path is split on ``.`` and each part descends one mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["MISSING", "lookup"]


class _Missing:
    """The value of a path that leads nowhere (distinct from an attribute set to ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def lookup(description: Mapping[str, object], path: str) -> object:
    """The value at ``path`` in ``description``, or :data:`MISSING`. O(depth).

    Example:
        >>> lookup({"properties": {"size": 5}}, "properties.size")
        5
        >>> lookup({"properties.size": 7, "properties": {"size": 5}}, "properties.size")
        7
        >>> lookup({"flavor": "m1"}, "flavor.name")
        MISSING
    """
    value = description.get(path, MISSING)
    if value is not MISSING or "." not in path:
        return value
    current: object = description
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return MISSING
        current = current.get(part, MISSING)
        if current is MISSING:
            return MISSING
    return current
