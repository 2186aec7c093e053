"""A caller's own objects, read once at the door: what their own code raises is named.

A ``dict``, ``list`` or ``str`` runs no code of the caller's; a subclass of one, or any
other mapping or iterable, does (``__iter__``, ``__getitem__``, ``items()``), and may
raise anything. Every door that reads such an object reads it here, once: `read_once()`
turns a failure into a [`RatekitTypeError`][ratekit.RatekitTypeError] that names what
was read, the object's kind and what it raised (`raised()`), the error chained, so that
nothing but a ratekit error escapes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TypeVar

from .errors import RatekitTypeError

__all__ = ["raised", "read_items", "read_once", "unreadable"]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

#: The most characters of a caller's error message a ratekit message quotes.
_QUOTED = 80


def raised(error: BaseException) -> str:
    """What a caller's object raised, as a message shows it: its type and (short) message.

    ```pycon
    >>> raised(RuntimeError("backing store gone"))
    'RuntimeError: backing store gone'

    ```
    """
    try:
        said = str(error)
    except Exception:  # the exception's own __str__ may raise too
        said = "(its message could not be read)"
    if len(said) > _QUOTED:
        said = said[: _QUOTED - 3] + "..."
    return f"{type(error).__name__}: {said}"


def read_once(
    value: Iterable[T], what: str, kind: str, accepted: str, *, limit: int | None = None
) -> list[T]:
    """The items of a caller's ``value``, read once (at most ``limit`` of them).

    An error the caller's code raises becomes a `RatekitTypeError`: ``{what} could not be
    read: its {kind} raised {error}; give {accepted}.`` O(n) for the n items read.

    ```pycon
    >>> def feed():
    ...     yield 1
    ...     raise RuntimeError("cursor closed")
    >>> read_once(feed(), "previous", "generator", "a list of Event")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: previous could not be read: its generator raised RuntimeError: cursor closed; give a list of Event.

    ```
    """
    try:
        return list(value if limit is None else itertools.islice(value, limit))
    except Exception as error:  # the caller's object may raise anything
        raise unreadable(what, kind, accepted, error) from error


def read_items(
    value: Mapping[K, V], what: str, kind: str, accepted: str, *, limit: int | None = None
) -> list[tuple[K, V]]:
    """The items of a caller's mapping, read once as `read_once()` reads them.

    Its ``items()`` is called here too: a mapping whose ``items()`` itself raises (a
    ``dict`` subclass's) is refused as one whose items raise when they are read.

    ```pycon
    >>> class Gone(dict):
    ...     def items(self):
    ...         raise RuntimeError("backing store gone")
    >>> read_items(Gone(), "attributes", "mapping (Gone)", "a dict")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: attributes could not be read: its mapping (Gone) raised RuntimeError: backing store gone; give a dict.

    ```
    """
    try:
        items = value.items()
    except Exception as error:  # the caller's object may raise anything
        raise unreadable(what, kind, accepted, error) from error
    return read_once(items, what, kind, accepted, limit=limit)


def unreadable(what: str, kind: str, accepted: str, error: BaseException) -> RatekitTypeError:
    """The refusal of a caller's object that raised ``error`` while ``what`` was read."""
    return RatekitTypeError(
        f"{what} could not be read: its {kind} raised {raised(error)}; give {accepted}."
    )
