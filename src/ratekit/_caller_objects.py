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
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeVar

from ._shown import show
from .errors import RatekitError, RatekitTypeError, ReentrantCallError

__all__ = [
    "MOST_ITEMS",
    "declared",
    "given_back",
    "has_method",
    "listed",
    "plain_data",
    "plain_scalar",
    "raised",
    "read_items",
    "read_once",
    "unreadable",
]

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


def given_back(value: object) -> dict[str, object] | None:
    """The mapping a value gives back as sorted ``(key, value)`` pairs, or None.

    A value keeps a mapping given to it as a tuple of pairs, one per string key
    (`Inventory.where`, a CloudEvents ``Spec``'s ``meters``): ``attrs.evolve`` gives that
    tuple back to the door, which reads it as the mapping (and checks it anew). Anything
    else, a key given twice included, is None: the door refuses it as it would. O(n).
    """
    if type(value) is not tuple:
        return None
    items = typing.cast("tuple[object, ...]", value)
    if not all(type(item) is tuple and len(item) == 2 for item in items):
        return None
    pairs = typing.cast("tuple[tuple[object, object], ...]", items)
    if not all(type(key) is str for key, _ in pairs):
        return None
    mapping = {typing.cast("str", key): item for key, item in pairs}
    return mapping if len(mapping) == len(pairs) else None


def has_method(value: object, name: str) -> bool:
    """Whether ``value`` has a callable ``name``: the door's test of a protocol object.

    An attribute whose own code raises (a ``__getattr__`` or property of the caller's)
    counts as none, so the door refuses the object as one without the method, with its
    own message, instead of letting the caller's error escape. O(1).

    ```pycon
    >>> class Broken:
    ...     def __getattr__(self, name):
    ...         raise RuntimeError("no attributes here")
    >>> has_method(Broken(), "within_us"), has_method([], "append")
    (False, True)

    ```
    """
    try:
        return callable(getattr(value, name, None))
    except Exception:  # the caller's own code: refused by the door as no such method
        return False


def read_once(
    value: Iterable[T], what: str, kind: str, accepted: str, *, limit: int | None = None
) -> list[T]:
    """The items of a caller's ``value``, read once (at most ``limit`` of them).

    An error the caller's code raises becomes a `RatekitTypeError`: ``{what} could not be
    read: its {kind} raised {error}; give {accepted}.``, but a `ReentrantCallError` (a
    call back into a rater, refused, that the caller's code let out) is raised as it is.
    O(n) for the n items read.

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
    except ReentrantCallError:  # ratekit's refusal of a call back, let out: as it is
        raise
    except Exception as error:  # the caller's object may raise anything
        raise unreadable(what, kind, accepted, error) from error


def listed(values: object, what: str, kind: str) -> list[typing.Any] | tuple[typing.Any, ...]:
    """``values`` when it is a collection (of what the door checks later), else an error.

    A list or tuple as it is; any other iterable read once (`read_once()`). A single
    value, ``None`` or a string is refused with what would be accepted: ``{what} must be a
    list of {kind} values ([] for none), not ...``. O(n).
    """
    if type(values) is list or type(values) is tuple:
        return values
    if isinstance(values, Iterable) and not isinstance(values, str | bytes):
        accepted = f"a list of {kind} values"
        return read_once(values, what, type(values).__name__, accepted)
    raise RatekitTypeError(
        f"{what} must be a list of {kind} values ([] for none), not "
        f"{type(values).__name__}: {show(values)}; wrap a single {kind} in a list."
    )


def read_items(
    value: Mapping[K, V],
    what: str,
    kind: str,
    accepted: str,
    *,
    limit: int | None = None,
    refusal: Callable[[str], RatekitError] = RatekitTypeError,
    most: tuple[int, str] | None = None,
    keys: tuple[int, str] | None = None,
) -> list[tuple[K, V]]:
    """The items of a caller's mapping, read once as `read_once()` reads them.

    Its ``items()`` is called here too: a mapping whose ``items()`` itself raises (a
    ``dict`` subclass's) is refused as one whose items raise when they are read. So is
    one whose items are not (key, value) pairs, or whose keys cannot be hashed; without
    ``limit``, one that gives more than `MOST_ITEMS` items (or never ends), or more than
    ``most`` says: ``(count, why)``, the most items the door takes and why, which the
    refusal quotes (no more than ``count + 1`` items are drawn), or more distinct keys
    than ``keys`` says, in the same form (drawing stops at the first key too many: a key
    given again, as a JSON object may, is read as ``dict`` reads it). Refused with
    ``refusal`` (a `RatekitTypeError` unless the door says), the caller's error chained.
    O(n) for the n items read.

    ```pycon
    >>> class Gone(dict):
    ...     def items(self):
    ...         raise RuntimeError("backing store gone")
    >>> read_items(Gone(), "attributes", "mapping (Gone)", "a dict")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: attributes could not be read: its mapping (Gone) raised RuntimeError: backing store gone; give a dict.
    >>> class Odd(dict):
    ...     def items(self):
    ...         return [1, 2]
    >>> read_items(Odd(), "attributes", "mapping (Odd)", "a dict")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: attributes could not be read: its mapping (Odd) gives an item that is not a (key, value) pair (TypeError: cannot unpack non-iterable int object); give a dict.

    ```
    """

    def refuse(problem: str) -> RatekitError:
        return refusal(f"{what} could not be read: its {kind} {problem}; give {accepted}.")

    bound, why = (MOST_ITEMS, "") if most is None else most
    distinct = 0
    try:
        items = itertools.islice(value.items(), bound + 1 if limit is None else limit)
        if keys is None:
            read: list[object] = list(items)
        else:
            read, distinct = _until_keys(items, keys[0] + 1)
    except ReentrantCallError:  # ratekit's refusal of a call back, let out: as it is
        raise
    except Exception as error:  # the caller's object may raise anything
        raise refuse(f"raised {raised(error)}") from error
    if keys is not None and distinct > keys[0]:
        raise refuse(f"gives more than {keys[0]:,} keys{keys[1]} (or never ends)")
    if limit is None and len(read) > bound:
        raise refuse(f"gives more than {bound:,} items{why} (or never ends)")
    pairs: list[tuple[K, V]] = []
    for item in read:
        pair: tuple[object, object]
        if type(item) is tuple and len(item) == 2:
            pair = item
        else:
            try:
                key, found = typing.cast("tuple[object, object]", item)
            except Exception as error:  # not a pair, or an iterable of the caller's that raises
                raise refuse(
                    f"gives an item that is not a (key, value) pair ({raised(error)})"
                ) from error
            pair = (key, found)
        if type(pair[0]) is not str:
            try:
                hash(pair[0])
            except Exception as error:  # unhashable, or a __hash__ of the caller's that raises
                raise refuse(
                    f"has a key of type {type(pair[0]).__name__} that cannot be hashed "
                    f"({raised(error)})"
                ) from error
        pairs.append(typing.cast("tuple[K, V]", pair))
    return pairs


def _until_keys(items: Iterable[object], stop: int) -> tuple[list[object], int]:
    """The items drawn until ``stop`` distinct keys are given, and how many were.

    Only a plain string key is compared (a set of them); any other item counts as a key
    of its own, compared with none (a key of the caller's runs no code here). O(n).
    """
    read: list[object] = []
    seen: set[str] = set()
    other = 0
    for item in items:
        read.append(item)
        key = item[0] if type(item) is tuple and len(item) == 2 else None
        if type(key) is str:
            seen.add(key)
        else:
            other += 1
        if len(seen) + other >= stop:
            break
    return read, len(seen) + other


def plain_data(
    data: object,
    what: str,
    accepted: str,
    *,
    limit: int,
    refusal: Callable[[str], RatekitError] = RatekitTypeError,
) -> object:
    """``data`` (JSON-like) with each mapping and list of the caller's own read into a plain one.

    For the doors that take data such as ``json.load`` gives (plan data, a snapshot):
    a ``dict`` or ``list`` runs no code of the caller's and is kept as it is (the data is
    returned unchanged when it holds nothing else); any other mapping, or a ``list`` or
    ``tuple`` subclass, is read once here into a ``dict`` or ``list``, down to ``limit``
    levels (the door refuses what nests deeper), at most `MOST_ITEMS` items each, and no
    more than its own ``len()`` says (one that gives more, or never ends, is refused after
    that many items, not a hang; a ``len()`` that raises leaves `MOST_ITEMS`). A string, int or float of a
    subclass (a key or a value) becomes the plain one it holds, so that no code of the
    caller's runs later. What the caller's code raises, items that are not pairs, and a key
    that cannot be hashed are refused with ``refusal`` (a `RatekitTypeError` unless the door
    says) naming ``what``, the caller's error chained. O(size of the data).

    ```pycon
    >>> class Gone(dict):
    ...     def items(self):
    ...         raise RuntimeError("cursor closed")
    >>> plain_data({"a": [Gone(x=1)]}, "plan data", "a dict", limit=8)
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: plan data could not be read: its mapping (Gone) raised RuntimeError: cursor closed; give a dict.
    >>> class Keep(dict):
    ...     pass
    >>> type(plain_data({"a": [Keep(x=1)]}, "plan data", "a dict", limit=8)["a"][0])
    <class 'dict'>

    ```
    """
    if _plain(data, limit):
        return data
    return _Copier(what, accepted, limit, refusal).copied(data, 1)


#: The most items one mapping or list of the caller's own may give (a snapshot's columns
#: hold one item per record): more, or one that never ends, is refused.
MOST_ITEMS: Final = 1 << 24

#: What JSON-like data mostly holds, and what runs no code of the caller's: not walked.
_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def _plain(data: object, limit: int) -> bool:
    """Whether ``data`` holds nothing but plain containers, scalars and other objects."""
    stack: list[tuple[object, int]] = [(data, 1)]
    scalars = _SCALARS
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            if not all(type(key) in scalars for key in value):
                return False  # a key of the caller's type: read (and hashed) by the copy
            items: Iterable[object] = value.values()
        elif type(value) is list or type(value) is tuple:
            items = value
        elif isinstance(value, Mapping | list | tuple | str | int | float):
            return False  # a subclass: its code may run
        else:
            continue
        if depth <= limit:
            stack += [(item, depth + 1) for item in items if type(item) not in scalars]
    return True


class _Copier:
    """Reads a caller's data into plain dicts, lists and scalars (see `plain_data()`)."""

    __slots__ = ("accepted", "limit", "refusal", "what")

    def __init__(
        self, what: str, accepted: str, limit: int, refusal: Callable[[str], RatekitError]
    ) -> None:
        self.what = what
        self.accepted = accepted
        self.limit = limit
        self.refusal = refusal

    def refuse(self, kind: str, problem: str) -> RatekitError:
        return self.refusal(
            f"{self.what} could not be read: its {kind} {problem}; give {self.accepted}."
        )

    def read(self, value: Iterable[T], kind: str) -> list[T]:
        bound, why = declared(value)
        try:
            read = list(itertools.islice(value, bound + 1))
        except ReentrantCallError:  # ratekit's refusal of a call back, let out: as it is
            raise
        except Exception as error:  # the caller's object may raise anything
            raise self.refuse(kind, f"raised {raised(error)}") from error
        if len(read) > bound:
            raise self.refuse(kind, f"gives more than {bound:,} items{why} (or never ends)")
        return read

    def copied(self, value: object, depth: int) -> object:
        if depth > self.limit:
            return value  # the door refuses data nested this deep
        if isinstance(value, Mapping):
            kind = f"mapping ({type(value).__name__})"
            items = read_items(
                value, self.what, kind, self.accepted, refusal=self.refusal, most=declared(value)
            )
            return {plain_scalar(key): self.copied(item, depth + 1) for key, item in items}
        if isinstance(value, list | tuple):
            kind = f"list ({type(value).__name__})"
            return [self.copied(item, depth + 1) for item in self.read(value, kind)]
        return plain_scalar(value)


def declared(value: object) -> tuple[int, str]:
    """The most items a caller's container may give, and why: what its ``len()`` says.

    A mapping or list that gives more than its ``len()`` is broken, or never ends: reading
    it stops after that many items and one more, not after `MOST_ITEMS` (16,777,216 items
    drawn from an endless mapping of the caller's took about 7 s). A ``len()`` that raises
    or says `MOST_ITEMS` or more leaves `MOST_ITEMS`. O(1), bar the caller's ``len()``.
    """
    try:
        size = len(value)  # type: ignore[arg-type]
    except ReentrantCallError:  # ratekit's refusal of a call back, let out: as it is
        raise
    except Exception:  # no len(), or one of the caller's that raises: the bound of all
        return MOST_ITEMS, ""
    return (size, ", more than its len() says") if size < MOST_ITEMS else (MOST_ITEMS, "")


def plain_scalar(value: object) -> object:
    """A string, int or float of a subclass as the plain one it holds; anything else as is."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return value


def unreadable(what: str, kind: str, accepted: str, error: BaseException) -> RatekitTypeError:
    """The refusal of a caller's object that raised ``error`` while ``what`` was read."""
    return RatekitTypeError(
        f"{what} could not be read: its {kind} raised {raised(error)}; give {accepted}."
    )
