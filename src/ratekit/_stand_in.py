"""A stand-in for a calendar object of the user's own, kept where ratekit keeps the object.

A plan keeps its cycle, an allowance its period, a price entry its window. When that
object is the user's own code, ratekit keeps a `StandIn` in its place, whose subclass
checks every answer (`ratekit._metering_cycle`, `ratekit._user_windows`). To everyone
else it is the object: it shows as it (``repr``), compares and hashes as it, reads its
other attributes through (a ``tz``), and pickles as a stand-in of it; only ``is`` tells
them apart, and `unwrapped()` gives the object back.

The object's own ``__eq__``, ``__hash__`` and ``__repr__`` are the user's code too: one
that raises is a [`BadCalendarError`][ratekit.BadCalendarError] naming the object and
the call (rating compares plans' cycles, the rater keys them), and a ``repr`` that
raises shows the object by its type, so that no error message fails in its turn.
"""

from __future__ import annotations

from ._entry_points import plain_text
from .errors import BadCalendarError, RatekitError

__all__ = ["StandIn", "unwrapped"]


class StandIn:
    """The user's object ``inner``, named ``name`` in errors; see the module docstring."""

    __slots__ = ("inner", "name")

    def __init__(self, inner: object, kind: str) -> None:
        self.inner = inner
        self.name = f"{kind} {type(inner).__name__}"

    @plain_text
    def __repr__(self) -> str:
        try:
            return repr(self.inner)
        except Exception:  # the object's own repr failed: named by its type
            return f"<{self.name} (its repr raised)>"

    def __eq__(self, other: object) -> bool:
        try:
            return bool(self.inner == unwrapped(other))
        except RatekitError:
            raise
        except Exception as error:  # the object's own __eq__ (or its result's __bool__)
            raise self._own("__eq__", error) from error

    def __hash__(self) -> int:
        try:
            return hash(self.inner)
        except RatekitError:
            raise
        except Exception as error:  # unhashable, or the object's own __hash__ failed
            raise self._own("__hash__", error) from error

    def _own(self, call: str, error: Exception) -> BadCalendarError:
        try:
            said = str(error)
        except Exception:  # the error's own __str__ is the user's code too
            said = "its message could not be read"
        return BadCalendarError(
            f"{self.name} {self!r}: its {call} raised {type(error).__name__} ({said}); "
            f"ratekit compares and keys a {self.name.split()[0]} by equality and hash, so "
            f"give {call} that returns a {'bool' if call == '__eq__' else 'hash (an int)'} "
            "without raising (or leave them to object's)."
        )

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") or name in StandIn.__slots__:  # unpickling, copying
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __reduce__(self) -> tuple[type[StandIn], tuple[object]]:
        return (type(self), (self.inner,))


def unwrapped(value: object) -> object:
    """The user's own object a `StandIn` stands for, or ``value`` itself. O(1)."""
    return value.inner if isinstance(value, StandIn) else value
