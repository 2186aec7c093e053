"""A read-only mapping for the mappings a frozen result holds (it pickles, it equals dicts)."""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping

from ._entry_points import plain_text

K = typing.TypeVar("K")
V = typing.TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only mapping: no item can be set or deleted; equal to a ``dict`` of its items.

    Reads run at dict speed (O(1) a look-up); a lookup of a key it lacks goes through
    ``_missing`` (a ``KeyError`` here, a subclass may raise its own error).

    Examples:
        >>> from ratekit._frozen_map import FrozenMap
        >>> m = FrozenMap({"a": 1})
        >>> m["a"], m == {"a": 1}, m
        (1, True, {'a': 1})
        >>> m["b"] = 2
        Traceback (most recent call last):
        TypeError: 'FrozenMap' object does not support item assignment
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._items: dict[K, V] = dict(items or {})

    def __getitem__(self, key: K) -> V:
        try:
            return self._items[key]
        except KeyError:
            return self._missing(key)

    def _missing(self, key: K) -> V:
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K, default: typing.Any = None) -> typing.Any:
        return self._items.get(key, default)

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._items == other._items
        return self._items == other if isinstance(other, dict) else NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    @plain_text
    def __repr__(self) -> str:
        return repr(self._items)

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (type(self), (self._items,))
