"""Hostile values a caller may hand a door: subclasses whose own methods raise, mappings
that raise or change while read. Shared by the tests of the doors.

A door must take an ``int`` or ``str`` subclass by the exact value it holds, never asking
its own comparisons or repr, and refuse a mapping it cannot read with a ``RatekitError``
naming it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class TouchyInt(int):
    """An int whose own comparisons raise: a door takes it by its value, never asking them."""

    __hash__ = int.__hash__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("TouchyInt.__eq__ was asked")

    def __ne__(self, other: object) -> bool:
        raise RuntimeError("TouchyInt.__ne__ was asked")

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("TouchyInt.__lt__ was asked")

    def __le__(self, other: object) -> bool:
        raise RuntimeError("TouchyInt.__le__ was asked")

    def __gt__(self, other: object) -> bool:
        raise RuntimeError("TouchyInt.__gt__ was asked")

    def __ge__(self, other: object) -> bool:
        raise RuntimeError("TouchyInt.__ge__ was asked")


class SecretInt(int):
    """An int that will not show itself: its exact value is still an int's."""

    def __repr__(self) -> str:
        raise RuntimeError("SecretInt.__repr__ was asked")


class HiddenInt(TouchyInt):
    """A `TouchyInt` that will not show itself either."""

    def __repr__(self) -> str:
        raise RuntimeError("HiddenInt.__repr__ was asked")


class TouchyStr(str):
    """A str whose own equality raises (its hash is str's): a str subclass is a string."""

    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("TouchyStr.__eq__ was asked")

    def __ne__(self, other: object) -> bool:
        raise RuntimeError("TouchyStr.__ne__ was asked")


class HiddenStr(TouchyStr):
    """A `TouchyStr` that will not show itself either: only the text it holds may be read."""

    def __repr__(self) -> str:
        raise RuntimeError("HiddenStr.__repr__ was asked")


class ClosedCursor(Mapping[str, object]):
    """A mapping whose reading raises (``error``), as a document store's closed cursor does."""

    def __init__(self, key: str = "flavor", error: Exception | None = None) -> None:
        self.key = key
        self.error = error

    def __getitem__(self, key: str) -> object:
        raise self.error if self.error is not None else KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield self.key

    def __len__(self) -> int:
        return 1


class Growing(Mapping[str, Any]):
    """A mapping that changes while it is read (a key added at every lookup)."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = {"a": 1, "b": 2} if data is None else dict(data)

    def __getitem__(self, key: str) -> Any:
        self.data[f"extra{len(self.data)}"] = 1
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
