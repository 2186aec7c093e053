"""A stand-in for a calendar object of the user's own, kept where ratekit keeps the object.

A plan keeps its cycle, an allowance its period, a price entry its window. When that
object is the user's own code, ratekit keeps a `StandIn` in its place, whose subclass
checks every answer (`ratekit._metering_cycle`, `ratekit._user_windows`). To everyone
else it is the object: it shows as it (``repr``), compares and hashes as it, reads its
other attributes through (a ``tz``), and pickles as a stand-in of it; only ``is`` tells
them apart, and `unwrapped()` gives the object back.
"""

from __future__ import annotations

__all__ = ["StandIn", "unwrapped"]


class StandIn:
    """The user's object ``inner``, named ``name`` in errors; see the module docstring."""

    __slots__ = ("inner", "name")

    def __init__(self, inner: object, kind: str) -> None:
        self.inner = inner
        self.name = f"{kind} {type(inner).__name__}"

    def __repr__(self) -> str:
        return repr(self.inner)

    def __eq__(self, other: object) -> bool:
        return bool(self.inner == unwrapped(other))

    def __hash__(self) -> int:
        return hash(self.inner)

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") or name in StandIn.__slots__:  # unpickling, copying
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __reduce__(self) -> tuple[type[StandIn], tuple[object]]:
        return (type(self), (self.inner,))


def unwrapped(value: object) -> object:
    """The user's own object a `StandIn` stands for, or ``value`` itself. O(1)."""
    return value.inner if isinstance(value, StandIn) else value
