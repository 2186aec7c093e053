"""Dotted paths into descriptions: ``"properties.size"`` reads ``d["properties"]["size"]``.

Selectors, levels, ``when`` conditions, ``group_by`` and the CloudEvents adapter's
``data.`` references name an attribute by a path, and every one of them reads it here,
by one rule, in batch and stream alike. Keys may themselves hold dots (a Kubernetes
label ``"node.kubernetes.io/instance-type"``, an extended resource ``"nvidia.com/gpu"``),
flat or nested, so a path is cut at its dots into keys present in the mapping:

- the whole path is a key first (a flat ``"properties.size"`` key is read as it is);
- else the path is cut after its first n names into a key present in the mapping and
  the rest, read inside that key's value by the same rule, for n from the most names to
  the fewest: the **longest key present wins**, and a shorter one is tried only when the
  longer leads nowhere. So ``"a.b.c"`` reads the first that exists of ``m["a.b.c"]``,
  ``m["a.b"]["c"]``, ``m["a"]["b.c"]``, ``m["a"]["b"]["c"]``;
- inside a list the next name is an index: a whole number (``"disks.0.size"``; negative
  ones count from the end); a string is not indexed.

Readings of one path that all exist agree when a feed nests a flat mapping without
clashes; where two differ (a flat ``"a.b": 1`` next to ``"a": {"b": 2}``), the longest key
wins, as it always has for the whole path: the value of the key that names the most of
the path, the one the producer wrote under that name. So an event that sets the whole
path as a key settles a selector on it whatever the description it merges into holds
(the rater's door counts on it: `_rater_priced_verdicts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Final

from ._entry_points import plain_text
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

#: The most names of a path whose cuts are kept joined (n(n+1)/2 keys, ~500 for 32
#: names); a longer path's keys are joined when tried, so a path's cuts take O(n) memory,
#: and a key read inside it spans at most this many of its names (the whole path is
#: still tried as a key first).
_JOINED: Final = 32
#: The most names of a path read without remembering the mappings that led nowhere: at
#: most 2^7 readings, fewer look-ups than the remembering costs.
_FEW: Final = 8
#: The most paths whose cuts are kept (`_cuts()`): the paths of a rating's meters and
#: entries, a few dozen; the cache starts over when full.
_KEPT: Final = 1024


class _Steps:
    """The cuts of one path: per name (by position), the keys a mapping there may hold.

    At position 0 the whole path is left out (`lookup()` tries it first, and only it
    reads from position 0).
    """

    __slots__ = ("end", "few", "indexes", "joined", "keys", "names")

    def __init__(self, path: str) -> None:
        names = path.split(".")
        self.names: Final = tuple(names)
        self.end: Final = len(names)
        self.few: Final = len(names) <= _FEW
        #: The list index each name reads (``"0"``, ``"-1"``), or None.
        self.indexes: Final = tuple([_index(name) for name in names])
        #: Per position, the keys from it on, longest first, each with the position
        #: after it (None for a path of more than `_JOINED` names).
        self.joined: Final = (
            tuple([tuple(self._keys(at)) for at in range(len(names))])
            if len(names) <= _JOINED
            else None
        )
        #: The keys a mapping at each position may hold, longest first, with the next
        #: position: those joined, or a function that joins them when tried.
        self.keys: Final[Callable[[int], Iterable[tuple[str, int]]]] = (
            self._keys if self.joined is None else self.joined.__getitem__
        )

    def _keys(self, at: int) -> Iterator[tuple[str, int]]:
        names = self.names
        top = len(names) - 1 if at == 0 else len(names)
        if len(names) > _JOINED:
            # a key read inside a long path spans at most `_JOINED` of its names, so a
            # mapping is searched in O(_JOINED²) at each position, not O(n²)
            top = min(top, at + _JOINED)
        return ((".".join(names[at:stop]), stop) for stop in range(top, at, -1))


_CUTS: dict[str, _Steps] = {}


def _cuts(path: str) -> _Steps:
    """The cuts of ``path``, worked out once per path (of the latest `_KEPT`). O(n²) for n names."""
    steps = _CUTS.get(path)
    if steps is None:
        if len(_CUTS) >= _KEPT:
            _CUTS.clear()
        steps = _CUTS[path] = _Steps(path)
    return steps


def lookup(description: Mapping[str, object], path: str) -> object:
    """The value at ``path`` in ``description``, or `MISSING`.

    The whole path as a key first, then the longest key present at each step (the
    module's rule). O(1) for a key present as it is or a path without dots; else at most
    n dictionary look-ups per mapping on the way for n names, each mapping tried once per
    position, the cuts of a path worked out once (`_cuts()`).

    Examples:
        >>> lookup({"properties": {"size": 5}}, "properties.size")
        5
        >>> lookup({"properties.size": 7, "properties": {"size": 5}}, "properties.size")
        7
        >>> lookup({"labels": {"node.kubernetes.io/instance-type": "spot"}},
        ...        "labels.node.kubernetes.io/instance-type")
        'spot'
        >>> lookup({"a.b": {"c": 1}, "a": {"b.c": 2}}, "a.b.c")  # the longest key: "a.b"
        1
        >>> lookup({"a.b": {"x": 1}, "a": {"b": {"c": 3}}}, "a.b.c")  # "a.b" leads nowhere
        3
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
    steps = _CUTS.get(path) or _cuts(path)
    return _read(description, steps, 0, None if steps.few else set())


def _read(current: object, steps: _Steps, at: int, dead: set[tuple[int, int]] | None) -> object:
    """The value at the names of ``steps`` from ``at`` on inside ``current``, or MISSING.

    ``dead``: the (mapping's id, position) pairs found to lead nowhere (None for a path
    of `_FEW` names or fewer), so that a mapping whose keys allow many cuts is searched
    once per position.
    """
    if not isinstance(current, dict) and not isinstance(current, Mapping):  # (dict: quicker)
        return _item(current, steps, at, dead)
    if dead is not None and (id(current), at) in dead:
        return MISSING
    end = steps.end
    get = current.get
    for key, after in steps.keys(at):
        value = get(key, MISSING)
        if value is not MISSING:
            if after == end:
                return value
            found = _read(value, steps, after, dead)
            if found is not MISSING:
                return found
    if dead is not None:
        dead.add((id(current), at))
    return MISSING


def _item(current: object, steps: _Steps, at: int, dead: set[tuple[int, int]] | None) -> object:
    """The value at the names from ``at`` on inside ``current``, a list the name indexes."""
    index = steps.indexes[at]
    if not isinstance(current, Sequence) or isinstance(current, str | bytes) or index is None:
        return MISSING
    if not -len(current) <= index < len(current):
        return MISSING
    if at + 1 == steps.end:
        return current[index]
    return _read(current[index], steps, at + 1, dead)


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
